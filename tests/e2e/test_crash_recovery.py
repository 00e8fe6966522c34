"""The local stack killed with SIGKILL while messages are queued loses none and answers none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from shared.adapters.embedded.sqlite_document_store import SqliteDocumentStore
from tests.support.ports import free_port, wait_for_http
from tests.support.webchat_client import Visitor

REPO = Path(__file__).resolve().parent.parent.parent
VISITORS = 60
REPLIES_TO_HOLA = 2  # the demo bot's greeting and its menu


def start_stack(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "CHARLA_BACKEND": "embedded", "CHARLA_DATA_DIR": str(data_dir), "PORT": str(port)}
    env.pop("FIRESTORE_EMULATOR_HOST", None)
    env.pop("PUBSUB_EMULATOR_HOST", None)
    process = subprocess.Popen([sys.executable, "-m", "charla_local"], cwd=REPO, env=env,
                               stdout=log_path.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout_s=60)
    except TimeoutError:
        process.kill()
        raise AssertionError(f"local stack did not start: {log_path.read_text()[-3000:]}") from None
    return process


def replies_delivered(data_dir: Path) -> int:
    store = SqliteDocumentStore(data_dir / "state.sqlite3")
    try:
        return sum(d.data["last_seq"] for d in store.query("webchat"))
    finally:
        store.close()


@pytest.mark.slow
def test_sigkill_while_messages_are_queued_then_restart_answers_each_exactly_once(tmp_path):
    data_dir, log_path = tmp_path / "data", tmp_path / "stack.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_stack(data_dir, port, log_path)
    visitors = [Visitor(url) for _ in range(VISITORS)]
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda v: v.say("hola"), visitors))
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    delivered_before = replies_delivered(data_dir)
    assert delivered_before < VISITORS * REPLIES_TO_HOLA, "nothing was still queued at the kill: test proves nothing"

    process = start_stack(data_dir, port, log_path)
    try:
        for visitor in visitors:
            visitor.wait_for_replies(REPLIES_TO_HOLA, timeout_s=60)
        time.sleep(2.0)  # room for any duplicate to show up
        for visitor in visitors:
            visitor.poll()
            assert [r["seq"] for r in visitor.seen] == [1, 2], visitor.seen
            assert visitor.seen[0]["text"].endswith("Soy Sol, la asistente virtual de Tienda Sol.")
            assert visitor.seen[1]["kind"] == "menu"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    assert replies_delivered(data_dir) == VISITORS * REPLIES_TO_HOLA
