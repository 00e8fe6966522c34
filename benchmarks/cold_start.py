"""Cold start of every function: import time and first request, each in a fresh process.

Run: `make bench-cold-start` (or `.venv/bin/python benchmarks/cold_start.py [--runs N]`).
Prints, per function, the median over N fresh interpreters of the time to import
its module, the time to handle a first request on the embedded backends, and
whether scikit-learn or the BigQuery client got imported on the way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
STACK_URL = "http://127.0.0.1:8080"
BENCH_PASSWORD = "bench password 2026"
SESSION_KEY = "bench-session-key-" + "k" * 40  # the URL Twilio signs; the probes call the functions in-process
VISITOR_KEY = "bench-visitor-key-" + "v" * 40  # signs the web chat visitor tokens

PROBE = r"""
import json, sys, time, base64
start = time.perf_counter()
import importlib
name = sys.argv[1]
module = importlib.import_module(f"functions.{name}.main")
imported = time.perf_counter()
function = getattr(module, name)
request = json.loads(sys.argv[2])
if "base_url" in request:  # an HTTP function
    from flask import Flask
    app = Flask("probe")
    with app.test_request_context(request["path"], method="POST", data=base64.b64decode(request["body"]),
                                  headers=request["headers"], base_url=request["base_url"]):
        response = function(__import__("flask").request)
        status = response.status_code
else:
    from cloudevents.http import CloudEvent
    payload = request
    attributes = payload.pop("_attributes", {})
    event = CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//bench",
                        "id": "1"}, {"message": {"data": base64.b64encode(json.dumps(payload).encode()).decode(),
                                                 "attributes": attributes, "messageId": "1"}})
    function(event)
    status = 200
handled = time.perf_counter()
heavy = sorted(m for m in ("sklearn", "google.cloud.bigquery", "numpy", "duckdb") if m in sys.modules)
print(json.dumps({"import_ms": (imported - start) * 1000, "first_request_ms": (handled - imported) * 1000,
                  "status": status, "heavy": heavy}))
