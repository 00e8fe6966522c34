"""The supervisor monitor on the SQLite store and on the Firestore emulator: each agent's status, time in
it and load, and each queue's line and longest wait, measured with a controlled clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.agents import Agent, AgentDirectory, AssignmentService, Queue
from shared.console.monitor import AgentFigures, QueueFigures, supervisor_monitor
from shared.messages.wire import AssignmentRequest
from shared.ports.clock import ManualClock

WS, OTHER_WS = "ws-soporte", "ws-ventas"
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


class Floor:
    """Agents, queues and customers of one workspace, over the platform's store."""

    def __init__(self, store, clock: ManualClock) -> None:
        self.store, self.clock = store, clock
        self.directory = AgentDirectory(store, clock)
        self.service = AssignmentService(store, clock)

    def queue(self, name: str, ws: str = WS, **fields) -> None:
        self.directory.save_queue(Queue(workspace_id=ws, name=name, **fields))

    def agent(self, agent_id: str, queues: tuple[str, ...], ws: str = WS, **fields) -> None:
        self.directory.save_agent(Agent(id=agent_id, workspace_id=ws, name=agent_id.capitalize(), queues=queues,
                                        **fields))

    def customer(self, n: int, queue: str, ws: str = WS):
        request = AssignmentRequest(request_id=f"rq-{n}", workspace_id=ws, conversation_id=f"cv-{n}",
                                    channel="whatsapp", queue=queue)
        return self.service.request_assignment(request).ticket

    def monitor(self, ws: str = WS):
        return supervisor_monitor(self.store, self.clock, ws)


@pytest.fixture
def floor(platform) -> Floor:
    return Floor(platform.store, ManualClock(START))


def test_a_paused_agent_shows_its_reason_and_how_long_it_has_been_paused(floor):
    floor.queue("soporte")
    floor.agent("ana", ("soporte",), status="online", capacity=3)
    floor.clock.advance(timedelta(minutes=10))
    floor.service.set_agent_status(WS, "ana", "paused", "Almuerzo")
    floor.clock.advance(timedelta(minutes=5))

    (ana,) = floor.monitor().agents
    assert ana == AgentFigures(id="ana", name="Ana", role="agent", status="paused", pause_reason="Almuerzo",
                               seconds_in_status=300, live_chats=0, capacity=3, enabled=True)


def test_each_agent_shows_its_live_chats_against_its_capacity_and_time_in_status(floor):
    floor.queue("soporte")
    floor.agent("beto", ("soporte",), status="online", capacity=2, role="supervisor")
    floor.agent("caro", ("soporte",), status="offline", capacity=4)
    floor.clock.advance(timedelta(seconds=42))
    floor.customer(1, "soporte")
    floor.clock.advance(timedelta(seconds=18))

    figures = {a.id: a for a in floor.monitor().agents}
    assert (figures["beto"].status, figures["beto"].role) == ("online", "supervisor")
    assert (figures["beto"].live_chats, figures["beto"].capacity) == (1, 2)
    assert figures["beto"].seconds_in_status == 60  # taking a chat is no change of status
    assert (figures["caro"].status, figures["caro"].pause_reason, figures["caro"].live_chats) == ("offline", "", 0)
    assert figures["caro"].seconds_in_status == 60


def test_a_queue_shows_how_many_wait_and_since_when_the_oldest_has(floor):
    floor.queue("soporte")
    floor.agent("ana", ("soporte",), status="online", capacity=1)
    floor.agent("beto", ("soporte",), status="paused", pause_reason="Capacitación")
    floor.agent("caro", ("soporte",), status="offline")
    floor.customer(1, "soporte")  # ana's only slot
    floor.clock.advance(timedelta(seconds=30))
    floor.customer(2, "soporte")
    floor.clock.advance(timedelta(seconds=40))
    floor.customer(3, "soporte")
    floor.clock.advance(timedelta(seconds=60))

    (soporte,) = floor.monitor().queues
    assert soporte == QueueFigures(name="soporte", waiting=2, longest_wait_seconds=100, members=3,
                                   members_online=1)


def test_the_longest_wait_counts_from_when_the_ticket_was_opened_even_if_it_rejoined_the_line(floor):
    floor.queue("soporte")
    floor.queue("reclamos")
    floor.agent("ana", ("soporte",), status="online", capacity=1)
    first = floor.customer(1, "soporte")  # assigned to ana at once
    floor.clock.advance(timedelta(seconds=50))
    floor.customer(2, "reclamos")
    floor.clock.advance(timedelta(seconds=20))
    floor.service.transfer_to_queue(first.id, "reclamos", by="ana")  # now last in line, but opened first
    floor.clock.advance(timedelta(seconds=10))

    figures = {q.name: q for q in floor.monitor().queues}
    assert (figures["reclamos"].waiting, figures["reclamos"].longest_wait_seconds) == (2, 80)
    assert (figures["soporte"].waiting, figures["soporte"].longest_wait_seconds) == (0, 0)


def test_queues_come_by_priority_and_agents_by_id_and_only_of_the_workspace(floor):
    floor.queue("general")
    floor.queue("vip", priority=5)
    floor.agent("zoe", ("general",))
    floor.agent("ana", ("vip", "general"))
    floor.queue("general", ws=OTHER_WS)
    floor.agent("intrusa", ("general",), ws=OTHER_WS, status="online")
    floor.customer(9, "general", ws=OTHER_WS)
    floor.customer(8, "general", ws=OTHER_WS)

    monitor = floor.monitor()
    assert [a.id for a in monitor.agents] == ["ana", "zoe"]
    assert [(q.name, q.waiting, q.members) for q in monitor.queues] == [("vip", 0, 1), ("general", 0, 2)]
    other = floor.monitor(OTHER_WS)
    assert [a.id for a in other.agents] == ["intrusa"]
    assert [(q.name, q.waiting) for q in other.queues] == [("general", 1)]


def test_the_monitor_reads_as_json_for_the_console(floor):
    floor.queue("soporte")
    floor.agent("ana", ("soporte",), status="paused", pause_reason="Baño")
    floor.clock.advance(timedelta(seconds=90))
    floor.customer(1, "soporte")
    floor.clock.advance(timedelta(seconds=15))

    data = json.loads(json.dumps(floor.monitor().to_dict()))
    assert data == {
        "workspace_id": WS,
        "at": (START + timedelta(seconds=105)).isoformat(timespec="microseconds"),
        "agents": [{"id": "ana", "name": "Ana", "role": "agent", "status": "paused", "pause_reason": "Baño",
                    "seconds_in_status": 105, "live_chats": 0, "capacity": 1, "enabled": True}],
        "queues": [{"name": "soporte", "waiting": 1, "longest_wait_seconds": 15, "members": 1,
                    "members_online": 0}],
    }


def test_a_disabled_agent_is_shown_but_not_counted_online(floor):
    floor.queue("soporte")
    floor.agent("ana", ("soporte",), status="online", enabled=False)
    monitor = floor.monitor()
    assert [(a.id, a.status, a.enabled) for a in monitor.agents] == [("ana", "online", False)]
    assert monitor.queues[0].members_online == 0
