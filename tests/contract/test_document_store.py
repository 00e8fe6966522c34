"""The DocumentStore port's contract, run against every adapter.

The same assertions run on the embedded SQLite store and on the real Firestore
emulator, so code tested locally keeps its meaning in the cloud.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from shared.adapters.embedded.sqlite_document_store import SqliteDocumentStore
from shared.adapters.gcp.firestore_document_store import FirestoreDocumentStore
from shared.kernel.errors import AlreadyExists, ContentionError, NotFound
from shared.ports.document_store import DocumentStore, Filter, Transaction
from tests.support.emulators import EMULATOR_PROJECT

REPO_ROOT = Path(__file__).resolve().parents[2]

StoreFactory = Callable[..., DocumentStore]
T = TypeVar("T")


@pytest.fixture(params=["sqlite", pytest.param("firestore", marks=pytest.mark.emulator)])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens stores of the parametrized backend on one shared database; all closed at the end."""
    opened: list[DocumentStore] = []
    if request.param == "firestore":
        request.getfixturevalue("firestore_env")

    def make(max_attempts: int | None = None) -> DocumentStore:
        """``max_attempts`` also makes an SQLite store wait only briefly for the write lock."""
        store: DocumentStore
        if request.param == "sqlite":
            patience = {} if max_attempts is None else {"max_attempts": max_attempts, "busy_timeout_s": 0.2}
            store = SqliteDocumentStore(tmp_path / "state.sqlite3", **patience)
        else:
            attempts = {} if max_attempts is None else {"max_attempts": max_attempts}
            store = FirestoreDocumentStore(project=EMULATOR_PROJECT, **attempts)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: StoreFactory) -> DocumentStore:
    return make_store()


RICH_DOCUMENT = {
    "name": "Zoë Ñúñez 日本語 🙂",
    "count": 3,
    "ratio": 0.25,
    "active": True,
    "muted": False,
    "assigned_agent": None,
    "tags": ["vip", "es", 7, None, True],
    "profile": {"address": {"city": "São Paulo", "lines": ["Rua 1", "apto 2"]}, "score": -1.5},
    "empty_map": {},
    "empty_list": [],
    "history": [{"at": "2026-01-01T12:00:00+00:00", "text": "hola"}],
}


# -- single documents ------------------------------------------------------


def test_a_stored_document_reads_back_unchanged(store: DocumentStore) -> None:
    store.set("contacts", "k1", RICH_DOCUMENT)

    assert store.get("contacts", "k1") == RICH_DOCUMENT


def test_reading_a_missing_document_gives_none(store: DocumentStore) -> None:
    assert store.get("contacts", "nobody") is None


def test_setting_replaces_the_whole_document(store: DocumentStore) -> None:
    store.set("contacts", "k1", {"name": "Ana", "phone": "+34600000000"})
    store.set("contacts", "k1", {"name": "Ana María"})

    assert store.get("contacts", "k1") == {"name": "Ana María"}


def test_changing_a_returned_document_does_not_change_the_store(store: DocumentStore) -> None:
    store.set("contacts", "k1", {"tags": ["a"]})
    store.get("contacts", "k1")["tags"].append("b")  # type: ignore[index]

    assert store.get("contacts", "k1") == {"tags": ["a"]}


def test_deleting_removes_the_document_and_a_missing_one_is_no_error(store: DocumentStore) -> None:
    store.set("contacts", "k1", {"name": "Ana"})

    store.delete("contacts", "k1")
    store.delete("contacts", "never-there")

    assert store.get("contacts", "k1") is None


def test_create_writes_only_when_the_id_is_free(store: DocumentStore) -> None:
    assert store.create("processed", "wamid.1", {"at": "2026-01-01T12:00:00+00:00"}) is True
    assert store.create("processed", "wamid.1", {"at": "2026-01-02T12:00:00+00:00"}) is False

    assert store.get("processed", "wamid.1") == {"at": "2026-01-01T12:00:00+00:00"}


