"""Webhooks stay light: importing and running one never loads scikit-learn or the BigQuery client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import main as functions_source

REPO = Path(__file__).resolve().parent.parent.parent
HEAVY = ("sklearn", "numpy", "google.cloud.bigquery", "nlu_model", "duckdb")


def modules_after_import(module: str) -> set[str]:
    code = f"import sys, importlib; importlib.import_module({module!r}); print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_webhook_functions_do_not_import_scikit_learn_or_bigquery():
    webhooks = [name for name in functions_source.FUNCTIONS if name.startswith("webhook_")]
    assert webhooks
    for name in webhooks:
        loaded = modules_after_import(f"functions.{name}.main")
        assert not [m for m in HEAVY if m in loaded], f"{name} imports {[m for m in HEAVY if m in loaded]}"


def test_the_functions_source_loads_a_function_only_when_asked_for():
    loaded = modules_after_import("main")
    assert not [m for m in loaded if m.startswith("functions.")]


def test_a_function_name_that_does_not_exist_is_named_in_the_error():
    try:
        functions_source.no_such_function  # noqa: B018
    except AttributeError as exc:
        assert "no_such_function" in str(exc) and "webhook_webchat" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
