"""Two-step sign-in to the console through console_api (functions-framework test client), on SQLite and on
the Firestore emulator: codes of an authenticator app (RFC 6238), computed here from the secret the API
answered at the instant of the test's clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.agents import Agent, AgentDirectory
from shared.bootstrap import Platform
from shared.console.login_records import CHALLENGE_TTL, CHALLENGES, LOGINS
from shared.console.sealed_secrets import PREFIX as SEALED
from shared.console.sealed_secrets import SecretBox
from shared.console.session_tokens import SessionTokens
from shared.console.sign_in import SignIn
from shared.console.two_factor import code_at
from shared.kernel.errors import ConfigurationError
from shared.ports.clock import ManualClock
from shared.workspaces.directory import Workspace, WorkspaceDirectory
from tests.integration.conftest import platform_for
from tests.integration.console_client import PASSWORD, ConsoleClient, console_api_client, console_logins

WS, OTHER_WS = "demo", "otro"
START = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
STEP = timedelta(seconds=30)


@pytest.fixture(params=["sqlite", "firestore"])
def platform(request, tmp_path):
    platform = platform_for(request, tmp_path, clock=ManualClock(START))
    yield platform
    platform.close()


class Console(ConsoleClient):
    def __init__(self, client, platform: Platform) -> None:
        super().__init__(client)
        self.clock: ManualClock = platform.clock
        self.workspaces = WorkspaceDirectory(platform.store, platform.clock)

    def password_step(self, email: str, password: str = PASSWORD) -> dict:
        status, body = self.call("POST", "/login", body={"email": email, "password": password})
        assert status == 200, body
        return body

    def login(self, email: str) -> str:
        answer = self.password_step(email)
        assert "token" in answer, answer
        return answer["token"]

    def code(self, secret: str, drift: timedelta = timedelta(0)) -> str:
        return code_at(secret, self.clock.now() + drift)

    def second_step(self, challenge: str, code: str):
        return self.call("POST", "/login/second_step", body={"challenge": challenge, "code": code})

    def enrol(self, token: str) -> str:
        """Turns two-step sign-in on for the token's user; the secret, for the test to make codes with."""
        status, enrolment = self.call("POST", "/me/two_factor", token)
        assert status == 200, enrolment
        status, body = self.call("PUT", "/me/two_factor", token, body={"code": self.code(enrolment["secret"])})
        assert status == 200 and body == {"two_factor": True}, body
        self.clock.advance(STEP)  # the code just used is spent; the next sign-in needs the next one
        return enrolment["secret"]

    def login_with_code(self, email: str, secret: str) -> str:
        step = self.password_step(email)
        assert step["second_step"] == "code", step
        status, session = self.second_step(step["challenge"], self.code(secret))
        assert status == 200, session
        return session["token"]


@pytest.fixture
def console(platform, monkeypatch):
    directory = AgentDirectory(platform.store, platform.clock)
    logins = console_logins(platform)
    for ws, agents in ((WS, (("ana", "agent"), ("adri", "admin"))), (OTHER_WS, (("otto", "admin"),))):
        WorkspaceDirectory(platform.store, platform.clock).save_workspace(Workspace(id=ws))
        for agent_id, role in agents:
            directory.save_agent(Agent(id=agent_id, workspace_id=ws, name=agent_id.capitalize(),
                                       email=f"{agent_id}@{ws}.example", role=role))
            logins.set_password(ws, agent_id, PASSWORD)
    with console_api_client(platform, monkeypatch) as client:
        yield Console(client, platform)


ANA, ADRI, OTTO = f"ana@{WS}.example", f"adri@{WS}.example", f"otto@{OTHER_WS}.example"


def test_once_turned_on_the_password_alone_opens_no_session_and_the_code_does(console):
    token = console.login(ANA)
    assert console.call("GET", "/me", token)[1]["two_factor"] is False
    secret = console.enrol(token)
    assert console.call("GET", "/me", token)[1]["two_factor"] is True

    step = console.password_step(ANA)
    assert step["second_step"] == "code" and "token" not in step and "secret" not in step
    assert datetime.fromisoformat(step["expires_at"]) == console.clock.now() + CHALLENGE_TTL
    status, body = console.call("GET", "/me", step["challenge"])
    assert status == 401, body
    assert console.call("GET", "/me", token)[0] == 200  # the password alone ended nothing

    status, session = console.second_step(step["challenge"], console.code(secret))
    assert status == 200 and session["agent_id"] == "ana" and session["role"] == "agent"
    assert console.call("GET", "/me", session["token"])[1]["two_factor"] is True
    assert console.call("GET", "/me", token)[0] == 401  # the newer sign-in ended the older session


def test_a_code_one_step_late_or_early_is_accepted_but_not_two(console):
    secret = console.enrol(console.login(ANA))
    step = console.password_step(ANA)
    assert console.second_step(step["challenge"], console.code(secret, -2 * STEP))[0] == 401
    assert console.second_step(step["challenge"], console.code(secret, STEP))[0] == 200


