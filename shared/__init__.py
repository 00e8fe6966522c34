"""Charla's platform library: domain, use cases, ports and adapters."""
