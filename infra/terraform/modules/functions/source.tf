# Terraform builds each function's source archive itself: main.py (every function by its name),
# requirements.txt, functions/ (the shared HTTP helpers and the function's own folder), shared/, and the
# top-level packages its entry of local.functions names (nlu_model for resolve_intent). The object name
# carries the archive's hash, so a code change deploys a new revision and nothing else does.
locals {
  repo = "${path.module}/../../../.."

  common_sources = setunion(
    ["main.py", "requirements.txt"],
    fileset(local.repo, "functions/*.py"),
    fileset(local.repo, "shared/**/*.{py,json,sql}"),
  )

  archive_files = {
    for name, f in local.functions : name => sort(setunion(
      local.common_sources,
      fileset(local.repo, "functions/${name}/**/*.{py,json,html,js,css}"),
      flatten([for package in f.packages : tolist(fileset(local.repo, "${package}/**/*.{py,json,jsonl}"))]),
    ))
  }
}

data "archive_file" "source" {
  for_each    = local.functions
  type        = "zip"
  output_path = "${path.root}/.build/${each.key}.zip"

  dynamic "source" {
    for_each = local.archive_files[each.key]
    content {
      filename = source.value
      content  = file("${local.repo}/${source.value}")
    }
  }
}

resource "google_storage_bucket" "source" {
  #checkov:skip=CKV_GCP_62:object access is recorded by Cloud Audit Logs, not legacy usage-log buckets
  #checkov:skip=CKV_GCP_78:object names carry the archive's hash, so nothing here is ever overwritten: versions would keep nothing
  name                        = "${var.project}-charla-function-sources"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  labels                      = var.labels
}

resource "google_storage_bucket_object" "source" {
  for_each     = local.functions
  name         = "functions/${each.key}-${data.archive_file.source[each.key].output_md5}.zip"
  bucket       = google_storage_bucket.source.name
  source       = data.archive_file.source[each.key].output_path
  content_type = "application/zip"
}
