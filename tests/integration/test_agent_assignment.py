"""Human assignment on the SQLite store and on the Firestore emulator: queues, round robin, capacity,
business hours, transfers, closing and expiry, and fairness when many customers arrive at once."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from shared.agents import Agent, AgentDirectory, AssignmentOutcome, AssignmentService, Queue, Ticket
from shared.agents.model import TICKETS
from shared.kernel.errors import ContentionError, InvalidInput, NotFound
from shared.messages.wire import AssignmentRequest
from shared.ports.clock import ManualClock
from tests.support.emulators import EMULATOR_PROJECT

WS = "ws-soporte"
MONDAY_10_BOGOTA = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
REDELIVERIES = 30
OFFICE_HOURS = {"time_zone": "America/Bogota",
                "days": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}}


class TickingClock(ManualClock):
    """Every reading is a millisecond after the previous one, so instants give the order of events."""

    def now(self) -> datetime:
        return self.advance(timedelta(milliseconds=1))


class Desk:
    """The directory and the service over the platform's store, with helpers that read like the specs."""

    def __init__(self, store, clock: ManualClock) -> None:
        self.store = store
        self.clock = clock
        self.directory = AgentDirectory(store, clock)
        self.service = AssignmentService(store, clock)

    def team(self, *names: str, capacity: int = 2, status: str = "online", queue: str = "default",
             **queue_fields) -> None:
        self.directory.save_queue(Queue(workspace_id=WS, name=queue, **queue_fields))
        for name in names:
            self.directory.save_agent(Agent(id=name, workspace_id=WS, name=name.capitalize(), queues=(queue,),
                                            capacity=capacity, status=status))

    def ask(self, n: int, **fields) -> AssignmentOutcome:
        return self.service.request_assignment(request(n, **fields), contact=f"+5730000000{n:02d}")

    def ticket(self, ticket_id: str) -> Ticket:
        return Ticket.from_dict(self.store.get(TICKETS, ticket_id))

    def holders(self) -> dict[str, list[str]]:
        return {a.id: list(a.active) for a in self.directory.agents_of(WS)}

    def line(self, queue: str = "default") -> list[str]:
        return list(self.directory.queue(WS, queue).waiting)


def request(n: int, **fields) -> AssignmentRequest:
    return AssignmentRequest(request_id=f"rq-{n}", workspace_id=WS, conversation_id=f"cv-{n}", channel="webchat",
                             **fields)


def notices(outcome: AssignmentOutcome, kind: str) -> list:
    return [n for n in outcome.notices if n.kind == kind]


@pytest.fixture
def desk(platform) -> Desk:
    return Desk(platform.store, ManualClock(MONDAY_10_BOGOTA))


def test_a_request_with_no_agent_online_waits_and_is_told_its_place_in_line(desk):
    desk.team("ana", "beto", status="offline")
    outcomes = [desk.ask(n) for n in (1, 2, 3)]
    assert [notices(o, "queue_position")[0].position for o in outcomes] == [1, 2, 3]
    assert [notices(o, "queue_position")[0].conversation_id for o in outcomes] == ["cv-1", "cv-2", "cv-3"]
    tickets = [o.ticket for o in outcomes]
    assert all(t.status == "NEW" and t.agent == "" for t in tickets)
    assert tickets[0].contact == "+573000000001"
    assert desk.line() == [t.id for t in tickets]
    assert desk.service.waiting_position(tickets[2].id) == 3
    assert [e.type for e in outcomes[0].events] == ["opened", "queued"]


def test_an_agent_going_online_gets_the_oldest_waiting_ticket(desk):
    desk.team("ana", capacity=1, status="offline")
    first, second, _ = (desk.ask(n).ticket for n in (1, 2, 3))
    online = desk.service.set_agent_status(WS, "ana", "online")
    assert online.agent.status == "online" and online.agent.active == (first.id,)
    assert [(e.type, e.ticket.id, e.ticket.agent) for e in online.events] == [("assigned", first.id, "ana")]
    told = notices(online, "assigned")[0]
    assert (told.conversation_id, told.agent_name) == ("cv-1", "Ana")
    assert desk.ticket(first.id).assigned_at
    assert desk.service.waiting_position(second.id) == 1
    assert desk.service.waiting_position(first.id) is None


