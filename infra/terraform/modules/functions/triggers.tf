# Event functions are triggered by Pub/Sub push subscriptions of our own, not by Eventarc triggers:
# Eventarc creates its subscription itself, unordered and without a dead-letter topic, and Terraform
# cannot change either (hashicorp/terraform-provider-google#17697). The design needs both: messages of one
# conversation carry its id as ordering key, and every subscription dead-letters what keeps failing.
# A push subscription is what Eventarc would have made, with those settings: Pub/Sub POSTs each message,
# with an OIDC token of the push account, to the function, whose functions-framework turns the push body
# into the CloudEvent the @cloud_event entry point expects. A 2xx acknowledges; an error or a timeout is
# retried with backoff, then dead-lettered.
locals {
  contract = jsondecode(file("${path.module}/../../../../shared/contracts/topics.json"))
  delivery = local.contract.delivery

  # Function → its subscription's name (as shared/events/topics.py names it) and the topic key it reads.
  event_topics = {
    for key, s in local.contract.subscriptions : s.function => { subscription = "charla-${key}", topic = s.topic }
  }
  http_functions = toset([for name in keys(local.functions) : name if !contains(keys(local.event_topics), name)])
}

resource "google_service_account" "pubsub_push" {
  account_id   = "charla-pubsub-push"
  display_name = "Charla: Pub/Sub pushes messages to the event functions as this account"
}

resource "google_pubsub_subscription" "trigger" {
  for_each = local.event_topics
  name     = each.value.subscription
  topic    = var.topic_ids[each.value.topic]
  labels   = var.labels

  # For a push subscription the ack deadline is how long Pub/Sub waits for the function's answer: at
  # least the function's own timeout, or a slow run would be delivered again while it still runs.
  ack_deadline_seconds       = min(600, max(local.delivery.ack_deadline_s, local.functions[each.key].timeout_s))
  enable_message_ordering    = true
  message_retention_duration = "604800s"

  retry_policy {
    minimum_backoff = "${local.delivery.min_backoff_s}s"
    maximum_backoff = "${local.delivery.max_backoff_s}s"
  }

  dead_letter_policy {
    dead_letter_topic     = var.dead_letter_topic_id
    max_delivery_attempts = local.delivery.max_delivery_attempts
  }

  push_config {
    push_endpoint = google_cloudfunctions2_function.function[each.key].service_config[0].uri
    oidc_token {
      service_account_email = google_service_account.pubsub_push.email
    }
  }

  expiration_policy {
    ttl = "" # never expires, however quiet the topic
  }
}

# The push account may call the event functions, and nothing else.
resource "google_cloud_run_v2_service_iam_member" "push_invokes" {
  for_each = local.event_topics
  location = var.region
  name     = local.services[each.key]
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.pubsub_push.email}"
}

# Pub/Sub's service agent signs the push account's OIDC tokens...
resource "google_service_account_iam_member" "pubsub_mints_push_tokens" {
  service_account_id = google_service_account.pubsub_push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${var.pubsub_service_agent}"
}

# ...and acknowledges on each subscription the messages it forwards to the dead-letter topic (its
# publisher role there is granted by the messaging module).
resource "google_pubsub_subscription_iam_member" "dead_letter_ack" {
  for_each     = local.event_topics
  subscription = google_pubsub_subscription.trigger[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${var.pubsub_service_agent}"
}

# HTTP functions are public: providers and browsers call them without Google credentials, and each
# authenticates in code (provider signatures, the console's session tokens). Ingress lets only the load
# balancer reach them.
resource "google_cloud_run_v2_service_iam_member" "public" {
  #checkov:skip=CKV_GCP_102:public on purpose: webhooks and console_api authenticate in code and are reachable only through the load balancer
  for_each = local.http_functions
  location = var.region
  name     = local.services[each.key]
  role     = "roles/run.invoker"
  member   = "allUsers"
}
