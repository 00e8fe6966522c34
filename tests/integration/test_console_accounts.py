"""Console sign-in on the SQLite store and on the Firestore emulator: passwords, one live session per
user, growing delays after repeated failures (never a lock), emails unique across workspaces, and roles
read at every call."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from shared.agents import AGENTS, Agent, AgentDirectory
from shared.agents.model import agent_doc_id
from shared.console.login_records import LOGINS, SESSIONS, login_doc_id
from shared.console.logins import Logins
from shared.console.passwords import verify_password
from shared.console.session_tokens import SessionTokens
from shared.console.sign_in import ConsoleSession, Principal, SignIn
from shared.console.sign_in_throttle import ACCOUNT, RULES, THROTTLES, TooManyAttempts, account_key
from shared.kernel.errors import AlreadyExists, Forbidden, InvalidInput, NotFound, Unauthenticated
from shared.ports.clock import ManualClock

WS, OTHER_WS = "ws-soporte", "ws-ventas"
PASSWORD = "correct horse battery"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Console:
    """Accounts over the platform's store, with a clock the test moves and helpers that read like the specs."""

    def __init__(self, store) -> None:
        self.store = store
        self.clock = ManualClock(START)
        self.directory = AgentDirectory(store, self.clock)
        self.tokens = SessionTokens(b"s" * 32, self.clock)
        self.sign_in = SignIn(store, self.clock, self.tokens)
        self.logins = Logins(store, self.clock)

    def user(self, agent_id: str, *, workspace: str = WS, role: str = "agent", email: str | None = None,
             password: str | None = PASSWORD) -> Agent:
        agent = self.directory.save_agent(Agent(id=agent_id, workspace_id=workspace, name=agent_id.capitalize(),
                                                email=f"{agent_id}@example.com" if email is None else email,
                                                role=role))
        if password is not None:
            self.logins.set_password(workspace, agent_id, password)
        return agent

    def edit(self, agent_id: str, workspace: str = WS, **changes) -> None:
        self.directory.save_agent(replace(self.directory.agent(workspace, agent_id), **changes))

    def refusal(self, email: str, password: str, address: str = "") -> str:
        with pytest.raises(Unauthenticated) as refused:
            self.sign_in.login(email, password, address)
        return str(refused.value)

    def delayed(self, email: str, password: str, address: str = "") -> int:
        """The seconds a refused sign-in says to wait."""
        with pytest.raises(TooManyAttempts) as refused:
            self.sign_in.login(email, password, address)
        assert str(refused.value).startswith("too many failed attempts; try again in ")
        return refused.value.retry_after_s

    def rejection(self, token: str) -> str:
        with pytest.raises(Unauthenticated) as refused:
            self.sign_in.authenticate(token)
        return str(refused.value)


@pytest.fixture
def console(platform) -> Console:
    return Console(platform.store)


def test_signing_in_returns_a_token_that_authenticates_as_the_agent_with_its_role(console):
    console.user("ana", role="supervisor")
    session = console.sign_in.login("ana@example.com", PASSWORD)
    assert isinstance(session, ConsoleSession)
    assert (session.workspace_id, session.agent_id, session.role, session.name) == (WS, "ana", "supervisor", "Ana")
    assert session.expires_at == START + timedelta(hours=12)
    principal = console.sign_in.authenticate(session.token)
    assert principal == Principal(workspace_id=WS, agent_id="ana", role="supervisor", name="Ana",
                                  session_id=principal.session_id)
    assert principal.is_supervisor


def test_the_email_is_matched_without_regard_to_case_or_surrounding_spaces(console):
    console.user("ana", email="  Ana.Perez@Example.COM ")
    assert console.sign_in.login("ANA.perez@example.com ", PASSWORD).agent_id == "ana"


