"""The event bus's vocabulary: topic names, and the transactional outbox that publishes after commit."""
