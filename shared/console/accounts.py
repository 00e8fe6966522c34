"""Console sign-in: passwords of agents, one live session per user, and who is calling.

The users of the console are the agents of shared.agents. A user's login lives in ``console_logins``
under its normalised email (emails are unique across workspaces, because sign-in names no workspace);
its live session lives in ``console_sessions`` under the agent's document id, so a new sign-in
replaces the session id there and every older token stops working.

Failed sign-ins are counted on the login document: MAX_FAILURES within FAILURE_WINDOW lock it for
LOCK_DURATION. Unknown email, wrong password and a login left behind by an email change all get the
same answer. A disabled user is told so, but only once the password was right: whoever knows the
password is the user (or has their secret already), and "wrong password" would send them to reset a
password that is fine instead of to their admin.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.agents.model import AGENTS, ROLES, Agent, agent_doc_id, instant
from shared.console.passwords import (
    MAX_LENGTH,
    check_password_policy,
    decoy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from shared.console.session_tokens import SessionTokens
from shared.domain.ids import stable_hash
from shared.errors import AlreadyExists, ContentionError, Forbidden, InvalidInput, NotFound, Unauthenticated
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Transaction

LOGINS = "console_logins"
SESSIONS = "console_sessions"

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)

WRONG_CREDENTIALS = "wrong email or password"
DISABLED = "this user is disabled"
SESSION_ENDED = "session ended by a newer sign-in or a logout"


def normalised_email(email: str) -> str:
    return email.strip().lower() if isinstance(email, str) else ""


def login_doc_id(email: str) -> str:
    """Hashed, so that document ids (which end up in logs and traces) carry no email address."""
    return f"lg_{stable_hash(normalised_email(email), length=32)}"


@dataclass(frozen=True)
class ConsoleSession:
    """What a successful sign-in hands the console: the bearer token and who it belongs to."""

    token: str
    expires_at: datetime
    workspace_id: str
    agent_id: str
    role: str
    name: str


@dataclass(frozen=True)
class Principal:
    """The signed-in caller of a console request, with the role the agent document holds now."""

    workspace_id: str
    agent_id: str
    role: str
    name: str
    session_id: str

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "admin")

    def require_role(self, *roles: str) -> Principal:
        """Forbidden unless the caller holds one of ``roles`` (list every role allowed: there is no hierarchy)."""
        unknown = [r for r in roles if r not in ROLES]
        if not roles or unknown:
            raise ValueError(f"require_role needs roles among {ROLES}, got {roles!r}")
        if self.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(roles)}; you are {self.role}")
        return self


@dataclass(frozen=True)
class _Verdict:
    """What one sign-in transaction decided; raised or returned only after its writes are committed."""

    session: ConsoleSession | None = None
    refusal: str = ""


def _lock_message(locked_until: datetime) -> str:
    # Round up to the minute, so "try again after" never names a moment that is still locked.
    shown = locked_until if locked_until == locked_until.replace(second=0, microsecond=0) else (
        locked_until.replace(second=0, microsecond=0) + timedelta(minutes=1))
    return f"too many failed attempts; try again after {shown:%H:%M} UTC"


def _locked_until(login: dict[str, Any], now: datetime) -> datetime | None:
    value = login.get("locked_until")
    if not value:
        return None
    until = datetime.fromisoformat(value)
    return until if until > now else None


class ConsoleAccounts:
    def __init__(self, store: DocumentStore, clock: Clock, tokens: SessionTokens) -> None:
        self._store = store
        self._clock = clock
        self._tokens = tokens

    # -- passwords ------------------------------------------------------------------------------------

    def set_password(self, workspace_id: str, agent_id: str, password: str) -> None:
        """Give the agent a login under its current email, replacing any older one (and its live session).

        NotFound: no such agent; InvalidInput: the agent has no email or the password breaks the policy;
        AlreadyExists: another user signs in with that email. Failures and locks start over.
        """
        agent = self._agent(workspace_id, agent_id)
        email = normalised_email(agent.email)
        if not email:
            raise InvalidInput(f"agent {agent_id!r} has no email to sign in with; set one first")
        check_password_policy(password, email=email)
        password_hash = hash_password(password)  # slow: outside the transaction, so it is not repeated
        older = self._login_ids_of(workspace_id, agent_id)

        def work(tx: Transaction) -> None:
            current = self._tx_agent(tx, workspace_id, agent_id)
            if current is None:
                raise NotFound(f"agent {agent_id!r} of workspace {workspace_id!r} does not exist")
            if normalised_email(current.email) != email:
                raise ContentionError(f"agent {agent_id!r} changed its email meanwhile; try again")
            doc_id = login_doc_id(email)
            taken = tx.get(LOGINS, doc_id)
            if taken is not None and (taken.get("workspace_id"), taken.get("agent_id")) != (workspace_id, agent_id):
                holder = self._tx_agent(tx, taken["workspace_id"], taken["agent_id"])
                # A login left behind by the holder's email change is free to take.
                if holder is not None and normalised_email(holder.email) == email:
                    raise AlreadyExists(f"the email {email} is already used to sign in by another user")
            stale = [i for i in older if i != doc_id and self._points_at(tx.get(LOGINS, i), workspace_id, agent_id)]
            tx.set(LOGINS, doc_id, {
                "email": email, "workspace_id": workspace_id, "agent_id": agent_id, "password_hash": password_hash,
                "password_set_at": instant(self._clock.now()), "failed": [], "locked_until": None,
            })
            for i in stale:
                tx.delete(LOGINS, i)
            # Whoever held the old password (maybe the reason for the change) is signed out.
            tx.delete(SESSIONS, agent_doc_id(workspace_id, agent_id))

        self._store.run_transaction(work)

    def forget_login(self, workspace_id: str, agent_id: str) -> None:
        """Remove the agent's logins and end its session (when its email goes or the user is removed)."""
        older = self._login_ids_of(workspace_id, agent_id)

        def work(tx: Transaction) -> None:
            gone = [i for i in older if self._points_at(tx.get(LOGINS, i), workspace_id, agent_id)]
            for i in gone:
                tx.delete(LOGINS, i)
            tx.delete(SESSIONS, agent_doc_id(workspace_id, agent_id))

        self._store.run_transaction(work)

    # -- sessions -------------------------------------------------------------------------------------

    def login(self, email: str, password: str) -> ConsoleSession:
        """Sign in; ends the user's older session. Unauthenticated says why not (see the module docstring)."""
        doc_id = login_doc_id(email)
        now = self._clock.now()
        snapshot = self._store.get(LOGINS, doc_id) if normalised_email(email) else None
        if snapshot is None:
            verify_password(decoy_hash(), password)  # an unknown email costs as much time as a known one
            raise Unauthenticated(WRONG_CREDENTIALS)
        locked = _locked_until(snapshot, now)
        if locked is not None:
            raise Unauthenticated(_lock_message(locked))
        # The slow work happens once, here, not inside a transaction that may run again.
        known_hash = snapshot.get("password_hash", "")
        verdicts = {known_hash: self._verify(known_hash, password)}
        rehashed = hash_password(password) if verdicts[known_hash] and needs_rehash(known_hash) else None
        session_id = secrets.token_urlsafe(32)

        def work(tx: Transaction) -> _Verdict:
            login = tx.get(LOGINS, doc_id)
            if login is None:
                return _Verdict(refusal=WRONG_CREDENTIALS)
            ws, agent_id = login["workspace_id"], login["agent_id"]
            agent = self._tx_agent(tx, ws, agent_id)
            locked = _locked_until(login, now)
            if locked is not None:
                return _Verdict(refusal=_lock_message(locked))
            stored = login.get("password_hash", "")
            if stored not in verdicts:  # the password changed since the first read
                verdicts[stored] = self._verify(stored, password)
            if not verdicts[stored]:
                return self._count_failure(tx, doc_id, login, now)
            if agent is None or normalised_email(agent.email) != login.get("email"):
                return _Verdict(refusal=WRONG_CREDENTIALS)  # a login left behind by an email change
            if not agent.enabled:
                return _Verdict(refusal=DISABLED)
            token, expires_at = self._tokens.issue(ws, agent_id, session_id)
            tx.set(SESSIONS, agent_doc_id(ws, agent_id), {
                "workspace_id": ws, "agent_id": agent_id, "session_id": session_id,
                "started_at": instant(now), "expires_at": instant(expires_at),
            })
            changes: dict[str, Any] = {}
            if login.get("failed") or login.get("locked_until"):
                changes.update(failed=[], locked_until=None)
            if rehashed is not None and stored == known_hash:
                changes["password_hash"] = rehashed
            if changes:
                tx.update(LOGINS, doc_id, changes)
            return _Verdict(session=ConsoleSession(token=token, expires_at=expires_at, workspace_id=ws,
                                                   agent_id=agent_id, role=agent.role, name=agent.name))

        verdict = self._store.run_transaction(work)
        if verdict.session is None:
            raise Unauthenticated(verdict.refusal)
        return verdict.session

    def authenticate(self, token: str) -> Principal:
        """Who calls with this token: valid, still the user's current session, and the user still enabled."""
        claims = self._tokens.read(token)
        key = agent_doc_id(claims.workspace_id, claims.agent_id)
        session = self._store.get(SESSIONS, key)
        if session is None or not secrets.compare_digest(str(session.get("session_id", "")), claims.session_id):
            raise Unauthenticated(SESSION_ENDED)
        data = self._store.get(AGENTS, key)
        if data is None:
            raise Unauthenticated("this user no longer exists")
        agent = Agent.from_dict(data)
        if not agent.enabled:
            raise Unauthenticated(DISABLED)
        return Principal(workspace_id=agent.workspace_id, agent_id=agent.id, role=agent.role, name=agent.name,
                         session_id=claims.session_id)

    def logout(self, workspace_id: str, agent_id: str) -> None:
        """End the user's session, whoever asks (the user or a supervisor); nothing happens if there is none."""
        self._store.delete(SESSIONS, agent_doc_id(workspace_id, agent_id))

    # -- helpers --------------------------------------------------------------------------------------

    @staticmethod
    def _verify(stored_hash: str, password: str) -> bool:
        # No password longer than the policy allows was ever stored: skip hashing megabytes.
        return isinstance(password, str) and len(password) <= MAX_LENGTH and verify_password(stored_hash, password)

    @staticmethod
    def _count_failure(tx: Transaction, doc_id: str, login: dict[str, Any], now: datetime) -> _Verdict:
        since = now - FAILURE_WINDOW
        failed = [t for t in login.get("failed") or () if datetime.fromisoformat(t) > since]
        failed.append(instant(now))
        if len(failed) >= MAX_FAILURES:
            locked_until = now + LOCK_DURATION
            tx.update(LOGINS, doc_id, {"failed": [], "locked_until": instant(locked_until)})
            return _Verdict(refusal=_lock_message(locked_until))
        tx.update(LOGINS, doc_id, {"failed": failed, "locked_until": None})
        return _Verdict(refusal=WRONG_CREDENTIALS)

    def _agent(self, workspace_id: str, agent_id: str) -> Agent:
        data = self._store.get(AGENTS, agent_doc_id(workspace_id, agent_id))
        if data is None:
            raise NotFound(f"agent {agent_id!r} of workspace {workspace_id!r} does not exist")
        return Agent.from_dict(data)

    @staticmethod
    def _tx_agent(tx: Transaction, workspace_id: str, agent_id: str) -> Agent | None:
        data = tx.get(AGENTS, agent_doc_id(workspace_id, agent_id))
        return None if data is None else Agent.from_dict(data)

    def _login_ids_of(self, workspace_id: str, agent_id: str) -> list[str]:
        # Queries cannot run inside a transaction: find the candidates first, confirm them inside it.
        mine = [Filter("workspace_id", "==", workspace_id), Filter("agent_id", "==", agent_id)]
        docs = self._store.query(LOGINS, mine)
        return [d.id for d in docs]

    @staticmethod
    def _points_at(login: dict[str, Any] | None, workspace_id: str, agent_id: str) -> bool:
        return login is not None and (login.get("workspace_id"), login.get("agent_id")) == (workspace_id, agent_id)


__all__ = ["LOGINS", "SESSIONS", "ConsoleAccounts", "ConsoleSession", "Principal", "login_doc_id", "normalised_email"]
