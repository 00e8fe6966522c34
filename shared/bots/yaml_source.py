"""YAML parsing that remembers the line of every key path, for error messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from shared.kernel.errors import BotDefinitionError

# libyaml's parser when the wheel has it (it does on common platforms): several times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class SourceDocument:
    file_name: str
    data: Any
    lines: dict[str, int]  # key path ("topics[1].intents[0].name") -> 1-based line

    def line_of(self, path: str) -> int:
        # Fall back to the nearest ancestor that has a line (a missing key reports its parent).
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get("", 1)


def child_path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def _record_lines(node: yaml.Node, path: str, lines: dict[str, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            lines[child_path(path, key)] = key_node.start_mark.line + 1
            _record_lines(value_node, child_path(path, key), lines)
            lines[child_path(path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, child_path(path, index), lines)


def parse_yaml(text: str, file_name: str) -> SourceDocument:
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise BotDefinitionError(f"{file_name}:{line} not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise BotDefinitionError(f"{file_name}:1 not valid YAML: {exc}") from None
    lines: dict[str, int] = {}
    if node is not None:
        _record_lines(node, "", lines)
    return SourceDocument(file_name=file_name, data=data, lines=lines)
