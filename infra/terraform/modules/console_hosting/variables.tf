variable "project" {
  description = "Google Cloud project id (also the prefix of the console bucket's name)."
  type        = string
}

variable "region" {
  description = "Region of the console bucket and of the functions' endpoint groups."
  type        = string
}

variable "domain" {
  description = "Host name of the platform (point its DNS A record at the public_ip output). Empty: <ip>.nip.io, for trials."
  type        = string
  default     = ""
}

variable "console_dir" {
  description = "Folder of the console's static files (the repository's console/)."
  type        = string
}

variable "console_csp" {
  description = "Content-Security-Policy of the console's pages (the local stack sends the same)."
  type        = string
  default     = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' https: data: blob:; media-src 'self' https: blob:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

variable "http_functions" {
  description = "Names of the functions served over HTTPS (functions module)."
  type        = set(string)
}

variable "services" {
  description = "Function name → Cloud Run service name (functions module)."
  type        = map(string)
}

variable "console_security_policy" {
  description = "Cloud Armor policy for console_api, or null."
  type        = string
  default     = null
}

variable "webhooks_security_policy" {
  description = "Cloud Armor policy for the webhooks, or null."
  type        = string
  default     = null
}

variable "labels" {
  description = "Labels put on every resource that takes them."
  type        = map(string)
  default     = {}
}
