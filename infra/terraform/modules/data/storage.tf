# The blob store of the functions (CHARLA_BLOB_BUCKET): customers' media (media/), published bots' intent
# models (models/), outgoing mail (mail/) and contact data exports. Private: nothing here is served to
# the public; the functions read and write it with their own service accounts.
resource "google_storage_bucket" "media" {
  #checkov:skip=CKV_GCP_62:object access is recorded by Cloud Audit Logs (Data Access logs for storage.googleapis.com), not legacy usage-log buckets
  name                        = "${var.project}-charla-media"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  labels                      = var.labels

  # Versions guard against a bug overwriting or deleting files; they are kept a week, so a file the
  # retention purge or an erasure request deletes is really gone within noncurrent_days.
  versioning {
    enabled = true
  }

  # Versioning already keeps deleted files for a week: soft delete would keep erased personal data a
  # second week (and bill it).
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.media_noncurrent_days
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  # Customers' files are read when a conversation is open, rarely after a month; models (models/) are read
  # at every cold start of resolve_intent, so only media/ moves to the cheaper class.
  lifecycle_rule {
    condition {
      age            = 30
      matches_prefix = ["media/"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "NEARLINE"
    }
  }

  # An upper bound on how long any customer file is kept, whatever the workspaces' policies say.
  dynamic "lifecycle_rule" {
    for_each = var.media_max_age_days == null ? [] : [var.media_max_age_days]
    content {
      condition {
        age            = lifecycle_rule.value
        matches_prefix = ["media/"]
      }
      action {
        type = "Delete"
      }
    }
  }
}
