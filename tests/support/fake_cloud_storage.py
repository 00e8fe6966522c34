"""A local stand-in for the Cloud Storage JSON API, as google-cloud-storage uses it.

Speaks just enough of https://cloud.google.com/storage/docs/json_api for the
blob store adapter, keeps the objects in memory and records every request:
- ``POST /upload/storage/v1/b/B/o?uploadType=multipart`` (multipart/related:
  JSON metadata part, then the media part) -> the object resource;
- ``GET /download/storage/v1/b/B/o/NAME?alt=media`` (also ``/storage/v1/...?alt=media``)
  -> the bytes, with the ``x-goog-hash`` checksums the client verifies;
- ``GET /storage/v1/b/B/o/NAME`` -> the object resource;
- ``DELETE /storage/v1/b/B/o/NAME`` -> 204;
- ``GET /storage/v1/b/B`` -> the bucket resource (the client reads it in the background).
Object names arrive percent-encoded (``a%2Fb``), so the raw request URI is
parsed rather than the decoded ``PATH_INFO``. Unknown buckets and objects answer
404 with Google's error JSON.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import google_crc32c


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # raw, still percent-encoded
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    generation: int
    metadata: dict[str, Any] = field(default_factory=dict)


class FakeCloudStorage:
    """WSGI app; ``FakeCloudStorage(buckets=["b"])``."""

    def __init__(self, buckets: list[str] | tuple[str, ...] = ()) -> None:
        self.buckets = set(buckets)
        self._lock = threading.Lock()
        self._generation = 1_700_000_000_000_000
        self.reset()

    def reset(self) -> None:
        """Forget every object and request (one server can then serve many tests)."""
        with self._lock:
            self.objects: dict[tuple[str, str], StoredObject] = {}
            self.requests: list[RecordedRequest] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raw_uri = environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ.get("PATH_INFO", "")
        parts = urlsplit(raw_uri)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        method = environ["REQUEST_METHOD"]
        with self._lock:
            self.requests.append(RecordedRequest(method, parts.path, query, headers, body))
            status, response_headers, payload = self._route(method, parts.path, query, headers, body)
        start_response(status, [*response_headers, ("Content-Length", str(len(payload)))])
        return [payload]

    # --- routing ---------------------------------------------------------

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        segments = path.split("/")
        # /upload/storage/v1/b/B/o
        if method == "POST" and segments[1:4] == ["upload", "storage", "v1"] and len(segments) == 7:
            if segments[4] != "b" or segments[6] != "o":
                return _error(404, "Not Found")
            return self._upload(unquote(segments[5]), query, headers, body)
        # /download/storage/v1/b/B/o/NAME and /storage/v1/b/B/o/NAME
        if segments[1:4] == ["download", "storage", "v1"]:
            segments = segments[1:]
            query = {**query, "alt": "media"}
        # /storage/v1/b/B: the client fetches bucket metadata in the background (observability cache).
        if method == "GET" and segments[1:4] == ["storage", "v1", "b"] and len(segments) == 5:
            bucket = unquote(segments[4])
            if bucket not in self.buckets:
                return _error(404, "The specified bucket does not exist.")
            return _json(200, {"kind": "storage#bucket", "id": bucket, "name": bucket,
                               "projectNumber": "123456789", "location": "US", "metageneration": "1"})
        if segments[1:3] == ["storage", "v1"] and len(segments) == 7 and segments[3] == "b" and segments[5] == "o":
            bucket, name = unquote(segments[4]), unquote(segments[6])
            if bucket not in self.buckets:
                return _error(404, "The specified bucket does not exist.")
            stored = self.objects.get((bucket, name))
            if stored is None:
                return _error(404, f"No such object: {bucket}/{name}")
            if method == "GET" and query.get("alt") == "media":
                return "200 OK", [("Content-Type", stored.content_type), ("x-goog-hash", _hashes(stored.data)),
                                  ("x-goog-generation", str(stored.generation))], stored.data
            if method == "GET":
                return _json(200, self._resource(bucket, name, stored))
            if method == "DELETE":
                del self.objects[(bucket, name)]
                return "204 No Content", [], b""
        return _error(404, f"Not Found: {method} {path}")

    def _upload(
        self, bucket: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        if bucket not in self.buckets:
            return _error(404, "The specified bucket does not exist.")
        if query.get("uploadType") != "multipart":
            return _error(400, f"uploadType {query.get('uploadType')!r} is not supported by this fake")
        try:
            multipart_type = headers.get("content-type", "")
            (_, meta_body), (media_headers, media) = _multipart_related(multipart_type, body)
            metadata = json.loads(meta_body)
        except (ValueError, KeyError) as exc:
            return _error(400, f"malformed multipart upload: {exc}")
        name = metadata.get("name") or query.get("name")
        if not name:
            return _error(400, "Required: object name")
        if "crc32c" in metadata and metadata["crc32c"] != _crc32c(media):
            return _error(400, "Provided CRC32C does not match the object data")
        if "md5Hash" in metadata and metadata["md5Hash"] != _md5(media):
            return _error(400, "Provided MD5 hash does not match the object data")
        content_type = metadata.get("contentType") or media_headers.get("content-type") or "application/octet-stream"
        self._generation += 1
        stored = StoredObject(data=media, content_type=content_type, generation=self._generation, metadata=metadata)
        self.objects[(bucket, name)] = stored
        return _json(200, self._resource(bucket, name, stored))

    @staticmethod
    def _resource(bucket: str, name: str, stored: StoredObject) -> dict[str, Any]:
        return {
            "kind": "storage#object",
            "id": f"{bucket}/{name}/{stored.generation}",
            "name": name,
            "bucket": bucket,
            "generation": str(stored.generation),
            "metageneration": "1",
            "contentType": stored.content_type,
            "size": str(len(stored.data)),
            "md5Hash": _md5(stored.data),
            "crc32c": _crc32c(stored.data),
            "storageClass": "STANDARD",
        }

    # --- views for assertions ------------------------------------------

    def uploads(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path.startswith("/upload/")]

    def upload_parts(self, request: RecordedRequest) -> tuple[dict[str, Any], dict[str, str], bytes]:
        """(JSON metadata, media part headers, media bytes) of a recorded multipart upload."""
        (_, meta_body), (media_headers, media) = _multipart_related(request.headers["content-type"], request.body)
        return json.loads(meta_body), media_headers, media


def _multipart_related(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """Split a multipart/related body into (headers, content) parts, byte-exact."""
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/related":
        raise ValueError(f"expected multipart/related, got {content_type!r}")
    boundary = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip('"')
    if not boundary:
        raise ValueError("multipart body without a boundary")
    delimiter = b"--" + boundary.encode()
    chunks = body.split(delimiter)
    # chunks: preamble, part..., "--" epilogue
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise ValueError("multipart body is not terminated")
    parts = []
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise ValueError("multipart part is not framed by CRLF")
        head, sep, content = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("multipart part has no header/body separator")
        part_headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            part_headers[key.strip().lower()] = value.strip()
        parts.append((part_headers, content))
    if len(parts) != 2:
        raise ValueError(f"expected 2 parts (metadata, media), got {len(parts)}")
    return parts


def _md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def _crc32c(data: bytes) -> str:
    return base64.b64encode(google_crc32c.value(data).to_bytes(4, "big")).decode()


def _hashes(data: bytes) -> str:
    return f"crc32c={_crc32c(data)},md5={_md5(data)}"


def _json(code: int, payload: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(code, "Error")
    return f"{code} {reason}", [("Content-Type", "application/json; charset=UTF-8")], json.dumps(payload).encode()


def _error(code: int, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    reason = {400: "invalid", 404: "notFound"}.get(code, "backendError")
    return _json(code, {"error": {"code": code, "message": message,
                                  "errors": [{"message": message, "domain": "global", "reason": reason}]}})
