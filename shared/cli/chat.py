"""``chat``: a conversation in the terminal with the real engine, on embedded backends.

Lines come from standard input one at a time, so a conversation can be piped in
(``printf 'hola\\n1\\n' | python -m shared.cli chat bot.yaml``); piped lines are
echoed after "> " so the output reads as a transcript.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml

from shared.bots.definition import Bot
from shared.cli.local_driver import LocalConversations, PipelineError
from shared.cli.render import render_reply
from shared.cli.validate import validate_file, validate_folder
from shared.kernel.errors import BotDefinitionError, InvalidInput
from shared.workspaces.directory import WORKSPACE_FILE

COMMANDS = "/wait MINUTES (let time pass), /restart (reload the bot, new conversation), /quit"
PROMPT = "> "


class _Session:
    def __init__(self, bot_path: Path, driver: LocalConversations, name: str, time_zone: str, site: str,
                 out: TextIO) -> None:
        self.bot_path = bot_path
        self.site = site
        self.driver = driver
        self.name = name
        self.time_zone = time_zone
        self.out = out
        self.visitors = 0
        self.visitor = self.new_visitor()
        self.status = "bot"
        self.emails_shown = 0

    def new_visitor(self) -> str:
        self.visitors += 1
        self.status = "bot"
        return f"local-visitor-{self.visitors:04d}"

    def say(self, text: str) -> None:
        try:
            replies = self.driver.say(self.visitor, text, self.name)
        except (PipelineError, InvalidInput) as exc:
            self.print(f"error: {exc}")
            return
        self.show(replies, "(no reply)")

    def wait(self, argument: str) -> None:
        try:
            minutes = float(argument)
            if minutes <= 0:
                raise ValueError
        except ValueError:
            self.print("usage: /wait MINUTES (a number above 0)")
            return
        try:
            replies = self.driver.advance(minutes).get(self.visitor, [])
        except PipelineError as exc:
            self.print(f"error: {exc}")
            return
        self.show(replies, f"({minutes:g} min later: nothing new)")

    def restart(self) -> None:
        bots = _publish(self.driver, self.bot_path, self.time_zone, self.site, self.out)
        if bots is None:
            self.print("(the bot was not reloaded; the previous version keeps answering)")
        self.visitor = self.new_visitor()
        self.print("(new conversation)")

    def show(self, replies: list[dict[str, Any]], nothing: str) -> None:
        for reply in replies:
            for line in render_reply(reply):
                self.print(line)
        for email in self.driver.emails[self.emails_shown:]:
            self.print(f"[email to {email.recipient}] {email.payload.get('subject', '')}")
        self.emails_shown = len(self.driver.emails)
        note = self.status_note()
        if not replies and not note:
            self.print(nothing)
        if note:
            self.print(note)

    def status_note(self) -> str:
        conversation = self.driver.conversation(self.visitor) or {}
        status = conversation.get("status", "bot")
        previous, self.status = self.status, status
        if status == previous:
            return ""
        if status == "with_agent":
            handoff = (conversation.get("bot") or {}).get("handoff") or {}
            target = ", ".join(f"{k} {v}" for k, v in handoff.items() if k in ("queue", "agent")) or "people"
            return f"(handed over to {target}: the bot stays quiet now; /restart starts again)"
        if status == "closed":
            return "(conversation closed: the next message starts a new session)"
        return "(the bot answers again)" if previous == "with_agent" else ""

    def print(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def chat_time_zone(bot_path: Path, given: str | None = None) -> str:
    """The time zone a chat greets by: the one given, else — as the stack does — the workspace's: the
    time_zone of the workspace.yaml in the bot file's folder (or in the folder chatted with), else UTC."""
    if given:
        return given
    folder = bot_path if bot_path.is_dir() else bot_path.parent
    try:
        workspace = (yaml.safe_load((folder / WORKSPACE_FILE).read_text(encoding="utf-8")) or {}).get("workspace")
    except (OSError, yaml.YAMLError, AttributeError):
        return "UTC"
    zone = workspace.get("time_zone") if isinstance(workspace, dict) else None
    return zone if isinstance(zone, str) and zone else "UTC"


def run_chat(bot_path: Path, out: TextIO, stdin: TextIO, name: str = "", time_zone: str | None = None,
             site: str = "", start: datetime | None = None) -> int:
    """Chat in the terminal from ``start`` (now by default); ``time_zone`` for a bot file, by default its
    workspace's (see chat_time_zone)."""
    time_zone = chat_time_zone(bot_path, time_zone)
    with LocalConversations(start=start or datetime.now(UTC)) as driver:
        bots = _publish(driver, bot_path, time_zone, site, out)
        if bots is None:
            return 1
        session = _Session(bot_path, driver, name, time_zone, site, out)
        session.print(f"Chatting with {_title(bots, driver)} on this machine. Commands: {COMMANDS}")
        for line in _lines(stdin, out):
            text = line.strip()
            if not text:
                continue
            command, _, argument = text.partition(" ")
            if command == "/quit":
                break
            if command == "/wait":
                session.wait(argument.strip())
            elif command == "/restart":
                session.restart()
            elif command.startswith("/") and command[1:].isalpha():
                session.print(f"unknown command {command}; commands: {COMMANDS}")
            else:
                session.say(text)
    return 0


def _title(bots: list[Bot], driver: LocalConversations) -> str:
    route = driver.route
    bot = next((b for b in bots if b.id == route.bot_id), bots[0])
    where = f" (web chat {route.account} of workspace {route.workspace_id})" if len(bots) > 1 else ""
    return f"{bot.name} ({bot.id}){where}"


def _publish(driver: LocalConversations, bot_path: Path, time_zone: str, site: str, out: TextIO
             ) -> list[Bot] | None:
    """Publish after validating; None after printing why it could not be published."""
    if bot_path.is_dir():
        if not validate_folder(bot_path, out, quiet=True):
            return None
    elif validate_file(bot_path, out, quiet=True) is None:
        return None
    try:
        return driver.publish(bot_path, time_zone, site)
    except (BotDefinitionError, InvalidInput) as exc:
        print(f"error: {exc}", file=out)
        return None


def _lines(stdin: TextIO, out: TextIO) -> Iterator[str]:
    if stdin.isatty():
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
        while True:
            try:
                yield input(PROMPT)
            except (EOFError, KeyboardInterrupt):
                print(file=out)
                return
    for line in stdin:
        print(f"{PROMPT}{line.rstrip()}", file=out, flush=True)
        yield line