def test_a_sub_collection_is_independent_of_top_level_and_sibling_collections(store: DocumentStore) -> None:
    store.set("conversations", "c1", {"status": "bot"})
    store.set("conversations/c1/messages", "m1", {"text": "hola"})
    store.set("conversations/c2/messages", "m1", {"text": "oi"})
    store.set("messages", "m1", {"text": "top level"})

    assert store.get("conversations/c1/messages", "m1") == {"text": "hola"}
    assert store.get("conversations/c2/messages", "m1") == {"text": "oi"}
    assert store.get("messages", "m1") == {"text": "top level"}
    assert store.get("conversations", "m1") is None
    assert [d.id for d in store.query("conversations")] == ["c1"]
    assert [d.id for d in store.query("conversations/c1/messages")] == ["m1"]

    store.delete("conversations", "c1")
    assert store.get("conversations/c1/messages", "m1") == {"text": "hola"}


def test_values_that_are_not_json_are_refused(store: DocumentStore) -> None:
    with pytest.raises(TypeError, match="ISO strings"):
        store.set("processed", "wamid.1", {"at": datetime(2026, 1, 1, tzinfo=UTC)})
    with pytest.raises(TypeError, match="ISO strings"):
        store.run_transaction(lambda tx: tx.set("processed", "wamid.1", {"at": {datetime(2026, 1, 1, tzinfo=UTC)}}))

    assert store.get("processed", "wamid.1") is None


def test_a_malformed_collection_path_is_refused(store: DocumentStore) -> None:
    with pytest.raises(ValueError, match="odd number of segments"):
        store.get("conversations/c1", "m1")


# -- queries -----------------------------------------------------------------

AGENTS = {
    "a1": {"name": "Ana", "status": "online", "chats": 2, "skills": ["es", "sales"], "team": {"region": "eu"}},
    "a2": {"name": "Bruno", "status": "paused", "chats": 0, "skills": ["pt"], "team": {"region": "latam"}},
    "a3": {"name": "Carla", "status": "online", "chats": 5.5, "skills": ["es", "pt"], "team": {"region": "latam"}},
    "a4": {"name": "Dario", "status": "offline", "chats": None, "skills": [], "team": {"region": "eu"}},
    "a5": {"name": "Eva", "status": "online", "chats": "3", "skills": "es", "lead": True},
    "a6": {"name": "Femi", "status": "online", "chats": True, "team": {"region": None}},
}


@pytest.fixture
def agents(store: DocumentStore) -> DocumentStore:
    for doc_id, data in AGENTS.items():
        store.set("agents", doc_id, data)
    store.set("agents/a1/notes", "n1", {"status": "online"})  # a sub-collection is never part of a query
    return store


def ids(store: DocumentStore, *filters: Filter, **options: Any) -> list[str]:
    return [doc.id for doc in store.query("agents", filters, **options)]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        pytest.param(Filter("status", "==", "online"), ["a1", "a3", "a5", "a6"], id="== string"),
        pytest.param(Filter("chats", "==", 0), ["a2"], id="== number, not false"),
        pytest.param(Filter("chats", "==", True), ["a6"], id="== true, not 1"),
        pytest.param(Filter("chats", "==", None), ["a4"], id="== None, not missing"),
        pytest.param(Filter("team.region", "==", "eu"), ["a1", "a4"], id="== on a dotted field"),
        pytest.param(Filter("team.region", "==", None), ["a6"], id="== None on a dotted field"),
        pytest.param(Filter("skills", "==", ["es", "pt"]), ["a3"], id="== whole list"),
        pytest.param(Filter("team", "==", {"region": "latam"}), ["a2", "a3"], id="== whole map"),
        pytest.param(Filter("status", "!=", "online"), ["a4", "a2"], id="!= orders by the field"),
        pytest.param(Filter("chats", "!=", 2), ["a6", "a2", "a3", "a5"], id="!= skips null and missing"),
        pytest.param(Filter("team.region", "!=", None), ["a1", "a4", "a2", "a3"], id="!= None"),
        pytest.param(Filter("chats", "<", 2), ["a2"], id="< numbers only"),
        pytest.param(Filter("chats", "<=", 2), ["a2", "a1"], id="<="),
        pytest.param(Filter("chats", ">", 0), ["a1", "a3"], id="> ints and floats"),
        pytest.param(Filter("chats", ">=", 2), ["a1", "a3"], id=">="),
        pytest.param(Filter("name", ">=", "C"), ["a3", "a4", "a5", "a6"], id=">= strings"),
        pytest.param(Filter("chats", ">", "0"), ["a5"], id="> strings only"),
        pytest.param(Filter("status", "in", ["paused", "offline"]), ["a2", "a4"], id="in"),
        pytest.param(Filter("chats", "in", [0, "3", True]), ["a2", "a5", "a6"], id="in mixed types"),
        pytest.param(Filter("skills", "array_contains", "es"), ["a1", "a3"], id="array_contains, not scalars"),
        pytest.param(Filter("skills", "array_contains", "fr"), [], id="array_contains none"),
    ],
)
def test_every_operator_matches_as_firestore_does(agents: DocumentStore, flt: Filter, expected: list[str]) -> None:
    # Without order_by, results come ordered by the inequality field (if any), then by id.
    assert ids(agents, flt) == expected


