"""Password logins: an admin gives a user a password under their email, asks who signs in with an email,
or removes a user's login (see shared.console.login_records for what is stored)."""

from __future__ import annotations

import secrets

from shared.agents.model import AGENTS, Agent, agent_doc_id, instant
from shared.console.login_records import (
    LOGINS,
    SESSIONS,
    TWO_FACTOR_FIELDS,
    LoginRecords,
    login_doc_id,
    normalised_email,
    points_at,
)
from shared.console.passwords import check_password_policy, hash_password
from shared.kernel.errors import AlreadyExists, ContentionError, InvalidInput, NotFound
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Transaction


class Logins:
    def __init__(self, store: DocumentStore, clock: Clock) -> None:
        self._records = LoginRecords(store, clock)

    def set_password(self, workspace_id: str, agent_id: str, password: str) -> None:
        """Give the agent a login under its current email, replacing any older one (and its live session).

        NotFound: no such agent; InvalidInput: the agent has no email or the password breaks the policy;
        AlreadyExists: another user signs in with that email. Failures and locks start over.
        """
        records = self._records
        agent = records.agent(workspace_id, agent_id)
        email = normalised_email(agent.email)
        if not email:
            raise InvalidInput(f"agent {agent_id!r} has no email to sign in with; set one first")
        check_password_policy(password, email=email)
        password_hash = hash_password(password)  # slow: outside the transaction, so it is not repeated
        older = records.login_ids_of(workspace_id, agent_id)
        credential_id = secrets.token_urlsafe(12)

        def work(tx: Transaction) -> None:
            current = records.tx_agent(tx, workspace_id, agent_id)
            if current is None:
                raise NotFound(f"agent {agent_id!r} of workspace {workspace_id!r} does not exist")
            if normalised_email(current.email) != email:
                raise ContentionError(f"agent {agent_id!r} changed its email meanwhile; try again")
            doc_id = login_doc_id(email)
            taken = tx.get(LOGINS, doc_id)
            if taken is not None and (taken.get("workspace_id"), taken.get("agent_id")) != (workspace_id, agent_id):
                holder = records.tx_agent(tx, taken["workspace_id"], taken["agent_id"])
                # A login left behind by the holder's email change is free to take.
                if holder is not None and normalised_email(holder.email) == email:
                    raise AlreadyExists(f"the email {email} is already used to sign in by another user")
            stale = {i: login for i in older if i != doc_id
                     and points_at(login := tx.get(LOGINS, i), workspace_id, agent_id)}
            # The second factor is the user's, not the password's: it moves to the new login (a new email).
            kept = [taken] if points_at(taken, workspace_id, agent_id) else []
            factor = next(({k: v[k] for k in TWO_FACTOR_FIELDS if k in v} for v in [*kept, *stale.values()]
                           if v.get("totp_secret") or v.get("totp_pending")), {})
            tx.set(LOGINS, doc_id, {
                "email": email, "workspace_id": workspace_id, "agent_id": agent_id, "password_hash": password_hash,
                "password_set_at": instant(records.clock.now()),
                # A new id per password: a second step begun with the old one is no longer valid.
                "credential_id": credential_id, **factor,
            })
            for i in stale:
                tx.delete(LOGINS, i)
            # Whoever held the old password (maybe the reason for the change) is signed out.
            tx.delete(SESSIONS, agent_doc_id(workspace_id, agent_id))

        records.store.run_transaction(work)

    def sign_in_holder(self, email: str) -> tuple[str, str] | None:
        """(workspace id, agent id) of the user who signs in with ``email`` now, if any (a login left behind
        by its holder's email change holds nothing)."""
        store = self._records.store
        email = normalised_email(email)
        login = store.get(LOGINS, login_doc_id(email)) if email else None
        if login is None:
            return None
        holder = store.get(AGENTS, agent_doc_id(login.get("workspace_id", ""), login.get("agent_id", "")))
        if holder is None or normalised_email(Agent.from_dict(holder).email) != email:
            return None
        return login["workspace_id"], login["agent_id"]

    def forget_login(self, workspace_id: str, agent_id: str) -> None:
        """Remove the agent's logins and end its session (when its email goes or the user is removed)."""
        older = self._records.login_ids_of(workspace_id, agent_id)

        def work(tx: Transaction) -> None:
            gone = [i for i in older if points_at(tx.get(LOGINS, i), workspace_id, agent_id)]
            for i in gone:
                tx.delete(LOGINS, i)
            tx.delete(SESSIONS, agent_doc_id(workspace_id, agent_id))

        self._records.store.run_transaction(work)
