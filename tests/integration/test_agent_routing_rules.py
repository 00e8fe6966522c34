"""The routing rules beyond the plain round robin, on the SQLite store and on the Firestore emulator: the
contact's own agent, direct groups, language and skill with overflow, calls weighing more than chats,
invite mode, chats given back when their agent goes offline, and the plan's cap on agents online."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from shared.agents import Agent, AgentDirectory, AssignmentOutcome, AssignmentService, Queue, Ticket
from shared.agents.model import PRESENCE, TICKETS, instant, presence_doc_id
from shared.kernel.errors import ContentionError, InvalidInput
from shared.messages.wire import AssignmentRequest
from shared.ports.clock import ManualClock
from tests.support.emulators import EMULATOR_PROJECT

WS = "ws-rutas"
MONDAY = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


class Desk:
    """A queue, its agents and the assignment service, with helpers that read like the specs."""

    def __init__(self, store, clock: ManualClock) -> None:
        self.store = store
        self.clock = clock
        self.directory = AgentDirectory(store, clock)
        self.service = AssignmentService(store, clock)

    def queue(self, name: str = "default", **fields) -> None:
        self.directory.save_queue(Queue(workspace_id=WS, name=name, **fields))

    def hire(self, *names: str, capacity: int = 2, status: str = "online", queue: str = "default", **fields) -> None:
        for name in names:
            self.directory.save_agent(Agent(id=name, workspace_id=WS, name=name.capitalize(), queues=(queue,),
                                            capacity=capacity, status=status, **fields))

    def ask(self, n: int, *, channel: str = "webchat", queue: str = "", agent: str = "",
            **routing) -> AssignmentOutcome:
        request = AssignmentRequest(request_id=f"rq-{n}", workspace_id=WS, conversation_id=f"cv-{n}",
                                    channel=channel, queue=queue, agent=agent)
        return self.service.request_assignment(request, contact=f"+55110000{n:04d}", **routing)

    def ticket(self, ticket_id: str) -> Ticket:
        return Ticket.from_dict(self.store.get(TICKETS, ticket_id))

    def agent(self, agent_id: str) -> Agent:
        return self.directory.agent(WS, agent_id)

    def line(self, queue: str = "default") -> list[str]:
        return list(self.directory.queue(WS, queue).waiting)


def last(ticket: Ticket, event: str) -> dict:
    return next(h for h in reversed(ticket.history) if h.get("event") == event)


def kinds(outcome: AssignmentOutcome) -> list[tuple[str, str]]:
    return [(e.type, e.ticket.id) for e in outcome.events]


def positions(outcome: AssignmentOutcome) -> dict[str, int]:
    return {n.ticket_id: n.position for n in outcome.notices if n.kind == "queue_position"}


@pytest.fixture
def desk(platform) -> Desk:
    return Desk(platform.store, ManualClock(MONDAY))


# -- the contact's own agent --------------------------------------------------

def test_the_contacts_own_agent_gets_the_chat_ahead_of_the_round(desk):
    desk.queue()
    desk.hire("ana", "beto", "caro")
    assert desk.ask(1).ticket.agent == "ana"
    own = desk.ask(2, contact_agent="caro").ticket
    assert own.agent == "caro" and last(own, "assigned")["rule"] == "own agent"
    assert desk.ask(3).ticket.agent == "beto"  # the round goes on where it was


def test_an_offline_own_agent_is_waited_for_when_the_queue_says_so_and_served_first_on_return(desk):
    desk.queue(wait_for_own_agent=True)
    desk.hire("ana", capacity=1)
    desk.hire("beto", capacity=1, status="offline")
    desk.ask(1)  # ana is now full
    older = desk.ask(2).ticket
    kept = desk.ask(3, contact_agent="beto")
    ticket = kept.ticket
    assert (ticket.agent, ticket.reserved_for) == ("", "beto")
    assert last(ticket, "queued")["reason"] == "waiting for own agent 'beto', who is offline"
    assert positions(kept) == {ticket.id: 2}
    assert desk.agent("beto").awaited == (ticket.id,)

    back = desk.service.set_agent_status(WS, "beto", "online")
    assert kinds(back) == [("assigned", ticket.id)]  # before the older chat waiting in the same line
    assert last(desk.ticket(ticket.id), "assigned")["rule"] == "own agent"
    assert desk.agent("beto").awaited == () and desk.line() == [older.id]


def test_a_chat_kept_for_its_own_agent_is_out_of_the_round_robin(desk):
    desk.queue(wait_for_own_agent=True)
    desk.hire("ana", capacity=2)
    desk.hire("beto", status="offline")
    kept = desk.ask(1, contact_agent="beto").ticket
    assert kept.agent == "" and desk.ask(2).ticket.agent == "ana"  # ana had room for both, and got only the other
    assert desk.service.drain(WS, "default").events == ()
    cancelled = desk.service.resolve(kept.id, by="customer", status="CANCELLED")
    assert cancelled.ticket.reserved_for == "" and desk.line() == [] and desk.agent("beto").awaited == ()
    assert desk.service.set_agent_status(WS, "beto", "online").events == ()


def test_without_waiting_an_away_own_agent_is_skipped_and_the_round_robin_serves(desk):
    desk.queue()
    desk.queue("vip", wait_for_own_agent=True)
    desk.hire("ana")
    desk.hire("beto", status="offline")
    desk.hire("caro", queue="vip")
    desk.service.set_agent_status(WS, "beto", "paused", "almuerzo")
    served = desk.ask(1, contact_agent="beto").ticket
    assert served.agent == "ana" and last(served, "assigned")["rule"] == "round robin"
    assert last(served, "queued")["reason"] == "own agent 'beto' is paused"
    # Only an offline own agent is waited for: a paused one is skipped even where the queue waits.
    vip = desk.ask(2, queue="vip", contact_agent="beto").ticket
    assert vip.agent == "caro" and last(vip, "queued")["reason"] == "own agent 'beto' is paused"
    gone = desk.ask(3, contact_agent="nadie").ticket
    assert last(gone, "queued")["reason"] == "own agent 'nadie' does not exist"


# -- a direct group -----------------------------------------------------------

def test_a_group_request_goes_to_the_first_free_of_the_group_in_the_queues_round(desk):
    desk.queue()
    desk.hire("ana", "beto", "caro", "dani")
    assert desk.ask(1).ticket.agent == "ana"
    grouped = desk.ask(2, agents=("ana", "caro")).ticket
    assert grouped.agent == "caro" and last(grouped, "assigned")["rule"] == "group"
    assert desk.ask(3).ticket.agent == "dani"  # the cursor moved past caro


def test_a_group_with_nobody_free_joins_the_queues_line_like_any_chat(desk):
    desk.queue()
    desk.hire("ana", capacity=1)
    desk.hire("beto", capacity=1, status="offline")
    desk.ask(1)
    outcome = desk.ask(2, agents=("ana", "beto"))
    ticket = outcome.ticket
    assert ticket.agent == "" and positions(outcome) == {ticket.id: 1}
    assert last(ticket, "queued")["reason"] == ("no agent of the group is free ('ana' is full (1 of 1 chats), "
                                                "'beto' is offline)")
    desk.hire("caro", capacity=1, status="offline")
    assert kinds(desk.service.set_agent_status(WS, "caro", "online")) == [("assigned", ticket.id)]


# -- language and skill -------------------------------------------------------

def test_a_chat_in_portuguese_goes_to_a_member_who_speaks_it_and_the_decision_says_so(desk):
    desk.queue()
    desk.hire("ana", languages=("es",))
    desk.hire("beto", languages=("es", "pt"))
    desk.hire("caro", languages=("es",), skills=("billing",))
    pt = desk.ask(1, language="pt-BR").ticket
    assert pt.agent == "beto" and pt.language == "pt-BR"
    decision = last(pt, "assigned")
    assert decision["rule"] == "language pt-BR"
    assert decision["skipped"] == [{"agent": "ana", "why": "does not speak pt-BR"}]
    billing = desk.ask(2, skill="billing").ticket
    assert (billing.agent, last(billing, "assigned")["rule"]) == ("caro", "skill billing")


def test_a_chat_waits_for_its_language_until_the_overflow_then_any_member_takes_it(desk):
    desk.queue(overflow_after_s=120)
    desk.hire("ana", languages=("es",))
    desk.hire("beto", languages=("pt",), capacity=1)
    assert desk.ask(1, language="pt").ticket.agent == "beto"
    waiting = desk.ask(2, language="pt")
    ticket = waiting.ticket
    assert ticket.agent == "" and positions(waiting) == {ticket.id: 1}
    assert datetime.fromisoformat(ticket.overflow_at) == MONDAY + timedelta(seconds=120)
    assert desk.ask(3).ticket.agent == "ana"  # a chat behind it is served meanwhile
    assert desk.line() == [ticket.id]
    desk.clock.advance(119)
    assert desk.service.drain(WS, "default").events == ()
    desk.clock.advance(1)
    overflow = desk.service.drain(WS, "default")
    assert kinds(overflow) == [("assigned", ticket.id)]
    assert (overflow.events[0].ticket.agent, last(overflow.events[0].ticket, "assigned")["rule"]) == (
        "ana", "overflow after 120 s")


def test_a_member_with_the_language_who_frees_a_slot_before_the_overflow_takes_the_chat(desk):
    desk.queue(overflow_after_s=120)
    desk.hire("ana", languages=("es",))
    desk.hire("beto", languages=("pt",), capacity=1)
    first = desk.ask(1, language="pt").ticket
    second = desk.ask(2, language="pt").ticket
    desk.clock.advance(60)
    freed = desk.service.resolve(first.id, by="beto")
    assert kinds(freed) == [("resolved", first.id), ("assigned", second.id)]
    assert last(desk.ticket(second.id), "assigned") | {"at": ""} == {
        "event": "assigned", "by": "system", "at": "", "agent": "beto", "rule": "language pt",
        "skipped": [{"agent": "ana", "why": "does not speak pt"}]}


def test_with_no_overflow_wait_anyone_takes_it_at_once(desk):
    desk.queue()
    desk.hire("ana", languages=("es",))
    ticket = desk.ask(1, language="pt").ticket
    assert ticket.agent == "ana" and last(ticket, "assigned")["rule"] == "overflow after 0 s"


# -- capacity weighted by channel ---------------------------------------------

def test_a_call_takes_two_slots_so_an_agent_on_a_call_has_room_for_nothing_else(desk):
    desk.queue()
    desk.hire("ana", capacity=2)
    call = desk.ask(1, channel="voice").ticket
    assert call.agent == "ana" and desk.agent("ana").load == 2
    chat = desk.ask(2)
    assert chat.ticket.agent == "" and positions(chat) == {chat.ticket.id: 1}
    assert kinds(desk.service.resolve(call.id, by="ana"))[-1] == ("assigned", chat.ticket.id)
    assert (desk.agent("ana").active, desk.agent("ana").load) == ((chat.ticket.id,), 1)

    second_call = desk.ask(3, channel="phone").ticket
    assert second_call.agent == ""  # one free slot is not room for a call
    with pytest.raises(InvalidInput, match=r"agent 'ana' \(Ana\) cannot take ticket .*without room for a chat of "
                                           r"weight 2 \(1 of 2 free\)"):
        desk.service.transfer_to_agent(second_call.id, "ana", by="supervisor")
    desk.hire("beto", capacity=2, status="offline")
    assert kinds(desk.service.set_agent_status(WS, "beto", "online")) == [("assigned", second_call.id)]
    assert {a: desk.agent(a).load for a in ("ana", "beto")} == {"ana": 1, "beto": 2}


# -- invite mode --------------------------------------------------------------

def test_in_invite_mode_the_chosen_agent_is_invited_and_holds_a_slot_until_they_accept(desk):
    desk.queue(invite_timeout_s=30)
    desk.hire("ana", "beto", capacity=1)
    invited = desk.ask(1)
    ticket = invited.ticket
    assert kinds(invited) == [("opened", ticket.id), ("queued", ticket.id), ("invited", ticket.id)]
    event = invited.events[-1].ticket  # what the caller schedules the invitation's timer from
    assert (event.invited, datetime.fromisoformat(event.invited_until)) == ("ana", MONDAY + timedelta(seconds=30))
    assert ticket.agent == "" and [n.kind for n in invited.notices] == []
    assert desk.agent("ana").active == (ticket.id,)  # the slot is held
    assert desk.ask(2).ticket.invited == "beto" and desk.ask(3).ticket.invited == ""
    with pytest.raises(InvalidInput, match="an invitation to 'ana', not yet accepted"):
        desk.service.take(ticket.id, "ana")
    with pytest.raises(InvalidInput, match="invites agent 'ana'; agent 'beto' cannot answer it"):
        desk.service.accept_invitation(ticket.id, "beto")

    desk.clock.advance(10)
    accepted = desk.service.accept_invitation(ticket.id, "ana")
    assert kinds(accepted) == [("assigned", ticket.id)]
    assert [(n.kind, n.agent_name) for n in accepted.notices] == [("assigned", "Ana")]
    decision = last(accepted.ticket, "assigned")
    assert (decision["rule"], decision["invitation"], decision["by"]) == ("round robin", "accepted", "ana")
    assert (accepted.ticket.agent, accepted.ticket.invited) == ("ana", "")
    assert desk.agent("ana").active == (ticket.id,) and desk.agent("ana").load == 1
    assert desk.service.take(ticket.id, "ana").ticket.status == "IN_PROGRESS"


def test_an_invitation_not_answered_in_time_skips_the_agent_and_invites_the_next(desk):
    desk.queue(invite_timeout_s=30)
    desk.hire("ana", "beto", "caro", capacity=1)
    ticket = desk.ask(1).ticket
    assert desk.service.expire_invitation(ticket.id, MONDAY + timedelta(seconds=29)).events == ()
    desk.clock.advance(30)
    lapsed = desk.service.expire_invitation(ticket.id)
    assert [e.type for e in lapsed.events] == ["invitation_expired", "queued", "invited"]
    assert (lapsed.ticket.invited, lapsed.ticket.passed) == ("beto", ("ana",))
    assert last(lapsed.ticket, "invitation_expired") | {"at": ""} == {
        "event": "invitation_expired", "by": "system", "at": "", "agent": "ana"}
    assert last(lapsed.ticket, "queued")["reason"] == "agent 'ana' let the invitation lapse"
    assert desk.agent("ana").active == () and desk.agent("beto").active == (ticket.id,)
    assert desk.service.expire_invitation(ticket.id).events == ()  # beto's invitation still runs

    with pytest.raises(InvalidInput, match="agent 'caro' cannot answer it"):
        desk.service.decline_invitation(ticket.id, "caro")
    declined = desk.service.decline_invitation(ticket.id, "beto")
    assert declined.events[0].type == "declined" and declined.events[0].by == "beto"
    assert declined.ticket.invited == "caro"
    # Everyone passed: a new round, without caro, who passed last.
    again = desk.service.decline_invitation(ticket.id, "caro").ticket
    assert (again.invited, again.passed) == ("ana", ("caro",))


def test_a_chat_nobody_else_can_take_waits_at_the_front_of_the_line(desk):
    desk.queue(invite_timeout_s=30)
    desk.hire("ana", capacity=1)
    desk.hire("beto", capacity=1, status="offline")
    first = desk.ask(1).ticket
    second = desk.ask(2).ticket
    declined = desk.service.decline_invitation(first.id, "ana")
    assert positions(declined) == {first.id: 1}
    assert desk.ticket(second.id).invited == "ana"  # ana's free slot goes to the chat she has not passed on
    assert desk.line() == [first.id]
    assert desk.ticket(first.id).history[-1] == {"event": "queued", "by": "system", "at": instant(MONDAY),
                                                 "queue": "default", "reason": "agent 'ana' declined the invitation",
                                                 "front": True}
    assert kinds(desk.service.set_agent_status(WS, "beto", "online")) == [("invited", first.id)]
    desk.clock.advance(31)
    with pytest.raises(InvalidInput, match=f"invitation of agent 'ana' to ticket '{second.id}' expired at"):
        desk.service.accept_invitation(second.id, "ana")


# -- an agent going offline ---------------------------------------------------

def test_an_agent_going_offline_gives_untaken_chats_back_to_the_front_of_the_line(desk):
    desk.queue()
    desk.hire("ana", capacity=3)
    desk.hire("beto", capacity=1, status="offline")
    started, new1, new2 = (desk.ask(n).ticket for n in (1, 2, 3))
    desk.service.take(started.id, "ana")
    later = desk.ask(4).ticket
    assert desk.line() == [later.id]

    gone = desk.service.set_agent_status(WS, "ana", "offline")
    assert desk.line() == [new1.id, new2.id, later.id]
    assert positions(gone) == {new1.id: 1, new2.id: 2}
    assert gone.agent.active == (started.id,) and gone.agent.load == 1
    returned = desk.ticket(new1.id)
    assert (returned.agent, returned.status) == ("", "NEW")
    assert last(returned, "queued")["reason"] == "owner went offline"
    assert desk.ticket(started.id).agent == "ana"  # started chats stay with their agent
    assert kinds(desk.service.set_agent_status(WS, "beto", "online")) == [("assigned", new1.id)]


def test_an_invited_agent_going_offline_gives_the_invitation_back(desk):
    desk.queue(invite_timeout_s=30)
    desk.hire("ana", "beto", capacity=1)
    ticket = desk.ask(1).ticket
    gone = desk.service.set_agent_status(WS, "ana", "offline")
    assert [e.type for e in gone.events] == ["queued", "invited"]
    assert last(desk.ticket(ticket.id), "queued")["reason"] == "invited agent went offline"
    assert desk.ticket(ticket.id).invited == "beto" and desk.agent("ana").active == ()


# -- the plan's cap on agents online ------------------------------------------

def test_going_online_past_the_plans_cap_is_refused_naming_it(desk):
    desk.queue()
    desk.hire("ana", "beto")  # created online: they count
    desk.hire("caro", status="offline")
    with pytest.raises(InvalidInput, match=r"workspace 'ws-rutas' may have at most 2 agents online at once "
                                           r"\(max_online_agents of its plan\) and 2 already are"):
        desk.service.set_agent_status(WS, "caro", "online", max_online_agents=2)
    assert desk.agent("caro").status == "offline"
    desk.service.set_agent_status(WS, "ana", "online", max_online_agents=2)  # already online: no change
    desk.service.set_agent_status(WS, "ana", "paused", "almuerzo")  # paused is not online
    desk.service.set_agent_status(WS, "caro", "online", max_online_agents=2)
    with pytest.raises(InvalidInput, match="at most 2 agents online"):
        desk.service.set_agent_status(WS, "ana", "online", max_online_agents=2)
    # An agent disabled while online is not counted, though the presence still lists them.
    desk.directory.save_agent(Agent(id="beto", workspace_id=WS, name="Beto", queues=("default",), enabled=False))
    assert desk.service.set_agent_status(WS, "ana", "online", max_online_agents=2).agent.status == "online"
    with pytest.raises(InvalidInput, match="max_online_agents must be a whole number, at least 0"):
        desk.service.set_agent_status(WS, "ana", "online", max_online_agents=-1)


def racing_store(platform):
    """As in test_agent_assignment: on the emulator, racers try once and retry themselves (its locks only
    time out, all at once, and the client's own quick retries would bring the racers together again)."""
    from shared.adapters.gcp.firestore_document_store import FirestoreDocumentStore

    if isinstance(platform.store, FirestoreDocumentStore):
        return FirestoreDocumentStore(project=EMULATOR_PROJECT, max_attempts=1)
    return platform.store


def test_the_cap_holds_when_several_agents_go_online_at_once(platform):
    desk = Desk(platform.store, ManualClock(MONDAY))
    desk.queue()
    names = ("ana", "beto", "caro")
    desk.hire(*names, status="offline")
    store = racing_store(platform)
    racing = AssignmentService(store, desk.clock)
    barrier = threading.Barrier(len(names))

    def go_online(name: str) -> str:
        barrier.wait(timeout=30)
        for _ in range(20):
            try:
                racing.set_agent_status(WS, name, "online", max_online_agents=2)
                return "online"
            except InvalidInput:
                return "refused"
            except ContentionError:
                time.sleep(random.uniform(0, 3))
        raise AssertionError(f"{name} never got through")

    try:
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            results = list(pool.map(go_online, names))
    finally:
        if store is not platform.store:
            store.close()
    assert sorted(results) == ["online", "online", "refused"]
    online = [n for n in names if desk.agent(n).status == "online"]
    assert len(online) == 2
    assert sorted(platform.store.get(PRESENCE, presence_doc_id(WS))["online"]) == sorted(online)