def test_round_robin_spreads_tickets_over_the_agents(desk):
    desk.team("ana", "beto", "caro", capacity=5)
    holders = [desk.ask(n).ticket.agent for n in range(1, 8)]
    assert holders == ["ana", "beto", "caro", "ana", "beto", "caro", "ana"]


def test_paused_and_offline_agents_are_skipped_and_the_reason_is_recorded(desk):
    desk.team("ana", "beto", "caro", capacity=5)
    desk.service.set_agent_status(WS, "ana", "paused", "almuerzo")
    desk.service.set_agent_status(WS, "beto", "offline")
    tickets = [desk.ask(n).ticket for n in (1, 2)]
    assert [t.agent for t in tickets] == ["caro", "caro"]
    decision = next(h for h in tickets[0].history if h.get("event") == "assigned")
    assert decision["rule"] == "round robin"
    assert decision["skipped"] == [{"agent": "ana", "why": "paused"}, {"agent": "beto", "why": "offline"}]
    paused = desk.directory.agent(WS, "ana")
    assert paused.pause_reason == "almuerzo"
    assert datetime.fromisoformat(paused.status_since) == desk.clock.now()


def test_an_agents_capacity_is_never_exceeded(desk):
    desk.team("ana", capacity=2)
    outcomes = [desk.ask(n) for n in (1, 2, 3)]
    assert [o.ticket.agent for o in outcomes] == ["ana", "ana", ""]
    assert notices(outcomes[2], "queue_position")[0].position == 1
    assert len(desk.holders()["ana"]) == 2


def racing_store(platform):
    """The store the racing requests go through: the platform's, except on the Firestore emulator.

    The emulator locks pessimistically and breaks a deadlock only by timing the waiters out after ~2 s,
    all at once; the store's own retries (jitter under 1 s) bring them back together, so ten contenders
    can go round for minutes. There the requests use a client that tries once and leaves the retry to
    the caller, as assign_agent leaves it to Pub/Sub's redelivery.
    """
    from shared.adapters.gcp.firestore_document_store import FirestoreDocumentStore

    if isinstance(platform.store, FirestoreDocumentStore):
        return FirestoreDocumentStore(project=EMULATOR_PROJECT, max_attempts=1)
    return platform.store


