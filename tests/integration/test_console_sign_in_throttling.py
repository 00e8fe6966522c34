"""Sign-in throttling through console_api (functions-framework test client), on SQLite and on the Firestore
emulator, with a clock the test moves: failures slow the address they come from and, briefly, the account
asked for; unknown and known emails get the same answers after the same work; each delay imposed is a log
event operators can alert on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.agents import Agent, AgentDirectory
from shared.console.passwords import verifications_done
from shared.console.sign_in_throttle import ACCOUNT, ADDRESS, EVENT, RULES, account_key, address_key
from shared.ports.clock import ManualClock
from tests.integration.conftest import platform_for
from tests.integration.console_client import PASSWORD, ConsoleClient, console_api_client, console_logins

WS = "demo"
START = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
ANA, BETO = f"ana@{WS}.example", f"beto@{WS}.example"
ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"
WRONG = "not the password"


@pytest.fixture(params=["sqlite", "firestore"])
def platform(request, tmp_path):
    platform = platform_for(request, tmp_path, clock=ManualClock(START))
    yield platform
    platform.close()


class Console(ConsoleClient):
    """console_api called from a client address of the test's choosing (as the connection's address)."""

    def __init__(self, client, clock: ManualClock) -> None:
        super().__init__(client)
        self.clock = clock

    def sign_in(self, email: str, password: str, address: str) -> tuple[int, dict, dict]:
        response = self.client.post("/login", json={"email": email, "password": password},
                                    environ_overrides={"REMOTE_ADDR": address})
        return response.status_code, response.get_json(silent=True), dict(response.headers)

    def delay(self, email: str, password: str, address: str) -> int:
        """The seconds a 429 says to wait, checked to be the same in its Retry-After and its message."""
        status, body, headers = self.sign_in(email, password, address)
        assert status == 429 and body["error"] == "too_many_attempts", (status, body)
        seconds = int(headers["Retry-After"])
        assert body["message"] == f"too many failed attempts; try again in {seconds} second{'s' * (seconds != 1)}"
        return seconds


@pytest.fixture
def console(platform, monkeypatch):
    directory = AgentDirectory(platform.store, platform.clock)
    logins = console_logins(platform)
    for agent_id in ("ana", "beto"):
        directory.save_agent(Agent(id=agent_id, workspace_id=WS, name=agent_id.capitalize(),
                                   email=f"{agent_id}@{WS}.example"))
        logins.set_password(WS, agent_id, PASSWORD)
    with console_api_client(platform, monkeypatch) as client:
        yield Console(client, platform.clock)


def _addresses():
    n = 0
    while True:
        n += 1
        yield f"192.0.2.{n}"


def test_wrong_passwords_from_one_address_slow_that_address_not_the_account_owner(console):
    by_address = RULES[ADDRESS]
    # Guesses spread over emails, so no account reaches its own delay: the address's rule is what stops them.
    emails = [ANA, BETO, "nobody@demo.example", "nadie@demo.example", "x@demo.example"]
    for n in range(by_address.first_delayed - 1):
        status, body, _ = console.sign_in(emails[n % len(emails)], WRONG, ATTACKER)
        assert status == 401 and body["message"] == "wrong email or password"
    assert console.delay(emails[0], WRONG, ATTACKER) == 1
    # While the delay lasts, even a right password from that address is not checked.
    assert console.delay(BETO, PASSWORD, ATTACKER) == 1
    # The owner of the account guessed at signs in at once from their own address.
    status, session, _ = console.sign_in(ANA, PASSWORD, OWNER)
    assert status == 200 and session["agent_id"] == "ana"
    # Each further failure doubles the address's delay, up to a quarter of an hour.
    waits = [1]
    while waits[-1] < by_address.longest_delay.total_seconds():
        console.clock.advance(timedelta(seconds=waits[-1]))
        waits.append(console.delay("nobody@demo.example", WRONG, ATTACKER))
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
    # An address that stays quiet long enough is forgotten.
    console.clock.advance(by_address.memory)
    assert console.sign_in(BETO, PASSWORD, ATTACKER)[0] == 200

    # Guessing one account from many addresses only slows that account, for a minute at most.
    addresses = _addresses()
    for _ in range(RULES[ACCOUNT].first_delayed - 1):
        assert console.sign_in(ANA, WRONG, next(addresses))[0] == 401
    waits = [console.delay(ANA, WRONG, next(addresses))]
    while waits[-1] < RULES[ACCOUNT].longest_delay.total_seconds():
        console.clock.advance(timedelta(seconds=waits[-1]))
        waits.append(console.delay(ANA, WRONG, next(addresses)))
    assert waits == [1, 2, 4, 8, 16, 32, 60]
    assert console.delay(ANA, PASSWORD, OWNER) == 60
    console.clock.advance(timedelta(seconds=60))
    assert console.sign_in(ANA, PASSWORD, OWNER)[0] == 200


def test_unknown_and_known_emails_get_the_same_answer_and_the_same_work(console):
    def answer(email: str, password: str, address: str) -> tuple[int, dict, str, int]:
        before = verifications_done()
        status, body, headers = console.sign_in(email, password, address)
        return status, body, headers.get("Retry-After", ""), verifications_done() - before

    addresses = _addresses()
    known, unknown = [], []
    for _ in range(RULES[ACCOUNT].first_delayed + 1):  # free failures, the first delayed, one during the delay
        known.append(answer(ANA, WRONG, next(addresses)))
        unknown.append(answer("nobody@demo.example", WRONG, next(addresses)))
    assert known == unknown
    assert [status for status, *_ in known] == [401] * (RULES[ACCOUNT].first_delayed - 1) + [429, 429]
    assert all(work == 1 for *_, work in known)  # one argon2 verification each, a decoy's when no login
    assert known[0][1] == {"error": "unauthenticated", "message": "wrong email or password"}

    # A right password costs the same one verification; so does an attempt from an address being slowed.
    assert answer(BETO, PASSWORD, OWNER)[::3] == (200, 1)
    for n in range(RULES[ADDRESS].first_delayed):
        answer(f"x{n}@demo.example", WRONG, ATTACKER)
    assert answer(BETO, PASSWORD, ATTACKER)[::3] == (429, 1)
    assert answer("nobody@demo.example", PASSWORD, ATTACKER)[::3] == (429, 1)


def test_sign_in_throttling_logs_an_alertable_event(console, capsys):
    capsys.readouterr()
    for n in range(RULES[ADDRESS].first_delayed):
        console.sign_in(f"x{n}@demo.example", WRONG, ATTACKER)
    addresses = _addresses()
    for _ in range(RULES[ACCOUNT].first_delayed):
        console.sign_in(ANA, WRONG, next(addresses))
    logged = capsys.readouterr().err
    events = [entry for entry in map(json.loads, logged.splitlines()) if entry.get("event") == EVENT]
    assert [(e["severity"], e["scope"], e["key"], e["failures"], e["delay_s"]) for e in events] == [
        ("WARNING", ADDRESS, address_key(ATTACKER), RULES[ADDRESS].first_delayed, 1),
        ("WARNING", ACCOUNT, account_key(ANA), RULES[ACCOUNT].first_delayed, 1),
    ]
    # Keys, never the addresses or emails themselves (personal data).
    for personal in (ATTACKER, "192.0.2.", ANA, "x0@", "ana@"):
        assert personal not in logged
