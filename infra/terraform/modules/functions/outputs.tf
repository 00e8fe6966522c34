output "http_functions" {
  description = "Names of the functions called over HTTPS (public, behind the load balancer)."
  value       = local.http_functions
}

output "services" {
  description = "Function name → its Cloud Run service name (the load balancer's endpoint groups)."
  value       = local.services
}

output "urls" {
  description = "Function name → its own URL (reachable only through the load balancer or by Pub/Sub push)."
  value       = { for name, f in google_cloudfunctions2_function.function : name => f.service_config[0].uri }
}

output "service_accounts" {
  description = "Function name → the email of its service account."
  value       = { for name, account in google_service_account.function : name => account.email }
}
