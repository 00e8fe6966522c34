"""``validate``: bot files and workspace folders checked as publishing would check them."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TextIO

import yaml

from shared.bootstrap import Platform
from shared.bots.definition import Bot
from shared.bots.loader import load_bot_file
from shared.kernel.errors import BotDefinitionError
from shared.kernel.settings import Settings
from shared.workspaces.directory import CHANNELS, FLOWS_FILE, WORKSPACE_FILE, WORKSPACES


def validate_paths(paths: list[Path], out: TextIO) -> int:
    """Exit status: 0 when every file and folder is valid, 1 otherwise."""
    valid = True
    for path in paths:
        if path.is_dir():
            valid = validate_folder(path, out) and valid
        else:
            valid = validate_file(path, out) is not None and valid
    return 0 if valid else 1


def validate_file(path: Path, out: TextIO, quiet: bool = False) -> Bot | None:
    """The bot, after printing "ok" and its warnings; None after printing why it is invalid."""
    try:
        bot = load_bot_file(path)
    except BotDefinitionError as exc:
        print(f"invalid: {path}", file=out)
        print(str(exc), file=out)
        return None
    except (OSError, UnicodeDecodeError) as exc:
        print(f"invalid: {path}: cannot be read ({getattr(exc, 'strerror', None) or exc})", file=out)
        return None
    if not quiet:
        print(f"ok: {path} ({_count(len(bot.intents), 'intent')}, {_count(len(bot.menus), 'menu')})", file=out)
        for warning in bot.warnings:
            print(f"  warning: {warning}", file=out)
    return bot


def validate_folder(folder: Path, out: TextIO, quiet: bool = False) -> bool:
    """Each bot file on its own (all errors at once), then the folder as load_folder publishes it."""
    bot_files = sorted(p for p in folder.glob("*.yaml") if p.name not in (WORKSPACE_FILE, FLOWS_FILE))
    bots = [validate_file(path, out, quiet) for path in bot_files]
    if None in bots:
        return False
    with tempfile.TemporaryDirectory(prefix="charla-validate-") as scratch:
        platform = Platform(Settings(backend="embedded", data_dir=Path(scratch)))
        try:
            platform.directory.load_folder(folder)
            workspaces = [d.id for d in platform.store.query(WORKSPACES)]
            channels = len(platform.store.query(CHANNELS))
        except (BotDefinitionError, yaml.YAMLError) as exc:
            print(f"invalid: {folder}", file=out)
            print(str(exc), file=out)
            return False
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            # load_folder reads workspace.yaml loosely; a malformed entry surfaces as a plain error.
            print(f"invalid: {folder}", file=out)
            print(f"{WORKSPACE_FILE}: malformed ({type(exc).__name__}: {exc}); expected workspace: {{id, ...}} "
                  "and channels: [{type, account, bot}, ...]", file=out)
            return False
        finally:
            platform.close()
    if not quiet:
        print(f"ok: {folder} (workspace {', '.join(workspaces)}, {_count(len(bots), 'bot')}, "
              f"{_count(channels, 'channel')})", file=out)
    return True


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