def test_a_setup_that_is_not_confirmed_changes_nothing(console):
    token = console.login(ANA)
    status, enrolment = console.call("POST", "/me/two_factor", token)
    assert status == 200 and len(enrolment["secret"]) == 32
    assert enrolment["otpauth_uri"] == (f"otpauth://totp/Charla:{ANA}?secret={enrolment['secret']}&issuer=Charla"
                                        "&digits=6&period=30")
    assert enrolment["qr"].startswith("data:image/svg+xml")  # what it encodes: the browser test scans it
    status, body = console.call("PUT", "/me/two_factor", token, body={"code": "000000"})
    assert status == 400 and body["field"] == "code"
    assert console.call("GET", "/me", token)[1]["two_factor"] is False
    assert "token" in console.password_step(ANA)


def test_a_wrong_code_counts_toward_the_same_delays_as_wrong_passwords(console):
    secret = console.enrol(console.login(ANA))
    for _ in range(2):
        assert console.call("POST", "/login", body={"email": ANA, "password": "wrong password!!"})[0] == 401
    # The right password does not clear the failures while a code is still due.
    step = console.password_step(ANA)
    for _ in range(2):
        status, body = console.second_step(step["challenge"], "000000")
        assert status == 401 and "wrong code" in body["message"]
    # The fifth failure imposes a delay (429: see test_console_sign_in_throttling.py), passwords and codes alike.
    status, body = console.second_step(step["challenge"], "111111")
    assert status == 429 and "too many failed attempts" in body["message"]
    status, body = console.call("POST", "/login", body={"email": ANA, "password": PASSWORD})
    assert status == 429 and "too many failed attempts" in body["message"]
    assert console.second_step(step["challenge"], console.code(secret))[0] == 401


def test_a_second_step_allows_three_tries_then_the_password_is_asked_again(console):
    secret = console.enrol(console.login(ANA))
    step = console.password_step(ANA)
    for _ in range(3):
        assert console.second_step(step["challenge"], "000000")[0] == 401
    status, body = console.second_step(step["challenge"], console.code(secret))
    assert status == 401 and "sign in again" in body["message"]
    assert console.login_with_code(ANA, secret)


def test_a_code_already_used_is_refused(console):
    secret = console.enrol(console.login(ANA))
    used = console.code(secret)
    step = console.password_step(ANA)
    assert console.second_step(step["challenge"], used)[0] == 200
    step = console.password_step(ANA)
    status, body = console.second_step(step["challenge"], used)
    assert status == 401 and "already used" in body["message"]
    console.clock.advance(STEP)
    assert console.second_step(step["challenge"], console.code(secret))[0] == 200


def test_an_expired_unknown_or_superseded_second_step_is_refused(console):
    secret = console.enrol(console.login(ANA))
    step = console.password_step(ANA)
    console.clock.advance(CHALLENGE_TTL)
    status, body = console.second_step(step["challenge"], console.code(secret))
    assert status == 401 and body["error"] == "unauthenticated" and "expired" in body["message"]
    status, body = console.second_step("made-up-challenge", console.code(secret))
    assert status == 401 and "expired" in body["message"]
    older, newer = console.password_step(ANA), console.password_step(ANA)
    assert console.second_step(older["challenge"], console.code(secret))[0] == 401
    assert console.second_step(newer["challenge"], console.code(secret))[0] == 200


def test_a_malformed_code_is_named_and_not_counted(console):
    secret = console.enrol(console.login(ANA))
    step = console.password_step(ANA)
    for _ in range(4):
        status, body = console.second_step(step["challenge"], "12ab56")
        assert status == 400 and body["field"] == "code"
    assert console.second_step(step["challenge"], console.code(secret).replace("", " ").strip())[0] == 200


def test_a_workspace_that_requires_it_makes_an_unenrolled_user_set_it_up_at_sign_in(console):
    admin = console.login(ADRI)
    status, body = console.call("PUT", "/workspace/settings", admin, body={"two_factor_required": True})
    assert status == 200, body
    step = console.password_step(ANA)
    assert step["second_step"] == "enrol" and "token" not in step
    assert step["otpauth_uri"].startswith(f"otpauth://totp/Charla:{ANA}?secret={step['secret']}&")
    assert step["qr"].startswith("data:image/svg+xml")
    assert console.call("GET", "/me", step["challenge"])[0] == 401
    assert console.second_step(step["challenge"], "000000")[0] == 401  # nothing is on until a right code

    status, session = console.second_step(step["challenge"], console.code(step["secret"]))
    assert status == 200
    me = console.call("GET", "/me", session["token"])[1]
    assert me["two_factor"] is True and me["two_factor_required"] is True
    console.clock.advance(STEP)
    assert console.login_with_code(ANA, step["secret"])
    status, body = console.call("POST", "/me/two_factor/disable", session["token"],
                                body={"code": console.code(step["secret"])})
    assert status == 401  # the newer sign-in ended that session


