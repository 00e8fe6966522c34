"""Console passwords (argon2id, policy) and signed session tokens, without any store."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from shared.console.passwords import check_password_policy, hash_password, needs_rehash, verify_password
from shared.console.session_tokens import SessionTokens, TokenClaims
from shared.kernel.errors import ConfigurationError, InvalidInput, Unauthenticated
from shared.ports.clock import ManualClock

KEY = b"k" * 16 + b"e" * 16
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def tokens(clock) -> SessionTokens:
    return SessionTokens(KEY, clock)


# -- password policy ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("password", "rule"), [
    ("short-pw1", "at least 10 characters"),
    ("x" * 257, "at most 256 characters"),
    ("aaaaaaaaaaaa", "not repeat one character"),
    ("maria.lopez", "not be the email"),
    ("Maria.Lopez@Example.com", "not be the email"),
])
def test_a_password_breaking_a_rule_is_refused_naming_the_rule(password, rule):
    with pytest.raises(InvalidInput, match=rule):
        check_password_policy(password, email="maria.lopez@example.com")


@pytest.mark.parametrize("password", ["correct horse", "x" * 9 + "y", "ñandú-pass-2026", "z" * 255 + "!"])
def test_passwords_within_the_rules_are_accepted(password):
    check_password_policy(password, email="maria.lopez@example.com")


def test_the_email_rule_applies_only_when_an_email_is_given():
    check_password_policy("maria.lopez")


# -- hashing ------------------------------------------------------------------------------------------

def test_a_hashed_password_verifies_and_another_does_not():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not verify_password(stored, "")


def test_the_same_password_hashes_differently_each_time():
    assert hash_password("correct horse battery") != hash_password("correct horse battery")


@pytest.mark.parametrize("stored", ["", "plain text", "$argon2id$v=19$m=19456,t=2,p=1$broken", None])
def test_a_malformed_stored_hash_never_verifies_and_never_raises(stored):
    assert verify_password(stored, "correct horse battery") is False
    assert needs_rehash(stored) is True


def test_a_hash_made_with_other_parameters_needs_rehashing_and_still_verifies():
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("correct horse battery")
    assert needs_rehash(weaker)
    assert verify_password(weaker, "correct horse battery")
    assert not needs_rehash(hash_password("correct horse battery"))


# -- session tokens -------------------------------------------------------------------------------------

def test_an_issued_token_reads_back_its_claims_until_it_expires(tokens, clock):
    token, expires_at = tokens.issue("ws-1", "ana", "sid-1")
    assert expires_at == START + timedelta(hours=12)
    assert tokens.read(token) == TokenClaims("ws-1", "ana", "sid-1", expires_at)
    clock.advance(timedelta(hours=12) - timedelta(seconds=1))
    assert tokens.read(token).agent_id == "ana"


def test_an_expired_token_is_refused_as_expired(tokens, clock):
    token, _ = tokens.issue("ws-1", "ana", "sid-1")
    clock.advance(timedelta(hours=12))
    with pytest.raises(Unauthenticated, match="session expired at 2026-03-02 21:30 UTC"):
        tokens.read(token)


def test_the_lifetime_is_configurable(clock):
    short = SessionTokens(KEY, clock, ttl=timedelta(minutes=5))
    token, expires_at = short.issue("ws-1", "ana", "sid-1")
    assert expires_at == START + timedelta(minutes=5)
    clock.advance(timedelta(minutes=5))
    with pytest.raises(Unauthenticated, match="expired"):
        short.read(token)


def test_the_token_is_signed_json_claims_in_base64url(tokens):
    token, expires_at = tokens.issue("ws-1", "ana", "sid-1")
    payload, signature = token.split(".")
    assert "=" not in token
    assert json.loads(unb64(payload)) == {"v": 1, "ws": "ws-1", "agent": "ana", "sid": "sid-1",
                                          "exp": int(expires_at.timestamp())}
    assert len(unb64(signature)) == 32  # HMAC-SHA256


def test_a_token_whose_claims_were_changed_is_refused_as_badly_signed(tokens):
    token, _ = tokens.issue("ws-1", "ana", "sid-1")
    payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    claims["agent"] = "boss"
    forged = b64(json.dumps(claims).encode()) + "." + signature
    with pytest.raises(Unauthenticated, match="bad signature"):
        tokens.read(forged)


def test_a_token_whose_lifetime_was_extended_is_refused(tokens, clock):
    token, _ = tokens.issue("ws-1", "ana", "sid-1")
    payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    claims["exp"] += 3600 * 24 * 365
    with pytest.raises(Unauthenticated, match="bad signature"):
        tokens.read(b64(json.dumps(claims).encode()) + "." + signature)


def test_a_token_signed_with_another_key_is_refused(tokens, clock):
    other, _ = SessionTokens(b"o" * 32, clock).issue("ws-1", "ana", "sid-1")
    with pytest.raises(Unauthenticated, match="bad signature"):
        tokens.read(other)


@pytest.mark.parametrize("token", ["", "no-dot", "a.b.c", "abc.%%%", "ñ.ñ", "x" * 5000 + ".y", None])
def test_a_malformed_token_is_refused_as_malformed(tokens, token):
    with pytest.raises(Unauthenticated, match="malformed"):
        tokens.read(token)


def test_signed_claims_of_an_unknown_shape_are_refused_as_malformed(tokens):
    # Only someone holding the key could make these: another version of this code, say.
    for claims in ({"v": 2, "ws": "w", "agent": "a", "sid": "s", "exp": 2**40}, {"v": 1, "ws": "w"}, [1, 2]):
        payload = b64(json.dumps(claims).encode())
        token = f"{payload}.{b64(tokens._sign(payload))}"
        with pytest.raises(Unauthenticated, match="malformed"):
            tokens.read(token)


@pytest.mark.parametrize("key", [b"", b"k" * 31, "a string key that is long enough!!"])
def test_a_short_or_textual_signing_key_is_a_configuration_error(clock, key):
    with pytest.raises(ConfigurationError, match="signing key"):
        SessionTokens(key, clock)


def test_a_lifetime_that_is_not_positive_is_a_configuration_error(clock):
    with pytest.raises(ConfigurationError, match="lifetime"):
        SessionTokens(KEY, clock, ttl=timedelta(0))
