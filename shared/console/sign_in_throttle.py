"""Sign-in throttling: growing delays after repeated failures, per client address and per account.

A failure (a wrong password, an unknown email, a wrong code of the second step) counts against the
address it came from and against the account asked for. From the rule's ``first_delayed`` failure on,
each one imposes a delay, 1 s first and doubling with every failure; while it lasts every attempt from that address,
or for that account, is answered "try again in N seconds" (HTTP 429 with Retry-After) without being
counted or checked. A count is forgotten ``memory`` after its last failure (then Firestore's TTL
deletes the document: ``expires_at``).

- Per address is what stops guessing: the delay grows to a quarter of an hour.
- Per account slows one account guessed from many addresses, but stays short (a minute at most): an
  anonymous caller can make the real owner wait that long, never lock them out. It is keyed by the
  email asked for, whether or not a login has it, so a delay says nothing about which emails exist.

A success forgets the account's count (not the address's: an attacker with one account of their own
must not clear their address by signing in). Keys are hashes: addresses and emails are personal data,
and the keys end up in logs.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shared.agents.model import instant
from shared.kernel.errors import CharlaError
from shared.kernel.logs import log
from shared.messages.ids import stable_hash
from shared.ports.document_store import Transaction

THROTTLES = "console_throttles"
ADDRESS, ACCOUNT = "address", "account"
# The log event operators alert on: Terraform counts it in a log-based metric (modules/security/alerts.tf).
EVENT: str = json.loads((Path(__file__).parents[1] / "contracts" / "console.json").read_text())[
    "sign_in_throttled_event"]


@dataclass(frozen=True)
class Rule:
    scope: str
    first_delayed: int  # the failure (counted within ``memory``) that first imposes a delay
    longest_delay: timedelta
    memory: timedelta  # a count is forgotten this long after its last failure

    def delay_after(self, failures: int) -> timedelta:
        """1 s at the first delayed failure, doubling with each further one, up to the longest."""
        if failures < self.first_delayed:
            return timedelta(0)
        return min(timedelta(seconds=2 ** min(failures - self.first_delayed, 30)), self.longest_delay)


RULES = {
    ADDRESS: Rule(ADDRESS, first_delayed=10, longest_delay=timedelta(minutes=15), memory=timedelta(hours=1)),
    ACCOUNT: Rule(ACCOUNT, first_delayed=5, longest_delay=timedelta(minutes=1), memory=timedelta(minutes=15)),
}


class TooManyAttempts(CharlaError):
    """A sign-in delay is in force: try again after ``retry_after_s`` seconds (HTTP 429 with Retry-After)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed attempts; try again in {retry_after_s} second"
                         f"{'' if retry_after_s == 1 else 's'}")
        self.retry_after_s = retry_after_s


def address_key(address: str) -> str:
    """The key of a client address: an IPv6 one by its /64 (what one subscriber is given, so rotating the
    rest of it gains nothing); anything unreadable as itself ("" when the address is unknown)."""
    text = address.strip() if isinstance(address, str) else ""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        network = text
    else:
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        network = str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
    return f"ad_{stable_hash(network, length=32)}"


def account_key(normalised_email: str) -> str:
    return f"ac_{stable_hash(normalised_email, length=32)}"


@dataclass(frozen=True)
class Failure:
    """What counting one failure did: the delay it imposed (zero while failures are still free), and the
    counts that reached a delay (logged once the transaction committed)."""

    delay: timedelta
    throttled: tuple[tuple[str, str, int, timedelta], ...] = ()  # (scope, key, failures, delay)

    def report(self) -> None:
        for scope, key, failures, delay in self.throttled:
            log("WARNING", "console sign-in throttled", function="console_api", event=EVENT, scope=scope, key=key,
                failures=failures, delay_s=int(delay.total_seconds()))

    @property
    def retry_after_s(self) -> int:
        return _whole_seconds(self.delay) if self.delay else 0


def _whole_seconds(delay: timedelta) -> int:
    return max(1, math.ceil(delay.total_seconds()))


@dataclass(frozen=True)
class Attempt:
    """The throttle keys of one attempt: the client's address (None when there is no client to speak of,
    as for a signed-in user's own request) and the account asked for."""

    account: str
    address: str | None = None

    @classmethod
    def of(cls, normalised_email: str, client_address: str | None) -> Attempt:
        return cls(account_key(normalised_email), None if client_address is None else address_key(client_address))

    def _keys(self) -> list[tuple[Rule, str]]:
        keys = [(RULES[ACCOUNT], self.account)]
        if self.address is not None:
            keys.insert(0, (RULES[ADDRESS], self.address))
        return keys

    def wait(self, read: Callable[[str, str], dict[str, Any] | None], now: datetime) -> int:
        """Seconds left of the longest delay in force for this attempt; 0 when none is.

        ``read`` is the store's or a transaction's ``get``."""
        left = [datetime.fromisoformat(doc["delay_until"]) - now for _, key in self._keys()
                if (doc := read(THROTTLES, key)) and doc.get("delay_until")]
        longest = max(left, default=timedelta(0))
        return _whole_seconds(longest) if longest > timedelta(0) else 0

    def fail(self, tx: Transaction, now: datetime) -> Failure:
        """Count a failure against each key (reads first, then writes, as Firestore transactions need)."""
        current = [(rule, key, tx.get(THROTTLES, key)) for rule, key in self._keys()]
        delay, throttled = timedelta(0), []
        for rule, key, doc in current:
            last = datetime.fromisoformat(doc["last_failure_at"]) if doc else None
            failures = 1 + (int(doc.get("failures", 0)) if doc and last and now - last < rule.memory else 0)
            imposed = rule.delay_after(failures)
            tx.set(THROTTLES, key, {
                "scope": rule.scope, "failures": failures, "last_failure_at": instant(now),
                "delay_until": instant(now + imposed) if imposed else None,
                "expires_at": instant(now + max(rule.memory, imposed)),
            })
            if imposed:
                throttled.append((rule.scope, key, failures, imposed))
                delay = max(delay, imposed)
        return Failure(delay, tuple(throttled))

    def succeed(self, tx: Transaction) -> None:
        """The account's count is forgotten; the address's is kept (see the module docstring)."""
        tx.delete(THROTTLES, self.account)


__all__ = ["ACCOUNT", "ADDRESS", "EVENT", "RULES", "THROTTLES", "Attempt", "Failure", "Rule", "TooManyAttempts",
           "account_key", "address_key"]
