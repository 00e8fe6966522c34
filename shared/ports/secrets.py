"""Secrets port: provider tokens and app secrets by name (Secret Manager; environment)."""

from __future__ import annotations

from typing import Protocol


class Secrets(Protocol):
    def get(self, name: str) -> str:
        """The latest value of the secret; raises NotFound."""
        ...
