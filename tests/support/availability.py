"""The policy for real engines a test needs (emulators, a browser): loud skip locally, failure in CI."""

from __future__ import annotations

import os
import warnings

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def engine_unavailable(what: str, reason: str) -> None:
    """Skip with a loud reason, or fail under CI=true: CI must exercise the real engines."""
    message = f"{what} NOT AVAILABLE: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: these tests must run, not skip)", pytrace=False)
    warnings.warn(message, stacklevel=3)
    pytest.skip(message)