def test_ten_customers_at_once_with_three_agents_of_two_chats(platform):
    clock = TickingClock(MONDAY_10_BOGOTA)
    desk = Desk(platform.store, clock)
    desk.team("ana", "beto", "caro", capacity=2)
    store = racing_store(platform)
    racing = AssignmentService(store, clock)
    barrier = threading.Barrier(10)

    def arrive(n: int) -> AssignmentOutcome:
        barrier.wait(timeout=30)
        for _ in range(REDELIVERIES):
            try:
                return racing.request_assignment(request(n))
            except ContentionError:
                # What Pub/Sub does for assign_agent: deliver the (idempotent) request again, later. Spread
                # wider than the emulator's lock timeout, so that the losers stop meeting each other.
                time.sleep(random.uniform(0, 3))
        return racing.request_assignment(request(n))

    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            outcomes = list(pool.map(arrive, range(10)))
    finally:
        if store is not platform.store:
            store.close()

    tickets = [o.ticket for o in outcomes]
    assert len({t.id for t in tickets}) == 10
    # Creation instants are read after the line, so they follow the order the requests committed in.
    by_commit = sorted(tickets, key=lambda t: t.created_at)
    assert len({t.created_at for t in tickets}) == 10
    first_six, last_four = by_commit[:6], by_commit[6:]
    assert all(t.agent for t in first_six) and not any(t.agent for t in last_four)
    holders = desk.holders()
    assert {name: len(held) for name, held in holders.items()} == {"ana": 2, "beto": 2, "caro": 2}
    held = [ticket_id for chats in holders.values() for ticket_id in chats]
    assert sorted(held) == sorted(t.id for t in first_six)  # no ticket held twice
    assert desk.line() == [t.id for t in last_four]  # arrival order
    positions = {n.ticket_id: n.position for o in outcomes for n in notices(o, "queue_position")}
    assert positions == {t.id: place for place, t in enumerate(last_four, start=1)}

    # Chats end one at a time: each freed slot goes to the next in line.
    drained = []
    for closing in first_six[:4]:
        outcome = desk.service.resolve(closing.id, by=closing.agent, typification="consulta")
        assigned = [e.ticket for e in outcome.events if e.type == "assigned"]
        assert [t.agent for t in assigned] == [closing.agent]
        drained.extend(t.id for t in assigned)
    assert drained == [t.id for t in last_four]
    assert desk.line() == []
    for ticket in tickets:
        history = desk.ticket(ticket.id).history
        assert [h.get("event") for h in history].count("assigned") == 1
    assert all(len(chats) == 2 for chats in desk.holders().values())


def test_a_redelivered_request_changes_nothing(desk):
    desk.team("ana", capacity=1)
    desk.ask(1)
    first = desk.ask(2)
    again = desk.ask(2)
    assert again.redelivered and not first.redelivered
    assert again.ticket == desk.ticket(first.ticket.id) and again.events == () and again.notices == ()
    assert desk.line() == [first.ticket.id]
    assert len(desk.store.query(TICKETS)) == 2


def test_a_request_for_an_agent_goes_to_them_directly_or_waits_in_its_queue(desk):
    desk.team("ana", "beto", capacity=1)
    direct = desk.ask(1, agent="beto")
    assert direct.ticket.agent == "beto"
    assert [h.get("rule") for h in direct.ticket.history if h.get("event") == "assigned"] == ["direct"]
    desk.service.set_agent_status(WS, "ana", "paused", "reunion")
    waiting = desk.ask(2, agent="beto")
    assert waiting.ticket.agent == "" and notices(waiting, "queue_position")[0].position == 1
    assert "requested agent 'beto' is full (1 of 1 chats)" in [h.get("reason") for h in waiting.ticket.history]


def test_a_ticket_is_taken_then_resolved_and_every_step_says_who_and_when(desk):
    desk.team("ana")
    ticket = desk.ask(1).ticket
    with pytest.raises(InvalidInput, match="assigned to 'ana'; agent 'beto' cannot take it"):
        desk.service.take(ticket.id, "beto")
    desk.clock.advance(60)
    assert desk.service.take(ticket.id, "ana").ticket.status == "IN_PROGRESS"
    desk.clock.advance(600)
    closed = desk.service.resolve(ticket.id, by="ana", typification="venta").ticket
    assert (closed.status, closed.typification, closed.closed_at) == ("RESOLVED", "venta", closed.history[-1]["at"])
    steps = [(h.get("status") or h["event"], h["by"]) for h in closed.history]
    assert steps == [("NEW", "system"), ("queued", "system"), ("assigned", "system"), ("IN_PROGRESS", "ana"),
                     ("RESOLVED", "ana")]
    assert closed.history[3]["at"] < closed.history[4]["at"]
    assert desk.holders()["ana"] == []
    with pytest.raises(InvalidInput, match="cannot go from RESOLVED to CANCELLED"):
        desk.service.resolve(ticket.id, by="ana", status="CANCELLED")


