variable "project" {
  description = "Google Cloud project id (also the prefix of the bucket name, which must be globally unique)."
  type        = string
}

variable "region" {
  description = "Region of the media bucket."
  type        = string
}

variable "firestore_location" {
  description = "Location of the Firestore database: a region (us-central1) or a multi-region (nam5, eur3). Cannot change later."
  type        = string
}

variable "bigquery_dataset" {
  description = "Id of the history dataset (the functions get it as CHARLA_BIGQUERY_DATASET)."
  type        = string
}

variable "bigquery_location" {
  description = "Location of the history dataset (US, EU or a region)."
  type        = string
}

variable "history_partition_expiration_days" {
  description = "Days a day's partition of the history tables is kept; null keeps them (workspaces' retention policies apply)."
  type        = number
  default     = null
}

variable "media_noncurrent_days" {
  description = "Days an overwritten or deleted file's old version is kept (recovery window; erased files are gone after it)."
  type        = number
  default     = 7
}

variable "media_max_age_days" {
  description = "Days after which every customer file (media/) is deleted whatever the workspace policy; null: no platform-wide limit."
  type        = number
  default     = null
}

variable "labels" {
  description = "Labels put on every resource that takes them."
  type        = map(string)
  default     = {}
}
