# One HTTPS host for everything public: the console (/console/), console_api (/console_api/...) and every
# webhook (/webhook_whatsapp, /webhook_telegram/<bot id>, ...). Each function sees the path after its own
# name, as it does locally and at its own URL. Optional Cloud Armor policies sit on the functions' backends;
# the functions' ingress admits only this load balancer, so nothing bypasses them.
locals {
  host     = var.domain != "" ? var.domain : "${replace(google_compute_global_address.public.address, ".", "-")}.nip.io"
  base_url = "https://${local.host}"
  # Same rules as the local stack's console: its own scripts and styles, its API on this origin.
  console_headers = [
    "Content-Security-Policy: ${var.console_csp}",
    "X-Content-Type-Options: nosniff",
    "Referrer-Policy: no-referrer",
    "Strict-Transport-Security: max-age=31536000; includeSubDomains",
  ]
}

resource "google_compute_global_address" "public" {
  name = "charla-public"
}

resource "google_compute_managed_ssl_certificate" "public" {
  name = "charla-${substr(md5(local.host), 0, 12)}" # a new host gets a new certificate before the old goes
  managed {
    domains = [local.host]
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "google_compute_ssl_policy" "modern" {
  name            = "charla-tls"
  profile         = "RESTRICTED"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_backend_bucket" "console" {
  name                    = "charla-console"
  description             = "The agent console's static files."
  bucket_name             = google_storage_bucket.console.name
  enable_cdn              = false
  custom_response_headers = local.console_headers
}

resource "google_compute_region_network_endpoint_group" "function" {
  for_each              = var.http_functions
  name                  = "charla-${replace(each.key, "_", "-")}"
  region                = var.region
  network_endpoint_type = "SERVERLESS"
  cloud_run {
    service = var.services[each.key]
  }
}

resource "google_compute_backend_service" "function" {
  for_each              = var.http_functions
  name                  = "charla-${replace(each.key, "_", "-")}"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  security_policy       = each.key == "console_api" ? var.console_security_policy : var.webhooks_security_policy

  backend {
    group = google_compute_region_network_endpoint_group.function[each.key].id
  }

  log_config {
    enable      = true
    sample_rate = 1.0
  }
}

resource "google_compute_url_map" "public" {
  name            = "charla-public"
  default_service = google_compute_backend_bucket.console.id

  host_rule {
    hosts        = ["*"]
    path_matcher = "charla"
  }

  path_matcher {
    name            = "charla"
    default_service = google_compute_backend_bucket.console.id

    route_rules {
      priority = 1
      match_rules {
        full_path_match = "/"
      }
      match_rules {
        full_path_match = "/console"
      }
      url_redirect {
        path_redirect          = "/console/"
        redirect_response_code = "FOUND"
        strip_query            = false
      }
    }

    dynamic "route_rules" {
      for_each = { for index, name in sort(tolist(var.http_functions)) : name => index }
      content {
        priority = 10 + route_rules.value
        service  = google_compute_backend_service.function[route_rules.key].id
        match_rules {
          full_path_match = "/${route_rules.key}"
        }
        match_rules {
          prefix_match = "/${route_rules.key}/"
        }
        route_action {
          url_rewrite {
            path_prefix_rewrite = "/"
          }
        }
      }
    }
  }
}

resource "google_compute_target_https_proxy" "public" {
  name             = "charla-https"
  url_map          = google_compute_url_map.public.id
  ssl_certificates = [google_compute_managed_ssl_certificate.public.id]
  ssl_policy       = google_compute_ssl_policy.modern.id
}

resource "google_compute_global_forwarding_rule" "https" {
  name                  = "charla-https"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.public.id
  port_range            = "443"
  target                = google_compute_target_https_proxy.public.id
  labels                = var.labels
}

# Port 80 only redirects to HTTPS (someone typing the host name gets the console, not an error).
resource "google_compute_url_map" "https_redirect" {
  name = "charla-https-redirect"
  default_url_redirect {
    https_redirect         = true
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
    strip_query            = false
  }
}

resource "google_compute_target_http_proxy" "redirect" {
  name    = "charla-http-redirect"
  url_map = google_compute_url_map.https_redirect.id
}

resource "google_compute_global_forwarding_rule" "http" {
  name                  = "charla-http-redirect"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.public.id
  port_range            = "80"
  target                = google_compute_target_http_proxy.redirect.id
  labels                = var.labels
}
