"""Assignment under load: customers handed to people at once, on SQLite or the Firestore emulator.

Run: `make bench-assignment` (or `.venv/bin/python benchmarks/assignment.py [--store firestore]
[--customers 200] [--agents 20] [--threads 8]`). Each customer's hand-off is assign_agent's use case
(hand_to_people: ticket, assignment or place in line, customer notice, history, expiry timer, all in one
transaction plus the outbox). Prints hand-offs per second and latency percentiles, then resolves every
chat (each freeing a slot for the next in line) and prints the same for closing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


RETRIES: list[int] = []


def timed(work, items, threads: int) -> tuple[float, list[float]]:
    """Latency from first try to success; a transient failure is tried again, as a Pub/Sub redelivery would."""
    from shared.kernel.errors import TransientError

    def one(item) -> float:
        start = time.perf_counter()
        while True:
            try:
                work(item)
                break
            except TransientError:
                RETRIES.append(1)
        return (time.perf_counter() - start) * 1000

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(one, items))
    return time.perf_counter() - start, latencies


def report(label: str, count: int, elapsed: float, latencies: list[float]) -> None:
    print(f"{label:<10} {count:>6} in {elapsed:6.2f} s = {count / elapsed:7.1f}/s"
          f"   p50 {statistics.median(latencies):6.1f} ms   p99 {percentile(latencies, 0.99):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "firestore"), default="sqlite")
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--capacity", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    from shared.agents import Agent, AgentDirectory, Queue
    from shared.agents.model import TICKETS, Ticket
    from shared.bootstrap import Platform
    from shared.conversations.handover import agent_desk, hand_to_people
    from shared.conversations.store_names import CONVERSATIONS
    from shared.events import topics
    from shared.kernel.settings import Settings
    from shared.messages.wire import AssignmentRequest

    emulator = None
    overrides = {}
    if args.store == "firestore":
        from shared.adapters.gcp.firestore_document_store import FirestoreDocumentStore
        from tests.support.emulators import EMULATOR_PROJECT, start_emulator

        emulator = start_emulator("firestore")
        import os

        os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
        overrides["store"] = lambda p: FirestoreDocumentStore(project=EMULATOR_PROJECT)
    with tempfile.TemporaryDirectory() as tmp:
        platform = Platform(Settings(backend="embedded", data_dir=Path(tmp)), overrides=overrides)
        for topic in topics.ALL_TOPICS:
            platform.bus.ensure_topic(topic)
        platform.directory.load_folder(platform.settings.bots_dir)
        directory = AgentDirectory(platform.store, platform.clock)
        directory.save_queue(Queue(workspace_id="demo", name="ventas"))
        for n in range(args.agents):
            directory.save_agent(Agent(id=f"agent{n:03d}", workspace_id="demo", name=f"Agent {n}", queues=("ventas",),
                                       capacity=args.capacity, status="online"))
        requests = [AssignmentRequest(request_id=f"bench-{n}", workspace_id="demo", conversation_id=f"cv_bench_{n}",
                                      channel="webchat", queue="ventas") for n in range(args.customers)]
        for n, request in enumerate(requests):  # the conversations the bot handed over
            platform.store.set(CONVERSATIONS, request.conversation_id, {
                "workspace_id": "demo", "channel": "webchat", "account": "demo-site", "contact": f"visitor-{n}",
                "bot_id": "tienda", "status": "with_agent", "bot": {"session_id": f"ss_{n}"}})
        print(f"{args.store}: {args.customers} customers, {args.agents} agents of capacity {args.capacity},"
              f" {args.threads} threads")
        elapsed, latencies = timed(lambda r: hand_to_people(platform, r), requests, args.threads)
        report("hand-offs", len(requests), elapsed, latencies)
        tickets = [Ticket.from_dict(d.data) for d in platform.store.query(TICKETS)]
        assigned = [t for t in tickets if t.agent]
        print(f"{'':<10} {len(assigned)} assigned, {len(tickets) - len(assigned)} waiting")
        desk = agent_desk(platform)
        closed, closing, latencies = 0, 0.0, []
        while True:  # rounds: close every chat held now; each closing hands a waiting one to its agent
            tickets = [Ticket.from_dict(d.data) for d in platform.store.query(TICKETS)]
            held = [t for t in tickets if t.is_open and t.agent]
            if not held:
                break
            elapsed, round_latencies = timed(lambda t: desk.resolve(t.id, t.agent), held, args.threads)
            closed, closing, latencies = closed + len(held), closing + elapsed, latencies + round_latencies
        report("resolves", closed, closing, latencies)
        print(f"{'':<10} {len(RETRIES)} operations retried after giving up under contention")
        platform.close()
    if emulator is not None:
        emulator.stop()


if __name__ == "__main__":
    main()
