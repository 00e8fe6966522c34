output "queue_name" {
  value = google_cloud_tasks_queue.timers.name
}

output "queue_location" {
  value = google_cloud_tasks_queue.timers.location
}

output "tasks_service_account" {
  description = "Email of the account Cloud Tasks publishes timers with (CHARLA_TASKS_SERVICE_ACCOUNT)."
  value       = google_service_account.tasks.email
}

output "tasks_service_account_id" {
  value = google_service_account.tasks.name
}
