variable "region" {
  description = "Region of the queue and the scheduler jobs."
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

variable "queue_name" {
  description = "Name of the Cloud Tasks queue (the functions get it as CHARLA_TASKS_QUEUE)."
  type        = string
  default     = "charla-timers"
}

variable "max_dispatches_per_second" {
  description = "Timers published per second at most (a burst of due timers is spread out, not dropped)."
  type        = number
  default     = 50
}

variable "max_concurrent_dispatches" {
  description = "Timers being published at once at most."
  type        = number
  default     = 100
}

variable "time_zone" {
  description = "Time zone of the scheduler jobs' schedules."
  type        = string
  default     = "Etc/UTC"
}

variable "retention_schedule" {
  description = "Cron schedule of the retention purge."
  type        = string
  default     = "30 3 * * *"
}

variable "outbox_sweep_schedule" {
  description = "Cron schedule of the outbox sweep (a staged reply waits at most this long after a crash)."
  type        = string
  default     = "* * * * *"
}
