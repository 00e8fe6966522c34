"""Two-step sign-in keys sealed at rest: they open only with the key and for the owner they were sealed for."""

from __future__ import annotations

import pytest

from shared.console.sealed_secrets import PREFIX, SecretBox
from shared.kernel.errors import ConfigurationError

KEY = "k3y-" * 12


def test_a_sealed_key_opens_for_its_owner_and_never_shows_in_the_stored_text():
    box = SecretBox(lambda: KEY)
    sealed = box.seal("JBSWY3DPEHPK3PXP", "demo/ana")
    assert sealed.startswith(PREFIX) and "JBSWY3DPEHPK3PXP" not in sealed
    assert box.open(sealed, "demo/ana") == "JBSWY3DPEHPK3PXP"
    assert box.seal("JBSWY3DPEHPK3PXP", "demo/ana") != sealed  # a fresh nonce each time


@pytest.mark.parametrize(("owner", "key"), [("demo/beto", KEY), ("otro/ana", KEY), ("demo/ana", "other-" * 8)])
def test_it_does_not_open_for_another_owner_or_with_another_key(owner, key):
    sealed = SecretBox(lambda: KEY).seal("JBSWY3DPEHPK3PXP", "demo/ana")
    with pytest.raises(ConfigurationError, match="an admin can reset"):
        SecretBox(lambda: key).open(sealed, owner)


@pytest.mark.parametrize("stored", ["JBSWY3DPEHPK3PXP", "v1.", "v1.%%%", "v1.AAAA"])
def test_a_plain_or_damaged_value_is_refused(stored):
    with pytest.raises(ConfigurationError):
        SecretBox(lambda: KEY).open(stored, "demo/ana")


def test_the_key_is_read_on_first_use_and_must_be_long_enough():
    reads = []
    box = SecretBox(lambda: reads.append(1) or "short")
    assert reads == []
    with pytest.raises(ConfigurationError, match="at least 32"):
        box.seal("x", "demo/ana")
