"""The local stack, in-process, on the embedded backends or on the emulators."""

from __future__ import annotations

import pytest

from charla_local.stack import LocalStack
from shared.settings import Settings
from tests.support.emulators import EMULATOR_PROJECT
from tests.support.ports import free_port, wait_for_http


def _run(settings: Settings):
    stack = LocalStack(settings, port=free_port())
    stack.start()
    wait_for_http(f"http://127.0.0.1:{stack.port}/healthz")
    return stack


@pytest.fixture
def embedded_stack(tmp_path):
    stack = _run(Settings(backend="embedded", data_dir=tmp_path / "data"))
    yield stack
    stack.stop()


@pytest.fixture
def emulators_stack(tmp_path, firestore_env, pubsub_env):
    stack = _run(Settings(backend="emulators", data_dir=tmp_path / "data", project=EMULATOR_PROJECT))
    yield stack
    stack.stop()


@pytest.fixture(params=["embedded", "emulators"])
def stack(request):
    return request.getfixturevalue(f"{request.param}_stack")
