"""retention_purge's use case: forget what each workspace's policy no longer lets us keep.

For every workspace with a policy (``personal_data_days``, ``files_days``; None keeps), in the order of
their ids, in steps:

1. conversations: their message logs (text and payload emptied, media files deleted from the blob
   store), their web chat replies sent before the cutoff (deleted), and, for conversations idle since
   before the cutoff, the contact name and the bot's variables; the contacts of those conversations not
   seen since the cutoff are deleted (shared/retention/contacts.py says why, and what a blacklisted
   contact keeps);
2. tickets: the contact's address of tickets opened before the cutoff;
3. contacts changed last before the cutoff (those that never wrote, e.g. imported), as in 1;
4. warehouse: the emails the bots sent before the cutoff deleted from the blob store (their message
   rows are their index); ``messages.text`` set to NULL for rows older than the cutoff, but never for
   rows younger than STREAMING_BUFFER_HOLD: BigQuery refuses to change those; they are counted as left
   for later;
5. erasures (every workspace, with a policy or not): contacts erased on request whose warehouse rows were
   still in the streaming buffer get them cleared, and their marker goes once nothing can be left;
6. record: one ``retention_purge`` event on the history topic with the counts, store by store, and the
   watermarks (the cutoffs reached), so the next run reads only what aged since (minus SCAN_MARGIN, for
   writes that land late). The first run, or one after a policy is set, reads everything.

Idempotent: every change is computed from the document as read and gives nothing on a document already
forgotten, so a second run changes nothing. Batched: every read is a page (a query with a limit) and
every page's writes are one transaction. Resumable: before each unit of work (a page, a conversation,
a contact, a statement) past ``deadline`` the call stops and returns a cursor; calling again with it
goes on with the same cutoffs. Each call does at least one unit, so a run always ends.

Composite indexes these queries need in production Firestore (the emulator needs none):
conversations (workspace_id, updated_at), tickets (workspace_id, created_at), contacts (workspace_id,
updated_at), retention_pending_erasures (workspace_id, erased_at).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.agents.model import TICKETS
from shared.channels import webchat
from shared.contacts.model import CONTACT_KEYS, CONTACTS, Contact, contact_doc_id
from shared.conversations.store_names import CONVERSATIONS, mail_blob_key, media_blob_prefix, messages_collection
from shared.events import topics
from shared.history.records import event_record
from shared.kernel.errors import InvalidInput, TransientError
from shared.kernel.logs import log
from shared.ports.document_store import Document, Filter
from shared.ports.warehouse import STREAMING_BUFFER_HOLD
from shared.retention import history_rows
from shared.retention.contacts import (
    ANONYMISED,
    DELETED,
    contact_ids_of_conversation,
    conversations_of,
    instant_of,
    last_seen,
    remove_contact,
)
from shared.retention.model import (
    PENDING_ERASURES,
    PURGE_FUNCTION,
    RETENTION_STATE,
    Counts,
    PurgeReport,
    RetentionDeps,
)
from shared.retention.paging import next_page, position_of
from shared.retention.sweep import (
    forget_conversation,
    forget_emails,
    forget_messages,
    forget_tickets,
    forget_webchat_replies,
)
from shared.workspaces.directory import WORKSPACES, Workspace

SCAN_MARGIN = timedelta(days=2)
CONVERSATION_PAGE = 50
MESSAGE_PAGE = 100
REPLY_PAGE = 100
TICKET_PAGE = 100
CONTACT_PAGE = 50
MARKER_PAGE = 20
STEPS = ("conversations", "tickets", "contacts", "warehouse", "erasures", "record")
_DONE = "done"

# The stores of the inventory (shared/retention/personal_data.py) this purge goes through; its test holds
# this to every conversation and contact store that can hold personal data.
REACHES = (CONVERSATIONS, messages_collection("{conversation}"), webchat.replies_collection("{conversation}"),
           TICKETS, media_blob_prefix("{workspace}", "{conversation}"), mail_blob_key("{message}"),
           *history_rows.PERSONAL_COLUMNS, CONTACTS, CONTACT_KEYS)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


@dataclass(frozen=True)
class Plan:
    """One workspace's cutoffs in one run, and where the previous run left each store."""

    personal_cutoff: datetime | None
    files_cutoff: datetime | None
    personal_since: datetime | None  # None: from the beginning
    files_since: datetime | None
    warehouse_since: datetime | None
    buffer_limit: datetime

    @classmethod
    def of(cls, workspace: Workspace, state: dict[str, Any], run_at: datetime) -> Plan:
        def cutoff(days: int | None) -> datetime | None:
            return None if days is None else run_at - timedelta(days=days)

        def since(key: str) -> datetime | None:
            reached = instant_of(state.get(key))
            return None if reached is None else reached - SCAN_MARGIN

        return cls(personal_cutoff=cutoff(workspace.personal_data_days), files_cutoff=cutoff(workspace.files_days),
                   personal_since=since("personal_until"), files_since=since("files_until"),
                   warehouse_since=since("warehouse_until"), buffer_limit=run_at - STREAMING_BUFFER_HOLD)

    @property
    def active(self) -> bool:
        return self.personal_cutoff is not None or self.files_cutoff is not None

    def _policies(self) -> list[tuple[datetime, datetime | None]]:
        return [(c, s) for c, s in ((self.personal_cutoff, self.personal_since), (self.files_cutoff, self.files_since))
                if c is not None]

    @property
    def since(self) -> datetime | None:
        """Where reading starts: the earliest watermark of the policies in force (None: the beginning)."""
        sinces = [s for _, s in self._policies()]
        return None if not sinces or None in sinces else min(s for s in sinces if s is not None)

    @property
    def until(self) -> datetime | None:
        """Where reading ends: the latest cutoff (nothing younger is forgotten)."""
        return max((c for c, _ in self._policies()), default=None)

    def has_new(self, cutoff: datetime | None, since: datetime | None) -> bool:
        return cutoff is not None and (since is None or since < cutoff)


