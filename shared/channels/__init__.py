"""Channels: one module per provider (parse inbound, deliver outbound)."""
