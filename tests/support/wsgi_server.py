"""Run a WSGI app (a local stand-in for a Google REST API) on a free loopback port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from tests.support.ports import free_port


@contextmanager
def serve_wsgi(app) -> Iterator[str]:
    """Serve ``app`` in a background thread; yields its base URL (http://127.0.0.1:PORT)."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
