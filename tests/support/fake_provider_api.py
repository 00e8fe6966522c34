"""Common ground of the local provider API simulators (Meta Graph, Telegram Bot API, Twilio):
every request is recorded, failures can be injected, and files can be served for media downloads.

A subclass answers the provider's own paths (``answer``) and shapes its error bodies
(``error_body``); tests serve it with ``tests.support.wsgi_server.serve_wsgi(fake)``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response


@dataclass
class RecordedCall:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: list[tuple[str, str]] = field(default_factory=list)
    status: int = 0  # the simulator's answer


@dataclass
class InjectedFailure:
    status: int
    body: Any = None  # None: the provider's own error body for that status (error_body)
    headers: dict[str, str] = field(default_factory=dict)


class FakeProviderApi:
    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self._failures: list[InjectedFailure | None] = []  # None: that call is answered normally
        self._files: dict[str, tuple[bytes, str]] = {}  # path → (content, content type)
        self._lock = threading.Lock()
        self._counter = 0

    # -- test controls ---------------------------------------------------------------------------
    def fail_next(self, status: int, count: int = 1, body: Any = None, headers: dict[str, str] | None = None
                  ) -> None:
        """The next ``count`` message-sending calls answer ``status`` (file downloads are not affected)."""
        with self._lock:
            self._failures.extend(InjectedFailure(status, body, dict(headers or {})) for _ in range(count))

    def pass_next(self, count: int = 1) -> None:
        """The next ``count`` sends are answered normally before the failures queued after them."""
        with self._lock:
            self._failures.extend(None for _ in range(count))

    def serve_file(self, path: str, content: bytes, content_type: str) -> None:
        with self._lock:
            self._files[path] = (content, content_type)

    def next_id(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def sends(self) -> list[RecordedCall]:
        """Recorded calls that sent a message (what the customer saw), in order: refused ones left out."""
        return [c for c in self.calls if self.is_send(c) and 200 <= c.status < 300]

    def attempts(self) -> list[RecordedCall]:
        """Every call that tried to send a message, refused or not."""
        return [c for c in self.calls if self.is_send(c)]

    # -- for subclasses --------------------------------------------------------------------------
    def is_send(self, call: RecordedCall) -> bool:
        return call.method == "POST"

    def answer(self, call: RecordedCall) -> Response:  # pragma: no cover - subclasses answer
        raise NotImplementedError

    def error_body(self, status: int) -> Any:
        return {"error": {"message": f"injected {status}"}}

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()
        call = RecordedCall(method=request.method, path=request.path, query=dict(request.args),
                            headers={k: v for k, v in request.headers.items()}, body=body)
        if body and (request.mimetype or "").endswith("json"):
            try:
                call.json = json.loads(body)
            except ValueError:
                call.json = None
        if request.mimetype == "application/x-www-form-urlencoded":
            call.form = parse_qsl(body.decode(), keep_blank_values=True)
        with self._lock:
            self.calls.append(call)
            served = self._files.get(request.path) if request.method == "GET" else None
            failure = self._failures.pop(0) if self._failures and served is None and self.is_send(call) else None
        if served is not None:
            response = Response(served[0], 200, content_type=served[1])
        elif failure is not None:
            payload = failure.body if failure.body is not None else self.error_body(failure.status)
            response = Response(json.dumps(payload), failure.status, mimetype="application/json",
                                headers=failure.headers)
        else:
            response = self.answer(call)
        call.status = response.status_code
        return response(environ, start_response)

    @staticmethod
    def json_response(payload: Any, status: int = 200) -> Response:
        return Response(json.dumps(payload), status, mimetype="application/json")


class SwappableFake:
    """A WSGI app that forwards to ``fake``: one server for a test module (stopping a server takes half a
    second) and a fresh simulator per test."""

    fake: FakeProviderApi | None = None

    def __call__(self, environ, start_response):
        return self.fake(environ, start_response)
