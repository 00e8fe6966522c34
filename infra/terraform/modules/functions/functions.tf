# Every function of main.FUNCTIONS, with what it needs and nothing more. The provider webhooks come from
# the providers' contract (one entry each, sized alike); the table below is the one place that says, per
# other function: its size, the topics it publishes to, the stores it touches, the
# credentials it reads. tests/infra/test_terraform_consistency.py derives the same facts from the code
# (its imports, its decorators, the credentials it and the providers table read) and fails when the two disagree.
#
# Keys of each entry:
#   memory, cpu, timeout_s, concurrency, max_instances  size (overridable per environment: var.function_settings)
#   publishes    topic keys of shared/contracts/topics.json it publishes to (roles/pubsub.publisher on each)
#                (never "timers": timers are Cloud Tasks that the tasks account publishes when they are due)
#   firestore    reads and writes the document store (roles/datastore.user)
#   blobs        "none", "read" (objectViewer) or "read_write" (objectUser) on the media bucket
#   warehouse    "none", "insert" (streaming inserts; creates missing tables) or "query" (reports and DML)
#   schedules    schedules or cancels timers (Cloud Tasks enqueuer and deleter; acts as the tasks account)
#   credentials  "channel/role" pairs of shared/contracts/channel_secrets.json it reads from Secret Manager
#   console_key  reads the console's keys: session signing and two-step sealing (shared/contracts/console.json)
#   visitor_key  reads the key that signs web chat visitor tokens (shared/contracts/webchat.json)
#   packages     top-level folders of the repository its archive carries besides functions/ and shared/
#
# Whether a function is HTTP or event-driven is not here: an event function is one that
# shared/contracts/topics.json subscribes to a topic (see triggers.tf); every other one is HTTP.
locals {
  # The providers' webhooks and the credentials the provider APIs are called with: the providers table's
  # (shared/channels/providers.py), written to shared/contracts/channel_secrets.json. A provider added to the
  # table gets its webhook function deployed and its credentials granted without an edit here.
  provider_contract = jsondecode(file("${path.module}/../../../../shared/contracts/channel_secrets.json"))
  # The provider APIs send/fetch with the account's token (shared/channels/credentials.py, provider_endpoint).
  api_credentials = local.provider_contract.api_credentials

  # Every provider webhook alike: verify, route, publish; its credentials are its provider's signing secrets.
  provider_webhook = {
    memory = "512Mi", cpu = "1", timeout_s = 60, concurrency = 20, max_instances = 20
    publishes = ["inbound", "media", "history"], firestore = true, blobs = "none", warehouse = "none"
    schedules = false, credentials = [], console_key = false, visitor_key = false, packages = []
  }
  provider_webhooks = {
    for name, credentials in local.provider_contract.webhooks : name => merge(local.provider_webhook, { credentials = credentials })
  }

  functions = merge(local.provider_webhooks, local.own_functions)

  own_functions = {
    webhook_webchat = {
      memory = "512Mi", cpu = "1", timeout_s = 60, concurrency = 80, max_instances = 20 # visitors long-poll 25 s
      publishes = ["inbound", "media", "history"], firestore = true, blobs = "none", warehouse = "none"
      schedules = false, credentials = [], console_key = false, visitor_key = true, packages = []
    }
    fetch_media = {
      memory = "1Gi", cpu = "1", timeout_s = 120, concurrency = 4, max_instances = 10 # files up to 25 MB each
      publishes = ["inbound", "dead_letter"], firestore = true, blobs = "read_write", warehouse = "none"
      schedules = false, credentials = local.api_credentials, console_key = false, visitor_key = false, packages = []
    }
    resolve_intent = {
      memory = "1Gi", cpu = "1", timeout_s = 120, concurrency = 8, max_instances = 20 # bots' intent models in memory
      publishes = ["outbound", "assignment", "history", "dead_letter"], firestore = true, blobs = "read"
      warehouse = "none", schedules = true, credentials = [], console_key = false, visitor_key = false, packages = ["nlu_model"]
    }
    send_message = {
      memory = "512Mi", cpu = "1", timeout_s = 120, concurrency = 8, max_instances = 20
      publishes = ["history", "dead_letter"], firestore = true, blobs = "read_write", warehouse = "none" # mail spool
      schedules = false, credentials = local.api_credentials, console_key = false, visitor_key = false, packages = []
    }
    assign_agent = {
      memory = "512Mi", cpu = "1", timeout_s = 60, concurrency = 8, max_instances = 10
      publishes = ["outbound", "history", "dead_letter"], firestore = true, blobs = "none", warehouse = "none"
      schedules = true, credentials = [], console_key = false, visitor_key = false, packages = []
    }
    export_history = {
      memory = "512Mi", cpu = "1", timeout_s = 60, concurrency = 16, max_instances = 10
      publishes = ["dead_letter"], firestore = false, blobs = "none", warehouse = "insert"
      schedules = false, credentials = [], console_key = false, visitor_key = false, packages = []
    }
    run_timer = {
      memory = "512Mi", cpu = "1", timeout_s = 300, concurrency = 8, max_instances = 10 # the outbox sweep: up to 500 entries
      publishes = ["outbound", "assignment", "history", "dead_letter"], firestore = true, blobs = "none"
      warehouse = "none", schedules = true, credentials = [], console_key = false, visitor_key = false, packages = []
    }
    console_api = {
      memory = "1Gi", cpu = "1", timeout_s = 300, concurrency = 80, max_instances = 10 # long polls; reports wait up to 240 s
      publishes = ["outbound", "assignment", "history"], firestore = true, blobs = "read_write"
      warehouse = "query", schedules = true, credentials = [], console_key = true, visitor_key = false, packages = []
    }
    retention_purge = {
      # 540 s: its run budget (retention_run_budget_s, 480 s) and the time to hand its cursor on. One run at a time.
      memory = "1Gi", cpu = "1", timeout_s = 540, concurrency = 1, max_instances = 1
      publishes = ["retention", "history", "dead_letter"], firestore = true, blobs = "read_write", warehouse = "query"
      schedules = false, credentials = [], console_key = false, visitor_key = false, packages = []
    }
  }

  settings = {
    for name, f in local.functions : name => {
      memory        = coalesce(try(var.function_settings[name].memory, null), f.memory)
      min_instances = coalesce(try(var.function_settings[name].min_instances, null), 0)
      max_instances = coalesce(try(var.function_settings[name].max_instances, null), f.max_instances)
    }
  }

  # What every function reads at start-up (shared/kernel/settings.py, Settings.from_env).
  environment = merge({
    CHARLA_BACKEND               = "gcp"
    CHARLA_PROJECT               = var.project
    CHARLA_DATA_DIR              = "/tmp/charla" # the only writable place (model cache); the source folder is read-only
    CHARLA_BLOB_BUCKET           = var.media_bucket
    CHARLA_BIGQUERY_DATASET      = var.bigquery_dataset
    CHARLA_BIGQUERY_LOCATION     = var.bigquery_location
    CHARLA_TASKS_LOCATION        = var.tasks_queue_location
    CHARLA_TASKS_QUEUE           = var.tasks_queue_name
    CHARLA_TASKS_SERVICE_ACCOUNT = var.tasks_service_account
    TWILIO_ACCOUNT_SID           = var.twilio_account_sid
    # Twilio signs the URL it was given, which is the load balancer's, not the one the function sees.
    TWILIO_WEBHOOK_URL = "${var.public_base_url}/webhook_twilio"
  }, var.extra_environment)
}

