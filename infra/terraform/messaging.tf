# Topics and subscriptions come from the same file the Python code reads
# (shared/contracts/topics.json): one home for every name and delivery setting.
locals {
  contract      = jsondecode(file("${path.module}/../../shared/contracts/topics.json"))
  topics        = local.contract.topics
  subscriptions = local.contract.subscriptions
  delivery      = local.contract.delivery
}

resource "google_pubsub_topic" "topic" {
  for_each = local.topics
  name     = each.value
}

# Keeps dead-lettered messages for inspection and replay (7 days).
resource "google_pubsub_subscription" "dead_letter_retained" {
  name                       = "charla-dead-letter-retained"
  topic                      = google_pubsub_topic.topic["dead_letter"].id
  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60
}

# The event functions' own subscriptions are created by their Eventarc triggers;
# these settings are applied there (see functions.tf, issue 8). The dead-letter
# topic and delivery limits are the ones in the contract file.
output "function_subscriptions" {
  value = {
    for name, spec in local.subscriptions : name => {
      topic                 = local.topics[spec.topic]
      function              = spec.function
      dead_letter_topic     = local.topics.dead_letter
      max_delivery_attempts = local.delivery.max_delivery_attempts
      minimum_backoff       = "${local.delivery.min_backoff_s}s"
      maximum_backoff       = "${local.delivery.max_backoff_s}s"
    }
  }
}
