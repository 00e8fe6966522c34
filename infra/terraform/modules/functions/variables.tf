variable "project" {
  description = "Google Cloud project id."
  type        = string
}

variable "region" {
  description = "Region of the functions and their source bucket."
  type        = string
}

variable "topics" {
  description = "Topic key (as in shared/contracts/topics.json) → topic name."
  type        = map(string)
}

variable "topic_ids" {
  description = "Topic key → full topic id."
  type        = map(string)
}

variable "dead_letter_topic_id" {
  description = "Full id of the dead-letter topic every trigger subscription forwards to."
  type        = string
}

variable "pubsub_service_agent" {
  description = "Email of the project's Pub/Sub service agent."
  type        = string
}

variable "media_bucket" {
  description = "The functions' blob store bucket (CHARLA_BLOB_BUCKET)."
  type        = string
}

variable "bigquery_dataset" {
  description = "The history dataset (CHARLA_BIGQUERY_DATASET)."
  type        = string
}

variable "bigquery_location" {
  description = "Location of the history dataset (CHARLA_BIGQUERY_LOCATION)."
  type        = string
}

variable "tasks_queue_name" {
  description = "The timers' Cloud Tasks queue (CHARLA_TASKS_QUEUE)."
  type        = string
}

variable "tasks_queue_location" {
  description = "Location of the timers' queue (CHARLA_TASKS_LOCATION)."
  type        = string
}

variable "tasks_service_account" {
  description = "Email of the account Cloud Tasks publishes timers as (CHARLA_TASKS_SERVICE_ACCOUNT)."
  type        = string
}

variable "tasks_service_account_id" {
  description = "Resource name of that account (projects/P/serviceAccounts/EMAIL)."
  type        = string
}

variable "secret_ids" {
  description = "Secret name → secret resource id (security module)."
  type        = map(string)
}

variable "account_secrets" {
  description = "Channel accounts' own secrets (see the security module's variable of the same name)."
  type = list(object({
    channel = string
    role    = string
    secret  = string
  }))
  default = []
}

variable "public_base_url" {
  description = "https://HOST the public functions are reached at (the load balancer)."
  type        = string
}

variable "twilio_account_sid" {
  description = "Twilio account SID (TWILIO_ACCOUNT_SID); empty without Twilio channels."
  type        = string
  default     = ""
}

variable "function_settings" {
  description = "Per-function overrides of memory, min_instances (0 by default) and max_instances, e.g. { webhook_whatsapp = { min_instances = 1 } }."
  type = map(object({
    memory        = optional(string)
    min_instances = optional(number)
    max_instances = optional(number)
  }))
  default = {}
}

variable "extra_environment" {
  description = "More environment variables for every function (e.g. CHARLA_SESSION_TIMEOUT_S)."
  type        = map(string)
  default     = {}
}

variable "labels" {
  description = "Labels put on every resource that takes them."
  type        = map(string)
  default     = {}
}