def test_the_stored_login_keeps_an_argon2id_hash_and_no_password(console):
    console.user("ana")
    login = console.store.get(LOGINS, login_doc_id("ana@example.com"))
    assert login["email"] == "ana@example.com" and (login["workspace_id"], login["agent_id"]) == (WS, "ana")
    assert login["password_hash"].startswith("$argon2id$") and PASSWORD not in str(login)
    assert verify_password(login["password_hash"], PASSWORD)
    assert "ana" not in login_doc_id("ana@example.com")  # ids end up in logs: no email in them
    session = console.sign_in.login("ana@example.com", PASSWORD)
    stored = console.store.get(SESSIONS, agent_doc_id(WS, "ana"))
    assert stored["session_id"] == console.sign_in.authenticate(session.token).session_id
    assert stored["started_at"] == START.isoformat(timespec="microseconds")
    assert datetime.fromisoformat(stored["expires_at"]) == session.expires_at


def test_a_wrong_password_and_an_unknown_email_get_the_same_refusal(console):
    console.user("ana")
    assert console.refusal("ana@example.com", "not the password") == "wrong email or password"
    assert console.refusal("nobody@example.com", PASSWORD) == "wrong email or password"
    assert console.refusal("", PASSWORD) == "wrong email or password"
    assert console.refusal("ana@example.com", "x" * 100_000) == "wrong email or password"


def test_a_disabled_user_is_told_so_only_with_the_right_password_and_their_live_session_ends_at_once(console):
    console.user("ana")
    token = console.sign_in.login("ana@example.com", PASSWORD).token
    console.edit("ana", enabled=False)
    assert console.rejection(token) == "this user is disabled"
    assert console.refusal("ana@example.com", "not the password") == "wrong email or password"
    assert console.refusal("ana@example.com", PASSWORD) == "this user is disabled"
    console.edit("ana", enabled=True)
    assert console.sign_in.login("ana@example.com", PASSWORD).agent_id == "ana"


def test_a_second_sign_in_ends_the_first_session(console):
    console.user("ana")
    first = console.sign_in.login("ana@example.com", PASSWORD)
    second = console.sign_in.login("ana@example.com", PASSWORD)
    assert console.rejection(first.token) == "session ended by a newer sign-in or a logout"
    assert console.sign_in.authenticate(second.token).agent_id == "ana"


def test_sessions_of_different_users_do_not_end_each_other(console):
    console.user("ana")
    console.user("beto")
    ana = console.sign_in.login("ana@example.com", PASSWORD)
    beto = console.sign_in.login("beto@example.com", PASSWORD)
    assert console.sign_in.authenticate(ana.token).agent_id == "ana"
    assert console.sign_in.authenticate(beto.token).agent_id == "beto"


def test_logging_out_ends_the_session_and_logging_out_again_changes_nothing(console):
    console.user("ana")
    token = console.sign_in.login("ana@example.com", PASSWORD).token
    console.sign_in.logout(WS, "ana")
    assert console.rejection(token) == "session ended by a newer sign-in or a logout"
    console.sign_in.logout(WS, "ana")
    console.sign_in.logout(WS, "never-signed-in")
    assert console.sign_in.authenticate(console.sign_in.login("ana@example.com", PASSWORD).token)


def test_a_token_past_its_lifetime_is_refused_as_expired(console):
    console.user("ana")
    token = console.sign_in.login("ana@example.com", PASSWORD).token
    console.clock.advance(timedelta(hours=12))
    assert "expired" in console.rejection(token)


def test_a_tampered_token_is_refused(console):
    console.user("ana")
    token = console.sign_in.login("ana@example.com", PASSWORD).token
    assert "bad signature" in console.rejection(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))


