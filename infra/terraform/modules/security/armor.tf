# Optional Cloud Armor policies in front of the public endpoints (the load balancer of the console_hosting
# module attaches them). Two policies, because the traffic differs:
# - console_api: agents' browsers. Rate limit per address and the OWASP preconfigured rules.
# - webhooks: providers and web chat visitors. Rate limit per address only: their bodies are what customers
#   wrote, and OWASP signatures on that text ("' OR 1=1", "<script>") would drop real customers' messages;
#   the webhooks verify every provider's signature in code instead.
locals {
  owasp_rules = {
    1000 = "sqli-v33-stable"
    1001 = "xss-v33-stable"
    1002 = "lfi-v33-stable"
    1003 = "rfi-v33-stable"
    1004 = "rce-v33-stable"
    1005 = "methodenforcement-v33-stable"
    1006 = "scannerdetection-v33-stable"
    1007 = "protocolattack-v33-stable"
    1008 = "sessionfixation-v33-stable"
  }
}

resource "google_compute_security_policy" "console_api" {
  count       = var.enable_cloud_armor ? 1 : 0
  name        = "charla-console-api"
  description = "console_api: OWASP preconfigured rules and a rate limit per client address."
  type        = "CLOUD_ARMOR"

  rule {
    action      = "deny(403)"
    priority    = 900
    description = "Log4j message lookups (CVE-2021-44228)"
    match {
      expr {
        expression = "evaluatePreconfiguredWaf('cve-canary')"
      }
    }
  }

  dynamic "rule" {
    for_each = local.owasp_rules
    content {
      action      = "deny(403)"
      priority    = rule.key
      description = "OWASP ModSecurity CRS: ${rule.value}"
      match {
        expr {
          # Sensitivity 1: the rules with the fewest false positives (agents write free text too).
          expression = "evaluatePreconfiguredWaf('${rule.value}', {'sensitivity': 1})"
        }
      }
    }
  }

  rule {
    action      = "throttle"
    priority    = 2000
    description = "At most console_requests_per_minute requests a minute from one address"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
    rate_limit_options {
      conform_action = "allow"
      exceed_action  = "deny(429)"
      enforce_on_key = "IP"
      rate_limit_threshold {
        count        = var.console_requests_per_minute
        interval_sec = 60
      }
    }
  }

  rule {
    action      = "allow"
    priority    = 2147483647
    description = "Everything else"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }
}

resource "google_compute_security_policy" "webhooks" {
  count       = var.enable_cloud_armor ? 1 : 0
  name        = "charla-webhooks"
  description = "Provider webhooks and web chat: a rate limit per client address."
  type        = "CLOUD_ARMOR"

  rule {
    action      = "deny(403)"
    priority    = 900
    description = "Log4j message lookups (CVE-2021-44228)"
    match {
      expr {
        expression = "evaluatePreconfiguredWaf('cve-canary')"
      }
    }
  }

  rule {
    action      = "throttle"
    priority    = 2000
    description = "At most webhook_requests_per_minute requests a minute from one address (providers retry a 429)"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
    rate_limit_options {
      conform_action = "allow"
      exceed_action  = "deny(429)"
      enforce_on_key = "IP"
      rate_limit_threshold {
        count        = var.webhook_requests_per_minute
        interval_sec = 60
      }
    }
  }

  rule {
    action      = "allow"
    priority    = 2147483647
    description = "Everything else"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }
}
