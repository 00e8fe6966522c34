"""A web chat visitor for tests: posts messages and polls replies like the widget does, keeping the
visitor token its first message is answered with and sending it on every later request."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import httpx

from shared.channels.webchat_tokens import VISITOR_KEY_SECRET, VISITOR_TOKEN_HEADER, VisitorTokens
from shared.ports.secrets import Secrets


@dataclass
class Visitor:
    base_url: str
    site: str = "demo-site"
    visitor_id: str = field(default_factory=lambda: f"v_{uuid.uuid4().hex[:16]}")
    cursor: int = 0
    seen: list[dict] = field(default_factory=list)
    token: str = ""  # issued by the answer to the first message

    def headers(self) -> dict[str, str]:
        return {VISITOR_TOKEN_HEADER: self.token} if self.token else {}

    def say(self, text: str, message_id: str | None = None, name: str | None = None) -> dict:
        body = {"site": self.site, "visitor_id": self.visitor_id, "text": text}
        if message_id:
            body["message_id"] = message_id
        if name:
            body["name"] = name
        response = httpx.post(f"{self.base_url}/webhook_webchat", json=body, headers=self.headers(), timeout=10)
        assert response.status_code == 202, response.text
        answer = response.json()
        self.token = answer["visitor_token"]
        return answer

    def poll(self) -> list[dict]:
        response = httpx.get(f"{self.base_url}/webhook_webchat", headers=self.headers(), timeout=10,
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


def token_held(secrets: Secrets, visitor: Visitor) -> str:
    """The token the server issues to ``visitor``, as a widget holds it from an earlier visit: for tests
    whose visitor polls before writing (an agent wrote first) or before its first message is answered."""
    return VisitorTokens(secrets.get(VISITOR_KEY_SECRET).encode()).issue(visitor.site, visitor.visitor_id)
