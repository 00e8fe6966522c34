"""Session-wide fixtures: the real emulators, started on free ports and stopped at the end.

Without the Google Cloud CLI's emulators the emulator tests skip with a loud
reason, except under CI=true, where a missing emulator fails the run: CI must
exercise the real engines.
"""

from __future__ import annotations

import pytest

from tests.support.availability import engine_unavailable
from tests.support.emulators import (
    EMULATOR_PROJECT,
    EmulatorUnavailable,
    RunningEmulator,
    reset_firestore,
    reset_pubsub,
    start_emulator,
)


def _unavailable(reason: str) -> None:
    engine_unavailable("EMULATOR", reason)


@pytest.fixture(scope="session")
def firestore_emulator():
    try:
        emulator = start_emulator("firestore")
    except EmulatorUnavailable as exc:
        _unavailable(str(exc))
    yield emulator
    emulator.stop()


@pytest.fixture(scope="session")
def pubsub_emulator():
    try:
        emulator = start_emulator("pubsub")
    except EmulatorUnavailable as exc:
        _unavailable(str(exc))
    yield emulator
    emulator.stop()


@pytest.fixture
def firestore_env(firestore_emulator: RunningEmulator, monkeypatch):
    """A clean Firestore emulator database, with FIRESTORE_EMULATOR_HOST set."""
    reset_firestore(firestore_emulator)
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator.host)
    yield firestore_emulator
    reset_firestore(firestore_emulator)


@pytest.fixture
def pubsub_env(pubsub_emulator: RunningEmulator, monkeypatch):
    """A clean Pub/Sub emulator (no topics, no subscriptions), with PUBSUB_EMULATOR_HOST set."""
    reset_pubsub(pubsub_emulator)
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", pubsub_emulator.host)
    yield pubsub_emulator


__all__ = ["EMULATOR_PROJECT"]
