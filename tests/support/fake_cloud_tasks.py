"""A local stand-in for the Cloud Tasks v2 REST API, as google-cloud-tasks' REST transport uses it.

Keeps tasks in memory and records every request; it does not dispatch tasks.
- ``POST /v2/projects/P/locations/L/queues/Q/tasks`` with ``{"task": {...}}``
  -> the task; 404 for an unknown queue; 400 for a task id outside
  ``[A-Za-z0-9_-]{1,500}``; 409 ALREADY_EXISTS for a name that exists or was
  deleted before (Cloud Tasks refuses a recently used name for about an hour;
  the fake never forgets, tests are shorter than that);
- ``GET /v2/{task name}`` -> the task, 404 when missing;
- ``DELETE /v2/{task name}`` -> ``{}``, 404 when missing.
Errors use Google's JSON shape ``{"error": {"code", "message", "status"}}``.

The REST transport serialises enums as integers (``"httpMethod": 1``) and bytes
as base64 (``httpRequest.body``); ``http_body`` decodes the latter.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

_QUEUE = r"projects/[^/]+/locations/[^/]+/queues/[^/]+"
_CREATE_PATH = re.compile(rf"/v2/(?P<parent>{_QUEUE})/tasks")
_TASK_PATH = re.compile(rf"/v2/(?P<name>(?P<parent>{_QUEUE})/tasks/[^/]+)")
_TASK_ID = re.compile(r"[A-Za-z0-9_-]{1,500}")
# google.cloud.tasks.v2.HttpMethod, as the REST transport sends it (enum-encoding=int).
HTTP_METHODS = {0: "HTTP_METHOD_UNSPECIFIED", 1: "POST", 2: "GET", 3: "HEAD", 4: "PUT", 5: "DELETE", 6: "PATCH",
                7: "OPTIONS"}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any


class FakeCloudTasks:
    """WSGI app; ``FakeCloudTasks(queues=["projects/p/locations/l/queues/q"])``."""

    def __init__(self, queues: list[str] | tuple[str, ...] = ()) -> None:
        self.queues = set(queues)
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every task, name and request (one server can then serve many tests)."""
        with self._lock:
            self.tasks: dict[str, dict[str, Any]] = {}
            self.used_names: set[str] = set()
            self.requests: list[RecordedRequest] = []
            self._ids = itertools.count(1)
            self._failures: list[tuple[int, str]] = []

    def fail_next(self, code: int, status: str) -> None:
        """Answer the next request with this error (e.g. 503 UNAVAILABLE), as a struggling service would."""
        with self._lock:
            self._failures.append((code, status))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raw_uri = environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ.get("PATH_INFO", "")
        parts = urlsplit(raw_uri)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw_body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = None
        method = environ["REQUEST_METHOD"]
        with self._lock:
            self.requests.append(RecordedRequest(method, parts.path, query, headers, body))
            if self._failures:
                failure_code, status = self._failures.pop(0)
                code, payload = _error(failure_code, status, f"injected {status}")
            elif raw_body and body is None:
                code, payload = _error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
            else:
                code, payload = self._route(method, parts.path, query, body)
        data = json.dumps(payload).encode()
        start_response(
            f"{code} {_REASONS.get(code, 'Error')}",
            [("Content-Type", "application/json; charset=UTF-8"), ("Content-Length", str(len(data)))],
        )
        return [data]

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if method == "POST" and (match := _CREATE_PATH.fullmatch(path)):
            return self._create(match["parent"], body or {})
        if match := _TASK_PATH.fullmatch(path):
            name = match["name"]
            if match["parent"] not in self.queues:
                return _error(404, "NOT_FOUND", "Requested entity was not found.")
            task = self.tasks.get(name)
            if task is None:
                return _error(404, "NOT_FOUND", "The task no longer exists, though a task with this name existed "
                                                "recently. The task either successfully completed or was deleted."
                              if name in self.used_names else "Requested entity was not found.")
            if method == "GET":
                return 200, _view(task, query.get("responseView"))
            if method == "DELETE":
                del self.tasks[name]
                return 200, {}
        return _error(404, "NOT_FOUND", f"no route for {method} {path}")

    def _create(self, parent: str, body: dict[str, Any]) -> tuple[int, Any]:
        if parent not in self.queues:
            return _error(404, "NOT_FOUND", "Queue does not exist. If you just created the queue, wait at least a "
                                            "minute for the queue to initialize.")
        task = dict(body.get("task") or {})
        name = task.get("name") or f"{parent}/tasks/{next(self._ids)}"
        prefix = f"{parent}/tasks/"
        if not name.startswith(prefix) or not _TASK_ID.fullmatch(name[len(prefix):]):
            return _error(400, "INVALID_ARGUMENT", f"Task name {name!r} is invalid: the id must match "
                                                   "[A-Za-z0-9_-]{1,500} and the parent must be the queue.")
        if name in self.used_names:
            return _error(409, "ALREADY_EXISTS", "Requested entity already exists")
        if "scheduleTime" in task:
            try:
                parse_rfc3339(task["scheduleTime"])
            except ValueError:
                return _error(400, "INVALID_ARGUMENT", f"Invalid scheduleTime {task['scheduleTime']!r}")
        if "httpRequest" in task:
            # Stored (and answered) the way the service writes JSON: enum names, not numbers.
            request = dict(task["httpRequest"])
            request["httpMethod"] = HTTP_METHODS.get(request.get("httpMethod", 1), request.get("httpMethod"))
            task["httpRequest"] = request
        now = _rfc3339(datetime.now(UTC))
        task.update(name=name, createTime=now, view="BASIC", dispatchCount=0, responseCount=0)
        task.setdefault("scheduleTime", now)
        self.tasks[name] = task
        self.used_names.add(name)
        return 200, _view(task, body.get("responseView"))

    # --- views for assertions ------------------------------------------

    def create_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/tasks")]


def http_body(task: dict[str, Any]) -> bytes:
    """The decoded ``httpRequest.body`` of a task as sent over REST (base64 in JSON)."""
    return base64.b64decode(task["httpRequest"]["body"])


def _view(task: dict[str, Any], response_view: Any) -> dict[str, Any]:
    # BASIC (the default) leaves out the request body, as the real service does.
    if response_view in ("FULL", 2, "2"):
        return {**task, "view": "FULL"}
    shown = dict(task)
    if "httpRequest" in shown:
        shown["httpRequest"] = {k: v for k, v in shown["httpRequest"].items() if k != "body"}
    return shown


_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)")


def parse_rfc3339(value: str) -> datetime:
    """An RFC 3339 timestamp (as Google APIs write them, up to nanoseconds) as a datetime."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError(value)
    fraction = re.search(r"\.(\d+)", value)
    trimmed = re.sub(r"\.\d+", "." + fraction.group(1)[:6].ljust(6, "0"), value) if fraction else value
    return datetime.fromisoformat(trimmed.replace("Z", "+00:00"))


def _rfc3339(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict", 500: "Internal Server Error",
            503: "Service Unavailable"}


def _error(code: int, status: str, message: str) -> tuple[int, Any]:
    return code, {"error": {"code": code, "message": message, "status": status}}