class _OutOfTime(Exception):
    pass


def purge_expired(deps: RetentionDeps, *, deadline: datetime, cursor: dict[str, Any] | None = None) -> PurgeReport:
    """Forget what every workspace's policy no longer keeps; stops at ``deadline`` with a cursor to go on.

    No unit of work starts after ``deadline``, but one started before it runs to its end: leave the longest
    unit's time (a page of writes, a warehouse statement: seconds) between ``deadline`` and the function's
    time limit."""
    run = _PurgeRun(deps, deadline, cursor)
    try:
        run.run()
    except _OutOfTime:
        return PurgeReport(finished=False, cursor=run.cursor(), workspaces=run.counts)
    return PurgeReport(finished=True, cursor=None, workspaces=run.counts)


class _PurgeRun:
    def __init__(self, deps: RetentionDeps, deadline: datetime, cursor: dict[str, Any] | None) -> None:
        if deadline.tzinfo is None:
            raise InvalidInput("deadline: must be a timezone-aware instant")
        cursor = dict(cursor or {})
        self.deps = deps
        self.store = deps.store
        self.deadline = deadline
        self.run_at = instant_of(cursor.get("run_at")) or deps.clock.now().astimezone(UTC)
        self.workspace: str | None = cursor.get("workspace")
        self.step: str = cursor.get("step") or STEPS[0]
        if self.step not in (*STEPS, _DONE):
            raise InvalidInput(f"cursor: step {self.step!r} is not one of {', '.join(STEPS)}")
        self.position: dict[str, Any] = dict(cursor.get("position") or {})
        self.warehouse_until: str | None = cursor.get("warehouse_until")
        self.counts = {ws: Counts.from_dict(c) for ws, c in (cursor.get("counts") or {}).items()}
        self.worked = False

    def cursor(self) -> dict[str, Any]:
        return {"run_at": _iso(self.run_at), "workspace": self.workspace, "step": self.step,
                "position": self.position, "warehouse_until": self.warehouse_until,
                "counts": {ws: c.to_dict() for ws, c in self.counts.items()}}

    def checkpoint(self) -> None:
        """Called before each unit of work: stop past the deadline, once this call has done something."""
        if self.worked and self.deps.clock.now() >= self.deadline:
            raise _OutOfTime
        self.worked = True

    def run(self) -> None:
        for workspace_id in sorted(d.id for d in self.store.query(WORKSPACES)):
            if self.workspace is not None and workspace_id < self.workspace:
                continue  # done by an earlier call of this run
            if workspace_id != self.workspace:
                self.workspace, self.step, self.position, self.warehouse_until = workspace_id, STEPS[0], {}, None
            if self.step == _DONE:
                continue
            self._purge(self.deps.directory.workspace(workspace_id))

    def _purge(self, workspace: Workspace) -> None:
        counts = self.counts.setdefault(workspace.id, Counts())
        state = self.store.get(RETENTION_STATE, workspace.id) or {}
        plan = Plan.of(workspace, state, self.run_at)
        while self.step != _DONE:
            getattr(self, f"_{self.step}")(workspace, plan, counts, state)
            index = STEPS.index(self.step) + 1
            self.step = STEPS[index] if index < len(STEPS) else _DONE
            self.position = {}

    # -- 1. conversations and their message logs -------------------------------

    def _conversations(self, workspace: Workspace, plan: Plan, counts: Counts, state: dict[str, Any]) -> None:
        if plan.until is None or (plan.since is not None and plan.since >= plan.until):
            return
        while True:
            page = next_page(self.store, CONVERSATIONS, [Filter("workspace_id", "==", workspace.id)], "updated_at",
                             size=CONVERSATION_PAGE, after=self.position.get("after"), start=_iso(plan.since))
            for document in page:
                self._conversation(workspace.id, document, plan, counts)
                self.position = {"after": list(position_of(document, "updated_at"))}
            if len(page) < CONVERSATION_PAGE:
                return

    def _conversation(self, workspace_id: str, document: Document, plan: Plan, counts: Counts) -> None:
        """Its messages page by page, then the conversation itself; each unit moves the position on."""
        if self.position.get("current") != document.id:
            self.position = {**self.position, "current": document.id, "messages_after": None, "messages_done": False,
                             "replies_done": False}
        while not self.position["messages_done"]:
            self.checkpoint()
            page = next_page(self.store, messages_collection(document.id), [], "at", size=MESSAGE_PAGE,
                             after=self.position["messages_after"], start=_iso(plan.since), end=_iso(plan.until))
            forget_messages(self.store, self.deps.blobs, document.id, page, personal_before=plan.personal_cutoff,
                            files_before=plan.files_cutoff, counts=counts)
            after = list(position_of(page[-1], "at")) if page else self.position["messages_after"]
            self.position = {**self.position, "messages_after": after, "messages_done": len(page) < MESSAGE_PAGE}
        if document.data.get("channel") == webchat.CHANNEL and plan.personal_cutoff is not None:
            while not self.position.get("replies_done"):
                self.checkpoint()
                done = forget_webchat_replies(self.store, document.id, sent_before=plan.personal_cutoff,
                                              page_size=REPLY_PAGE, counts=counts)
                self.position = {**self.position, "replies_done": done}
        idle_since = instant_of(document.data.get("updated_at"))
        if plan.personal_cutoff is None or idle_since is None or idle_since >= plan.personal_cutoff:
            return
        self.checkpoint()
        if forget_conversation(self.store, workspace_id, document.id, idle_before=plan.personal_cutoff):
            counts.conversations += 1
        for contact_id in contact_ids_of_conversation(self.store, workspace_id, document.data):
            self._contact(workspace_id, contact_id, plan.personal_cutoff, counts)

    # -- 2. tickets ----------------------------------------------------------------

    def _tickets(self, workspace: Workspace, plan: Plan, counts: Counts, state: dict[str, Any]) -> None:
        if not plan.has_new(plan.personal_cutoff, plan.personal_since):
            return
        while True:
            self.checkpoint()
            page = next_page(self.store, TICKETS, [Filter("workspace_id", "==", workspace.id)], "created_at",
                             size=TICKET_PAGE, after=self.position.get("after"), start=_iso(plan.personal_since),
                             end=_iso(plan.personal_cutoff))
            forget_tickets(self.store, TICKETS, page, counts)
            if page:
                self.position = {"after": list(position_of(page[-1], "created_at"))}
            if len(page) < TICKET_PAGE:
                return

    # -- 3. contacts -----------------------------------------------------------------

    def _contacts(self, workspace: Workspace, plan: Plan, counts: Counts, state: dict[str, Any]) -> None:
        cutoff = plan.personal_cutoff
        if cutoff is None or not plan.has_new(cutoff, plan.personal_since):
            return
        while True:
            page = next_page(self.store, CONTACTS, [Filter("workspace_id", "==", workspace.id)], "updated_at",
                             size=CONTACT_PAGE, after=self.position.get("after"), start=_iso(plan.personal_since),
                             end=_iso(cutoff))
            for document in page:
                self.checkpoint()
                self._contact(workspace.id, str(document.data.get("id", "")), cutoff, counts)
                self.position = {"after": list(position_of(document, "updated_at"))}
            if len(page) < CONTACT_PAGE:
                return

    def _contact(self, workspace_id: str, contact_id: str, cutoff: datetime, counts: Counts) -> None:
        data = self.store.get(CONTACTS, contact_doc_id(workspace_id, contact_id)) if contact_id else None
        if data is None or data.get("workspace_id") != workspace_id:
            return
        seen = last_seen(data, [])
        if seen is not None and seen >= cutoff:
            return  # changed since: no need to look at its conversations
        try:
            contact = Contact.from_dict(data)
        except InvalidInput as exc:  # one broken document must not stop every later run
            log("ERROR", "contact skipped by retention: unreadable", function=PURGE_FUNCTION,
                workspace_id=workspace_id, contact_id=contact_id, reason=type(exc).__name__)
            return
        conversation_ids = [d.id for d in conversations_of(self.store, contact)]
        outcome = remove_contact(self.store, workspace_id, contact_id, conversation_ids, not_seen_since=cutoff)
        counts.contacts_deleted += outcome == DELETED
        counts.contacts_anonymised += outcome == ANONYMISED

    # -- 4. warehouse ----------------------------------------------------------------

    def _warehouse(self, workspace: Workspace, plan: Plan, counts: Counts, state: dict[str, Any]) -> None:
        if plan.personal_cutoff is None:
            return
        self.checkpoint()
        warehouse = self.deps.warehouse
        until = min(plan.personal_cutoff, plan.buffer_limit)
        if plan.warehouse_since is None or plan.warehouse_since < until:
            try:
                # The emails first: the warehouse is their index, and its rows stay once cleared.
                forget_emails(self.deps.blobs, history_rows.email_message_ids(
                    warehouse, workspace.id, until=until, since=plan.warehouse_since), counts)
                counts.warehouse_rows += history_rows.clear_older(warehouse, workspace.id, until, plan.warehouse_since)
                self.warehouse_until = _iso(until)
            except TransientError as exc:
                log("WARNING", "warehouse rows left for a later run", function=PURGE_FUNCTION,
                    workspace_id=workspace.id, reason=str(exc)[:300])
                counts.warehouse_left += history_rows.count_holding(warehouse, workspace.id, until,
                                                                    plan.warehouse_since)
        if plan.personal_cutoff > plan.buffer_limit:
            counts.warehouse_left += history_rows.count_holding(warehouse, workspace.id, plan.personal_cutoff,
                                                                plan.buffer_limit)

    # -- 5. erasures waiting for the streaming buffer -------------------------------

    def _erasures(self, workspace: Workspace, plan: Plan, counts: Counts, state: dict[str, Any]) -> None:
        while True:
            page = next_page(self.store, PENDING_ERASURES, [Filter("workspace_id", "==", workspace.id)], "erased_at",
                             size=MARKER_PAGE, after=self.position.get("after"))
            for document in page:
                self.checkpoint()
                self._erasure(workspace.id, document, plan, counts)
                self.position = {"after": list(position_of(document, "erased_at"))}
            if len(page) < MARKER_PAGE:
                return

    def _erasure(self, workspace_id: str, marker: Document, plan: Plan, counts: Counts) -> None:
        erased_at = instant_of(marker.data.get("erased_at"))
        if erased_at is None:
            return
        warehouse = self.deps.warehouse
        complete = plan.buffer_limit > erased_at
        for conversation_id in marker.data.get("conversation_ids") or []:
            try:
                counts.warehouse_rows += history_rows.clear_conversation(
                    warehouse, workspace_id, conversation_id, through=erased_at, before=plan.buffer_limit)
            except TransientError:
                complete = False
        if complete:
            self.store.delete(PENDING_ERASURES, marker.id)
            counts.erasures_completed += 1
            return
        counts.erasures_pending += 1
        counts.warehouse_left += sum(history_rows.count_conversation(warehouse, workspace_id, c, through=erased_at)
                                     for c in marker.data.get("conversation_ids") or [])

    # -- 6. the purge event and the watermarks ---------------------------------------

    def _record(self, workspace: Workspace, plan: Plan, counts: Counts, state: dict[str, Any]) -> None:
        if not (plan.active or counts.changed or counts.erasures_pending):
            return
        self.checkpoint()
        detail = {**counts.by_store(), "personal_data_days": workspace.personal_data_days,
                  "files_days": workspace.files_days}
        record = event_record(key=f"{PURGE_FUNCTION}:{workspace.id}:{_iso(self.run_at)}", type=PURGE_FUNCTION,
                              workspace_id=workspace.id, occurred_at=self.run_at, function=PURGE_FUNCTION,
                              detail=detail)
        self.deps.bus.publish(topics.HISTORY, record.to_json())
        if not plan.active:
            return

        def later(key: str, reached: datetime | None) -> str | None:
            moments = [m for m in (instant_of(state.get(key)), reached) if m is not None]
            return _iso(max(moments)) if moments else None

        self.store.set(RETENTION_STATE, workspace.id, {
            "workspace_id": workspace.id, "personal_until": later("personal_until", plan.personal_cutoff),
            "files_until": later("files_until", plan.files_cutoff),
            "warehouse_until": later("warehouse_until", instant_of(self.warehouse_until)),
            "last_run_at": _iso(self.run_at),
        })