def test_five_failures_for_an_account_impose_a_delay_that_doubles_up_to_a_minute_never_a_lock(console):
    console.user("ana")
    addresses = (f"203.0.113.{n}" for n in range(1, 100))  # a guesser with many addresses: the account's rule
    for _ in range(4):
        assert console.refusal("ana@example.com", "guess", next(addresses)) == "wrong email or password"
        console.clock.advance(timedelta(minutes=3))
    assert console.delayed("ana@example.com", "guess", next(addresses)) == 1
    # While it lasts nothing is checked or counted, the right password included.
    assert console.delayed("ana@example.com", PASSWORD, next(addresses)) == 1
    waits = []
    for _ in range(8):
        console.clock.advance(timedelta(seconds=waits[-1] if waits else 1))
        waits.append(console.delayed("ana@example.com", "guess", next(addresses)))
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
    # However many failures, the owner waits a minute at most.
    console.clock.advance(timedelta(seconds=60))
    assert console.sign_in.login("ana@example.com", PASSWORD, "192.0.2.1").agent_id == "ana"
    # The success forgot the count: one more failure is only a failure.
    assert console.refusal("ana@example.com", "guess", next(addresses)) == "wrong email or password"


def test_a_delay_is_counted_for_unknown_emails_too(console):
    console.user("ana")
    for email in ("ana@example.com", "nobody@example.com"):
        for _ in range(4):
            assert console.refusal(email, "guess", address=f"203.0.113.{len(email)}") == "wrong email or password"
        assert console.delayed(email, "guess", address=f"198.51.100.{len(email)}") == 1


def test_failures_more_than_fifteen_minutes_apart_never_delay(console):
    console.user("ana")
    for _ in range(8):
        assert console.refusal("ana@example.com", "guess") == "wrong email or password"
        console.clock.advance(timedelta(minutes=15))
    assert console.sign_in.login("ana@example.com", PASSWORD).agent_id == "ana"


def test_a_successful_sign_in_clears_the_failures(console):
    console.user("ana")
    for _ in range(4):
        console.refusal("ana@example.com", "guess")
    console.sign_in.login("ana@example.com", PASSWORD)
    assert console.store.get(THROTTLES, account_key("ana@example.com")) is None
    for _ in range(4):
        assert console.refusal("ana@example.com", "guess") == "wrong email or password"


def test_an_email_signs_in_to_one_user_across_workspaces(console):
    console.user("ana")
    console.user("ana", workspace=OTHER_WS, password=None)
    with pytest.raises(AlreadyExists, match=r"ana@example\.com"):
        console.logins.set_password(OTHER_WS, "ana", "another good password")
    assert console.sign_in.login("ana@example.com", PASSWORD).workspace_id == WS
    # The same user may set its own password again.
    console.logins.set_password(WS, "ana", "another good password")
    assert console.sign_in.login("ana@example.com", "another good password").workspace_id == WS


def test_changing_the_email_moves_the_login(console):
    console.user("ana")
    console.edit("ana", email="ana.perez@example.com")
    # The old address stops working at once, even before a new password is set.
    assert console.refusal("ana@example.com", PASSWORD) == "wrong email or password"
    console.logins.set_password(WS, "ana", "a new good password")
    assert console.store.get(LOGINS, login_doc_id("ana@example.com")) is None
    assert console.refusal("ana@example.com", PASSWORD) == "wrong email or password"
    assert console.sign_in.login("ana.perez@example.com", "a new good password").agent_id == "ana"


def test_an_address_left_behind_by_an_email_change_can_be_taken_by_another_user(console):
    console.user("ana")
    console.edit("ana", email="ana.perez@example.com")
    console.user("beto", workspace=OTHER_WS, email="ana@example.com")
    assert console.sign_in.login("ana@example.com", PASSWORD) .agent_id == "beto"


def test_setting_a_password_ends_the_live_session(console):
    console.user("ana")
    token = console.sign_in.login("ana@example.com", PASSWORD).token
    console.logins.set_password(WS, "ana", "a new good password")
    assert console.rejection(token) == "session ended by a newer sign-in or a logout"
    assert console.refusal("ana@example.com", PASSWORD) == "wrong email or password"


