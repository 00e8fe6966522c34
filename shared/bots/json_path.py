"""The small JSON path subset webhook ``save`` uses: ``$``, ``.key``, ``[0]``, ``['key']``."""

from __future__ import annotations

import re
from typing import Any

_STEP = re.compile(r"""\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[['"]([^'"]+)['"]\]""")
MISSING = object()


def read_path(document: Any, path: str) -> Any:
    """The value at ``path`` or ``MISSING``; a malformed path raises ValueError naming the position."""
    if not path.startswith("$"):
        raise ValueError(f"{path!r}: a path starts with $")
    position, value = 1, document
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            raise ValueError(f"{path!r}: unexpected {path[position:]!r} at position {position + 1}")
        key, index, quoted = step.groups()
        if index is not None:
            if not isinstance(value, list) or int(index) >= len(value):
                return MISSING
            value = value[int(index)]
        else:
            name = key if key is not None else quoted
            if not isinstance(value, dict) or name not in value:
                return MISSING
            value = value[name]
        position = step.end()
    return value
