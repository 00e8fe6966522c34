# An environment: one Google Cloud project with the whole platform. Copy this folder to
# environments/<name>, set its terraform.tfvars, and `terraform apply` there (README, Deploy).
locals {
  labels = { app = "charla", environment = var.environment }
  # Pub/Sub's own identity: it forwards dead letters and signs push requests.
  pubsub_service_agent = "service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

data "google_project" "this" {}

resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com", "bigquery.googleapis.com", "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com", "cloudscheduler.googleapis.com", "cloudtasks.googleapis.com",
    "compute.googleapis.com", "firestore.googleapis.com", "iam.googleapis.com", "logging.googleapis.com",
    "pubsub.googleapis.com", "run.googleapis.com", "secretmanager.googleapis.com", "storage.googleapis.com",
  ])
  service            = each.value
  disable_on_destroy = false
}

module "security" {
  source                      = "../../modules/security"
  account_secrets             = var.account_secrets
  enable_cloud_armor          = var.enable_cloud_armor
  console_requests_per_minute = var.console_requests_per_minute
  webhook_requests_per_minute = var.webhook_requests_per_minute
  labels                      = local.labels
  depends_on                  = [google_project_service.apis]
}

module "messaging" {
  source               = "../../modules/messaging"
  pubsub_service_agent = local.pubsub_service_agent
  labels               = local.labels
  depends_on           = [google_project_service.apis]
}

module "data" {
  source                            = "../../modules/data"
  project                           = var.project
  region                            = var.region
  firestore_location                = coalesce(var.firestore_location, var.region)
  bigquery_dataset                  = var.bigquery_dataset
  bigquery_location                 = var.bigquery_location
  history_partition_expiration_days = var.history_partition_expiration_days
  media_max_age_days                = var.media_max_age_days
  labels                            = local.labels
  depends_on                        = [google_project_service.apis]
}

module "scheduling" {
  source     = "../../modules/scheduling"
  region     = var.region
  topics     = module.messaging.topics
  topic_ids  = module.messaging.topic_ids
  time_zone  = var.time_zone
  depends_on = [google_project_service.apis]
}

module "functions" {
  source                   = "../../modules/functions"
  project                  = var.project
  region                   = var.region
  topics                   = module.messaging.topics
  topic_ids                = module.messaging.topic_ids
  dead_letter_topic_id     = module.messaging.dead_letter_topic_id
  pubsub_service_agent     = local.pubsub_service_agent
  media_bucket             = module.data.media_bucket
  bigquery_dataset         = module.data.dataset_id
  bigquery_location        = module.data.bigquery_location
  tasks_queue_name         = module.scheduling.queue_name
  tasks_queue_location     = module.scheduling.queue_location
  tasks_service_account    = module.scheduling.tasks_service_account
  tasks_service_account_id = module.scheduling.tasks_service_account_id
  secret_ids               = module.security.secret_ids
  account_secrets          = var.account_secrets
  public_base_url          = module.console_hosting.base_url
  twilio_account_sid       = var.twilio_account_sid
  function_settings        = var.function_settings
  extra_environment        = var.extra_environment
  labels                   = local.labels
  depends_on               = [google_project_service.apis]
}

module "console_hosting" {
  source                   = "../../modules/console_hosting"
  project                  = var.project
  region                   = var.region
  domain                   = var.domain
  console_dir              = "${path.root}/../../../../console"
  http_functions           = module.functions.http_functions
  services                 = module.functions.services
  console_security_policy  = module.security.console_security_policy
  webhooks_security_policy = module.security.webhooks_security_policy
  labels                   = local.labels
  depends_on               = [google_project_service.apis]
}
