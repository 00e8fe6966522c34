"""The scripted conversations of first messages that greet and ask (issue 17, point 2), in es, pt and en, pass
through the CLI test runner as a bot author's CI runs them (`python -m shared.cli test BOT SCRIPT`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
RUNS = {
    "es": ["bots", "bots/conversations/first_message_es.yaml"],
    "pt": ["bots", "bots/conversations/first_message_pt.yaml", "--site", "demo-site-pt"],
    "en": ["bots/en/shop.yaml", "bots/conversations/first_message_en.yaml"],
}


@pytest.mark.parametrize("language", sorted(RUNS))
def test_the_first_message_scripts_pass_with_the_cli_test_runner(language):
    run = subprocess.run([sys.executable, "-m", "shared.cli", "test", *RUNS[language]], cwd=REPO,
                         capture_output=True, text=True, timeout=300, check=False,
                         env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 failed" in run.stdout and "FAIL" not in run.stdout.replace(" 0 failed", "")
