output "topics" {
  description = "Topic key (as in topics.json) → topic name."
  value       = { for key, topic in google_pubsub_topic.topic : key => topic.name }
}

output "topic_ids" {
  description = "Topic key → full topic id (projects/P/topics/T)."
  value       = { for key, topic in google_pubsub_topic.topic : key => topic.id }
}

output "dead_letter_topic_id" {
  value = google_pubsub_topic.topic["dead_letter"].id
}