"""


def prepare(data_dir: Path, simulators) -> dict[str, dict]:
    """Publish the demo bots and build one realistic payload per event function."""
    os.environ["CHARLA_DATA_DIR"] = str(data_dir)
    from shared.bootstrap import Platform
    from shared.channels import webchat
    from shared.kernel.settings import Settings
    from shared.messages.wire import AssignmentRequest, HistoryRecord, OutboundMessage

    platform = Platform(Settings.from_env())
    platform.directory.load_folder(platform.settings.bots_dir)
    from shared.events import topics

    for topic in topics.ALL_TOPICS:
        platform.bus.ensure_topic(topic)
    route = platform.directory.channel(webchat.CHANNEL, "demo-site")
    visitor = webchat.VisitorMessage("demo-site", "bench-visitor", "hola", "bench-1")
    inbound = webchat.to_inbound(visitor, route, "bench-1", platform.clock.now().isoformat())
    outbound = OutboundMessage(message_id="out_bench", workspace_id=route.workspace_id,
                               conversation_id=inbound.conversation_id, session_id="s", channel="webchat",
                               account="demo-site", recipient="bench-visitor", kind="text", text="hola",
                               created_at=inbound.received_at)
    history = HistoryRecord(table="events", row={"event_id": "ev_bench", "workspace_id": "demo", "type": "bench",
                                                 "occurred_at": inbound.received_at})
    timer = {"conversation_id": inbound.conversation_id, "workspace_id": route.workspace_id,
             "action": "menu_reminder", "token": "bench", "_attributes": {"task_name": "bench-timer"}}
    handoff = AssignmentRequest(request_id="bench-handoff", workspace_id=route.workspace_id,
                                conversation_id=inbound.conversation_id, channel="webchat", queue="ventas")
    payloads = {"resolve_intent": inbound.to_dict(), "send_message": outbound.to_dict(),
                "export_history": history.to_dict(), "run_timer": timer, "assign_agent": handoff.to_dict(),
                "console_api": console_sign_in(platform)}
    payloads.update(provider_requests(platform, simulators))
    platform.close()
    return payloads


def console_sign_in(platform) -> dict:
    """An agent signing in to console_api (argon2 verification included)."""
    import base64

    from shared.agents import Agent, AgentDirectory
    from shared.console.logins import Logins

    AgentDirectory(platform.store, platform.clock).save_agent(
        Agent(id="bench", workspace_id="demo", name="Bench", email="bench@demo.example"))
    Logins(platform.store, platform.clock).set_password("demo", "bench", BENCH_PASSWORD)
    body = json.dumps({"email": "bench@demo.example", "password": BENCH_PASSWORD}).encode()
    return {"path": "/login", "body": base64.b64encode(body).decode(),
            "headers": {"Content-Type": "application/json"}, "base_url": f"{STACK_URL}/console_api"}


def provider_requests(platform, simulators) -> dict[str, dict]:
    """A signed text message for each provider webhook (its demo account connected, as `make run` does),
    and a customer's picture for fetch_media to download from the WhatsApp simulator."""
    import base64

    from charla_local.demo_channels import demo_channel_routes
    from shared.channels.provider_events import ProviderEvent
    from shared.conversations.intake import inbound_from_event
    from tests.support.channel_drivers import CUSTOMERS, WHATSAPP_PHONE_NUMBER_ID

    first = platform.directory.first_channel_of_folder(platform.settings.bots_dir)
    routes, _ = demo_channel_routes(simulators.environ(STACK_URL), first.workspace_id, first.bot_id)
    for route in routes:
        platform.directory.save_channel(route)
    # A new visitor's first message (no visitor_id: the function issues one), so every run is answered 202.
    visitor = json.dumps({"site": "demo-site", "text": "hola"}).encode()
    requests: dict[str, dict] = {"webhook_webchat": {
        "path": "/", "body": base64.b64encode(visitor).decode(), "headers": {"Content-Type": "application/json"},
        "base_url": STACK_URL}}
    for channel, customer_type in CUSTOMERS.items():
        customer = customer_type(STACK_URL, simulators)
        function, _, rest = customer.webhook.partition("/")
        if function in requests:
            continue  # Twilio SMS and WhatsApp share one webhook
        body, headers = customer.text_request("hola", "m000001")
        base_url = f"{STACK_URL}/webhook_twilio" if channel.startswith("twilio") else STACK_URL
        requests[function] = {"path": f"/{rest}", "body": base64.b64encode(body).decode(), "headers": headers,
                              "base_url": base_url}
    simulators.whatsapp.add_media("bench-media", b"\xff\xd8" + b"jpeg" * 5000, "image/jpeg")
    route = platform.directory.channel("whatsapp", WHATSAPP_PHONE_NUMBER_ID)
    picture = ProviderEvent(account=route.account, contact="5491155550000", provider_message_id="wamid.bench",
                            kind="image", payload={"media": {"id": "bench-media", "mime_type": "image/jpeg"}})
    requests["fetch_media"] = inbound_from_event(picture, route, platform.clock.now().isoformat()).to_dict()
    return requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import main as functions_source

    print(f"{'function':<18} {'import ms':>10} {'first request ms':>17} {'total ms':>9}  heavy modules imported")
    from tests.support.channel_drivers import provider_simulators

    os.environ["CHARLA_SECRET_CONSOLE_SESSION_KEY"] = SESSION_KEY
    with tempfile.TemporaryDirectory() as tmp, provider_simulators() as simulators:
        payloads = prepare(Path(tmp), simulators)
        env = {**os.environ, **simulators.environ(STACK_URL), "CHARLA_BACKEND": "embedded", "CHARLA_DATA_DIR": tmp,
               "PYTHONPATH": str(REPO), "CHARLA_SECRET_CONSOLE_SESSION_KEY": SESSION_KEY,
               "CHARLA_SECRET_WEBCHAT_VISITOR_KEY": VISITOR_KEY}
        for name in functions_source.FUNCTIONS:
            samples = []
            for _ in range(args.runs):
                out = subprocess.run([sys.executable, "-c", PROBE, name, json.dumps(payloads.get(name, {}))],
                                     cwd=REPO, env=env, capture_output=True, text=True)
                if out.returncode:
                    raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
                samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
            imp = statistics.median(s["import_ms"] for s in samples)
            first = statistics.median(s["first_request_ms"] for s in samples)
            heavy = ", ".join(samples[-1]["heavy"]) or "-"
            status = samples[-1]["status"]
            print(f"{name:<18} {imp:>10.0f} {first:>17.0f} {imp + first:>9.0f}  {heavy}"
                  + ("" if 200 <= status < 300 else f"  (answered HTTP {status})"))


if __name__ == "__main__":
    main()
