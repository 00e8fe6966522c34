"""Retention on SQLite and the Firestore emulator (warehouse: DuckDB; blobs: a local folder).

Three workspaces hold the same old and recent data (tests/support/retention_seed.py): ws-a keeps
personal data 30 days and files 7, ws-c only files 7 days, ws-b has no policy. Every check compares
every document, blob and warehouse row with what the policy says, one by one.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from shared.agents.model import TICKETS
from shared.contacts.model import CONTACT_KEYS, CONTACTS, contact_doc_id, key_doc_id, search_terms_for
from shared.conversations.store_names import CONVERSATIONS, messages_collection
from shared.events import topics
from shared.kernel.errors import NotFound, TransientError
from shared.messages.wire import HistoryRecord
from shared.ports.clock import ManualClock
from shared.ports.event_bus import Subscription
from shared.retention import Counts, erase_contact, export_contact, purge_expired
from shared.retention import purge as purge_module
from shared.retention.model import PENDING_ERASURES, RETENTION_STATE
from shared.workspaces.directory import WORKSPACES, Workspace
from tests.integration.conftest import drain, platform_for
from tests.support.retention_seed import SeededWorkspace, seed_workspace

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
POLICIES = (Workspace(id="ws-a", personal_data_days=30, files_days=7), Workspace(id="ws-b"),
            Workspace(id="ws-c", files_days=7))
HISTORY_PROBE = Subscription(name="test-retention-history", topic=topics.HISTORY, ordered=False)
MEDIA_GONE = {"file_purged": True}


class _TestClock(ManualClock):
    """A manual clock that, once ``ticking``, moves a second each time it is read: a purge given a
    deadline already reached then does one unit of work per call."""

    ticking = False

    def now(self) -> datetime:
        return self.advance(timedelta(seconds=1)) if self.ticking else super().now()


@pytest.fixture(params=["sqlite", "firestore"])
def platform(request, tmp_path):
    platform = platform_for(request, tmp_path, clock=_TestClock(NOW))
    platform.bus.ensure_topic(topics.HISTORY)
    platform.bus.ensure_subscription(HISTORY_PROBE)
    platform.warehouse.ensure_tables()
    yield platform
    platform.close()


@pytest.fixture
def seeds(platform) -> dict[str, SeededWorkspace]:
    return {policy.id: seed_workspace(platform, policy, NOW) for policy in POLICIES}


def purge(platform, **kwargs):
    return purge_expired(platform, deadline=platform.clock.now() + timedelta(minutes=9), **kwargs)


# -- what the stores hold ------------------------------------------------------------


def snapshot(platform, seeds: dict[str, SeededWorkspace]) -> dict[str, dict[str, Any]]:
    """Every document, blob and warehouse row the seed made (and whatever else those collections hold)."""
    store = platform.store
    parts: dict[str, dict[str, Any]] = {}
    for collection in (WORKSPACES, CONVERSATIONS, TICKETS, CONTACTS, CONTACT_KEYS):
        parts[collection] = {d.id: d.data for d in store.query(collection)}
    for seed in seeds.values():
        for cid in seed.conversations.values():
            parts[messages_collection(cid)] = {d.id: d.data for d in store.query(messages_collection(cid))}
    parts["blobs"] = {key: platform.blobs.exists(key) for seed in seeds.values() for key in seed.files.values()}
    for table, id_column in (("messages", "message_id"), ("events", "event_id")):
        parts[f"warehouse.{table}"] = {row[id_column]: row for row in platform.warehouse.read_rows(table)}
    return parts


def assert_row_by_row(actual: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> None:
    assert actual.keys() == expected.keys()
    for part, rows in expected.items():
        assert sorted(actual[part]) == sorted(rows), f"{part}: other rows than expected"
        for row_id, row in rows.items():
            assert actual[part][row_id] == row, f"{part}/{row_id}"


class Expect:
    """Edits of a snapshot, named for what the policy does to each seeded thing."""

    def __init__(self, before: dict[str, dict[str, Any]], seeds: dict[str, SeededWorkspace]) -> None:
        self.rows = copy.deepcopy(before)
        self.seeds = seeds

    def message(self, ws: str, conversation: str, name: str, **changes: Any) -> None:
        cid = self.seeds[ws].conversations[conversation]
        self.rows[messages_collection(cid)][self.seeds[ws].messages[(conversation, name)]].update(changes)

    def file_deleted(self, ws: str, conversation: str, name: str) -> None:
        self.rows["blobs"][self.seeds[ws].files[(conversation, name)]] = False

    def conversation(self, ws: str, conversation: str, **changes: Any) -> None:
        row = self.rows[CONVERSATIONS][self.seeds[ws].conversations[conversation]]
        if changes.pop("variables_forgotten", False):
            row["bot"]["variables"] = {}
        row.update(changes)

    def conversation_deleted(self, ws: str, conversation: str) -> None:
        del self.rows[CONVERSATIONS][self.seeds[ws].conversations[conversation]]

    def ticket(self, ws: str, name: str, **changes: Any) -> None:
        self.rows[TICKETS][self.seeds[ws].tickets[name]].update(changes)

    def contact_deleted(self, ws: str, name: str, *keys: str) -> None:
        del self.rows[CONTACTS][contact_doc_id(ws, self.seeds[ws].contacts[name])]
        for key in keys:
            del self.rows[CONTACT_KEYS][key_doc_id(ws, key)]

    def contact(self, ws: str, who: str, **changes: Any) -> None:
        self.rows[CONTACTS][contact_doc_id(ws, self.seeds[ws].contacts[who])].update(changes)

    def text_cleared(self, ws: str, conversation: str, *names: str) -> None:
        for name in names:
            self.rows["warehouse.messages"][self.seeds[ws].messages[(conversation, name)]]["text"] = None


def first_purge_expectation(before, seeds) -> Expect:
    """At NOW: ws-a forgets personal data older than 30 days and files older than 7; ws-c files older than 7."""
    expect = Expect(before, seeds)
    # ws-a, message logs: texts and payloads of 35 days and more; the files of 10 and 45 days.
    for name in ("m1", "m2", "m3"):
        expect.message("ws-a", "old", name, text="", payload={})
    expect.message("ws-a", "old", "m4", text="", payload={"media": {"mime_type": "image/jpeg", "size": 5,
                                                                      **MEDIA_GONE}})
    expect.message("ws-a", "mixed", "m1", payload={})
    expect.message("ws-a", "mixed", "m2", payload={"media": {"url": "https://cdn.example/x.jpg",
                                                             "mime_type": "image/jpeg", "size": 5, **MEDIA_GONE}})
    expect.message("ws-a", "pablo", "m1", text="")
    expect.file_deleted("ws-a", "old", "m4")
    expect.file_deleted("ws-a", "mixed", "m2")
    # The conversation idle for 45 days forgets who it was with; its contact is gone.
    expect.conversation("ws-a", "old", contact_name="", contact_id="", variables_forgotten=True)
    expect.ticket("ws-a", "old", contact="")
    expect.ticket("ws-a", "mixed_old", contact="")
    # Olga (idle 45 days) and Bruno (imported, never wrote) go; Negra stays blacklisted by her number only;
    # Mario and Pablo (old records, but their conversations are active) and Nueva stay.
    expect.contact_deleted("ws-a", "olga", "phone:+573001110001")
    expect.contact_deleted("ws-a", "bruno", "phone:+573002220002")
    expect.contact("ws-a", "negra", name="", email="", variables={}, tags=[], blacklist_reason="",
                   search_terms=sorted(search_terms_for("", ["+573003330003"], "")))
    expect.text_cleared("ws-a", "old", "m1", "m2", "m3", "m4")
    expect.text_cleared("ws-a", "pablo", "m1")
    # ws-c keeps personal data: only its files of 10 and 45 days go.
    expect.message("ws-c", "old", "m4", payload={"media": {"id": "wa-media-1", "mime_type": "image/jpeg", "size": 5,
                                                           **MEDIA_GONE}})
    expect.message("ws-c", "mixed", "m2", payload={"media": {"url": "https://cdn.example/x.jpg",
                                                             "mime_type": "image/jpeg", "size": 5, **MEDIA_GONE}})
    expect.file_deleted("ws-c", "old", "m4")
    expect.file_deleted("ws-c", "mixed", "m2")
    return expect


FIRST_PURGE_COUNTS = {
    "ws-a": Counts(messages=6, conversations=1, tickets=2, contacts_deleted=2, contacts_anonymised=1, files=2,
                   warehouse_rows=5),
    "ws-b": Counts(),
    "ws-c": Counts(files=2),
}


def purge_events(platform) -> dict[str, dict[str, Any]]:
    records = [HistoryRecord.from_json(data) for data in drain(platform, HISTORY_PROBE)]
    return {r.row["workspace_id"]: r.row for r in records if r.row.get("type") == "retention_purge"}


# -- the purge -------------------------------------------------------------------------


def test_a_purge_forgets_exactly_what_each_policy_says_in_every_store_and_nothing_more(platform, seeds):
    before = snapshot(platform, seeds)

    report = purge(platform)

    assert report.finished and report.cursor is None
    assert_row_by_row(snapshot(platform, seeds), first_purge_expectation(before, seeds).rows)
    assert report.workspaces == FIRST_PURGE_COUNTS
    events = purge_events(platform)
    assert sorted(events) == ["ws-a", "ws-c"]  # ws-b has no policy and nothing pending
    assert json.loads(events["ws-a"]["detail"]) == {
        **FIRST_PURGE_COUNTS["ws-a"].by_store(), "personal_data_days": 30, "files_days": 7}
    assert events["ws-a"]["function"] == "retention_purge"
    state = platform.store.get(RETENTION_STATE, "ws-a")
    assert state["personal_until"] == (NOW - timedelta(days=30)).isoformat()
    assert state["files_until"] == (NOW - timedelta(days=7)).isoformat()
    assert platform.store.get(RETENTION_STATE, "ws-b") is None


def test_a_second_purge_changes_nothing(platform, seeds):
    purge(platform)
    purge_events(platform)
    after_first = snapshot(platform, seeds)
    platform.clock.advance(timedelta(minutes=5))

    report = purge(platform)

    assert report.finished
    assert report.workspaces == {"ws-a": Counts(), "ws-b": Counts(), "ws-c": Counts()}
    assert_row_by_row(snapshot(platform, seeds), after_first)
    events = purge_events(platform)
    assert json.loads(events["ws-a"]["detail"])["document_store"] == dict.fromkeys(
        ("messages", "conversations", "tickets", "webchat_replies", "contacts_deleted", "contacts_anonymised"), 0)


def test_a_purge_out_of_time_returns_a_cursor_and_the_next_calls_finish_it(platform, seeds, monkeypatch):
    for page in ("CONVERSATION_PAGE", "TICKET_PAGE", "CONTACT_PAGE", "MARKER_PAGE"):
        monkeypatch.setattr(purge_module, page, 1)
    monkeypatch.setattr(purge_module, "MESSAGE_PAGE", 2)  # old's three messages of one instant span two pages
    before = snapshot(platform, seeds)
    platform.clock.ticking = True
    cursor, calls = None, 0
    while True:
        # The deadline has passed when the call starts: each call does one unit of work and stops.
        report = purge_expired(platform, deadline=platform.clock.now(), cursor=cursor)
        calls += 1
        assert calls < 300, "the purge makes no progress"
        if report.finished:
            break
        assert report.cursor is not None
        cursor = json.loads(json.dumps(report.cursor))  # what a function would pass on: plain JSON
    platform.clock.ticking = False

    assert calls > 20
    assert report.cursor is None
    assert_row_by_row(snapshot(platform, seeds), first_purge_expectation(before, seeds).rows)
    assert report.workspaces == FIRST_PURGE_COUNTS  # counted once each, across all the calls
    assert sorted(purge_events(platform)) == ["ws-a", "ws-c"]


def test_a_later_run_forgets_what_aged_since_the_last_one_and_only_that(platform, seeds):
    purge(platform)
    before = snapshot(platform, seeds)
    platform.clock.advance(timedelta(days=29, hours=12))  # now everything of ws-a but Negra's number is too old

    report = purge(platform)

    expect = Expect(before, seeds)
    expect.message("ws-a", "mixed", "m2", text="", payload={"media": {"mime_type": "image/jpeg", "size": 5,
                                                                      **MEDIA_GONE}})
    expect.message("ws-a", "mixed", "m3", text="", payload={"media": {"mime_type": "application/pdf", "size": 5,
                                                                      **MEDIA_GONE}})
    expect.message("ws-a", "mixed", "m4", text="", payload={})
    expect.message("ws-a", "pablo", "m2", text="")
    expect.file_deleted("ws-a", "mixed", "m3")
    expect.conversation("ws-a", "mixed", contact_name="", contact_id="", variables_forgotten=True)
    expect.conversation("ws-a", "pablo", contact_name="", variables_forgotten=True)
    expect.ticket("ws-a", "mixed_recent", contact="")
    expect.contact_deleted("ws-a", "mario", "webchat:visitor-mario")
    expect.contact_deleted("ws-a", "pablo", "phone:+573004440004")
    expect.contact_deleted("ws-a", "nueva", "webchat:visitor-nueva")
    expect.text_cleared("ws-a", "mixed", "m2", "m3", "m4")
    expect.text_cleared("ws-a", "pablo", "m2")
    expect.message("ws-c", "mixed", "m3", payload={"media": {"id": "doc-9", "mime_type": "application/pdf", "size": 5,
                                                             "filename": "factura-mario.pdf", **MEDIA_GONE}})
    expect.file_deleted("ws-c", "mixed", "m3")
    assert_row_by_row(snapshot(platform, seeds), expect.rows)
    assert report.workspaces == {
        "ws-a": Counts(messages=4, conversations=2, tickets=1, contacts_deleted=3, files=1, warehouse_rows=4),
        "ws-b": Counts(), "ws-c": Counts(files=1)}


class _RefusingWarehouse:
    """The history warehouse, but refusing every change as BigQuery does rows in its streaming buffer."""

    def __init__(self, warehouse) -> None:
        self._warehouse = warehouse

    def __getattr__(self, name: str):
        return getattr(self._warehouse, name)

    def run_statement(self, sql: str, params=None) -> int:
        raise TransientError("UPDATE or DELETE statement over table would affect rows in the streaming buffer")


def test_rows_the_warehouse_refuses_to_change_are_left_for_a_later_run_and_not_reported_as_done(platform, seeds):
    deps = SimpleNamespace(store=platform.store, blobs=platform.blobs, bus=platform.bus, clock=platform.clock,
                           directory=platform.directory, warehouse=_RefusingWarehouse(platform.warehouse))
    before = snapshot(platform, seeds)

    report = purge_expired(deps, deadline=NOW + timedelta(minutes=9))

    assert report.workspaces["ws-a"] == Counts(messages=6, conversations=1, tickets=2, contacts_deleted=2,
                                               contacts_anonymised=1, files=2, warehouse_left=5)
    assert snapshot(platform, seeds)["warehouse.messages"] == before["warehouse.messages"]
    assert platform.store.get(RETENTION_STATE, "ws-a")["warehouse_until"] is None

    platform.clock.advance(timedelta(days=1))
    report = purge(platform)  # the warehouse takes changes again

    assert report.workspaces["ws-a"] == Counts(warehouse_rows=5)
    expected = first_purge_expectation(before, seeds).rows["warehouse.messages"]
    assert snapshot(platform, seeds)["warehouse.messages"] == expected


# -- erasure and export -----------------------------------------------------------------


def test_an_erased_contact_is_forgotten_in_every_store_and_no_one_else_is(platform, seeds):
    before = snapshot(platform, seeds)
    mario = seeds["ws-a"].contacts["mario"]

    report = erase_contact(platform, "ws-a", mario)

    expect = Expect(before, seeds)
    expect.conversation_deleted("ws-a", "mixed")
    expect.message("ws-a", "mixed", "m1", payload={})
    expect.message("ws-a", "mixed", "m2", text="", payload={"media": {"mime_type": "image/jpeg", "size": 5,
                                                                      **MEDIA_GONE}})
    expect.message("ws-a", "mixed", "m3", text="", payload={"media": {"mime_type": "application/pdf", "size": 5,
                                                                      **MEDIA_GONE}})
    expect.message("ws-a", "mixed", "m4", text="", payload={})
    expect.file_deleted("ws-a", "mixed", "m2")
    expect.file_deleted("ws-a", "mixed", "m3")
    expect.ticket("ws-a", "mixed_old", contact="")
    expect.ticket("ws-a", "mixed_recent", contact="")
    expect.contact_deleted("ws-a", "mario", "webchat:visitor-mario")
    expect.text_cleared("ws-a", "mixed", "m2", "m3", "m4")
    assert_row_by_row(snapshot(platform, seeds), expect.rows)
    assert report.counts == Counts(messages=4, conversations=1, tickets=2, contacts_deleted=1, files=2,
                                   warehouse_rows=3, erasures_pending=1)
    assert report.warehouse_pending == 0
    records = [HistoryRecord.from_json(d) for d in drain(platform, HISTORY_PROBE)]
    erased = [r.row for r in records if r.row.get("type") == "contact_erased"]
    assert len(erased) == 1 and json.loads(erased[0]["detail"])["contact_id"] == mario
    with pytest.raises(NotFound):
        export_contact(platform, "ws-a", mario)


def test_erased_rows_in_the_streaming_buffer_are_pending_until_a_purge_after_the_hold(platform, seeds):
    mario, cid = seeds["ws-b"].contacts["mario"], seeds["ws-b"].conversations["mixed"]
    platform.warehouse.insert_rows("messages", [{
        "message_id": "ws-b-mixed-just-now", "workspace_id": "ws-b", "conversation_id": cid, "channel": "webchat",
        "direction": "inbound", "sender_type": "user", "kind": "text", "text": "¿ya lo vieron?",
        "occurred_at": NOW - timedelta(minutes=10)}])

    report = erase_contact(platform, "ws-b", mario)

    def text_of(message_id: str) -> str | None:
        return {r["message_id"]: r for r in platform.warehouse.read_rows("messages")}[message_id]["text"]

    assert report.warehouse_pending == 1 and report.counts.warehouse_rows == 3
    assert text_of("ws-b-mixed-just-now") == "¿ya lo vieron?"
    assert text_of("ws-b-mixed-m3") is None

    platform.clock.advance(timedelta(minutes=30))  # still within the streaming buffer's hold
    report = purge(platform)
    assert report.workspaces["ws-b"] == Counts(warehouse_left=1, erasures_pending=1)
    assert text_of("ws-b-mixed-just-now") == "¿ya lo vieron?"
    assert json.loads(purge_events(platform)["ws-b"]["detail"])["warehouse"]["erasures_pending"] == 1

    platform.clock.advance(timedelta(hours=2))
    report = purge(platform)
    assert report.workspaces["ws-b"] == Counts(warehouse_rows=1, erasures_completed=1)
    assert text_of("ws-b-mixed-just-now") is None
    assert platform.store.query(PENDING_ERASURES) == []
    assert purge(platform).workspaces["ws-b"] == Counts()  # nothing left to finish


def test_erasing_a_contact_that_does_not_exist_is_not_found(platform, seeds):
    with pytest.raises(NotFound):
        erase_contact(platform, "ws-a", seeds["ws-b"].contacts["mario"])  # another workspace's


def test_an_export_holds_everything_about_the_contact_and_nothing_about_anyone_else(platform, seeds):
    seed = seeds["ws-a"]
    olga, cid = seed.contacts["olga"], seed.conversations["old"]

    exported = export_contact(platform, "ws-a", olga)

    assert json.loads(json.dumps(exported)) == exported  # plain JSON, ready to download
    assert exported["contact"]["name"] == "Olga Ruiz" and exported["contact"]["email"] == "olga@example.com"
    assert exported["contact"]["addresses"] == {"whatsapp": "573001110001"}
    assert "search_terms" not in exported["contact"]
    assert [c["id"] for c in exported["conversations"]] == [cid]
    assert exported["conversations"][0]["contact_name"] == "Olga Ruiz"
    assert [(m["id"], m["text"]) for m in exported["messages"][cid]] == [
        ("ws-a-old-m1", "Hola, soy Olga Ruiz"), ("ws-a-old-m2", "¡Hola Olga!"),
        ("ws-a-old-m3", "¿Te ayudo con un pedido?"), ("ws-a-old-m4", "mi cédula")]
    assert [t["id"] for t in exported["tickets"]] == [seed.tickets["old"]]
    assert [r["message_id"] for r in exported["warehouse"]["messages"]] == [
        "ws-a-old-m1", "ws-a-old-m2", "ws-a-old-m3", "ws-a-old-m4"]
    assert exported["warehouse"]["messages"][3]["text"] == "mi cédula"
    assert exported["warehouse"]["messages"][3]["occurred_at"] == (NOW - timedelta(days=45)).isoformat()
    assert [r["event_id"] for r in exported["warehouse"]["events"]] == ["ws-a-old-started"]
    assert exported["files"] == [{"key": seed.files[("old", "m4")], "stored": True}]


def test_an_export_finds_conversations_on_the_contacts_number_even_when_not_linked(platform, seeds):
    seed = seeds["ws-c"]

    exported = export_contact(platform, "ws-c", seed.contacts["pablo"])

    assert [c["id"] for c in exported["conversations"]] == [seed.conversations["pablo"]]
    assert [m["text"] for m in exported["messages"][seed.conversations["pablo"]]] == [
        "hola, soy Pablo", "sigo esperando"]
