output "webhook_urls" {
  description = "Callback URLs to set at each provider. Telegram: append /<bot id> (the digits before ':' in the bot token)."
  value = {
    for name in sort(tolist(module.functions.http_functions)) :
    name => "${module.console_hosting.base_url}/${name}" if startswith(name, "webhook_")
  }
}

output "webchat_widget_url" {
  description = "The web chat widget's page (embed it, or open it to try the chat)."
  value       = "${module.console_hosting.base_url}/webhook_webchat/widget"
}

output "console_url" {
  description = "The agent console."
  value       = module.console_hosting.console_url
}

output "console_api_url" {
  description = "Base URL of console_api (its OpenAPI document is at /openapi.json under it)."
  value       = "${module.console_hosting.base_url}/console_api"
}

output "dataset_id" {
  description = "The BigQuery history dataset (project.dataset)."
  value       = "${var.project}.${module.data.dataset_id}"
}

output "public_ip" {
  description = "Point the domain's DNS A record here."
  value       = module.console_hosting.public_ip
}

output "function_urls" {
  description = "Each function's own URL (for logs and debugging; the public ones answer only through the load balancer)."
  value       = module.functions.urls
}
