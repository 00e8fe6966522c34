"""The local stack, in-process, on the embedded backends or on the emulators."""

from __future__ import annotations

import pytest

from charla_local.stack import LocalStack
from shared.kernel.settings import Settings
from tests.support.emulators import EMULATOR_PROJECT
from tests.support.ports import free_port, wait_for_http


def _run(settings: Settings, clock=None):
    stack = LocalStack(settings, port=free_port(), clock=clock)
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


@pytest.fixture(params=["embedded", "emulators"])
def clocked_stack(request, tmp_path):
    """A stack whose clock moves only when the test says (pauses, timers, scripted start instants)."""
    from shared.ports.clock import ManualClock

    if request.param == "emulators":
        request.getfixturevalue("firestore_env")
        request.getfixturevalue("pubsub_env")
        settings = Settings(backend="emulators", data_dir=tmp_path / "data", project=EMULATOR_PROJECT)
    else:
        settings = Settings(backend="embedded", data_dir=tmp_path / "data")
    stack = _run(settings, clock=ManualClock())
    yield stack
    stack.stop()
