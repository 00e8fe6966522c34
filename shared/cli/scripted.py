"""``test``: play scripted conversations against a bot and stop at the first that differs."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from shared.cli.local_driver import LocalConversations
from shared.cli.scripts import ConversationScript, ScriptError, bot_publisher, load_script_file, run_script
from shared.cli.validate import validate_file, validate_folder
from shared.kernel.errors import BotDefinitionError, InvalidInput


def run_tests(bot_path: Path, script_paths: list[Path], out: TextIO, time_zone: str = "UTC", site: str = "") -> int:
    """Exit status 0 when every conversation passes; 1 at the first mismatch or an invalid file."""
    bot_ok = validate_folder(bot_path, out, quiet=True) if bot_path.is_dir() else (
        validate_file(bot_path, out, quiet=True) is not None)
    scripts: list[ConversationScript] = []
    scripts_ok = True
    for path in script_paths:
        try:
            scripts.append(load_script_file(path))
        except ScriptError as exc:
            print(f"invalid: {path}", file=out)
            print(str(exc), file=out)
            scripts_ok = False
    if not (bot_ok and scripts_ok):
        return 1
    publish = bot_publisher(bot_path, site)
    try:
        # Published once up front too, so that a wrong --site is reported as such, not as a failed conversation.
        with LocalConversations() as driver:
            publish(driver, time_zone)
    except (InvalidInput, BotDefinitionError) as exc:
        print(f"error: {exc}", file=out)
        return 1
    passed = failed = 0
    for script in scripts:
        for result in run_script(publish, script, time_zone):
            if result.mismatch is None:
                passed += 1
                print(f"PASS {result.name}", flush=True, file=out)
                continue
            failed += 1
            print(f"FAIL {result.name}", file=out)
            print("\n".join(f"  {line}" for line in result.mismatch.report().splitlines()), file=out)
            break
        if failed:
            break
    print(f"{passed} passed, {failed} failed", file=out)
    return 1 if failed else 0
