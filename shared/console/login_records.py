"""What sign-in keeps in the store, and the reads that password logins, sign-in and two-factor enrolment share.

The users of the console are the agents of shared.agents. A user's login lives in ``console_logins``
under its normalised email (emails are unique across workspaces, because sign-in names no workspace);
its live session lives in ``console_sessions`` under the agent's document id, so a new sign-in
replaces the session id there and every older token stops working. A pending second step lives in
``console_challenges`` under its challenge's hash.

A login's second factor (TOTP, shared.console.two_factor) is sealed at rest (shared.console.sealed_secrets)
with its owner, "workspace/agent", as associated data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.agents.model import AGENTS, Agent, agent_doc_id
from shared.console.sealed_secrets import SecretBox
from shared.console.sign_in_throttle import Attempt, Failure, TooManyAttempts
from shared.console.two_factor import matching_step
from shared.kernel.errors import ConfigurationError, NotFound
from shared.messages.ids import stable_hash
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Transaction

LOGINS = "console_logins"
SESSIONS = "console_sessions"
CHALLENGES = "console_challenges"

CHALLENGE_TTL = timedelta(minutes=5)
CHALLENGE_ATTEMPTS = 3
# What a login carries of its second factor: moved with it when a new password or email rewrites it.
TWO_FACTOR_FIELDS = ("totp_secret", "totp_pending", "totp_last_step", "totp_enabled_at")

WRONG_CREDENTIALS = "wrong email or password"
DISABLED = "this user is disabled"
SESSION_ENDED = "session ended by a newer sign-in or a logout"
WRONG_CODE = "wrong code; type the one your authenticator app shows now"
CODE_USED = "this code was already used; wait for the next one"
STEP_GONE = "this sign-in step expired or is no longer valid; sign in again with your password"
MALFORMED_CODE = "expected the 6 digits your authenticator app shows"


def normalised_email(email: str) -> str:
    return email.strip().lower() if isinstance(email, str) else ""


def login_doc_id(email: str) -> str:
    """Hashed, so that document ids (which end up in logs and traces) carry no email address."""
    return f"lg_{stable_hash(normalised_email(email), length=32)}"


def challenge_doc_id(challenge: str) -> str:
    """Hashed, so that whoever reads the store (or its logs) cannot answer a pending second step."""
    return f"ch_{stable_hash(challenge, length=40)}"


def points_at(login: dict[str, Any] | None, workspace_id: str, agent_id: str) -> bool:
    """Whether ``login`` is this user's (a login left at an old email may name another holder now)."""
    return login is not None and (login.get("workspace_id"), login.get("agent_id")) == (workspace_id, agent_id)


@dataclass(frozen=True)
class Verdict:
    """What one sign-in transaction decided; raised or returned only after its writes are committed."""

    session: Any = None  # shared.console.sign_in.ConsoleSession
    second_step: Any = None  # shared.console.sign_in.SecondStep
    refusal: str = ""
    refused_field: str = ""  # set when the refusal is about a field of a signed-in request, not a sign-in
    retry_after_s: int = 0  # a delay in force: TooManyAttempts
    failure: Failure | None = None  # what counting a failure did (logged once committed)

    def settle(self) -> Verdict:
        """Log what the transaction counted, and raise TooManyAttempts when a delay is in force."""
        if self.failure is not None:
            self.failure.report()
        if self.retry_after_s:
            raise TooManyAttempts(self.retry_after_s)
        return self


def count_failure(tx: Transaction, attempt: Attempt, now: datetime, refusal: str = WRONG_CREDENTIALS) -> Verdict:
    """Count a failure; the refusal, or the delay it imposed."""
    failure = attempt.fail(tx, now)
    return Verdict(refusal=refusal, failure=failure, retry_after_s=failure.retry_after_s)


def code_refusal(secret: str, code: str, now: datetime) -> str:
    # A right code refused only for its step: seen before (a replay, or the same code typed twice).
    return CODE_USED if matching_step(secret, code, now) is not None else WRONG_CODE


class LoginRecords:
    """Reads of agents, logins and challenges, and the sealing of second-factor keys, over one store."""

    def __init__(self, store: DocumentStore, clock: Clock, sealer: SecretBox | None = None) -> None:
        self.store = store
        self.clock = clock
        self._sealer = sealer  # seals two-step sign-in keys; without one, two-step sign-in is unavailable

    def agent(self, workspace_id: str, agent_id: str) -> Agent:
        data = self.store.get(AGENTS, agent_doc_id(workspace_id, agent_id))
        if data is None:
            raise NotFound(f"agent {agent_id!r} of workspace {workspace_id!r} does not exist")
        return Agent.from_dict(data)

    @staticmethod
    def tx_agent(tx: Transaction, workspace_id: str, agent_id: str) -> Agent | None:
        data = tx.get(AGENTS, agent_doc_id(workspace_id, agent_id))
        return None if data is None else Agent.from_dict(data)

    def login_ids_of(self, workspace_id: str, agent_id: str) -> list[str]:
        # Queries cannot run inside a transaction: find the candidates first, confirm them inside it.
        mine = [Filter("workspace_id", "==", workspace_id), Filter("agent_id", "==", agent_id)]
        docs = self.store.query(LOGINS, mine)
        return [d.id for d in docs]

    def challenge_ids_of(self, doc_id: str) -> list[str]:
        return [d.id for d in self.store.query(CHALLENGES, [Filter("login_id", "==", doc_id)])]

    def current_login(self, workspace_id: str, agent_id: str) -> tuple[str, dict[str, Any]] | None:
        agent = self.agent(workspace_id, agent_id)
        doc_id = login_doc_id(agent.email)
        login = self.store.get(LOGINS, doc_id) if normalised_email(agent.email) else None
        return (doc_id, login) if points_at(login, workspace_id, agent_id) else None

    def tx_current_login(self, tx: Transaction, workspace_id: str, agent_id: str) -> tuple[str, dict[str, Any]]:
        agent = self.tx_agent(tx, workspace_id, agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id!r} of workspace {workspace_id!r} does not exist")
        doc_id = login_doc_id(agent.email)
        login = tx.get(LOGINS, doc_id) if normalised_email(agent.email) else None
        if login is None or not points_at(login, workspace_id, agent_id):
            raise NotFound(f"agent {agent_id!r} has no password to sign in with")
        return doc_id, login

    def workspace_requires_code(self, workspace_id: str) -> bool:
        from shared.workspaces.directory import WorkspaceDirectory

        try:
            return WorkspaceDirectory(self.store, self.clock).workspace(workspace_id).two_factor_required
        except NotFound:  # a workspace not published yet has its defaults
            return False

    def seal(self, secret: str, workspace_id: str, agent_id: str) -> str:
        return self._box().seal(secret, f"{workspace_id}/{agent_id}")

    def open(self, sealed: str, workspace_id: str, agent_id: str) -> str:
        return self._box().open(sealed, f"{workspace_id}/{agent_id}")

    def _box(self) -> SecretBox:
        if self._sealer is None:
            raise ConfigurationError("two-step sign-in needs the console-two-factor-key secret")
        return self._sealer
