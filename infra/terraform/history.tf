# The history dataset: tables, schemas, partitioning and clustering all come
# from shared/history (the same files the exporter and the tests read).
locals {
  history_dir    = "${path.module}/../../shared/history"
  history_tables = { for name, spec in jsondecode(file("${local.history_dir}/tables.json")) : name => spec if !startswith(name, "_") }
}

resource "google_bigquery_dataset" "history" {
  dataset_id  = "charla_history"
  location    = var.bigquery_location
  description = "Charla conversation history: sessions, events, messages."
}

resource "google_bigquery_table" "history" {
  for_each            = local.history_tables
  dataset_id          = google_bigquery_dataset.history.dataset_id
  table_id            = each.key
  schema              = file("${local.history_dir}/${each.value.schema}")
  clustering          = each.value.clustering
  deletion_protection = true

  time_partitioning {
    type  = "DAY"
    field = each.value.partition_field
  }
}