def test_closing_a_waiting_ticket_takes_it_out_of_the_line(desk):
    desk.team("ana", status="offline")
    first, second = (desk.ask(n).ticket for n in (1, 2))
    outcome = desk.service.resolve(first.id, by="ana", status="NO_ANSWER")
    assert [e.type for e in outcome.events] == ["no_answer"]
    assert desk.line() == [second.id]
    assert desk.service.waiting_position(second.id) == 1


def test_a_ticket_still_open_after_48_hours_expires_and_frees_its_slot(desk):
    desk.team("ana", capacity=1)
    held, waiting = (desk.ask(n).ticket for n in (1, 2))
    early = desk.service.expire_if_open(held.id, desk.clock.now() + timedelta(hours=47))
    assert early.events == () and early.ticket.status == "NEW"
    desk.clock.advance(timedelta(hours=48))
    expired = desk.service.expire_if_open(held.id, desk.clock.now())
    assert expired.ticket.status == "EXPIRED"
    assert [(e.type, e.ticket.id) for e in expired.events] == [("expired", held.id), ("assigned", waiting.id)]
    assert desk.service.expire_if_open(held.id, desk.clock.now()).events == ()  # already closed: nothing
    short = desk.service.expire_if_open(waiting.id, desk.clock.now() + timedelta(hours=2), after_hours=1)
    assert short.ticket.status == "EXPIRED" and desk.holders()["ana"] == []


def test_a_transfer_to_a_full_agent_is_refused_naming_them(desk):
    desk.team("ana", "beto", capacity=1)
    to_ana, to_beto = (desk.ask(n).ticket for n in (1, 2))
    with pytest.raises(InvalidInput, match=r"agent 'beto' \(Beto\) cannot take ticket .*full \(1 of 1 chats\)"):
        desk.service.transfer_to_agent(to_ana.id, "beto", by="ana")
    with pytest.raises(NotFound, match="agent 'nadie' of workspace 'ws-soporte'"):
        desk.service.transfer_to_agent(to_ana.id, "nadie", by="ana")
    assert desk.holders() == {"ana": [to_ana.id], "beto": [to_beto.id]}


def test_a_transfer_to_an_agent_hands_the_chat_over_and_frees_the_sender(desk):
    desk.team("ana", "beto", capacity=1)
    desk.service.set_agent_status(WS, "beto", "offline")
    mine, queued = (desk.ask(n).ticket for n in (1, 2))
    desk.service.take(mine.id, "ana")
    desk.service.set_agent_status(WS, "beto", "online")  # beto takes the waiting one
    desk.service.resolve(queued.id, by="beto")
    moved = desk.service.transfer_to_agent(mine.id, "beto", by="ana")
    assert (moved.ticket.agent, moved.ticket.status) == ("beto", "NEW")
    assert [e.type for e in moved.events] == ["transferred", "assigned"]
    assert notices(moved, "assigned")[0].agent_name == "Beto"
    assert desk.holders() == {"ana": [], "beto": [mine.id]}


def test_a_transfer_to_a_queue_puts_the_chat_at_the_end_of_its_line(desk):
    desk.team("ana", capacity=1)
    desk.team("beto", capacity=1, status="offline", queue="ventas", closed_message="")
    mine = desk.ask(1).ticket
    other = desk.ask(2, queue="ventas").ticket
    moved = desk.service.transfer_to_queue(mine.id, "ventas", by="ana")
    assert moved.ticket.agent == "" and moved.ticket.queue == "ventas"
    assert notices(moved, "queue_position")[0].position == 2
    assert desk.line("ventas") == [other.id, mine.id]
    assert desk.holders()["ana"] == []
    with pytest.raises(NotFound, match="queue 'compras' of workspace 'ws-soporte'"):
        desk.service.transfer_to_queue(mine.id, "compras", by="ana")


