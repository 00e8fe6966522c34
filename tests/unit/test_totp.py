"""The console's one-time codes follow RFC 6238 (TOTP, HMAC-SHA-1, 6 digits, 30 s) so any authenticator
app shows the codes the server expects."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.console.two_factor import (
    code_at,
    hotp,
    matching_step,
    new_secret,
    normalised_code,
    otpauth_uri,
    secret_bytes,
    time_step,
)

# RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
# (Unix time, the RFC's 8-digit TOTP). Both are the same 31-bit number modulo 10^8 and 10^6, so a 6-digit
# code is the last 6 digits of the RFC's 8-digit one.
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
NOW = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


@pytest.mark.parametrize(("unix", "eight_digits"), RFC_VECTORS)
def test_the_rfc_6238_sha1_vectors_hold_with_eight_digits(unix, eight_digits):
    assert hotp(b"12345678901234567890", time_step(at(unix)), digits=8) == eight_digits


@pytest.mark.parametrize(("unix", "eight_digits"), RFC_VECTORS)
def test_the_six_digit_code_is_the_last_six_digits_of_the_rfc_vector(unix, eight_digits):
    assert code_at(RFC_SECRET, at(unix)) == eight_digits[-6:]


def test_the_rfc_4226_hotp_vectors_hold():
    # RFC 4226 Appendix D, counters 0..9 with the same seed.
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
    assert [hotp(b"12345678901234567890", c) for c in range(10)] == expected


def test_time_steps_are_thirty_seconds_from_the_epoch():
    assert time_step(at(0)) == 0 and time_step(at(29)) == 0 and time_step(at(30)) == 1
    assert time_step(at(59)) == 1 and time_step(at(1111111109)) == 37037036


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError):
        time_step(datetime(2026, 1, 1))


def test_a_new_secret_is_160_random_bits_in_unpadded_base32():
    secret = new_secret()
    assert len(secret) == 32 and "=" not in secret and len(secret_bytes(secret)) == 20
    assert secret != new_secret()


def test_a_secret_typed_with_spaces_or_lower_case_reads_the_same():
    secret = new_secret()
    spaced = " ".join(secret[i:i + 4] for i in range(0, 32, 4)).lower()
    assert secret_bytes(spaced) == secret_bytes(secret)
    with pytest.raises(ValueError):
        secret_bytes("not base32 at all!")


def test_the_key_uri_names_issuer_account_and_parameters():
    uri = otpauth_uri("JBSWY3DPEHPK3PXP", "ana@example.com")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.path) == ("otpauth", "totp", "/Charla:ana@example.com")
    assert parse_qs(parts.query) == {"secret": ["JBSWY3DPEHPK3PXP"], "issuer": ["Charla"], "digits": ["6"],
                                     "period": ["30"]}


def test_the_current_code_matches_its_step():
    secret = new_secret()
    assert matching_step(secret, code_at(secret, NOW), NOW) == time_step(NOW)


@pytest.mark.parametrize("drift", [timedelta(seconds=-30), timedelta(seconds=30)])
def test_a_code_one_step_early_or_late_is_accepted(drift):
    secret = new_secret()
    assert matching_step(secret, code_at(secret, NOW + drift), NOW) == time_step(NOW + drift)


@pytest.mark.parametrize("drift", [timedelta(seconds=-60), timedelta(seconds=60), timedelta(minutes=10)])
def test_a_code_two_or_more_steps_away_is_refused(drift):
    secret = new_secret()
    assert matching_step(secret, code_at(secret, NOW + drift), NOW) is None


def test_a_code_of_a_step_already_used_or_earlier_is_refused():
    secret = new_secret()
    step = time_step(NOW)
    assert matching_step(secret, code_at(secret, NOW), NOW, after_step=step) is None
    assert matching_step(secret, code_at(secret, NOW - timedelta(seconds=30)), NOW, after_step=step - 1) is None
    assert matching_step(secret, code_at(secret, NOW + timedelta(seconds=30)), NOW, after_step=step) == step + 1


def test_a_code_made_with_another_secret_is_refused():
    assert matching_step(new_secret(), code_at(new_secret(), NOW), NOW) is None


@pytest.mark.parametrize("typed", ["123 456", "123-456", " 123456 "])
def test_spaces_and_a_dash_inside_a_code_are_forgiven(typed):
    assert normalised_code(typed) == "123456"


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12345a", "１２３４５６", None, 123456, "1" * 100, "½23456"])
def test_a_malformed_code_is_never_a_code(typed):
    assert normalised_code(typed) is None
    assert matching_step(RFC_SECRET, typed, NOW) is None
