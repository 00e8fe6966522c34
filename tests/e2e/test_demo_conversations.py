"""The demo bots' scripted conversations, played through the web chat against the whole local stack,
on the embedded backends and on the emulators. Time is a ManualClock: pauses between replies and
menu timers elapse when the script says so, not in real time."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from shared.cli.scripts import compare_replies, describe_reply, load_script_file
from tests.support.webchat_client import Visitor

BOTS = Path(__file__).resolve().parent.parent.parent / "bots"
SCRIPTS = [("tienda.yaml", "demo-site"), ("servicos.yaml", "demo-site-pt"), ("handover.yaml", "demo-site"),
           ("first_message_es.yaml", "demo-site"), ("first_message_pt.yaml", "demo-site-pt")]
PATIENCE_S = 20.0  # how long a turn may take to answer in wall time
PAUSE_STEP = timedelta(seconds=1)  # clock advance per poll, so pauses between replies elapse
QUIET_S = {"embedded": 0.3, "emulators": 0.8}  # no reply beyond the expected ones may show up in this time


def play_turn(stack, visitor: Visitor, expected_count: int, quiet_s: float) -> list[dict]:
    seen_before = len(visitor.seen)
    deadline = time.monotonic() + PATIENCE_S
    while len(bot_replies(visitor.seen[seen_before:])) < expected_count and time.monotonic() < deadline:
        if not visitor.poll():
            stack.platform.clock.advance(PAUSE_STEP)
            time.sleep(0.05)
    time.sleep(quiet_s)
    visitor.poll()
    return bot_replies(visitor.seen[seen_before:])


def bot_replies(replies: list[dict]) -> list[dict]:
    """The scripts say what the bot answers; the platform's own notices (place in line) are not the bot's."""
    return [reply for reply in replies if reply.get("sender_type", "bot") == "bot"]


@pytest.mark.slow
@pytest.mark.parametrize(("script_file", "site"), SCRIPTS)
def test_demo_scripted_conversations_pass_through_the_web_chat(clocked_stack, script_file, site, request):
    backend = request.node.callspec.params["clocked_stack"]
    script = load_script_file(BOTS / "conversations" / script_file)
    failures = []
    for conversation in script.conversations:
        clocked_stack.platform.clock.set(conversation.start)
        visitor = Visitor(f"http://127.0.0.1:{clocked_stack.port}", site=site)
        for number, turn in enumerate(conversation.turns, 1):
            if turn.user is not None:
                visitor.say(turn.user, name=conversation.contact_name or None)
            else:
                clocked_stack.platform.clock.advance(timedelta(minutes=turn.wait_minutes))
            actual = play_turn(clocked_stack, visitor, len(turn.bot), QUIET_S[backend])
            difference = compare_replies(turn.bot, actual)
            if difference:
                failures.append(f"{conversation.name!r} turn {number} ({turn.describe()}): {difference}\n    got: "
                                + "\n         ".join(describe_reply(r) for r in actual))
                break
    assert not failures, "\n".join(failures)