resource "google_cloudfunctions2_function" "function" {
  for_each    = local.functions
  name        = replace(each.key, "_", "-") # Cloud Run service names take no underscores
  location    = var.region
  description = "Charla ${each.key}"
  labels      = var.labels

  build_config {
    runtime         = "python311"
    entry_point     = each.key # main.py exports every function by its name (main.FUNCTIONS)
    service_account = google_service_account.build.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source[each.key].name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.function[each.key].email
    available_memory                 = local.settings[each.key].memory
    available_cpu                    = each.value.cpu
    timeout_seconds                  = each.value.timeout_s
    max_instance_request_concurrency = each.value.concurrency
    min_instance_count               = local.settings[each.key].min_instances
    max_instance_count               = local.settings[each.key].max_instances
    all_traffic_on_latest_revision   = true
    environment_variables            = local.environment
    # HTTP functions answer only through the load balancer (so Cloud Armor cannot be bypassed); event
    # functions only to Pub/Sub's push from this project.
    ingress_settings = contains(keys(local.event_topics), each.key) ? "ALLOW_INTERNAL_ONLY" : "ALLOW_INTERNAL_AND_GCLB"
  }

  depends_on = [
    google_project_iam_member.build,
    google_storage_bucket_iam_member.build_reads_sources,
  ]
}

locals {
  # The Cloud Run service behind each function (IAM and the load balancer's endpoint groups name it).
  services = { for name, f in google_cloudfunctions2_function.function : name => reverse(split("/", f.service_config[0].service))[0] }
}