def test_filters_combine_with_and(agents: DocumentStore) -> None:
    online_spanish = ids(
        agents,
        Filter("status", "==", "online"),
        Filter("skills", "array_contains", "es"),
        Filter("chats", "<", 5),
    )

    assert online_spanish == ["a1"]


def test_results_are_ordered_by_id_unless_told_otherwise(agents: DocumentStore) -> None:
    assert ids(agents) == ["a1", "a2", "a3", "a4", "a5", "a6"]


def test_ordering_by_a_field_sorts_types_as_firestore_and_skips_documents_without_it(agents: DocumentStore) -> None:
    # null < booleans < numbers < strings.
    assert ids(agents, order_by="chats") == ["a4", "a6", "a2", "a1", "a3", "a5"]
    assert ids(agents, order_by="chats", descending=True) == ["a5", "a3", "a1", "a2", "a6", "a4"]
    assert ids(agents, order_by="team.region") == ["a6", "a1", "a4", "a2", "a3"]


def test_limit_keeps_the_first_results_in_order(agents: DocumentStore) -> None:
    busiest = ids(agents, Filter("status", "==", "online"), order_by="name", descending=True, limit=2)

    assert busiest == ["a6", "a5"]
    assert ids(agents, limit=0) == []


def test_filter_order_and_limit_work_together(agents: DocumentStore) -> None:
    found = agents.query(
        "agents", [Filter("chats", ">=", 0), Filter("status", "==", "online")], order_by="chats", limit=1
    )

    assert [(d.id, d.data["name"]) for d in found] == [("a1", "Ana")]


def test_invalid_filters_are_refused(agents: DocumentStore) -> None:
    with pytest.raises(ValueError):
        ids(agents, Filter("status", "in", []))
    with pytest.raises(ValueError):
        ids(agents, Filter("chats", "in", [0, None]))
    with pytest.raises(ValueError):
        ids(agents, Filter("chats", "<", None))
    with pytest.raises(ValueError, match="unknown filter operator"):
        Filter("chats", "like", "x")  # type: ignore[arg-type]


def test_a_closed_store_refuses_to_work(store: DocumentStore) -> None:
    store.set("conversations", "c1", {"status": "bot"})
    store.close()

    with pytest.raises(RuntimeError, match="closed"):
        store.get("conversations", "c1")


# -- transactions ------------------------------------------------------------


def test_a_transaction_commits_all_its_writes_together_and_returns_fn_result(store: DocumentStore) -> None:
    store.set("agents", "a1", {"chats": 1, "status": "online"})
    store.set("queues", "old", {"size": 1})

    def assign(tx: Transaction) -> int:
        agent = tx.get("agents", "a1")
        assert agent is not None
        tx.update("agents", "a1", {"chats": agent["chats"] + 1})
        tx.set("conversations", "c1", {"agent": "a1"})
        tx.create("conversations/c1/messages", "m1", {"text": "assigned"})
        tx.delete("queues", "old")
        return agent["chats"] + 1

    assert store.run_transaction(assign) == 2
    assert store.get("agents", "a1") == {"chats": 2, "status": "online"}
    assert store.get("conversations", "c1") == {"agent": "a1"}
    assert store.get("conversations/c1/messages", "m1") == {"text": "assigned"}
    assert store.get("queues", "old") is None


def test_update_merges_top_level_fields_only(store: DocumentStore) -> None:
    store.set("conversations", "c1", {"status": "bot", "bot": {"menu": "main", "topic": "sales"}})

    store.run_transaction(lambda tx: tx.update("conversations", "c1", {"bot": {"menu": "billing"}, "a.b": 1}))

    assert store.get("conversations", "c1") == {"status": "bot", "bot": {"menu": "billing"}, "a.b": 1}


