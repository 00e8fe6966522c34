# What operators alert on. Each sign-in delay console_api imposes logs a WARNING whose jsonPayload.event is
# console.json's sign_in_throttled_event (shared/console/sign_in_throttle.py), with its scope (address or
# account) and a hashed key, never an address or email. This metric counts them by scope: an alerting
# policy on its rate (a burst of "address" is one client guessing, of "account" many guessing one user)
# is the operator's to set, with the notification channels they use.
resource "google_logging_metric" "sign_in_throttled" {
  name        = "console_sign_in_throttled"
  description = "Sign-in delays console_api imposed after repeated failures, by scope"
  filter      = "jsonPayload.event=\"${local.console.sign_in_throttled_event}\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key        = "scope"
      value_type = "STRING"
    }
  }

  label_extractors = {
    scope = "EXTRACT(jsonPayload.scope)"
  }
}
