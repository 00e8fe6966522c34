"""Console passwords: argon2id hashes and the policy a new password must meet.

Parameters are OWASP's argon2id recommendation (m=19 MiB, t=2, p=1): memory-hard enough to make
offline guessing costly, yet ~30 ms per hash on one core, so a login stays fast on a small
Cloud Functions instance and the test suite can hash many passwords without slowing down.
"""

from __future__ import annotations

import threading
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from shared.kernel.errors import InvalidInput
from shared.kernel.limits import PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS

MIN_LENGTH = PASSWORD_MIN_CHARS
MAX_LENGTH = PASSWORD_MAX_CHARS

_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
_verifications = 0
_counting = threading.Lock()


def hash_password(password: str) -> str:
    """An encoded argon2id hash ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash") with a fresh random salt."""
    if not isinstance(password, str):
        raise TypeError(f"a password must be a string, not {type(password).__name__}")
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True if ``password`` matches; False on a mismatch or an unreadable hash (never raises for those)."""
    global _verifications
    if not isinstance(stored_hash, str) or not isinstance(password, str):
        return False
    with _counting:
        _verifications += 1
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verifications_done() -> int:
    """How many verifications this process has run, decoys included. Sign-in runs exactly one per password
    it is given, whatever the email, so that its time says nothing: the tests compare this count for
    unknown, delayed and known emails (time itself cannot be asserted reliably)."""
    return _verifications


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than today's (or cannot be read at all)."""
    if not isinstance(stored_hash, str):
        return True
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except ValueError:  # InvalidHashError is one
        return True


@cache
def decoy_hash() -> str:
    """A hash to verify against when no account matches, so unknown emails take as long as known ones.

    Made on first use, not at import: hashing costs tens of milliseconds of every cold start otherwise.
    """
    return _HASHER.hash("decoy password that nobody has")


def check_password_policy(password: str, email: str = "") -> None:
    """Raise InvalidInput naming the rule a new password breaks; ``email`` enables the "not your email" rule."""
    if not isinstance(password, str):
        raise InvalidInput("password must be a string")
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"password must have at most {MAX_LENGTH} characters")
    if len(set(password)) == 1:
        raise InvalidInput("password must not repeat one character only")
    email = email.strip().casefold()
    if email and password.strip().casefold() in (email, email.partition("@")[0]):
        raise InvalidInput("password must not be the email address or the part before its @")
