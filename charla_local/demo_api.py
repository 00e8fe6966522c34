"""A stand-in for a shop's orders API, served by the local stack at /demo_api for the demo bot's webhook.

Known orders: 123456 (en camino, llega 2026-03-05) and 111111 (entregado el 2026-02-27); any
other number answers 404, so the bot's on_error path can be tried too.
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Request, Response

ORDERS = {
    "123456": {"status": "en camino", "eta": "2026-03-05"},
    "111111": {"status": "entregado", "eta": "2026-02-27"},
}
PREFIX = "/demo_api/orders/"


@Request.application
def demo_api(request: Request) -> Response:
    order = request.path.removeprefix(PREFIX) if request.path.startswith(PREFIX) else None
    if order in ORDERS:
        return Response(json.dumps({"order": order, **ORDERS[order]}), 200, mimetype="application/json")
    return Response(json.dumps({"error": "order not found"}), 404, mimetype="application/json")
