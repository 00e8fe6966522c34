output "public_ip" {
  description = "Address to point the domain's DNS A record at."
  value       = google_compute_global_address.public.address
}

output "base_url" {
  description = "https://HOST of the console, console_api and the webhooks."
  value       = local.base_url
}

output "console_url" {
  value = "${local.base_url}/console/"
}
