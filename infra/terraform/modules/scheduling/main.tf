# Timers (menu reminders, ticket expiry, invitations, queue overflow, idle sessions) are Cloud Tasks
# HTTP tasks scheduled by the functions through the outbox; at their time Cloud Tasks publishes them to
# the timers topic as the tasks service account (shared/adapters/gcp/cloud_tasks_scheduler.py). Ticket
# expiry is one such task per ticket, scheduled when the ticket opens: no periodic job is needed for it.
resource "google_cloud_tasks_queue" "timers" {
  name     = var.queue_name
  location = var.region

  rate_limits {
    max_dispatches_per_second = var.max_dispatches_per_second
    max_concurrent_dispatches = var.max_concurrent_dispatches
  }

  # A dispatch is one Pub/Sub publish; it fails only while Pub/Sub or the token service has trouble.
  retry_config {
    max_attempts       = 20
    min_backoff        = "1s"
    max_backoff        = "300s"
    max_doublings      = 8
    max_retry_duration = "86400s"
  }

  stackdriver_logging_config {
    sampling_ratio = 0.1
  }
}

# The identity Cloud Tasks publishes with (CHARLA_TASKS_SERVICE_ACCOUNT): it can publish to the timers
# topic and nothing else. The functions that schedule get permission to act as it (functions module).
resource "google_service_account" "tasks" {
  account_id   = "charla-tasks"
  display_name = "Charla timers: Cloud Tasks publishes due timers as this account"
}

resource "google_pubsub_topic_iam_member" "tasks_publish_timers" {
  topic  = var.topics["timers"]
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.tasks.email}"
}

# The daily retention purge (retention_purge reads {} as "start a run"; a run that needs longer goes on
# by publishing its cursor to the same topic).
resource "google_cloud_scheduler_job" "retention_purge" {
  name             = "charla-retention-purge"
  region           = var.region
  description      = "Daily GDPR/LGPD retention purge: publishes {} to the retention topic."
  schedule         = var.retention_schedule
  time_zone        = var.time_zone

  retry_config {
    retry_count          = 5
    min_backoff_duration = "10s"
    max_backoff_duration = "600s"
  }

  pubsub_target {
    topic_name = var.topic_ids["retention"]
    data       = base64encode(jsonencode({}))
  }
}

# The outbox sweep: a reply staged with its state change is published right after the commit; one left
# behind by a crash between the two is published by the sweep (shared/events/outbox.py: run_timer runs it when
# the timers topic carries {"action": "outbox_sweep"}). The local stack sweeps on its own every 5 s.
resource "google_cloud_scheduler_job" "outbox_sweep" {
  name             = "charla-outbox-sweep"
  region           = var.region
  description      = "Publishes replies a crash left staged in the outbox (run_timer sweeps on this message)."
  schedule         = var.outbox_sweep_schedule
  time_zone        = var.time_zone

  retry_config {
    retry_count = 0 # the next minute's sweep does the same work
  }

  pubsub_target {
    topic_name = var.topic_ids["timers"]
    data       = base64encode(jsonencode({ action = "outbox_sweep" }))
  }
}
