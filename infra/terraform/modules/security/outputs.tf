output "secret_ids" {
  description = "Secret name → secret resource id."
  value       = { for name, secret in google_secret_manager_secret.secret : name => secret.id }
}

output "console_security_policy" {
  description = "Self link of the console_api policy, or null without Cloud Armor."
  value       = one(google_compute_security_policy.console_api[*].self_link)
}

output "webhooks_security_policy" {
  description = "Self link of the webhooks policy, or null without Cloud Armor."
  value       = one(google_compute_security_policy.webhooks[*].self_link)
}
