"""`python -m shared.console add-user` creates a user who can sign in; a weak password is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shared.bootstrap import Platform
from shared.console.session_tokens import SessionTokens
from shared.console.sign_in import SignIn
from shared.kernel.settings import Settings

REPO = Path(__file__).resolve().parents[2]
KEY = "k" * 48


def add_user(data_dir: Path, password: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CHARLA_BACKEND": "embedded", "CHARLA_DATA_DIR": str(data_dir),
           "CHARLA_NEW_PASSWORD": password, "CHARLA_SECRET_CONSOLE_SESSION_KEY": KEY}
    return subprocess.run([sys.executable, "-m", "shared.console", "add-user", "--workspace", "acme", "--id", "root",
                           "--name", "Root", "--email", "root@acme.example", *extra],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_the_first_admin_is_created_and_signs_in(tmp_path):
    result = add_user(tmp_path, "a long enough password")
    assert result.returncode == 0, result.stderr
    assert "admin root@acme.example of workspace acme" in result.stdout
    platform = Platform(Settings(backend="embedded", data_dir=tmp_path))
    try:
        sign_in = SignIn(platform.store, platform.clock, SessionTokens(KEY.encode(), platform.clock))
        session = sign_in.login("root@acme.example", "a long enough password")
        assert (session.workspace_id, session.role) == ("acme", "admin")
    finally:
        platform.close()


def test_a_password_the_policy_refuses_is_named_and_nothing_is_written(tmp_path):
    result = add_user(tmp_path, "short")
    assert result.returncode == 1 and "error:" in result.stderr and "10" in result.stderr
    assert _agents(tmp_path) == []


def _agents(data_dir: Path) -> list:
    platform = Platform(Settings(backend="embedded", data_dir=data_dir))
    try:
        return platform.store.query("agents")
    finally:
        platform.close()
