"""The embedded backends' files hold personal data (messages, contacts, history, customers' files, keys):
they are created readable by their owner only, whatever the process's umask.

Only what these adapters create is restricted: a folder that already exists (a user's /tmp, a shared mount)
keeps its mode, since tightening a folder we do not own could break other programs.
"""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY_FILE = 0o600
OWNER_ONLY_FOLDER = 0o700


def owner_only_folder(path: Path) -> Path:
    """``path`` and any missing parents, each created as owner-only; existing folders are left as they are."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=OWNER_ONLY_FOLDER)
        except FileExistsError:  # another thread or process made it first
            continue
        os.chmod(folder, OWNER_ONLY_FOLDER)  # mkdir's mode is filtered by the umask
    if not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a folder")
    return path


def owner_only_file(path: Path) -> Path:
    """``path`` exists and only its owner may read or write it (created empty if missing, in an owner-only
    folder when the folder is new). SQLite gives its -wal and -shm files the database file's mode."""
    owner_only_folder(path.parent)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY_FILE)
    except FileExistsError:
        os.chmod(path, OWNER_ONLY_FILE)
    else:
        os.close(descriptor)
        os.chmod(path, OWNER_ONLY_FILE)
    return path


def write_owner_only_text(path: Path, text: str) -> None:
    """A new file with ``text``, owner-only from its first byte (never briefly readable by others)."""
    owner_only_folder(path.parent)
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY_FILE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def restrict_to_owner(path: Path) -> None:
    """An existing file made owner-only: for engines (DuckDB) that must create their file themselves."""
    if path.exists() and path.stat().st_mode & 0o777 != OWNER_ONLY_FILE:
        os.chmod(path, OWNER_ONLY_FILE)
