variable "account_secrets" {
  description = <<-EOT
    Secrets of channel accounts that do not use their provider's default secret (workspace.yaml
    channels[].secrets: role → secret name), e.g. one WhatsApp number's own access token:
    [{ channel = "whatsapp", role = "access_token", secret = "whatsapp-token-5491100000000" }].
    The functions that read that role of that channel are allowed to read it.
  EOT
  type = list(object({
    channel = string
    role    = string
    secret  = string
  }))
  default = []
}

variable "enable_cloud_armor" {
  description = "Put Cloud Armor policies (rate limits; OWASP rules for console_api) in front of the public endpoints."
  type        = bool
  default     = false
}

variable "console_requests_per_minute" {
  description = "Requests a minute one address may send to console_api (an agent's console long-polls about 3 a minute per view)."
  type        = number
  default     = 600
}

variable "webhook_requests_per_minute" {
  description = "Requests a minute one address may send to the webhooks (providers send from a few addresses: keep it high)."
  type        = number
  default     = 6000
}

variable "labels" {
  description = "Labels put on every resource that takes them."
  type        = map(string)
  default     = {}
}