def test_an_exception_inside_the_transaction_writes_nothing(store: DocumentStore) -> None:
    store.set("agents", "a1", {"chats": 1})

    def fail(tx: Transaction) -> None:
        tx.get("agents", "a1")
        tx.set("agents", "a1", {"chats": 99})
        tx.set("conversations", "c1", {"agent": "a1"})
        raise RuntimeError("the bot engine crashed")

    with pytest.raises(RuntimeError, match="crashed"):
        store.run_transaction(fail)
    assert store.get("agents", "a1") == {"chats": 1}
    assert store.get("conversations", "c1") is None


def test_creating_an_existing_document_in_a_transaction_fails_and_writes_nothing(store: DocumentStore) -> None:
    store.set("processed", "wamid.1", {"at": "first"})

    def record(tx: Transaction) -> None:
        tx.set("conversations", "c1", {"status": "bot"})
        tx.create("processed", "wamid.1", {"at": "second"})

    with pytest.raises(AlreadyExists):
        store.run_transaction(record)
    assert store.get("processed", "wamid.1") == {"at": "first"}
    assert store.get("conversations", "c1") is None


def test_updating_a_missing_document_in_a_transaction_fails_and_writes_nothing(store: DocumentStore) -> None:
    def touch(tx: Transaction) -> None:
        tx.set("conversations", "c1", {"status": "bot"})
        tx.update("agents", "ghost", {"chats": 1})

    with pytest.raises(NotFound):
        store.run_transaction(touch)
    assert store.get("conversations", "c1") is None
    assert store.get("agents", "ghost") is None


def test_reading_after_writing_in_a_transaction_is_refused(store: DocumentStore) -> None:
    store.set("agents", "a1", {"chats": 1})

    def write_then_read(tx: Transaction) -> None:
        tx.set("conversations", "c1", {"status": "bot"})
        tx.get("agents", "a1")

    with pytest.raises(RuntimeError, match="reads before its first write"):
        store.run_transaction(write_then_read)
    assert store.get("conversations", "c1") is None


def increment(store: DocumentStore, collection: str, doc_id: str) -> int:
    def add_one(tx: Transaction) -> int:
        current = tx.get(collection, doc_id) or {"value": 0}
        time.sleep(0.001)  # widen the read-modify-write window so a lost update would show
        tx.set(collection, doc_id, {"value": current["value"] + 1})
        return current["value"] + 1

    return store.run_transaction(add_one)


def persistently(run: Callable[[], T], tries: int = 3) -> T:
    """Retry on ContentionError, as an entry point does by letting Pub/Sub redeliver."""
    for _ in range(tries - 1):
        try:
            return run()
        except ContentionError:
            continue
    return run()


def run_in_threads(count: int, work: Callable[[int], None]) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_concurrent_increments_lose_no_update(store: DocumentStore) -> None:
    def five_increments(_: int) -> None:
        for _ in range(5):
            persistently(lambda: increment(store, "counters", "inbound"))

    run_in_threads(4, five_increments)

    assert store.get("counters", "inbound") == {"value": 20}


def test_concurrent_appends_to_one_list_lose_none(store: DocumentStore) -> None:
    store.set("conversations", "c1", {"notes": []})

    def append_notes(writer: int) -> None:
        for n in range(3):

            def append(tx: Transaction, note: str = f"w{writer}-n{n}") -> None:
                conversation = tx.get("conversations", "c1")
                assert conversation is not None
                time.sleep(0.001)
                tx.update("conversations", "c1", {"notes": [*conversation["notes"], note]})

            persistently(lambda append=append: store.run_transaction(append))

    run_in_threads(3, append_notes)

    notes = store.get("conversations", "c1")["notes"]  # type: ignore[index]
    assert sorted(notes) == sorted(f"w{w}-n{n}" for w in range(3) for n in range(3))
    for writer in range(3):  # each writer's own notes stay in the order it wrote them
        assert [note for note in notes if note.startswith(f"w{writer}-")] == [f"w{writer}-n{n}" for n in range(3)]


def test_a_transaction_that_keeps_losing_gives_up_with_contention_error(make_store: StoreFactory) -> None:
    holder, loser = make_store(), make_store(max_attempts=1)
    holder.set("counters", "inbound", {"value": 0})
    read_done, release = threading.Event(), threading.Event()

    def hold_the_document(tx: Transaction) -> None:
        current = tx.get("counters", "inbound")
        read_done.set()
        release.wait(timeout=30)
        tx.set("counters", "inbound", {"value": current["value"] + 10})  # type: ignore[index]

    holding = threading.Thread(target=holder.run_transaction, args=(hold_the_document,))
    holding.start()
    try:
        assert read_done.wait(timeout=10)
        with pytest.raises(ContentionError):
            increment(loser, "counters", "inbound")
    finally:
        release.set()
        holding.join(timeout=30)
    assert holder.get("counters", "inbound") == {"value": 10}


