"""Blob store on a local folder: key ``media/ws1/abc.jpg`` is the file ``<root>/media/ws1/abc.jpg``.

Writes go to a temporary file in the target's folder and are moved into place
with ``os.replace``, so a reader (or a restart after a crash) sees either the
old blob or the new one, never half of one.

Keys are bucket-style relative paths. Anything that could point outside the
root (absolute paths, ``..``, backslashes, empty segments) is refused with
``InvalidInput``. Unlike a bucket, a folder cannot hold both ``a`` and ``a/b``;
such a clash is refused too. Content types are accepted for port compatibility
but not kept: nothing reads them back locally.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from shared.adapters.embedded.owner_only_files import owner_only_folder
from shared.kernel.errors import InvalidInput, NotFound

# Prefix and suffix of in-flight writes; keys that look like one are refused so
# a half-written temporary file is never mistaken for a blob.
_PARTIAL_PREFIX = ".partial-"


class LocalFolderBlobStore:
    def __init__(self, root: str | Path) -> None:
        self._root = Path(root).resolve()
        owner_only_folder(self._root)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        try:
            owner_only_folder(path.parent)
        except (FileExistsError, NotADirectoryError):
            raise InvalidInput(f"blob key {key!r} clashes with an existing blob used as its folder") from None
        if path.is_dir():
            raise InvalidInput(f"blob key {key!r} clashes with a folder of other blobs")
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=_PARTIAL_PREFIX)
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                # Durable before visible: the rename must not outrun the bytes.
                os.fsync(temp.fileno())
            os.replace(temp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotFound(f"blob {key!r} not found") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            if path.is_file():
                path.unlink()

    def close(self) -> None:
        """Nothing to release; present so every adapter can be closed the same way."""

    def _path(self, key: str) -> Path:
        if not isinstance(key, str) or not key:
            raise InvalidInput("blob key must be a non-empty string")
        if "\\" in key or "\x00" in key:
            raise InvalidInput(f"blob key {key!r} contains a backslash or NUL")
        if key.startswith("/"):
            raise InvalidInput(f"blob key {key!r} is absolute; keys are relative to the store")
        segments = key.split("/")
        for segment in segments:
            if segment in ("", ".", ".."):
                raise InvalidInput(f"blob key {key!r} has an empty, '.' or '..' segment")
        if segments[-1].startswith(_PARTIAL_PREFIX):
            raise InvalidInput(f"blob key {key!r} uses the reserved prefix {_PARTIAL_PREFIX!r}")
        path = self._root.joinpath(*segments)
        # Symlinks inside the root could still lead out of it.
        if not path.resolve().is_relative_to(self._root):
            raise InvalidInput(f"blob key {key!r} leads outside the store")
        return path
