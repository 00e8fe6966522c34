"""Each function starts alone with `functions-framework --target NAME`, as Cloud Functions runs it."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Platform
from shared.events import topics
from shared.kernel.settings import Settings
from shared.ports.event_bus import Subscription
from tests.support.ports import free_port, wait_for_http

REPO = Path(__file__).resolve().parent.parent.parent
PROBE = Subscription(name="test-inbound-probe", topic=topics.INBOUND, ordered=True)


def functions_framework_binary() -> str:
    import sys

    return str(Path(sys.executable).parent / "functions-framework")


@pytest.fixture
def data_dir(tmp_path):
    platform = Platform(Settings(backend="embedded", data_dir=tmp_path / "data"))
    for topic in topics.ALL_TOPICS:
        platform.bus.ensure_topic(topic)
    platform.bus.ensure_subscription(PROBE)
    platform.directory.load_folder(platform.settings.bots_dir)
    platform.close()
    return tmp_path / "data"


def start(target: str, data_dir: Path, signature: str = "http") -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "CHARLA_BACKEND": "embedded", "CHARLA_DATA_DIR": str(data_dir),
           "CHARLA_SECRET_WEBCHAT_VISITOR_KEY": "test-webchat-visitor-key-" + "v" * 40}
    process = subprocess.Popen(
        [functions_framework_binary(), "--target", target, "--signature-type", signature, "--port", str(port),
         "--host", "127.0.0.1"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/", timeout_s=30, expect_status=405 if signature == "cloudevent" else 400)
    except TimeoutError:
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError(process.stderr.read().decode()[-2000:]) from None
    return process, url


def test_webhook_webchat_alone_publishes_the_visitors_message_to_the_inbound_topic(data_dir):
    process, url = start("webhook_webchat", data_dir)
    try:
        response = httpx.post(url, json={"site": "demo-site", "visitor_id": "visitor-0001", "text": "hola"})
        assert response.status_code == 202, response.text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    platform = Platform(Settings(backend="embedded", data_dir=data_dir))
    received = platform.bus.pull(PROBE.name, max_messages=10, timeout_s=1)
    assert [json.loads(m.data)["text"] for m in received] == ["hola"]
    platform.close()


def test_resolve_intent_alone_accepts_a_pubsub_push_and_stages_the_replies(data_dir):
    from shared.channels import webchat

    platform = Platform(Settings(backend="embedded", data_dir=data_dir))
    route = platform.directory.channel(webchat.CHANNEL, "demo-site")
    message = webchat.to_inbound(webchat.VisitorMessage("demo-site", "visitor-0002", "hola", "p-1"), route, "p-1",
                                 platform.clock.now().isoformat())
    outbound_probe = Subscription(name="test-outbound-probe", topic=topics.OUTBOUND, ordered=False)
    platform.bus.ensure_subscription(outbound_probe)
    process, url = start("resolve_intent", data_dir, signature="cloudevent")
    try:
        push = {"subscription": "projects/demo/subscriptions/charla-resolve_intent",
                "message": {"data": base64.b64encode(message.to_json()).decode(), "messageId": "1",
                            "attributes": {}}}
        response = httpx.post(f"{url}/projects/demo/topics/{topics.INBOUND}", json=push)
        assert response.status_code == 200, response.text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    replies = platform.bus.pull(outbound_probe.name, max_messages=10, timeout_s=1)
    assert [json.loads(m.data)["kind"] for m in replies] == ["text", "menu"]
    platform.close()
