"""Time-based one-time passwords (RFC 6238 over RFC 4226): the console's second sign-in factor.

The parameters are the ones every authenticator app assumes when a key URI names no others and the
ones peers use: HMAC-SHA-1, 6 digits, 30-second steps counted from the Unix epoch. A code is accepted
for the current step and one step either side, to forgive the clock drift of a phone and the seconds
a person takes to type; callers pass the last step already used so that no code works twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import datetime
from urllib.parse import quote, urlencode

ISSUER = "Charla"
DIGITS = 6
PERIOD_S = 30
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, the key length RFC 4226 recommends (and the output size of HMAC-SHA-1)


def new_secret() -> str:
    """A fresh random key in base32 without padding (32 characters), as authenticator apps expect it."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_bytes(secret: str) -> bytes:
    """The key behind a base32 secret; spaces, lower case and missing padding are forgiven.

    ValueError: not base32.
    """
    text = "".join(secret.split()).upper()
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise ValueError("the secret is not base32") from None


def otpauth_uri(secret: str, account: str) -> str:
    """The key URI authenticator apps read (the format Google Authenticator defined and others follow)."""
    label = quote(f"{ISSUER}:{account}", safe="@:")
    query = urlencode({"secret": secret, "issuer": ISSUER, "digits": DIGITS, "period": PERIOD_S})
    return f"otpauth://totp/{label}?{query}"


def qr_code(uri: str) -> str:
    """The key URI as a QR code every authenticator app scans: an SVG in a data: URL (an <img> shows it;
    an SVG in an image cannot run anything). Error correction M, as peers use for a screen."""
    import segno  # only enrolment needs it: not loaded with the sign-in path

    return segno.make(uri, error="m", micro=False).svg_data_uri(scale=4, border=4, dark="#000", light="#fff")


def time_step(instant: datetime) -> int:
    """The number of whole periods since the Unix epoch (RFC 6238's T)."""
    if instant.tzinfo is None:
        raise ValueError("time steps need a timezone-aware instant")
    return int(instant.timestamp()) // PERIOD_S


def hotp(key: bytes, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226's HOTP value for ``counter``, zero-padded to ``digits``."""
    mac = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    binary = int.from_bytes(mac[offset:offset + 4], "big") & 0x7FFFFFFF
    return str(binary % 10 ** digits).zfill(digits)


def code_at(secret: str, instant: datetime) -> str:
    """The code an authenticator app shows at ``instant``."""
    return hotp(secret_bytes(secret), time_step(instant))


def normalised_code(code: object) -> str | None:
    """The code as 6 digits, with the spaces or dash apps and people put in the middle removed; None if
    it cannot be a code at all."""
    if not isinstance(code, str) or len(code) > 20:
        return None
    digits = "".join(c for c in code if c not in " -\t")
    return digits if len(digits) == DIGITS and digits.isascii() and digits.isdigit() else None


def matching_step(secret: str, code: str, now: datetime, *, after_step: int | None = None) -> int | None:
    """The time step within the drift window whose code is ``code`` and that comes after ``after_step``
    (the last one used: refusing it and earlier ones stops a seen code from being replayed); else None."""
    wanted = normalised_code(code)
    if wanted is None:
        return None
    key = secret_bytes(secret)
    current = time_step(now)
    found = None
    # Every candidate is computed and compared in constant time, so timing tells nothing about which matched.
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(key, step), wanted) and (after_step is None or step > after_step):
            found = step if found is None else found
    return found


__all__ = ["DIGITS", "ISSUER", "PERIOD_S", "code_at", "hotp", "matching_step", "new_secret", "normalised_code",
           "otpauth_uri", "qr_code", "secret_bytes", "time_step"]
