"""The HTTP client the provider senders and media downloads share (one per process, built on first use)."""

from __future__ import annotations

import httpx

HTTP_TIMEOUT = (5.0, 15.0)  # connect, read: a provider slower than this is treated as down


def new_provider_http_client() -> httpx.Client:
    # Redirects are never followed by the client: a media download checks every hop itself.
    connect, read = HTTP_TIMEOUT
    return httpx.Client(timeout=httpx.Timeout(read, connect=connect), follow_redirects=False)
