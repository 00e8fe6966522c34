output "dataset_id" {
  value = google_bigquery_dataset.history.dataset_id
}

output "bigquery_location" {
  value = google_bigquery_dataset.history.location
}

output "media_bucket" {
  value = google_storage_bucket.media.name
}

output "firestore_database" {
  value = google_firestore_database.default.name
}