def test_a_password_needs_an_existing_agent_with_an_email_and_a_good_password(console):
    console.user("ana", password=None)
    console.user("sin-correo", email="", password=None)
    with pytest.raises(NotFound, match="nobody"):
        console.logins.set_password(WS, "nobody", PASSWORD)
    with pytest.raises(NotFound):
        console.logins.set_password(OTHER_WS, "ana", PASSWORD)  # agents are per workspace
    with pytest.raises(InvalidInput, match="no email"):
        console.logins.set_password(WS, "sin-correo", PASSWORD)
    with pytest.raises(InvalidInput, match="at least 10 characters"):
        console.logins.set_password(WS, "ana", "short")
    with pytest.raises(InvalidInput, match="email"):
        console.logins.set_password(WS, "ana", "ANA@example.com")
    assert console.refusal("ana@example.com", "short") == "wrong email or password"


def test_forgetting_a_login_removes_it_and_ends_the_session(console):
    console.user("ana")
    token = console.sign_in.login("ana@example.com", PASSWORD).token
    console.logins.forget_login(WS, "ana")
    assert console.store.get(LOGINS, login_doc_id("ana@example.com")) is None
    assert console.rejection(token) == "session ended by a newer sign-in or a logout"
    assert console.refusal("ana@example.com", PASSWORD) == "wrong email or password"
    console.logins.forget_login(WS, "ana")


def test_a_role_change_takes_effect_at_once(console):
    console.user("ana", role="agent")
    token = console.sign_in.login("ana@example.com", PASSWORD).token
    with pytest.raises(Forbidden, match="supervisor or admin; you are agent"):
        console.sign_in.authenticate(token).require_role("supervisor", "admin")
    console.edit("ana", role="admin")
    principal = console.sign_in.authenticate(token).require_role("supervisor", "admin")
    assert principal.role == "admin" and principal.is_supervisor
    console.edit("ana", role="agent")
    assert not console.sign_in.authenticate(token).is_supervisor


def test_a_removed_user_is_refused(console):
    console.user("ana")
    token = console.sign_in.login("ana@example.com", PASSWORD).token
    console.store.delete(AGENTS, agent_doc_id(WS, "ana"))
    assert console.rejection(token) == "this user no longer exists"
    assert console.refusal("ana@example.com", PASSWORD) == "wrong email or password"


def test_a_hash_made_with_older_parameters_is_upgraded_at_sign_in(console):
    console.user("ana")
    doc_id = login_doc_id("ana@example.com")
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    console.store.set(LOGINS, doc_id, {**console.store.get(LOGINS, doc_id), "password_hash": weaker})
    console.sign_in.login("ana@example.com", PASSWORD)
    upgraded = console.store.get(LOGINS, doc_id)["password_hash"]
    assert upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and verify_password(upgraded, PASSWORD)


def test_of_two_sign_ins_at_once_exactly_one_session_survives(console):
    console.user("ana")
    with ThreadPoolExecutor(2) as pool:
        sessions = list(pool.map(lambda _: console.sign_in.login("ana@example.com", PASSWORD), range(2)))
    held = console.store.get(SESSIONS, agent_doc_id(WS, "ana"))["session_id"]
    live = [s for s in sessions if console.tokens.read(s.token).session_id == held]
    ended = [s for s in sessions if s not in live]
    assert len(live) == 1 and console.sign_in.authenticate(live[0].token).agent_id == "ana"
    assert [console.rejection(s.token) for s in ended] == ["session ended by a newer sign-in or a logout"]


def test_failures_at_once_are_all_counted(console):
    console.user("ana")
    first_delayed = RULES[ACCOUNT].first_delayed

    def guess(_) -> str:
        try:
            console.sign_in.login("ana@example.com", "guess")
        except (Unauthenticated, TooManyAttempts) as refused:
            return str(refused)
        raise AssertionError("a wrong password was accepted")

    with ThreadPoolExecutor(first_delayed) as pool:
        refusals = list(pool.map(guess, range(first_delayed)))
    assert sorted(refusals) == ["too many failed attempts; try again in 1 second"] + [
        "wrong email or password"] * (first_delayed - 1)
    assert console.delayed("ana@example.com", PASSWORD) == 1

