# The history dataset: tables, schemas, partitioning and clustering all come from shared/history (the
# same files the exporter and the tests read). export_history's ensure_tables() finds them here.
locals {
  history_dir    = "${path.module}/../../../../shared/history"
  history_tables = { for name, spec in jsondecode(file("${local.history_dir}/tables.json")) : name => spec if !startswith(name, "_") }
  # null keeps every partition: each workspace's retention policy (retention_purge) forgets what it must.
  partition_expiration_ms = var.history_partition_expiration_days == null ? null : var.history_partition_expiration_days * 86400000
}

resource "google_bigquery_dataset" "history" {
  #checkov:skip=CKV_GCP_81:Google-managed encryption at rest; customer-managed keys are an organisation-policy choice (add default_encryption_configuration if yours requires it)
  dataset_id                 = var.bigquery_dataset
  location                   = var.bigquery_location
  description                = "Charla conversation history: sessions, events, messages."
  delete_contents_on_destroy = false
  labels                     = var.labels
}

resource "google_bigquery_table" "history" {
  #checkov:skip=CKV_GCP_80:Google-managed encryption at rest, as the dataset (see CKV_GCP_81 there)
  for_each            = local.history_tables
  dataset_id          = google_bigquery_dataset.history.dataset_id
  table_id            = each.key
  description         = "Charla history: ${each.key}. One row per ${each.value.id_column} (streaming insertId); partitioned by day of ${each.value.partition_field}."
  schema              = file("${local.history_dir}/${each.value.schema}")
  clustering          = each.value.clustering
  deletion_protection = true
  labels              = var.labels

  time_partitioning {
    type          = "DAY"
    field         = each.value.partition_field
    expiration_ms = local.partition_expiration_ms
  }
}