# -- the embedded store's file -------------------------------------------------


def test_sqlite_data_survives_closing_and_reopening_the_file(tmp_path: Path) -> None:
    first = SqliteDocumentStore(tmp_path / "state.sqlite3")
    first.set("conversations", "c1", RICH_DOCUMENT)
    first.close()

    reopened = SqliteDocumentStore(tmp_path / "state.sqlite3")
    try:
        assert reopened.get("conversations", "c1") == RICH_DOCUMENT
    finally:
        reopened.close()


def test_sqlite_refuses_a_store_write_or_a_nested_transaction_inside_a_transaction(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "state.sqlite3")
    try:
        with pytest.raises(RuntimeError, match="use the tx argument"):
            store.run_transaction(lambda tx: store.set("conversations", "c1", {"status": "bot"}))
        assert store.get("conversations", "c1") is None
    finally:
        store.close()


INCREMENTER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from shared.adapters.embedded.sqlite_document_store import SqliteDocumentStore

    path, go, times = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    store = SqliteDocumentStore(path)
    store.get("counters", "warm-up")  # open the file before the race starts
    while not go.exists():
        time.sleep(0.005)

    def add_one(tx):
        current = tx.get("counters", "shared") or {"value": 0}
        time.sleep(0.0005)
        tx.set("counters", "shared", {"value": current["value"] + 1})

    for _ in range(times):
        store.run_transaction(add_one)
    store.close()
    """
)


def test_two_processes_incrementing_one_sqlite_counter_lose_no_update(tmp_path: Path) -> None:
    path, go = tmp_path / "state.sqlite3", tmp_path / "go"
    processes = [
        subprocess.Popen([sys.executable, "-c", INCREMENTER, str(path), str(go), "100"], cwd=REPO_ROOT)
        for _ in range(2)
    ]
    time.sleep(0.5)  # let both import and open the file, so they start together
    go.touch()
    assert [p.wait(timeout=60) for p in processes] == [0, 0]

    store = SqliteDocumentStore(path)
    try:
        assert store.get("counters", "shared") == {"value": 200}
    finally:
        store.close()


# -- the Firestore adapter's edges -------------------------------------------------


@pytest.mark.emulator
def test_firestore_uses_an_injected_client_and_returns_timestamps_as_iso_strings(firestore_env: Any) -> None:
    from google.cloud import firestore

    client = firestore.Client(project=EMULATOR_PROJECT)
    client.collection("processed").document("wamid.1").set({"expires_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)})
    store = FirestoreDocumentStore(project="ignored-because-the-client-is-given", client=client)

    assert store.get("processed", "wamid.1") == {"expires_at": "2026-01-02T03:04:05+00:00"}




def test_an_expiry_instant_reads_back_as_written_in_a_document_or_a_transaction(store: DocumentStore) -> None:
    from shared.ports.document_store import EXPIRES_AT

    expiry = "2026-12-24T12:00:00.250000+00:00"
    store.set("markers", "m1", {"at": "2026-11-24T12:00:00+00:00", EXPIRES_AT: expiry})
    store.run_transaction(lambda tx: tx.set("markers", "m2", {EXPIRES_AT: expiry}))
    assert store.get("markers", "m1")[EXPIRES_AT] == expiry and store.get("markers", "m2")[EXPIRES_AT] == expiry


@pytest.mark.emulator
def test_firestore_keeps_the_expiry_as_a_timestamp_its_ttl_policy_can_use(firestore_env) -> None:
    """Only Firestore deletes documents by a TTL policy, which reads a Timestamp field."""
    from datetime import datetime

    store = FirestoreDocumentStore(project=EMULATOR_PROJECT)
    try:
        store.set("markers", "m1", {"expires_at": "2026-12-24T12:00:00+00:00"})
        raw = store._ref("markers", "m1").get().to_dict()  # what the TTL policy sees
        assert isinstance(raw["expires_at"], datetime)
    finally:
        store.close()
