# Firestore in native mode, the composite indexes the code's queries need, and the TTL that forgets
# idempotency markers. tests/infra/test_terraform_consistency.py lists every query of the code (with the
# file it is in) and fails when one needs an index that is not here, or an index here serves no query.
resource "google_firestore_database" "default" {
  name                              = "(default)" # the clients' default database: no setting names another
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "PESSIMISTIC" # as the emulator the tests run on
  app_engine_integration_mode       = "DISABLED"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED" # a bad release's writes can be undone (7 days)
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  deletion_policy                   = "ABANDON"
}

locals {
  # Equality fields first, then the field the query orders or ranges on (Firestore's rule). Queries with
  # equality filters only are served by merging single-field indexes; the ones listed here among them are
  # the console's busiest (the inbox and the contact search), kept composite for speed.
  composite_indexes = {
    tickets_line_closed = {
      collection = "tickets"
      fields     = [["workspace_id", "ASCENDING"], ["queue", "ASCENDING"], ["status", "ASCENDING"], ["closed_at", "DESCENDING"]]
    }
    tickets_created = {
      collection = "tickets"
      fields     = [["workspace_id", "ASCENDING"], ["created_at", "ASCENDING"]]
    }
    tickets_conversation_created = {
      collection = "tickets"
      fields     = [["workspace_id", "ASCENDING"], ["conversation_id", "ASCENDING"], ["created_at", "ASCENDING"]]
    }
    tickets_waiting = {
      collection = "tickets"
      fields     = [["workspace_id", "ASCENDING"], ["status", "ASCENDING"], ["agent", "ASCENDING"]]
    }
    conversations_updated = {
      collection = "conversations"
      fields     = [["workspace_id", "ASCENDING"], ["updated_at", "ASCENDING"]]
    }
    conversations_agent_status = {
      collection = "conversations"
      fields     = [["workspace_id", "ASCENDING"], ["agent", "ASCENDING"], ["ticket_status", "ASCENDING"]]
    }
    conversations_invited_status = {
      collection = "conversations"
      fields     = [["workspace_id", "ASCENDING"], ["invited", "ASCENDING"], ["ticket_status", "ASCENDING"]]
    }
    conversations_channel_status = {
      collection = "conversations"
      fields     = [["workspace_id", "ASCENDING"], ["channel", "ASCENDING"], ["ticket_status", "ASCENDING"]]
    }
    conversations_tag_status = {
      collection = "conversations"
      fields     = [["workspace_id", "ASCENDING"], ["tags", "CONTAINS"], ["ticket_status", "ASCENDING"]]
    }
    contacts_search = {
      collection = "contacts"
      fields     = [["workspace_id", "ASCENDING"], ["search_terms", "CONTAINS"]]
    }
    contacts_created = {
      collection = "contacts"
      fields     = [["workspace_id", "ASCENDING"], ["created_at", "ASCENDING"]]
    }
    contacts_updated = {
      collection = "contacts"
      fields     = [["workspace_id", "ASCENDING"], ["updated_at", "ASCENDING"]]
    }
    team_messages_channel = {
      collection = "team_messages"
      fields     = [["workspace_id", "ASCENDING"], ["channel", "ASCENDING"], ["at", "DESCENDING"]]
    }
    agents_queue = {
      collection = "agents"
      fields     = [["workspace_id", "ASCENDING"], ["queues", "CONTAINS"]]
    }
    pending_erasures = {
      collection = "retention_pending_erasures"
      fields     = [["workspace_id", "ASCENDING"], ["erased_at", "ASCENDING"]]
    }
  }
}

resource "google_firestore_index" "composite" {
  for_each    = local.composite_indexes
  database    = google_firestore_database.default.name
  collection  = each.value.collection
  query_scope = "COLLECTION"

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value[0]
      order        = fields.value[1] == "CONTAINS" ? null : fields.value[1]
      array_config = fields.value[1] == "CONTAINS" ? "CONTAINS" : null
    }
  }
}

# Documents that only matter until a moment they carry in "expires_at", written as a Timestamp by the
# Firestore adapter (shared/ports/document_store.py EXPIRES_AT): idempotency markers (only while a
# provider or Pub/Sub may redeliver), console sessions (their token has expired), pending second
# sign-in steps and sign-in failure counts (forgotten a while after their last failure). Firestore TTL
# deletes each within a day or so after that moment.
locals {
  expiring_collections = ["processed", "console_sessions", "console_challenges", "console_throttles"]
}

resource "google_firestore_field" "ttl" {
  for_each   = toset(local.expiring_collections)
  database   = google_firestore_database.default.name
  collection = each.value
  field      = "expires_at"

  ttl_config {}
  # No single-field index on a TTL field: these documents are only read by id, and a timestamp index on
  # a write-heavy collection makes a hotspot.
  index_config {}
}
