"""Arguments in, one command run, its exit status out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from shared.cli.chat import run_chat
from shared.cli.local_driver import check_time_zone
from shared.cli.scripted import run_tests
from shared.cli.validate import validate_paths
from shared.kernel.errors import InvalidInput

PROG = "python -m shared.cli"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Charla for bot authors: validate bot files, chat with a bot, run scripted "
                               "conversations. Everything runs on this machine (embedded backends).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check bot files or workspace folders",
                                   description="Check bot files (and workspace folders: workspace.yaml plus "
                                               "bots) as publishing would; exit 1 if any is invalid.")
    validate.add_argument("paths", nargs="+", type=Path, metavar="BOT.yaml|FOLDER")

    chat = commands.add_parser("chat", help="talk to a bot in the terminal",
                               description="Talk to a bot through the real engine. Commands: /wait MINUTES, "
                                           "/restart, /quit. Reads standard input line by line.")
    chat.add_argument("bot", type=Path, metavar="BOT.yaml|FOLDER")
    chat.add_argument("--name", default="", help="the visitor's name (${contact.name})")
    chat.add_argument("--time-zone", default=None,
                      help="the workspace's time zone for a bot file (default: the time_zone of the workspace.yaml "
                           "beside it, as the stack greets; else UTC)")
    chat.add_argument("--site", default="", help="for a folder: the web chat account to write to (default: the first)")

    test = commands.add_parser("test", help="run scripted conversations",
                               description="Play scripted conversations against a bot; print PASS/FAIL per "
                                           "conversation and stop at the first mismatch (exit 1).")
    test.add_argument("bot", type=Path, metavar="BOT.yaml|FOLDER")
    test.add_argument("scripts", nargs="+", type=Path, metavar="CONVERSATIONS.yaml")
    test.add_argument("--time-zone", default="UTC",
                      help="the workspace's time zone for a bot file, unless a conversation gives its own")
    test.add_argument("--site", default="", help="for a folder: the web chat account to write to (default: the first)")
    return parser


def main(argv: list[str] | None = None, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    paths = args.paths if args.command == "validate" else [args.bot]
    missing = [p for p in paths if not p.exists()]
    if missing:
        for path in missing:
            print(f"error: {path}: no such file or folder", file=out)
        return 1
    if args.command == "validate":
        return validate_paths(args.paths, out)
    try:
        if args.time_zone is not None:
            check_time_zone(args.time_zone)
    except InvalidInput as exc:
        print(f"error: --time-zone: {exc}", file=out)
        return 1
    if args.command == "chat":
        return run_chat(args.bot, out, stdin, name=args.name, time_zone=args.time_zone, site=args.site)
    return run_tests(args.bot, args.scripts, out, time_zone=args.time_zone, site=args.site)
