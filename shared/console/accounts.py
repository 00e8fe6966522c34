"""Console sign-in: passwords of agents, one live session per user, and who is calling.

The users of the console are the agents of shared.agents. A user's login lives in ``console_logins``
under its normalised email (emails are unique across workspaces, because sign-in names no workspace);
its live session lives in ``console_sessions`` under the agent's document id, so a new sign-in
replaces the session id there and every older token stops working.

Failed sign-ins are counted per client address and per account (shared.console.sign_in_throttle):
repeated failures impose growing delays, answered TooManyAttempts, short for an account (nobody can lock
its owner out) and long for an address. Unknown email, wrong password and a login left behind by an
email change all get the same answer after the same work (one argon2 verification, of a decoy hash when
there is no login), and the delays are counted for unknown emails too. A disabled user is told so, but
only once the password was right: whoever knows the password is the user (or has their secret already),
and "wrong password" would send them to reset a password that is fine instead of to their admin.

Second factor (shared.console.two_factor, TOTP): its secret lives on the login document, first as
pending (``totp_pending``, set by start_enrolment) and active once a code confirmed it (``totp_secret``),
sealed at rest (shared.console.sealed_secrets) like the key a pending enrolment's challenge carries.
When the user has one active, or their workspace requires one, the right password opens no session: it
opens a second step, a random challenge kept in ``console_challenges`` under its hash for
CHALLENGE_TTL and CHALLENGE_ATTEMPTS tries (only the newest of a login counts). A user who must but has
not enrolled gets a fresh secret with the challenge, and the first right code both activates it and
opens the session. Wrong codes count toward the same delays as wrong passwords, and a right password
does not clear them while a code is still due (else each password would buy four more guesses). The
last time step accepted (``totp_last_step``) is kept so that no code works twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
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
from shared.console.sealed_secrets import SecretBox
from shared.console.session_tokens import SessionTokens
from shared.console.sign_in_throttle import Attempt, Failure, TooManyAttempts
from shared.console.two_factor import matching_step, new_secret, normalised_code, otpauth_uri
from shared.kernel.errors import (
    AlreadyExists,
    ConfigurationError,
    ContentionError,
    Forbidden,
    InvalidField,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
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
class Enrolment:
    """A pending second factor: the key to add to an authenticator app, bare and as a key URI."""

    secret: str
    otpauth_uri: str


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
    second_step: SecondStep | None = None
    refusal: str = ""
    refused_field: str = ""  # set when the refusal is about a field of a signed-in request, not a sign-in
    retry_after_s: int = 0  # a delay in force: TooManyAttempts
    failure: Failure | None = None  # what counting a failure did (logged once committed)

    def settle(self) -> _Verdict:
        """Log what the transaction counted, and raise TooManyAttempts when a delay is in force."""
        if self.failure is not None:
            self.failure.report()
        if self.retry_after_s:
            raise TooManyAttempts(self.retry_after_s)
        return self


class ConsoleAccounts:
    def __init__(self, store: DocumentStore, clock: Clock, tokens: SessionTokens,
                 sealer: SecretBox | None = None) -> None:
        self._store = store
        self._clock = clock
        self._tokens = tokens
        self._sealer = sealer  # seals two-step sign-in keys; without one, two-step sign-in is unavailable

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
        credential_id = secrets.token_urlsafe(12)

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
            stale = {i: login for i in older if i != doc_id
                     and self._points_at(login := tx.get(LOGINS, i), workspace_id, agent_id)}
            # The second factor is the user's, not the password's: it moves to the new login (a new email).
            kept = [taken] if self._points_at(taken, workspace_id, agent_id) else []
            factor = next(({k: v[k] for k in TWO_FACTOR_FIELDS if k in v} for v in [*kept, *stale.values()]
                           if v.get("totp_secret") or v.get("totp_pending")), {})
            tx.set(LOGINS, doc_id, {
                "email": email, "workspace_id": workspace_id, "agent_id": agent_id, "password_hash": password_hash,
                "password_set_at": instant(self._clock.now()),
                # A new id per password: a second step begun with the old one is no longer valid.
                "credential_id": credential_id, **factor,
            })
            for i in stale:
                tx.delete(LOGINS, i)
            # Whoever held the old password (maybe the reason for the change) is signed out.
            tx.delete(SESSIONS, agent_doc_id(workspace_id, agent_id))

        self._store.run_transaction(work)

    def sign_in_holder(self, email: str) -> tuple[str, str] | None:
        """(workspace id, agent id) of the user who signs in with ``email`` now, if any (a login left behind
        by its holder's email change holds nothing)."""
        email = normalised_email(email)
        login = self._store.get(LOGINS, login_doc_id(email)) if email else None
        if login is None:
            return None
        holder = self._store.get(AGENTS, agent_doc_id(login.get("workspace_id", ""), login.get("agent_id", "")))
        if holder is None or normalised_email(Agent.from_dict(holder).email) != email:
            return None
        return login["workspace_id"], login["agent_id"]

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

    def login(self, email: str, password: str, client_address: str = "") -> ConsoleSession | SecondStep:
        """Sign in; ends the user's older session. Unauthenticated says why not (see the module docstring);
        TooManyAttempts while a delay is in force for ``client_address`` (console_api passes the caller's)
        or for the email.

        When a second factor is due, the answer is a SecondStep and no session exists until
        complete_second_step gets its challenge with a right code.
        """
        doc_id = login_doc_id(email)
        now = self._clock.now()
        attempt = Attempt.of(normalised_email(email), client_address)
        wait = attempt.wait(self._store.get, now)
        snapshot = self._store.get(LOGINS, doc_id) if normalised_email(email) and not wait else None
        if snapshot is None:
            # Whatever the email, one verification: unknown, delayed and known emails cost the same time.
            self._verify(decoy_hash(), password)
            if wait:
                raise TooManyAttempts(wait)
            self._store.run_transaction(lambda tx: self._failed(tx, attempt, now)).settle()
            raise Unauthenticated(WRONG_CREDENTIALS)
        # The slow work happens once, here, not inside a transaction that may run again.
        known_hash = snapshot.get("password_hash", "")
        verdicts = {known_hash: self._verify(known_hash, password)}
        rehashed = hash_password(password) if verdicts[known_hash] and needs_rehash(known_hash) else None
        session_id = secrets.token_urlsafe(32)
        # Reads of other documents and queries stay out of the transaction; it checks what they found.
        requires = {snapshot.get("workspace_id", ""): self._workspace_requires_code(snapshot.get("workspace_id", ""))}
        may_need_code = verdicts[known_hash] and (bool(snapshot.get("totp_secret")) or any(requires.values()))
        older_challenges = self._challenge_ids_of(doc_id) if may_need_code else []
        challenge, enrol_secret = secrets.token_urlsafe(32), new_secret()

        def work(tx: Transaction) -> _Verdict:
            login = tx.get(LOGINS, doc_id)
            wait = attempt.wait(tx.get, now)
            if wait:  # imposed meanwhile by a concurrent failure
                return _Verdict(retry_after_s=wait)
            if login is None:
                return self._failed(tx, attempt, now)
            ws, agent_id = login["workspace_id"], login["agent_id"]
            agent = self._tx_agent(tx, ws, agent_id)
            stored = login.get("password_hash", "")
            if stored not in verdicts:  # the password changed since the first read
                verdicts[stored] = self._verify(stored, password)
            if not verdicts[stored]:
                return self._failed(tx, attempt, now)
            if agent is None or normalised_email(agent.email) != login.get("email"):
                return _Verdict(refusal=WRONG_CREDENTIALS)  # a login left behind by an email change
            if not agent.enabled:
                return _Verdict(refusal=DISABLED)
            if ws not in requires:
                requires[ws] = self._workspace_requires_code(ws)
            if login.get("totp_secret") or requires[ws]:
                if rehashed is not None and stored == known_hash:
                    tx.update(LOGINS, doc_id, {"password_hash": rehashed})
                return _Verdict(second_step=self._open_second_step(
                    tx, login, doc_id, now, challenge, enrol_secret, older_challenges))
            token, expires_at = self._tokens.issue(ws, agent_id, session_id)
            tx.set(SESSIONS, agent_doc_id(ws, agent_id), {
                "workspace_id": ws, "agent_id": agent_id, "session_id": session_id,
                "started_at": instant(now), "expires_at": instant(expires_at),
            })
            attempt.succeed(tx)
            if rehashed is not None and stored == known_hash:
                tx.update(LOGINS, doc_id, {"password_hash": rehashed})
            return _Verdict(session=ConsoleSession(token=token, expires_at=expires_at, workspace_id=ws,
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
        key = challenge_doc_id(challenge)
        now = self._clock.now()
        session_id = secrets.token_urlsafe(32)

        def work(tx: Transaction) -> _Verdict:
            pending = tx.get(CHALLENGES, key)
            if pending is None:
                return _Verdict(refusal=STEP_GONE)
            doc_id, ws, agent_id = pending["login_id"], pending["workspace_id"], pending["agent_id"]
            login = tx.get(LOGINS, doc_id)
            agent = self._tx_agent(tx, ws, agent_id)
            enrol = pending.get("kind") == "enrol"
            sealed = pending.get("secret") if enrol else (login or {}).get("totp_secret")
            # An enrolment never replaces a factor turned on meanwhile (that one needs its own code to go).
            if enrol and (login or {}).get("totp_secret"):
                sealed = None
            secret = self._open(sealed, ws, agent_id) if sealed else None
            if (datetime.fromisoformat(pending["expires_at"]) <= now or not self._points_at(login, ws, agent_id)
                    or login.get("credential_id", "") != pending.get("credential_id", "") or not secret
                    or agent is None or normalised_email(agent.email) != login.get("email")):
                tx.delete(CHALLENGES, key)
                return _Verdict(refusal=STEP_GONE)
            attempt = Attempt.of(login.get("email", ""), client_address)
            wait = attempt.wait(tx.get, now)
            if wait:
                tx.delete(CHALLENGES, key)
                return _Verdict(retry_after_s=wait)
            if not agent.enabled:
                tx.delete(CHALLENGES, key)
                return _Verdict(refusal=DISABLED)
            step = matching_step(secret, code, now, after_step=login.get("totp_last_step"))
            if step is None:
                verdict = self._failed(tx, attempt, now, refusal=self._code_refusal(secret, code, now))
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
            return _Verdict(session=ConsoleSession(token=token, expires_at=expires_at, workspace_id=ws,
                                                   agent_id=agent_id, role=agent.role, name=agent.name))

        verdict = self._store.run_transaction(work).settle()
        if verdict.session is None:
            raise Unauthenticated(verdict.refusal)
        return verdict.session

    # -- the second factor of a signed-in user --------------------------------------------------------

    def two_factor_on(self, workspace_id: str, agent_id: str) -> bool:
        """Whether the user signs in with a code (an active second factor on their current login)."""
        found = self._current_login(workspace_id, agent_id)
        return found is not None and bool(found[1].get("totp_secret"))

    def users_with_two_factor(self, workspace_id: str) -> set[str]:
        """The workspace's users whose login has an active second factor (for the admins' list)."""
        logins = self._store.query(LOGINS, [Filter("workspace_id", "==", workspace_id)])
        return {d.data["agent_id"] for d in logins if d.data.get("totp_secret")}

    def two_factor_required(self, workspace_id: str) -> bool:
        return self._workspace_requires_code(workspace_id)

    def start_enrolment(self, workspace_id: str, agent_id: str) -> Enrolment:
        """A new pending secret (replacing an unconfirmed one); the factor is off until confirm_enrolment.

        NotFound: no such agent or it has no login; AlreadyExists: a second factor is already on.
        """
        agent = self._agent(workspace_id, agent_id)
        secret = new_secret()
        sealed = self._seal(secret, workspace_id, agent_id)

        def work(tx: Transaction) -> None:
            doc_id, login = self._tx_current_login(tx, workspace_id, agent_id)
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
        now = self._clock.now()

        def work(tx: Transaction) -> None:
            doc_id, login = self._tx_current_login(tx, workspace_id, agent_id)
            sealed = login.get("totp_pending")
            if not sealed:
                raise InvalidField("code", "no two-factor set-up is pending; start it again")
            pending = self._open(sealed, workspace_id, agent_id)
            step = matching_step(pending, code, now, after_step=login.get("totp_last_step"))
            if step is None:
                raise InvalidField("code", self._code_refusal(pending, code, now))
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
        if self._workspace_requires_code(workspace_id):
            raise Forbidden("your workspace requires two-factor sign-in; an admin can reset it if you lost"
                            " your device")
        now = self._clock.now()

        def work(tx: Transaction) -> _Verdict:
            doc_id, login = self._tx_current_login(tx, workspace_id, agent_id)
            if not login.get("totp_secret"):
                raise InvalidInput("two-factor sign-in is not on")
            attempt = Attempt.of(login.get("email", ""), None)  # a signed-in user's request: no client to slow
            wait = attempt.wait(tx.get, now)
            if wait:
                return _Verdict(retry_after_s=wait)
            secret = self._open(login["totp_secret"], workspace_id, agent_id)
            step = matching_step(secret, code, now, after_step=login.get("totp_last_step"))
            if step is None:
                verdict = self._failed(tx, attempt, now, refusal=self._code_refusal(secret, code, now))
                return replace(verdict, refused_field="code")
            # The last step stays: a code seen while turning it off must not work if it is turned on again.
            tx.update(LOGINS, doc_id, {"totp_secret": None, "totp_pending": None, "totp_last_step": step})
            return _Verdict()

        verdict = self._store.run_transaction(work).settle()
        if verdict.refused_field:
            raise InvalidField(verdict.refused_field, verdict.refusal)

    def reset_two_factor(self, workspace_id: str, agent_id: str) -> None:
        """An admin turns a user's second factor off (a lost phone); if their workspace requires one, they
        enrol again at their next sign-in. NotFound: no such agent. Nothing happens without a login."""
        self._agent(workspace_id, agent_id)
        older = self._login_ids_of(workspace_id, agent_id)

        def work(tx: Transaction) -> None:
            mine = [i for i in older if self._points_at(tx.get(LOGINS, i), workspace_id, agent_id)]
            for i in mine:
                tx.update(LOGINS, i, {"totp_secret": None, "totp_pending": None})

        self._store.run_transaction(work)

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

    def _open_second_step(self, tx: Transaction, login: dict[str, Any], doc_id: str, now: datetime, challenge: str,
                          enrol_secret: str, older_challenges: list[str]) -> SecondStep:
        enrol = not login.get("totp_secret")
        expires_at = now + CHALLENGE_TTL
        for i in older_challenges:  # only the newest second step of a login counts
            tx.delete(CHALLENGES, i)
        tx.set(CHALLENGES, challenge_doc_id(challenge), {
            "login_id": doc_id, "workspace_id": login["workspace_id"], "agent_id": login["agent_id"],
            "kind": "enrol" if enrol else "code",
            "secret": self._seal(enrol_secret, login["workspace_id"], login["agent_id"]) if enrol else "",
            "credential_id": login.get("credential_id", ""), "attempts": 0,
            "created_at": instant(now), "expires_at": instant(expires_at),
        })
        if not enrol:
            return SecondStep(kind="code", challenge=challenge, expires_at=expires_at)
        return SecondStep(kind="enrol", challenge=challenge, expires_at=expires_at, secret=enrol_secret,
                          otpauth_uri=otpauth_uri(enrol_secret, login.get("email", "")))

    def _seal(self, secret: str, workspace_id: str, agent_id: str) -> str:
        return self._box().seal(secret, f"{workspace_id}/{agent_id}")

    def _open(self, sealed: str, workspace_id: str, agent_id: str) -> str:
        return self._box().open(sealed, f"{workspace_id}/{agent_id}")

    def _box(self) -> SecretBox:
        if self._sealer is None:
            raise ConfigurationError("two-step sign-in needs the console-two-factor-key secret")
        return self._sealer

    @staticmethod
    def _code_refusal(secret: str, code: str, now: datetime) -> str:
        # A right code refused only for its step: seen before (a replay, or the same code typed twice).
        return CODE_USED if matching_step(secret, code, now) is not None else WRONG_CODE

    def _workspace_requires_code(self, workspace_id: str) -> bool:
        from shared.workspaces.directory import WorkspaceDirectory

        try:
            return WorkspaceDirectory(self._store, self._clock).workspace(workspace_id).two_factor_required
        except NotFound:  # a workspace not published yet has its defaults
            return False

    def _challenge_ids_of(self, doc_id: str) -> list[str]:
        return [d.id for d in self._store.query(CHALLENGES, [Filter("login_id", "==", doc_id)])]

    def _current_login(self, workspace_id: str, agent_id: str) -> tuple[str, dict[str, Any]] | None:
        agent = self._agent(workspace_id, agent_id)
        doc_id = login_doc_id(agent.email)
        login = self._store.get(LOGINS, doc_id) if normalised_email(agent.email) else None
        return (doc_id, login) if self._points_at(login, workspace_id, agent_id) else None

    def _tx_current_login(self, tx: Transaction, workspace_id: str, agent_id: str) -> tuple[str, dict[str, Any]]:
        agent = self._tx_agent(tx, workspace_id, agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id!r} of workspace {workspace_id!r} does not exist")
        doc_id = login_doc_id(agent.email)
        login = tx.get(LOGINS, doc_id) if normalised_email(agent.email) else None
        if login is None or not self._points_at(login, workspace_id, agent_id):
            raise NotFound(f"agent {agent_id!r} has no password to sign in with")
        return doc_id, login

    @staticmethod
    def _failed(tx: Transaction, attempt: Attempt, now: datetime, refusal: str = WRONG_CREDENTIALS) -> _Verdict:
        """Count a failure; the refusal, or the delay it imposed."""
        failure = attempt.fail(tx, now)
        return _Verdict(refusal=refusal, failure=failure, retry_after_s=failure.retry_after_s)

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


__all__ = ["CHALLENGES", "LOGINS", "SESSIONS", "ConsoleAccounts", "ConsoleSession", "Enrolment", "Principal",
           "SecondStep", "challenge_doc_id", "login_doc_id", "normalised_email"]
