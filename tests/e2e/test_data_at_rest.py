"""Data at rest on the embedded backends: every file the local stack writes (documents, bus, task queue,
history, customers' files, emails, keys) is readable by its owner only, even under a permissive umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from charla_local.stack import LocalStack
from shared.kernel.settings import Settings
from tests.support.ports import free_port, wait_for_http
from tests.support.webchat_client import Visitor


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o022)  # the usual default, under which files come out 0644
    yield
    os.umask(previous)


def test_every_file_the_embedded_stack_writes_is_readable_by_its_owner_only(tmp_path, permissive_umask):
    data_dir = tmp_path / "data"
    stack = LocalStack(Settings(backend="embedded", data_dir=data_dir), port=free_port())
    stack.start()
    try:
        wait_for_http(f"http://127.0.0.1:{stack.port}/healthz")
        visitor = Visitor(f"http://127.0.0.1:{stack.port}")
        visitor.say("hola", name="Ana")
        visitor.wait_for_replies(2)
        stack.platform.blobs.put("media/ws/conversation/picture.jpg", b"\xff\xd8 a customer's picture")
    finally:
        stack.stop()

    # The classifiers' cache is made from the bot files alone (no customer's data) and sits in the owner-only
    # data folder like everything else.
    written = sorted(path for path in data_dir.rglob("*") if "model-cache" not in path.relative_to(data_dir).parts)
    names = {path.name for path in written}
    assert {"state.sqlite3", "bus.sqlite3", "tasks.sqlite3", "history.duckdb", "picture.jpg"} <= names, names
    open_to_others = [f"{path.relative_to(data_dir)} {stat.filemode(path.stat().st_mode)}" for path in written
                      if path.stat().st_mode & 0o077]
    assert open_to_others == []
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_an_existing_folder_keeps_its_mode(tmp_path, permissive_umask):
    from shared.adapters.embedded.sqlite_document_store import SqliteDocumentStore

    shared_folder = tmp_path / "shared"
    shared_folder.mkdir(mode=0o755)
    store = SqliteDocumentStore(shared_folder / "state.sqlite3")
    try:
        store.set("contacts", "c1", {"name": "Ana"})
    finally:
        store.close()
    assert stat.S_IMODE(shared_folder.stat().st_mode) == 0o755  # not ours to tighten
    assert stat.S_IMODE(Path(shared_folder / "state.sqlite3").stat().st_mode) == 0o600
