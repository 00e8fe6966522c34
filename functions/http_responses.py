"""JSON responses and request guards shared by the HTTP functions."""

from __future__ import annotations

import json
from typing import Any

from flask import Request, Response

from shared.entrypoints.http_json import JsonInputError, decode_json

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "3600",
}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json",
                    headers=headers or {})


def json_error(status: int, message: str, headers: dict[str, str] | None = None, field: str = "") -> Response:
    return json_response({"error": message, **({"field": field} if field else {})}, status, headers)


def read_raw_body(request: Request, max_bytes: int) -> tuple[bytes, Response | None]:
    """The body's bytes exactly as received (signatures are computed over them), or a 4xx response."""
    if request.content_length is not None and request.content_length > max_bytes:
        return b"", json_error(413, f"body of {request.content_length} bytes, at most {max_bytes}")
    raw = request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        return b"", json_error(413, f"body larger than {max_bytes} bytes")
    if not raw:
        return b"", json_error(400, "empty body; expected a JSON object")
    return raw, None


def parse_json(raw: bytes) -> tuple[Any, Response | None]:
    """The body's JSON through the one request decoder (depth, lone surrogates, 64-bit integers), or a 400
    naming the field at fault."""
    try:
        return decode_json(raw), None
    except JsonInputError as exc:
        return None, json_error(400, str(exc), field=exc.field)


def read_json_body(request: Request, max_bytes: int) -> tuple[Any, Response | None]:
    """The parsed JSON body, or the 4xx response that names what is wrong with it."""
    raw, problem = read_raw_body(request, max_bytes)
    if problem is not None:
        return None, problem
    return parse_json(raw)
