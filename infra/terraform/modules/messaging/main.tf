# Topics come from the file the Python code reads (shared/contracts/topics.json): one home for every
# topic name, subscription and delivery setting. The functions module creates each event function's
# own subscription (its trigger) from the same file.
locals {
  contract = jsondecode(file("${path.module}/../../../../shared/contracts/topics.json"))
  topics   = local.contract.topics
}

resource "google_pubsub_topic" "topic" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption at rest; customer-managed keys are an organisation-policy choice (set kms_key_name here if yours requires it)
  for_each = local.topics
  name     = each.value
  labels   = var.labels

  # Messages wait here while a function is down or being redeployed: a day is more than any outage we plan for.
  message_retention_duration = "86400s"
}

# Keeps dead-lettered messages for inspection and replay (7 days, the longest Pub/Sub allows).
resource "google_pubsub_subscription" "dead_letter_retained" {
  name                       = "charla-dead-letter-retained"
  topic                      = google_pubsub_topic.topic["dead_letter"].id
  message_retention_duration = "604800s"
  retain_acked_messages      = true
  ack_deadline_seconds       = 60
  labels                     = var.labels

  expiration_policy {
    ttl = "" # never expires, however long nobody reads it
  }
}

# Pub/Sub itself forwards a message that ran out of delivery attempts: its service agent publishes
# to the dead-letter topic (and acknowledges on each source subscription: see the functions module).
resource "google_pubsub_topic_iam_member" "dead_letter_forwarding" {
  topic  = google_pubsub_topic.topic["dead_letter"].name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${var.pubsub_service_agent}"
}
