"""Conversation history: table definitions and the export use case."""
