"""A local stand-in for Secret Manager's REST API (versions.access only).

The real google-cloud-secret-manager client (``transport="rest"``) is pointed
at this WSGI app. It stores secret versions, answers
``GET /v1/projects/P/secrets/S/versions/{latest|N}:access`` the way the service
does (base64 payload plus its CRC32C as a decimal string; Google error JSON
otherwise) and records every request.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass
from typing import Any

import google_crc32c
from werkzeug.wrappers import Request, Response

_ACCESS = re.compile(r"^/v1/projects/(?P<project>[^/]+)/secrets/(?P<secret>[^/]+)/versions/(?P<version>[^/:]+):access$")
_STATUS_NAMES = {403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]


class FakeSecretManager:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._versions: dict[tuple[str, str], list[bytes]] = {}
        self._corrupt: set[tuple[str, str]] = set()
        self._failures: list[int] = []
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget every secret, recorded request, corruption and pending failure."""
        with self._lock:
            self.requests.clear()
            self._versions.clear()
            self._corrupt.clear()
            self._failures.clear()

    def add_version(self, project: str, secret: str, value: str | bytes) -> int:
        """Store a new version of a secret; returns its version number."""
        data = value.encode() if isinstance(value, str) else value
        with self._lock:
            versions = self._versions.setdefault((project, secret), [])
            versions.append(data)
            return len(versions)

    def corrupt_checksum(self, project: str, secret: str) -> None:
        """Answer this secret with a dataCrc32c that does not match its data (damage in transit)."""
        with self._lock:
            self._corrupt.add((project, secret))

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self._respond(request)(environ, start_response)

    def _respond(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(RecordedRequest(request.method, request.path, dict(request.args.items())))
            if self._failures:
                return _error(self._failures.pop(0), "Injected failure")
            match = _ACCESS.match(request.path)
            if request.method != "GET" or match is None:
                return _error(404, f"No such method: {request.method} {request.path}")
            project, secret, version = match["project"], match["secret"], match["version"]
            versions = self._versions.get((project, secret))
            if not versions:
                return _error(404, f"Secret [projects/{project}/secrets/{secret}] not found or has no versions.")
            number = len(versions) if version == "latest" else int(version) if version.isdigit() else 0
            if not 1 <= number <= len(versions):
                resource = f"projects/{project}/secrets/{secret}/versions/{version}"
                return _error(404, f"Secret Version [{resource}] not found.")
            data = versions[number - 1]
            checksum = google_crc32c.value(data)
            if (project, secret) in self._corrupt:
                checksum ^= 1
            return _json(
                {
                    "name": f"projects/{project}/secrets/{secret}/versions/{number}",
                    "payload": {"data": base64.b64encode(data).decode("ascii"), "dataCrc32c": str(checksum)},
                }
            )


def _json(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def _error(status: int, message: str) -> Response:
    return _json(
        {"error": {"code": status, "message": message, "status": _STATUS_NAMES.get(status, "UNKNOWN")}},
        status=status,
    )
