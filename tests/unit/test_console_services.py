"""console_api's endpoints reach the console's use cases through one typed services object, and building it
costs a request nothing it does not need: no secret is read and no adapter beyond the store is built."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared.agents import Agent, AgentDirectory
from shared.bootstrap import Platform
from shared.console.api.services import SESSION_KEY_SECRET, console_services
from shared.kernel.errors import NotFound
from shared.kernel.settings import Settings

ENDPOINTS = Path(__file__).resolve().parents[2] / "shared" / "console" / "api" / "endpoints"
# What an endpoint must not reach for: the ports (and the platform holding them) are the use cases' business.
PORT_ATTRIBUTES = {"platform", "store", "bus", "scheduler", "blobs", "warehouse", "secrets", "clock", "directory"}
FORBIDDEN_IMPORTS = ("shared.bootstrap", "shared.adapters", "shared.ports")


class RecordingSecrets:
    """A secrets port that says which secrets were read."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.read: list[str] = []

    def get(self, name: str) -> str:
        self.read.append(name)
        if name not in self.values:
            raise NotFound(f"secret {name!r}")
        return self.values[name]


@pytest.fixture
def platform(tmp_path):
    secrets = RecordingSecrets({SESSION_KEY_SECRET: "k" * 48})
    platform = Platform(Settings(backend="embedded", data_dir=tmp_path), overrides={"secrets": lambda p: secrets})
    yield platform
    platform.close()


def test_building_the_console_reads_no_secret_and_builds_no_adapter_but_the_store(platform):
    services = console_services(platform)
    assert services.sign_in is not None
    assert platform.secrets.read == []
    assert [name for name in ("bus", "scheduler", "warehouse", "blobs") if platform.built(name) is not None] == []


def test_the_session_key_is_read_once_at_the_first_sign_in(platform):
    services = console_services(platform)
    AgentDirectory(platform.store, platform.clock).save_agent(
        Agent(id="ana", workspace_id="ws", name="Ana", email="ana@example.com"))
    services.logins.set_password("ws", "ana", "correct horse battery")
    assert platform.secrets.read == []  # setting a password signs nobody in
    first = services.sign_in.login("ana@example.com", "correct horse battery")
    second = services.sign_in.login("ana@example.com", "correct horse battery")
    assert services.sign_in.authenticate(second.token).agent_id == "ana" and first.token != second.token
    assert platform.secrets.read == [SESSION_KEY_SECRET]


def _endpoint_modules() -> list[Path]:
    modules = sorted(p for p in ENDPOINTS.glob("*.py"))
    assert len(modules) > 5
    return modules


@pytest.mark.parametrize("path", _endpoint_modules(), ids=lambda p: p.name)
def test_an_endpoint_calls_use_cases_and_never_reaches_a_port(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    reached = sorted({f"{path.name}:{node.lineno} .{node.attr}" for node in ast.walk(tree)
                      if isinstance(node, ast.Attribute) and node.attr in PORT_ATTRIBUTES})
    imported = sorted({f"{path.name}:{node.lineno} {node.module}" for node in ast.walk(tree)
                       if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(FORBIDDEN_IMPORTS)}
                      | {f"{path.name}:{node.lineno} {alias.name}" for node in ast.walk(tree)
                         if isinstance(node, ast.Import) for alias in node.names
                         if alias.name.startswith(FORBIDDEN_IMPORTS)})
    assert reached == [] and imported == [], "endpoints call call.services' use cases, not ports"
