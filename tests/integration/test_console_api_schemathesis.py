"""schemathesis holds console_api to the OpenAPI document it serves: run against the local stack as an admin,
every check (no server error, documented statuses and content types, schema-valid requests accepted and
schema-violating ones refused), over the examples, coverage and fuzzing phases, with a fixed seed.

Left out of the admin's run, each for a reason:
- POST /logout ends the admin's session the rest of the run signs in with (the console fuzz suite covers it);
- POST /login is fuzzed in a run of its own, last and without the admin's token: failed sign-ins slow the
  calling address down (429), which must not reach the admin's requests.

A few rules are between two values, or about the workspace's current state, which JSON Schema cannot state
(RULES_THE_DOCUMENT_CANNOT_STATE): for those operations a 400 to a schema-valid request is what the rule
says, so positive_data_acceptance also takes 400 there. Every other check still applies to them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from charla_local.demo_team import DEFAULT_PASSWORD
from charla_local.stack import LocalStack
from shared.console.api.services import MAX_LONG_POLL_S
from shared.kernel.settings import Settings
from tests.support.ports import free_port, wait_for_http
from tests.support.webchat_client import Visitor

SEED = 20261207
MAX_EXAMPLES = 25
PHASES = "examples,coverage,fuzzing"
ADMIN_EMAIL = "adriana@demo.charla"  # the demo team's admin (charla_local/demo_team.py)
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"

RULES_THE_DOCUMENT_CANNOT_STATE = {
    "show_report": "a report's range starts before it ends",
    "import_contacts": "every line of the CSV file is a contact",
    "merge_contacts": "a contact is not merged into itself",
    "reply": "a template reply names one of the workspace's approved templates",
    "confirm_two_factor": "the code is the one the authenticator shows now, for a set-up started",
    "disable_two_factor": "two-factor sign-in is on, and the code is the one the authenticator shows now",
    "route_channel": "the bot is one the workspace published, the agents its users",
    "set_my_status": "a pause names one of the workspace's active pause reasons",
    "set_agent_status": "a pause names one of the workspace's active pause reasons",
    "save_queue": "each opening of the business hours comes before its closing; members are users",
    "edit_user": "a password needs an email: the one sent, or the user's own",
    "answer_invitation": "the chat was offered to the caller",
    "resolve": "the typification is one of the workspace's active ones",
    "transfer": "the agent, queue or bot menu named is one of the workspace's",
}
# Long polls wait up to MAX_LONG_POLL_S by design: a second each keeps the run short (their waiting is
# tested in tests/integration/test_console_api.py and the console's browser tests).
LONG_POLLS = ("inbox", "read_team_chat")
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]


# A body over console_api's size limit is refused with 413 before it is read: a refusal of invalid data too.
REFUSED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]


def _toml(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON's strings and arrays are TOML's too


def config_file(tmp_path: Path, ids: dict[str, str] | None = None,
                catalog_ids: dict[str, str] | None = None) -> Path:
    """``ids``: real path parameters, so operations reach their logic instead of a 404; ``catalog_ids``: an
    entry of each catalog (their routes share the parameter name entry_id)."""
    lines = ["[checks.negative_data_rejection]", f"expected-statuses = {_toml(REFUSED)}", ""]
    if ids:
        lines += ["[parameters]", *(f'"path.{name}" = {_toml(value)}' for name, value in ids.items()), ""]
    sections: dict[str, list[str]] = {}
    for catalog, entry_id in (catalog_ids or {}).items():
        sections[f'include-path-regex = "^/{catalog}/"'] = [f'parameters = {{"path.entry_id" = {_toml(entry_id)}}}']
    for operation_id, rule in RULES_THE_DOCUMENT_CANNOT_STATE.items():
        sections.setdefault(f'include-operation-id = "{operation_id}"', []).append(
            f"checks.positive_data_acceptance.expected-statuses = {_toml([*ACCEPTED, '400'])}  # {rule}")
    for operation_id in LONG_POLLS:
        sections[f'include-operation-id = "{operation_id}"'] = ['parameters = {"query.wait" = 1}']
    if ids:  # /reports/{name} names a report, not the queue the other {name} is
        sections['include-operation-id = "show_report"'].append('parameters = {"path.name" = "new_chats"}')
    for selector, settings in sections.items():
        lines += ["[[operations]]", selector, *settings, ""]
    path = tmp_path / "schemathesis.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def stack(tmp_path):
    stack = LocalStack(Settings(backend="embedded", data_dir=tmp_path / "data"), port=free_port())
    stack.start()
    wait_for_http(f"http://127.0.0.1:{stack.port}/healthz")
    yield stack
    stack.stop()


def schemathesis(config: Path, base: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [str(SCHEMATHESIS), "--no-color", "--config-file", str(config), "run", f"{base}/openapi.json",
               "--checks", "all", "--phases", PHASES, "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
               "--workers", "1", "--request-timeout", "40", "--no-shrink",
               # long polls answer within MAX_LONG_POLL_S by design; anything slower is a failure
               "--max-response-time", str(MAX_LONG_POLL_S + 10), *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def existing_ids(stack: LocalStack, base: str, token: str) -> tuple[dict[str, str], dict[str, str]]:
    """A customer who asked for a person and a contact, on the demo workspace: the ids the run's requests use."""
    visitor = Visitor(f"http://127.0.0.1:{stack.port}")
    visitor.say("hola")
    visitor.say("quiero hablar con alguien")
    auth = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 30
    while not (found := requests.get(f"{base}/inbox", params={"view": "all"}, headers=auth, timeout=30).json()
               ["conversations"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found, "the customer's conversation never reached the inbox"
    conversation_id = found[0]["conversation_id"]
    history = requests.get(f"{base}/conversations/{conversation_id}", headers=auth, timeout=30).json()
    contact = requests.post(f"{base}/contacts", json={"name": "Ana Gómez", "phone": "+5491155550000"}, headers=auth,
                            timeout=30).json()
    ids = {"conversation_id": conversation_id, "message_id": history["messages"][0]["message_id"],
           "contact_id": contact["id"], "agent_id": "ana", "name": "ventas", "channel_type": "webchat",
           "account": "demo-site"}
    catalogs = {catalog: requests.get(f"{base}/{catalog}", headers=auth, timeout=30).json()["items"][0]["id"]
                for catalog in ("quick_replies", "pause_reasons", "typifications", "templates")}
    return ids, catalogs


def test_console_api_does_what_its_openapi_document_says(stack, tmp_path):
    base = f"http://127.0.0.1:{stack.port}/console_api"
    signed_in = requests.post(f"{base}/login", json={"email": ADMIN_EMAIL, "password": DEFAULT_PASSWORD}, timeout=30)
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["token"]
    config = config_file(tmp_path, *existing_ids(stack, base, token))
    admin_run = schemathesis(config, base, "--header", f"Authorization: Bearer {token}",
                             "--exclude-path", "/logout", "--exclude-path", "/login")
    assert admin_run.returncode == 0, admin_run.stdout[-20_000:] + admin_run.stderr[-5_000:]
    login_run = schemathesis(config, base, "--include-path", "/login")
    assert login_run.returncode == 0, login_run.stdout[-20_000:] + login_run.stderr[-5_000:]


def test_the_run_names_only_operations_console_api_serves():
    from shared.console.api.endpoints import all_routes

    served = {route.operation_id for route in all_routes()}
    assert set(RULES_THE_DOCUMENT_CANNOT_STATE) | set(LONG_POLLS) <= served
