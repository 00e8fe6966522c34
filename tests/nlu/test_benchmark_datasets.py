"""benchmarks/nlu.py finds the datasets from any clone, and says so in one line when they are absent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "benchmarks/nlu.py", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_an_absent_datasets_folder_is_one_clear_line_not_a_traceback(tmp_path):
    result = bench("--only", "mtod_es,tais_ptbr", "--datasets", str(tmp_path / "nowhere"))
    assert result.returncode == 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if "not found" in line]
    assert len(lines) == 1
    assert str(tmp_path / "nowhere") in lines[0] and "CHARLA_NLU_DATASETS" in lines[0] and "--datasets" in lines[0]


def test_the_environment_names_the_datasets_folder_when_no_argument_does(tmp_path):
    result = bench("--only", "banking77", env={"CHARLA_NLU_DATASETS": str(tmp_path)})
    assert result.returncode == 0
    assert f"datasets not found in {tmp_path} (banking77)" in result.stdout


def test_an_unknown_name_is_refused_with_the_choices():
    result = bench("--only", "imdb")
    assert result.returncode == 2
    assert "platform, clinc150, banking77, mtod_es, tais_ptbr" in result.stdout
