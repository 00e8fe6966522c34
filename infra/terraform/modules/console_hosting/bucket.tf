# The agent console (console/: static HTML, CSS and JavaScript, no build step) served from a bucket
# behind the HTTPS load balancer (lb.tf), at /console/ on the same host as console_api (/console_api):
# the console calls its API on its own origin, as it does in the local stack.
locals {
  console_files = fileset(var.console_dir, "**/*.{html,js,css,svg,png,ico,json,webmanifest,woff2}")
  content_types = {
    html = "text/html; charset=utf-8", js = "text/javascript; charset=utf-8", css = "text/css; charset=utf-8"
    svg  = "image/svg+xml", png = "image/png", ico = "image/x-icon", json = "application/json"
    webmanifest = "application/manifest+json", woff2 = "font/woff2"
  }
}

resource "google_storage_bucket" "console" {
  #checkov:skip=CKV_GCP_114:the console's static files are public by nature (a load balancer backend bucket serves only public objects); it holds no data
  #checkov:skip=CKV_GCP_62:object access is recorded by Cloud Audit Logs and the load balancer's request logs
  name                        = "${var.project}-charla-console"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "inherited"
  force_destroy               = true # only copies of console/ live here
  labels                      = var.labels

  website {
    main_page_suffix = "index.html"
  }

  # Old versions of the console's files, for rolling a release back by hand (README, Deploy).
  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket_iam_member" "console_public" {
  #checkov:skip=CKV_GCP_28:the console's static files are public web assets, read by every browser
  bucket = google_storage_bucket.console.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_storage_bucket_object" "console" {
  for_each      = local.console_files
  bucket        = google_storage_bucket.console.name
  name          = "console/${each.value}"
  source        = "${var.console_dir}/${each.value}"
  content_type  = local.content_types[reverse(split(".", each.value))[0]]
  cache_control = "no-cache" # browsers revalidate: a new release shows at the next load
}
