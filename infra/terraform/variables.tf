variable "project" {
  description = "Google Cloud project id."
  type        = string
}

variable "region" {
  description = "Region of the functions, the task queue and the dataset."
  type        = string
  default     = "us-central1"
}

variable "bigquery_location" {
  description = "Location of the history dataset."
  type        = string
  default     = "US"
}