def test_outside_business_hours_the_chat_waits_with_the_closed_message(desk):
    desk.team("ana", business_hours=OFFICE_HOURS, closed_message="Atendemos de lunes a viernes, 9 a 18.")
    desk.clock.set(datetime(2026, 1, 5, 23, 30, tzinfo=UTC))  # Monday 18:30 in Bogota
    outcome = desk.ask(1)
    told = notices(outcome, "closed_hours")
    assert [n.message for n in told] == ["Atendemos de lunes a viernes, 9 a 18."]
    assert outcome.ticket.agent == "" and notices(outcome, "queue_position") == []
    desk.service.set_agent_status(WS, "ana", "online")
    assert desk.line() == [outcome.ticket.id]  # an agent online does not open the queue
    desk.clock.set(datetime(2026, 1, 6, 14, 0, tzinfo=UTC))  # Tuesday 09:00
    opened = desk.service.drain(WS, "default")
    assert [(e.type, e.ticket.agent) for e in opened.events] == [("assigned", "ana")]


def test_unknown_queues_agents_and_tickets_are_named(desk):
    desk.team("ana")
    with pytest.raises(NotFound, match="queue 'vip' of workspace 'ws-soporte' does not exist"):
        desk.ask(1, queue="vip")
    with pytest.raises(NotFound, match="agent 'zoe' of workspace 'ws-soporte' does not exist"):
        desk.service.set_agent_status(WS, "zoe", "online")
    with pytest.raises(NotFound, match="ticket 'tk_nope' does not exist"):
        desk.service.resolve("tk_nope", by="ana")
    with pytest.raises(InvalidInput, match="agent status must be one of online, paused, offline"):
        desk.service.set_agent_status(WS, "ana", "busy")


def test_membership_is_kept_on_both_sides_and_workspaces_are_apart(desk):
    desk.team("ana", "beto")
    desk.directory.save_queue(Queue(workspace_id=WS, name="ventas", members=("beto",), priority=5))
    assert desk.directory.agent(WS, "beto").queues == ("default", "ventas")
    desk.directory.save_agent(Agent(id="ana", workspace_id=WS, name="Ana María", queues=("ventas",), capacity=3))
    ana = desk.directory.agent(WS, "ana")
    assert (ana.name, ana.status) == ("Ana María", "online")  # status is the assignment's, kept on edit
    assert desk.directory.queue(WS, "default").members == ("beto",)
    assert desk.directory.queue(WS, "ventas").members == ("beto", "ana")
    with pytest.raises(NotFound):
        desk.directory.agent("ws-otro", "ana")
    assert desk.directory.agents_of("ws-otro") == []
    assert [a.id for a in desk.directory.agents_of(WS)] == ["ana", "beto"]


def test_an_agent_serves_its_highest_priority_queue_first(desk):
    desk.team("ana", capacity=1, status="offline")
    desk.directory.save_queue(Queue(workspace_id=WS, name="vip", priority=10))
    desk.directory.save_agent(Agent(id="ana", workspace_id=WS, name="Ana", queues=("default", "vip"), capacity=1))
    normal = desk.ask(1).ticket
    vip = desk.ask(2, queue="vip").ticket
    desk.service.set_agent_status(WS, "ana", "online")
    assert desk.holders()["ana"] == [vip.id]
    assert desk.line() == [normal.id]


def test_publications_can_be_staged_in_the_same_transaction(platform):
    staged = []

    def stage(tx, outcome):
        for event in outcome.events:
            tx.set("agent_events_probe", f"{event.ticket.id}-{event.type}", {"type": event.type})
        staged.append(outcome)

    clock = ManualClock(MONDAY_10_BOGOTA)
    Desk(platform.store, clock).team("ana")
    service = AssignmentService(platform.store, clock, stage=stage)
    ticket = service.request_assignment(request(1)).ticket
    service.request_assignment(request(1))  # redelivered: nothing to stage
    stored = sorted(d.id for d in platform.store.query("agent_events_probe"))
    assert stored == sorted(f"{ticket.id}-{kind}" for kind in ("opened", "queued", "assigned"))
    assert len(staged) >= 1 and staged[-1].ticket == ticket
