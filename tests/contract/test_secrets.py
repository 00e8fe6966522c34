"""Secrets contract: environment variables locally, Secret Manager in the cloud.

Secret Manager has no emulator: the real client (REST transport) talks to a local
stand-in (tests/support/fake_secret_manager.py) that stores versions and checksums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from shared.adapters.embedded.environment_secrets import EnvironmentSecrets
from shared.adapters.gcp.secret_manager_secrets import SecretManagerSecrets
from shared.kernel.errors import ConfigurationError, NotFound, TransientError
from shared.ports import Secrets
from tests.support.fake_secret_manager import FakeSecretManager
from tests.support.wsgi_server import serve_wsgi

PROJECT = "demo-test"


@dataclass
class Backend:
    secrets: Secrets
    store: Callable[[str, str], None]  # put a secret value where the adapter reads it


@pytest.fixture(scope="module")
def secret_manager_server() -> Iterator[tuple[FakeSecretManager, str]]:
    # One server per module: stopping a werkzeug server takes half a second.
    fake = FakeSecretManager()
    with serve_wsgi(fake) as url:
        yield fake, url


@pytest.fixture
def fake_secret_manager(secret_manager_server: tuple[FakeSecretManager, str]) -> tuple[FakeSecretManager, str]:
    secret_manager_server[0].reset()
    return secret_manager_server


@pytest.fixture(params=["environment", "secret_manager"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "environment":
        environ: dict[str, str] = {}
        secrets = EnvironmentSecrets(environ)
        return Backend(secrets, lambda name, value: environ.__setitem__(secrets.variable_for(name), value))
    fake, url = request.getfixturevalue("fake_secret_manager")
    return Backend(
        SecretManagerSecrets(PROJECT, endpoint=url),
        lambda name, value: fake.add_version(PROJECT, name, value),
    )


# --- the contract, for every backend --------------------------------------------------------


def test_a_stored_secret_is_returned(backend: Backend) -> None:
    backend.store("meta-app-secret", "s3cr3t-value")

    assert backend.secrets.get("meta-app-secret") == "s3cr3t-value"


def test_a_unicode_secret_comes_back_intact(backend: Backend) -> None:
    backend.store("greeting_key", "clé-ñandú-🔑")

    assert backend.secrets.get("greeting_key") == "clé-ñandú-🔑"


def test_an_unknown_secret_is_not_found_by_name(backend: Backend) -> None:
    backend.store("meta-app-secret", "s3cr3t-value")

    with pytest.raises(NotFound, match=r"(?i)telegram[-_]bot[-_]token"):
        backend.secrets.get("telegram-bot-token")


def test_a_name_no_secret_can_have_is_not_found(backend: Backend) -> None:
    with pytest.raises(NotFound):
        backend.secrets.get("../other-project/key")


# --- environment ----------------------------------------------------------------------------


def test_environment_secret_names_map_to_prefixed_upper_case_variables() -> None:
    secrets = EnvironmentSecrets({"CHARLA_SECRET_META_APP_SECRET": "from-env"})

    assert secrets.variable_for("meta-app-secret") == "CHARLA_SECRET_META_APP_SECRET"
    assert secrets.variable_for("twilio.auth token") == "CHARLA_SECRET_TWILIO_AUTH_TOKEN"
    assert secrets.get("meta-app-secret") == "from-env"


def test_environment_not_found_names_the_variable_it_looked_for() -> None:
    with pytest.raises(NotFound, match="CHARLA_SECRET_META_APP_SECRET"):
        EnvironmentSecrets({}).get("meta-app-secret")


def test_environment_prefix_is_configurable() -> None:
    secrets = EnvironmentSecrets({"ACME_META_APP_SECRET": "acme"}, prefix="ACME_")

    assert secrets.get("meta-app-secret") == "acme"


def test_environment_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = EnvironmentSecrets()
    monkeypatch.setenv("CHARLA_SECRET_WEBCHAT_SIGNING_KEY", "live")

    assert secrets.get("webchat-signing-key") == "live"


# --- Secret Manager: what goes over the wire ------------------------------------------------


class Ticker:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_secret_manager_reads_the_latest_version_by_resource_path(
    fake_secret_manager: tuple[FakeSecretManager, str],
) -> None:
    fake, url = fake_secret_manager
    fake.add_version(PROJECT, "meta-app-secret", "old")
    fake.add_version(PROJECT, "meta-app-secret", "new")

    value = SecretManagerSecrets(PROJECT, endpoint=url).get("meta-app-secret")

    assert value == "new"
    [request] = fake.requests
    assert request.method == "GET"
    assert request.path == f"/v1/projects/{PROJECT}/secrets/meta-app-secret/versions/latest:access"


def test_secret_manager_a_corrupted_payload_is_refused_and_not_cached(
    fake_secret_manager: tuple[FakeSecretManager, str],
) -> None:
    fake, url = fake_secret_manager
    fake.add_version(PROJECT, "meta-app-secret", "s3cr3t-value")
    fake.corrupt_checksum(PROJECT, "meta-app-secret")
    secrets = SecretManagerSecrets(PROJECT, endpoint=url)

    with pytest.raises(TransientError, match="CRC32C"):
        secrets.get("meta-app-secret")
    with pytest.raises(TransientError, match="CRC32C"):
        secrets.get("meta-app-secret")

    assert len(fake.requests) == 2


def test_secret_manager_caches_values_for_the_ttl_then_rereads(
    fake_secret_manager: tuple[FakeSecretManager, str],
) -> None:
    fake, url = fake_secret_manager
    fake.add_version(PROJECT, "meta-app-secret", "first")
    ticker = Ticker()
    secrets = SecretManagerSecrets(PROJECT, endpoint=url, ttl_s=300, monotonic=ticker)

    assert secrets.get("meta-app-secret") == "first"
    fake.add_version(PROJECT, "meta-app-secret", "rotated")
    ticker.now += 299
    assert secrets.get("meta-app-secret") == "first"
    assert len(fake.requests) == 1

    ticker.now += 2
    assert secrets.get("meta-app-secret") == "rotated"
    assert len(fake.requests) == 2


def test_secret_manager_permission_denied_is_a_configuration_error(
    fake_secret_manager: tuple[FakeSecretManager, str],
) -> None:
    fake, url = fake_secret_manager
    fake.add_version(PROJECT, "meta-app-secret", "s3cr3t-value")
    fake.fail_next(403)

    with pytest.raises(ConfigurationError, match="secretAccessor"):
        SecretManagerSecrets(PROJECT, endpoint=url).get("meta-app-secret")


def test_secret_manager_a_name_that_cannot_exist_sends_no_request(
    fake_secret_manager: tuple[FakeSecretManager, str],
) -> None:
    fake, url = fake_secret_manager

    with pytest.raises(NotFound):
        SecretManagerSecrets(PROJECT, endpoint=url).get("projects/x/secrets/y")

    assert fake.requests == []


def test_secret_manager_makes_no_client_until_first_used() -> None:
    secrets = SecretManagerSecrets(PROJECT, endpoint="http://127.0.0.1:9")

    assert secrets._client is None
