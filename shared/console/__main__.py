"""``python -m shared.console add-user``: create (or update) a console user, e.g. a deployment's first admin.

Runs against the backends the environment names (CHARLA_BACKEND=gcp with the project's variables, or the
local data folder). The password comes from CHARLA_NEW_PASSWORD or is asked for without echo.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from shared.agents import Agent, AgentDirectory, Queue
from shared.agents.model import DEFAULT_QUEUE, ROLES
from shared.bootstrap import Platform
from shared.console.logins import Logins
from shared.console.passwords import check_password_policy
from shared.kernel.errors import CharlaError, NotFound
from shared.kernel.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.console", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-user", help="create or update a console user and set their password")
    add.add_argument("--workspace", required=True)
    add.add_argument("--id", required=True, help="the user's id (agent id)")
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--role", choices=ROLES, default="admin")
    add.add_argument("--queues", default=DEFAULT_QUEUE, help="comma-separated queue names (created if missing)")
    args = parser.parse_args(argv)
    password = os.environ.get("CHARLA_NEW_PASSWORD") or getpass.getpass(f"password for {args.email}: ")
    try:
        check_password_policy(password, args.email)  # before anything is written
    except CharlaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    platform = Platform(Settings.from_env())
    try:
        directory = AgentDirectory(platform.store, platform.clock)
        queues = tuple(q.strip() for q in args.queues.split(",") if q.strip())
        for name in queues:
            try:
                directory.queue(args.workspace, name)
            except NotFound:
                directory.save_queue(Queue(workspace_id=args.workspace, name=name))
        directory.save_agent(Agent(id=args.id, workspace_id=args.workspace, name=args.name, email=args.email,
                                   role=args.role, queues=queues))
        Logins(platform.store, platform.clock).set_password(args.workspace, args.id, password)
    except CharlaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        platform.close()
    print(f"{args.role} {args.email} of workspace {args.workspace} can sign in to console_api")
    return 0


if __name__ == "__main__":
    sys.exit(main())
