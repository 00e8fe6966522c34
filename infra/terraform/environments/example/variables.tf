variable "project" {
  description = "Google Cloud project of this environment (one project per environment: names inside it are fixed)."
  type        = string
}

variable "region" {
  description = "Region of the functions, the queue, the scheduler jobs and the buckets."
  type        = string
  default     = "us-central1"
}

variable "environment" {
  description = "Name of this environment (production, staging...): a label on every resource."
  type        = string
}

variable "domain" {
  description = "Host name of the console, console_api and the webhooks; point its DNS A record at the public_ip output. Empty: <ip>.nip.io, for trials."
  type        = string
  default     = ""
}

variable "firestore_location" {
  description = "Location of the Firestore database (a region or nam5, eur3...); null: the region. Cannot change later."
  type        = string
  default     = null
}

variable "bigquery_dataset" {
  description = "Id of the history dataset."
  type        = string
  default     = "charla_history"
}

variable "bigquery_location" {
  description = "Location of the history dataset."
  type        = string
  default     = "US"
}

variable "history_partition_expiration_days" {
  description = "Days the history tables keep a day's partition; null: kept (the workspaces' retention policies apply)."
  type        = number
  default     = null
}

variable "media_max_age_days" {
  description = "Days after which every customer file is deleted, whatever the workspace policy; null: no such limit."
  type        = number
  default     = null
}

variable "time_zone" {
  description = "Time zone of the scheduler jobs (the daily retention purge runs at 03:30 there)."
  type        = string
  default     = "Etc/UTC"
}

variable "twilio_account_sid" {
  description = "Twilio account SID, for SMS and WhatsApp through Twilio; empty without them."
  type        = string
  default     = ""
}

variable "account_secrets" {
  description = "Channel accounts with their own secret (workspace.yaml channels[].secrets): [{ channel, role, secret }]."
  type = list(object({
    channel = string
    role    = string
    secret  = string
  }))
  default = []
}

variable "enable_cloud_armor" {
  description = "Cloud Armor in front of console_api (OWASP rules, rate limit) and the webhooks (rate limit); false saves its monthly fee on a trial."
  type        = bool
  default     = true
}

variable "console_requests_per_minute" {
  description = "With Cloud Armor: requests a minute one address may send to console_api."
  type        = number
  default     = 600
}

variable "webhook_requests_per_minute" {
  description = "With Cloud Armor: requests a minute one address may send to the webhooks."
  type        = number
  default     = 6000
}

variable "function_settings" {
  description = "Per-function memory, min_instances and max_instances, e.g. { webhook_whatsapp = { min_instances = 1 } }."
  type = map(object({
    memory        = optional(string)
    min_instances = optional(number)
    max_instances = optional(number)
  }))
  default = {}
}

variable "extra_environment" {
  description = "More environment variables for every function (e.g. CHARLA_SESSION_TIMEOUT_S = \"3600\")."
  type        = map(string)
  default     = {}
}
