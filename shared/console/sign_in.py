"""Console sign-in: email and password, the second step a code completes, one live session per user, and
who is calling.

Failed sign-ins are counted per client address and per account (shared.console.sign_in_throttle):
repeated failures impose growing delays, answered TooManyAttempts, short for an account (nobody can lock
its owner out) and long for an address. Unknown email, wrong password and a login left behind by an
email change all get the same answer after the same work (one argon2 verification, of a decoy hash when
there is no login), and the delays are counted for unknown emails too. A disabled user is told so, but
only once the password was right: whoever knows the password is the user (or has their secret already),
and "wrong password" would send them to reset a password that is fine instead of to their admin.

When the user has a second factor on (shared.console.two_factor_enrolment), or their workspace requires
one, the right password opens no session: it opens a second step, a random challenge kept in
``console_challenges`` under its hash for CHALLENGE_TTL and CHALLENGE_ATTEMPTS tries (only the newest of a
login counts). A user who must but has not enrolled gets a fresh secret with the challenge, sealed on it,
and the first right code both activates it and opens the session. Wrong codes count toward the same
delays as wrong passwords, and a right password does not clear them while a code is still due (else each
password would buy four more guesses). The last time step accepted (``totp_last_step``) is kept so that
no code works twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.agents.model import AGENTS, ROLES, Agent, agent_doc_id, instant
from shared.console.login_records import (
    CHALLENGE_ATTEMPTS,
    CHALLENGE_TTL,
    CHALLENGES,
    DISABLED,
    LOGINS,
    MALFORMED_CODE,
    SESSION_ENDED,
    SESSIONS,
    STEP_GONE,
    WRONG_CREDENTIALS,
    LoginRecords,
    Verdict,
    challenge_doc_id,
    code_refusal,
    count_failure,
    login_doc_id,
    normalised_email,
    points_at,
)
from shared.console.passwords import MAX_LENGTH, decoy_hash, hash_password, needs_rehash, verify_password
from shared.console.sealed_secrets import SecretBox
from shared.console.session_tokens import SessionTokens
from shared.console.sign_in_throttle import Attempt, TooManyAttempts
from shared.console.two_factor import matching_step, new_secret, normalised_code, otpauth_uri
from shared.kernel.errors import Forbidden, InvalidField, Unauthenticated
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Transaction


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
class SecondStep:
    """What the right password hands the console when a code must follow: ``kind`` is "code", or
    "enrol" when the user must first add ``secret`` to an authenticator app (``otpauth_uri`` holds both)."""

    kind: str
    challenge: str
    expires_at: datetime
    secret: str = ""
    otpauth_uri: str = ""


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


class SignIn:
    def __init__(self, store: DocumentStore, clock: Clock, tokens: SessionTokens,
                 sealer: SecretBox | None = None) -> None:
        self._records = LoginRecords(store, clock, sealer)
        self._store = store
        self._clock = clock
        self._tokens = tokens

    def login(self, email: str, password: str, client_address: str = "") -> ConsoleSession | SecondStep:
        """Sign in; ends the user's older session. Unauthenticated says why not (see the module docstring);
        TooManyAttempts while a delay is in force for ``client_address`` (console_api passes the caller's)
        or for the email.

        When a second factor is due, the answer is a SecondStep and no session exists until
        complete_second_step gets its challenge with a right code.
        """
        records = self._records
        doc_id = login_doc_id(email)
        now = self._clock.now()
        attempt = Attempt.of(normalised_email(email), client_address)
        wait = attempt.wait(self._store.get, now)
        snapshot = self._store.get(LOGINS, doc_id) if normalised_email(email) and not wait else None
        if snapshot is None:
            # Whatever the email, one verification: unknown, delayed and known emails cost the same time.
            _verify(decoy_hash(), password)
            if wait:
                raise TooManyAttempts(wait)
            self._store.run_transaction(lambda tx: count_failure(tx, attempt, now)).settle()
            raise Unauthenticated(WRONG_CREDENTIALS)
        # The slow work happens once, here, not inside a transaction that may run again.
        known_hash = snapshot.get("password_hash", "")
        verdicts = {known_hash: _verify(known_hash, password)}
        rehashed = hash_password(password) if verdicts[known_hash] and needs_rehash(known_hash) else None
        session_id = secrets.token_urlsafe(32)
        # Reads of other documents and queries stay out of the transaction; it checks what they found.
        requires = {snapshot.get("workspace_id", ""): records.workspace_requires_code(snapshot.get("workspace_id", ""))}
        may_need_code = verdicts[known_hash] and (bool(snapshot.get("totp_secret")) or any(requires.values()))
        older_challenges = records.challenge_ids_of(doc_id) if may_need_code else []
        challenge, enrol_secret = secrets.token_urlsafe(32), new_secret()

        def work(tx: Transaction) -> Verdict:
            login = tx.get(LOGINS, doc_id)
            wait = attempt.wait(tx.get, now)
            if wait:  # imposed meanwhile by a concurrent failure
                return Verdict(retry_after_s=wait)
            if login is None:
                return count_failure(tx, attempt, now)
            ws, agent_id = login["workspace_id"], login["agent_id"]
            agent = records.tx_agent(tx, ws, agent_id)
            stored = login.get("password_hash", "")
            if stored not in verdicts:  # the password changed since the first read
                verdicts[stored] = _verify(stored, password)
            if not verdicts[stored]:
                return count_failure(tx, attempt, now)
            if agent is None or normalised_email(agent.email) != login.get("email"):
                return Verdict(refusal=WRONG_CREDENTIALS)  # a login left behind by an email change
            if not agent.enabled:
                return Verdict(refusal=DISABLED)
            if ws not in requires:
                requires[ws] = records.workspace_requires_code(ws)
            if login.get("totp_secret") or requires[ws]:
                if rehashed is not None and stored == known_hash:
                    tx.update(LOGINS, doc_id, {"password_hash": rehashed})
                return Verdict(second_step=self._open_second_step(
                    tx, login, doc_id, now, challenge, enrol_secret, older_challenges))
            token, expires_at = self._tokens.issue(ws, agent_id, session_id)
            tx.set(SESSIONS, agent_doc_id(ws, agent_id), {
                "workspace_id": ws, "agent_id": agent_id, "session_id": session_id,
                "started_at": instant(now), "expires_at": instant(expires_at),
            })
            attempt.succeed(tx)
            if rehashed is not None and stored == known_hash:
                tx.update(LOGINS, doc_id, {"password_hash": rehashed})
            return Verdict(session=ConsoleSession(token=token, expires_at=expires_at, workspace_id=ws,
                                                  agent_id=agent_id, role=agent.role, name=agent.name))

        verdict = self._store.run_transaction(work).settle()
        if verdict.second_step is not None:
            return verdict.second_step
        if verdict.session is None:
            raise Unauthenticated(verdict.refusal)
        return verdict.session

    def complete_second_step(self, challenge: str, code: str, client_address: str = "") -> ConsoleSession:
        """The session a right code opens for a pending second step; ends the user's older session.

        Unauthenticated: unknown, expired or spent challenge, a wrong or reused code (counted toward the
        delays), a disabled user. TooManyAttempts: a delay is in force (the challenge is spent: the user
        starts over with their password). InvalidField "code": not 6 digits (nothing is counted).
        """
        if normalised_code(code) is None:
            raise InvalidField("code", MALFORMED_CODE)
        if not isinstance(challenge, str) or not challenge or len(challenge) > 256:
            raise Unauthenticated(STEP_GONE)
        records = self._records
        key = challenge_doc_id(challenge)
        now = self._clock.now()
        session_id = secrets.token_urlsafe(32)

        def work(tx: Transaction) -> Verdict:
            pending = tx.get(CHALLENGES, key)
            if pending is None:
                return Verdict(refusal=STEP_GONE)
            doc_id, ws, agent_id = pending["login_id"], pending["workspace_id"], pending["agent_id"]
            login = tx.get(LOGINS, doc_id)
            agent = records.tx_agent(tx, ws, agent_id)
            enrol = pending.get("kind") == "enrol"
            sealed = pending.get("secret") if enrol else (login or {}).get("totp_secret")
            # An enrolment never replaces a factor turned on meanwhile (that one needs its own code to go).
            if enrol and (login or {}).get("totp_secret"):
                sealed = None
            secret = records.open(sealed, ws, agent_id) if sealed else None
            if (datetime.fromisoformat(pending["expires_at"]) <= now or not points_at(login, ws, agent_id)
                    or login.get("credential_id", "") != pending.get("credential_id", "") or not secret
                    or agent is None or normalised_email(agent.email) != login.get("email")):
                tx.delete(CHALLENGES, key)
                return Verdict(refusal=STEP_GONE)
            attempt = Attempt.of(login.get("email", ""), client_address)
            wait = attempt.wait(tx.get, now)
            if wait:
                tx.delete(CHALLENGES, key)
                return Verdict(retry_after_s=wait)
            if not agent.enabled:
                tx.delete(CHALLENGES, key)
                return Verdict(refusal=DISABLED)
            step = matching_step(secret, code, now, after_step=login.get("totp_last_step"))
            if step is None:
                verdict = count_failure(tx, attempt, now, refusal=code_refusal(secret, code, now))
                attempts = int(pending.get("attempts", 0)) + 1
                if attempts >= CHALLENGE_ATTEMPTS or verdict.retry_after_s:
                    tx.delete(CHALLENGES, key)
                else:
                    tx.update(CHALLENGES, key, {"attempts": attempts})
                return verdict
            token, expires_at = self._tokens.issue(ws, agent_id, session_id)
            tx.set(SESSIONS, agent_doc_id(ws, agent_id), {
                "workspace_id": ws, "agent_id": agent_id, "session_id": session_id,
                "started_at": instant(now), "expires_at": instant(expires_at),
            })
            changes: dict[str, Any] = {"totp_last_step": step}
            if enrol:
                changes.update(totp_secret=sealed, totp_pending=None, totp_enabled_at=instant(now))
            tx.update(LOGINS, doc_id, changes)
            tx.delete(CHALLENGES, key)
            attempt.succeed(tx)
            return Verdict(session=ConsoleSession(token=token, expires_at=expires_at, workspace_id=ws,
                                                  agent_id=agent_id, role=agent.role, name=agent.name))

        verdict = self._store.run_transaction(work).settle()
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

    def _open_second_step(self, tx: Transaction, login: dict[str, Any], doc_id: str, now: datetime, challenge: str,
                          enrol_secret: str, older_challenges: list[str]) -> SecondStep:
        enrol = not login.get("totp_secret")
        expires_at = now + CHALLENGE_TTL
        for i in older_challenges:  # only the newest second step of a login counts
            tx.delete(CHALLENGES, i)
        tx.set(CHALLENGES, challenge_doc_id(challenge), {
            "login_id": doc_id, "workspace_id": login["workspace_id"], "agent_id": login["agent_id"],
            "kind": "enrol" if enrol else "code",
            "secret": self._records.seal(enrol_secret, login["workspace_id"], login["agent_id"]) if enrol else "",
            "credential_id": login.get("credential_id", ""), "attempts": 0,
            "created_at": instant(now), "expires_at": instant(expires_at),
        })
        if not enrol:
            return SecondStep(kind="code", challenge=challenge, expires_at=expires_at)
        return SecondStep(kind="enrol", challenge=challenge, expires_at=expires_at, secret=enrol_secret,
                          otpauth_uri=otpauth_uri(enrol_secret, login.get("email", "")))


def _verify(stored_hash: str, password: str) -> bool:
    # No password longer than the policy allows was ever stored: skip hashing megabytes.
    return isinstance(password, str) and len(password) <= MAX_LENGTH and verify_password(stored_hash, password)
