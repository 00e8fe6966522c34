# One service account per function, holding only what its entry of local.functions says it uses.
locals {
  contracts          = "${path.module}/../../../../shared/contracts"
  channel_secrets    = jsondecode(file("${local.contracts}/channel_secrets.json")).channels
  console            = jsondecode(file("${local.contracts}/console.json"))
  webchat            = jsondecode(file("${local.contracts}/webchat.json"))
  # The console's keys: the session-signing key and the key that seals two-step sign-in keys.
  console_key_secrets = [local.console.session_key_secret, local.console.two_factor_key_secret]

  publish_grants = toset(flatten([
    for name, f in local.functions : [for topic in f.publishes : "${name}/${topic}"]
  ]))

  # "function/secret": the default secret of each credential it reads, the accounts' own secrets for the
  # same channel and role, the console's keys and the web chat's visitor key. Messenger and Instagram
  # share Meta's app secret, both Twilio channels the auth token: distinct() keeps one grant each.
  secret_grants = toset(distinct(flatten([
    for name, f in local.functions : concat(
      [for credential in f.credentials : "${name}/${local.channel_secrets[split("/", credential)[0]][split("/", credential)[1]]}"],
      [for account in var.account_secrets : "${name}/${account.secret}" if contains(f.credentials, "${account.channel}/${account.role}")],
      f.console_key ? [for secret in local.console_key_secrets : "${name}/${secret}"] : [],
      f.visitor_key ? ["${name}/${local.webchat.visitor_key_secret}"] : [],
    )
  ])))

  blob_roles = { read = "roles/storage.objectViewer", read_write = "roles/storage.objectUser" }
  # Streaming inserts need no job; ensure_tables() creates the dataset if missing (bigquery.datasets.create).
  warehouse_project_roles = { insert = "roles/bigquery.user", query = "roles/bigquery.jobUser" }
}

resource "google_service_account" "function" {
  for_each     = local.functions
  account_id   = "charla-${replace(each.key, "_", "-")}"
  display_name = "Charla function ${each.key}"
}

resource "google_project_iam_member" "firestore" {
  for_each = { for name, f in local.functions : name => f if f.firestore }
  project  = var.project
  role     = "roles/datastore.user"
  member   = "serviceAccount:${google_service_account.function[each.key].email}"
}

resource "google_pubsub_topic_iam_member" "publish" {
  for_each = local.publish_grants
  topic    = var.topics[split("/", each.value)[1]]
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${google_service_account.function[split("/", each.value)[0]].email}"
}

resource "google_storage_bucket_iam_member" "blobs" {
  for_each = { for name, f in local.functions : name => f if f.blobs != "none" }
  bucket   = var.media_bucket
  role     = local.blob_roles[each.value.blobs]
  member   = "serviceAccount:${google_service_account.function[each.key].email}"
}

resource "google_bigquery_dataset_iam_member" "history" {
  for_each   = { for name, f in local.functions : name => f if f.warehouse != "none" }
  dataset_id = var.bigquery_dataset
  role       = "roles/bigquery.dataEditor" # inserts, and the retention purge's and erasures' UPDATE/DELETE
  member     = "serviceAccount:${google_service_account.function[each.key].email}"
}

resource "google_project_iam_member" "bigquery_jobs" {
  for_each = { for name, f in local.functions : name => f if f.warehouse != "none" }
  project  = var.project
  role     = local.warehouse_project_roles[each.value.warehouse]
  member   = "serviceAccount:${google_service_account.function[each.key].email}"
}

resource "google_cloud_tasks_queue_iam_member" "enqueue" {
  for_each = { for name, f in local.functions : name => f if f.schedules }
  location = var.tasks_queue_location
  name     = var.tasks_queue_name
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.function[each.key].email}"
}

resource "google_cloud_tasks_queue_iam_member" "cancel" {
  for_each = { for name, f in local.functions : name => f if f.schedules }
  location = var.tasks_queue_location
  name     = var.tasks_queue_name
  role     = "roles/cloudtasks.taskDeleter"
  member   = "serviceAccount:${google_service_account.function[each.key].email}"
}

# A task carries an OAuth token of the tasks account: whoever creates it must be allowed to act as it.
resource "google_service_account_iam_member" "act_as_tasks" {
  for_each           = { for name, f in local.functions : name => f if f.schedules }
  service_account_id = var.tasks_service_account_id
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.function[each.key].email}"
}

resource "google_secret_manager_secret_iam_member" "reads" {
  for_each  = local.secret_grants
  secret_id = var.secret_ids[split("/", each.value)[1]]
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.function[split("/", each.value)[0]].email}"
}

# Cloud Build builds the archives into images as this account (not the Compute Engine default account,
# which new projects no longer give the Editor role).
resource "google_service_account" "build" {
  account_id   = "charla-function-build"
  display_name = "Charla: builds the functions' images"
}

resource "google_project_iam_member" "build" {
  for_each = toset(["roles/logging.logWriter", "roles/artifactregistry.createOnPushWriter"])
  project  = var.project
  role     = each.value
  member   = "serviceAccount:${google_service_account.build.email}"
}

resource "google_storage_bucket_iam_member" "build_reads_sources" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build.email}"
}
