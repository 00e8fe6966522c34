"""A signed-in user's second factor (TOTP, shared.console.two_factor): set it up, confirm it with a code,
turn it off with a code; an admin resets it for a user who lost their device.

Its secret lives on the login document, first as pending (``totp_pending``, set by start_enrolment) and
active once a code confirmed it (``totp_secret``), sealed at rest (shared.console.sealed_secrets). The
last time step accepted (``totp_last_step``) is kept so that no code works twice. Sign-in asks for the
code (shared.console.sign_in).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from shared.agents.model import instant
from shared.console.login_records import (
    LOGINS,
    MALFORMED_CODE,
    LoginRecords,
    Verdict,
    code_refusal,
    count_failure,
    normalised_email,
    points_at,
)
from shared.console.sealed_secrets import SecretBox
from shared.console.sign_in_throttle import Attempt
from shared.console.two_factor import matching_step, new_secret, normalised_code, otpauth_uri
from shared.kernel.errors import AlreadyExists, Forbidden, InvalidField, InvalidInput
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Transaction


@dataclass(frozen=True)
class Enrolment:
    """A pending second factor: the key to add to an authenticator app, bare and as a key URI."""

    secret: str
    otpauth_uri: str


class TwoFactorEnrolment:
    def __init__(self, store: DocumentStore, clock: Clock, sealer: SecretBox | None = None) -> None:
        self._records = LoginRecords(store, clock, sealer)
        self._store = store
        self._clock = clock

    def two_factor_on(self, workspace_id: str, agent_id: str) -> bool:
        """Whether the user signs in with a code (an active second factor on their current login)."""
        found = self._records.current_login(workspace_id, agent_id)
        return found is not None and bool(found[1].get("totp_secret"))

    def users_with_two_factor(self, workspace_id: str) -> set[str]:
        """The workspace's users whose login has an active second factor (for the admins' list)."""
        logins = self._store.query(LOGINS, [Filter("workspace_id", "==", workspace_id)])
        return {d.data["agent_id"] for d in logins if d.data.get("totp_secret")}

    def two_factor_required(self, workspace_id: str) -> bool:
        return self._records.workspace_requires_code(workspace_id)

    def start_enrolment(self, workspace_id: str, agent_id: str) -> Enrolment:
        """A new pending secret (replacing an unconfirmed one); the factor is off until confirm_enrolment.

        NotFound: no such agent or it has no login; AlreadyExists: a second factor is already on.
        """
        records = self._records
        agent = records.agent(workspace_id, agent_id)
        secret = new_secret()
        sealed = records.seal(secret, workspace_id, agent_id)

        def work(tx: Transaction) -> None:
            doc_id, login = records.tx_current_login(tx, workspace_id, agent_id)
            if login.get("totp_secret"):
                raise AlreadyExists("two-factor sign-in is already on; turn it off first to use another device")
            tx.update(LOGINS, doc_id, {"totp_pending": sealed})

        self._store.run_transaction(work)
        return Enrolment(secret=secret, otpauth_uri=otpauth_uri(secret, normalised_email(agent.email)))

    def confirm_enrolment(self, workspace_id: str, agent_id: str, code: str) -> None:
        """Turn the pending secret on with a right code from it. InvalidField "code": nothing pending,
        not 6 digits or a wrong code (not counted: the caller is signed in and nothing is protected yet)."""
        if normalised_code(code) is None:
            raise InvalidField("code", MALFORMED_CODE)
        records = self._records
        now = self._clock.now()

        def work(tx: Transaction) -> None:
            doc_id, login = records.tx_current_login(tx, workspace_id, agent_id)
            sealed = login.get("totp_pending")
            if not sealed:
                raise InvalidField("code", "no two-factor set-up is pending; start it again")
            pending = records.open(sealed, workspace_id, agent_id)
            step = matching_step(pending, code, now, after_step=login.get("totp_last_step"))
            if step is None:
                raise InvalidField("code", code_refusal(pending, code, now))
            tx.update(LOGINS, doc_id, {"totp_secret": sealed, "totp_pending": None, "totp_last_step": step,
                                       "totp_enabled_at": instant(now)})

        self._store.run_transaction(work)

    def disable_two_factor(self, workspace_id: str, agent_id: str, code: str) -> None:
        """Turn the second factor off with a right, unused code from it.

        InvalidField "code": not 6 digits, or wrong (counted toward the account's sign-in delays: a stolen
        session must not buy unlimited guesses); InvalidInput: it is not on; Forbidden: the workspace
        requires it; TooManyAttempts: a delay is in force for the account.
        """
        if normalised_code(code) is None:
            raise InvalidField("code", MALFORMED_CODE)
        records = self._records
        if records.workspace_requires_code(workspace_id):
            raise Forbidden("your workspace requires two-factor sign-in; an admin can reset it if you lost"
                            " your device")
        now = self._clock.now()

        def work(tx: Transaction) -> Verdict:
            doc_id, login = records.tx_current_login(tx, workspace_id, agent_id)
            if not login.get("totp_secret"):
                raise InvalidInput("two-factor sign-in is not on")
            attempt = Attempt.of(login.get("email", ""), None)  # a signed-in user's request: no client to slow
            wait = attempt.wait(tx.get, now)
            if wait:
                return Verdict(retry_after_s=wait)
            secret = records.open(login["totp_secret"], workspace_id, agent_id)
            step = matching_step(secret, code, now, after_step=login.get("totp_last_step"))
            if step is None:
                verdict = count_failure(tx, attempt, now, refusal=code_refusal(secret, code, now))
                return replace(verdict, refused_field="code")
            # The last step stays: a code seen while turning it off must not work if it is turned on again.
            tx.update(LOGINS, doc_id, {"totp_secret": None, "totp_pending": None, "totp_last_step": step})
            return Verdict()

        verdict = self._store.run_transaction(work).settle()
        if verdict.refused_field:
            raise InvalidField(verdict.refused_field, verdict.refusal)

    def reset_two_factor(self, workspace_id: str, agent_id: str) -> None:
        """An admin turns a user's second factor off (a lost phone); if their workspace requires one, they
        enrol again at their next sign-in. NotFound: no such agent. Nothing happens without a login."""
        records = self._records
        records.agent(workspace_id, agent_id)
        older = records.login_ids_of(workspace_id, agent_id)

        def work(tx: Transaction) -> None:
            mine = [i for i in older if points_at(tx.get(LOGINS, i), workspace_id, agent_id)]
            for i in mine:
                tx.update(LOGINS, i, {"totp_secret": None, "totp_pending": None})

        self._store.run_transaction(work)