def test_a_required_factor_cannot_be_turned_off_by_its_user(console):
    console.workspaces.save_workspace(Workspace(id=WS, two_factor_required=True))
    step = console.password_step(ANA)
    status, session = console.second_step(step["challenge"], console.code(step["secret"]))
    assert status == 200
    console.clock.advance(STEP)
    status, body = console.call("POST", "/me/two_factor/disable", session["token"],
                                body={"code": console.code(step["secret"])})
    assert status == 403 and "requires" in body["message"]


def test_turning_it_off_takes_a_current_code(console):
    token = console.login(ANA)
    secret = console.enrol(token)
    status, body = console.call("POST", "/me/two_factor/disable", token, body={"code": "000000"})
    assert status == 400 and body["field"] == "code"
    assert console.call("GET", "/me", token)[1]["two_factor"] is True
    status, body = console.call("POST", "/me/two_factor/disable", token, body={"code": console.code(secret)})
    assert status == 200 and body == {"two_factor": False}
    assert "token" in console.password_step(ANA)


def test_an_admin_resets_the_second_factor_of_a_user_of_their_workspace_only(console):
    secret = console.enrol(console.login(ANA))
    agent_token = console.login_with_code(ANA, secret)
    assert console.call("POST", "/users/ana/two_factor/reset", agent_token)[0] == 403
    outsider = console.login(OTTO)
    assert console.call("POST", "/users/ana/two_factor/reset", outsider)[0] == 404
    console.clock.advance(STEP)
    assert console.password_step(ANA)["second_step"] == "code"

    admin = console.login(ADRI)
    users = console.call("GET", "/users", admin)[1]["users"]
    assert {u["id"]: u["two_factor"] for u in users}["ana"] is True
    assert not any(u["two_factor"] for u in users if u["id"] != "ana")
    status, body = console.call("POST", "/users/ana/two_factor/reset", admin)
    assert status == 200 and body == {"agent_id": "ana", "two_factor": False}
    assert {u["id"]: u["two_factor"] for u in console.call("GET", "/users", admin)[1]["users"]}["ana"] is False
    assert "token" in console.password_step(ANA)


def test_a_new_password_or_email_keeps_the_second_factor(console):
    secret = console.enrol(console.login(ANA))
    admin = console.login(ADRI)
    status, body = console.call("PATCH", "/users/ana", admin, body={"password": "another good password"})
    assert status == 200, body
    step = console.password_step(ANA, "another good password")
    assert step["second_step"] == "code"
    assert console.second_step(step["challenge"], console.code(secret))[0] == 200

    console.clock.advance(STEP)
    status, body = console.call("PATCH", "/users/ana", admin,
                                body={"email": "ana.nueva@demo.example", "password": "another good password"})
    assert status == 200, body
    step = console.password_step("ana.nueva@demo.example", "another good password")
    assert step["second_step"] == "code"
    assert console.second_step(step["challenge"], console.code(secret))[0] == 200


def test_a_second_step_begun_before_a_password_change_is_no_longer_valid(console):
    secret = console.enrol(console.login(ANA))
    step = console.password_step(ANA)
    admin = console.login(ADRI)
    assert console.call("PATCH", "/users/ana", admin, body={"password": "another good password"})[0] == 200
    status, body = console.second_step(step["challenge"], console.code(secret))
    assert status == 401 and "sign in again" in body["message"]


def test_a_set_up_at_sign_in_never_replaces_a_factor_turned_on_meanwhile(console):
    token = console.login(ANA)
    console.workspaces.save_workspace(Workspace(id=WS, two_factor_required=True))
    step = console.password_step(ANA)
    assert step["second_step"] == "enrol"
    secret = console.enrol(token)  # from the session that was already open
    status, body = console.second_step(step["challenge"], console.code(step["secret"]))
    assert status == 401 and "sign in again" in body["message"]
    assert console.login_with_code(ANA, secret)


def test_the_stored_keys_are_sealed_and_a_replaced_sealing_key_is_said_plainly(platform, console):
    secret = console.enrol(console.login(ANA))
    WorkspaceDirectory(platform.store, platform.clock).change_settings(WS, {"two_factor_required": True})
    enrolling = console.password_step(ADRI)  # adri must enrol: the challenge carries a key too
    stored = [d.data for c in (LOGINS, CHALLENGES) for d in platform.store.query(c)]
    text = json.dumps(stored)
    assert secret not in text and enrolling["secret"] not in text
    [ana] = [d for d in stored if d.get("agent_id") == "ana" and "password_hash" in d]
    assert ana["totp_secret"].startswith(SEALED)

    # With another sealing key (the secret was replaced), nothing opens: the user is told an admin can reset it.
    replaced = SignIn(platform.store, platform.clock, SessionTokens(b"k" * 48, platform.clock),
                      SecretBox(lambda: "another key, at least 32 characters long"))
    step = replaced.login(ANA, PASSWORD)
    with pytest.raises(ConfigurationError, match="an admin can reset"):
        replaced.complete_second_step(step.challenge, console.code(secret))
