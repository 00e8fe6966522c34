"""A web chat visitor for tests: posts messages and polls replies like the widget does."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import httpx


@dataclass
class Visitor:
    base_url: str
    site: str = "demo-site"
    visitor_id: str = field(default_factory=lambda: f"v_{uuid.uuid4().hex[:16]}")
    cursor: int = 0
    seen: list[dict] = field(default_factory=list)

    def say(self, text: str, message_id: str | None = None, name: str | None = None) -> dict:
        body = {"site": self.site, "visitor_id": self.visitor_id, "text": text}
        if message_id:
            body["message_id"] = message_id
        if name:
            body["name"] = name
        response = httpx.post(f"{self.base_url}/webhook_webchat", json=body, timeout=10)
        assert response.status_code == 202, response.text
        return response.json()

    def poll(self) -> list[dict]:
        response = httpx.get(f"{self.base_url}/webhook_webchat", timeout=10,
                             params={"site": self.site, "visitor_id": self.visitor_id, "after": self.cursor})
        assert response.status_code == 200, response.text
        body = response.json()
        self.cursor = body["cursor"]
        self.seen.extend(body["replies"])
        return body["replies"]

    def wait_for_replies(self, count: int, timeout_s: float = 20.0) -> list[dict]:
        """Poll until ``count`` replies in all have been seen; returns every reply seen."""
        deadline = time.monotonic() + timeout_s
        while len(self.seen) < count and time.monotonic() < deadline:
            if not self.poll():
                time.sleep(0.05)
        assert len(self.seen) >= count, f"only {len(self.seen)} of {count} replies after {timeout_s}s: {self.seen}"
        return self.seen
