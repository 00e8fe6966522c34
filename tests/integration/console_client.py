"""console_api as the integration tests call it: through functions-framework's test client, on the
platform under test, with the console's keys set; and the password logins its users sign in with."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import functions_framework

from shared.bootstrap import Platform, use_platform
from shared.console.logins import Logins

SOURCE = str(Path(__file__).resolve().parents[2] / "main.py")
SESSION_KEY, TWO_FACTOR_KEY = "k" * 48, "t" * 48
PASSWORD = "correct horse battery"


def console_logins(platform: Platform) -> Logins:
    """For seeding users: their passwords, in the store console_api signs in against."""
    return Logins(platform.store, platform.clock)


@contextmanager
def console_api_client(platform: Platform, monkeypatch) -> Iterator[object]:
    monkeypatch.setenv("CHARLA_SECRET_CONSOLE_SESSION_KEY", SESSION_KEY)
    monkeypatch.setenv("CHARLA_SECRET_CONSOLE_TWO_FACTOR_KEY", TWO_FACTOR_KEY)
    use_platform(platform)
    try:
        yield functions_framework.create_app(target="console_api", source=SOURCE, signature_type="http").test_client()
    finally:
        use_platform(None)


class ConsoleClient:
    def __init__(self, client) -> None:
        self.client = client

    def call(self, method: str, path: str, token: str = "", body=None, raw: bytes | None = None, **query):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = self.client.open(path, method=method, headers=headers,
                                    data=data, query_string=query, content_type="application/json")
        return response.status_code, response.get_json(silent=True)

    def login(self, email: str) -> str:
        status, body = self.call("POST", "/login", body={"email": email, "password": PASSWORD})
        assert status == 200, body
        return body["token"]
