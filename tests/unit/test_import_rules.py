"""The layers of shared/ and functions/, read from the imports of every module as written (issue 16).

Every ``import`` and ``from … import`` counts wherever it stands: at module level, under ``if
TYPE_CHECKING:`` or inside a function (a lazy import is a dependency all the same, only a later one). An
import names the module it reaches: ``from shared.a import b`` reaches ``shared.a.b`` when that is a
module, else ``shared.a``; the parent packages Python also initialises on the way are not counted (as
import-linter does), so a package's ``__init__`` re-exporting its own modules is not a cycle.

The rules:
- shared/ has no import cycle (the message names the loop, file:line by file:line);
- shared/channels/ is pure provider code: it imports nothing from conversations, adapters or bootstrap;
- the use cases and the domain (conversations, agents, bots, contacts, history, retention, workspaces)
  never import the composition root (shared.bootstrap) nor an adapter: they take ports;
- functions/ (thin entry points) import only what FUNCTION_MAY_IMPORT lists: use cases, the composition
  root, the entry-point and HTTP helpers, and the vocabulary every layer shares; never an adapter or a port.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("shared", "functions")

# shared/channels/ may not reach into these.
CHANNELS_MAY_NOT_IMPORT = ("shared.conversations", "shared.adapters", "shared.bootstrap")
# Use cases and domain packages: they take ports, so neither the composition root nor an adapter.
PORT_TAKING_PACKAGES = (
    "shared.conversations",
    "shared.agents",
    "shared.bots",
    "shared.contacts",
    "shared.history",
    "shared.retention",
    "shared.workspaces",
)
INFRASTRUCTURE = ("shared.bootstrap", "shared.adapters")
# What a module under functions/ may import (first-party; third-party packages are not judged here).
FUNCTION_MAY_IMPORT = (
    # the composition root: a function asks it for the platform and hands its ports to a use case
    "shared.bootstrap",
    # use cases, each package the home of some of them
    "shared.conversations",
    "shared.agents",
    "shared.contacts",
    "shared.history",
    "shared.retention",
    "shared.console",
    "shared.workspaces",
    # pure provider code (parse, verify a signature, render): what a webhook reads from the request
    "shared.channels",
    # entry-point and HTTP helpers
    "shared.entrypoints",
    "functions.http_responses",
    "functions.provider_webhook",
    # the vocabulary every layer shares: errors, logs and settings; topic names; wire messages and ids
    "shared.kernel",
    "shared.events",
    "shared.messages",
)


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # the first-party module it reaches
    path: str  # of the importer, from the repository root
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.importer} imports {self.target}"


def modules_under(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Dotted module name → file, for every Python file under ``packages`` (a package by its __init__)."""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if any(part.startswith(".") or part == "__pycache__" for part in parts):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _known(modules: Mapping[str, Path], dotted: str) -> str | None:
    """The longest prefix of ``dotted`` that is one of ``modules`` (None: not first-party)."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _from_base(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = importer if is_package else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imports_of(root: Path, modules: Mapping[str, Path]) -> list[Import]:
    """Every import in ``modules`` of another of ``modules``, wherever in the file it stands."""
    found: list[Import] = []
    for importer, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        relative = path.relative_to(root).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                reached = [_known(modules, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _from_base(importer, is_package, node)
                reached = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else _known(modules, base)
                    for alias in node.names
                ]
            else:
                continue
            for target in dict.fromkeys(reached):
                if target is not None and target != importer:
                    found.append(Import(importer, target, relative, node.lineno))
    return found


def _inside(module: str, packages: Iterable[str]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def import_cycles(imports: Iterable[Import]) -> list[list[Import]]:
    """One shortest loop per group of modules that import each other (a strongly connected component)."""
    edges: dict[str, dict[str, Import]] = {}
    for imp in imports:
        edges.setdefault(imp.importer, {}).setdefault(imp.target, imp)
    loops = [_shortest_loop(edges, min(component), component)
             for component in _strongly_connected(edges) if len(component) > 1]
    return sorted(loops, key=lambda loop: loop[0].importer)


def _strongly_connected(edges: Mapping[str, Mapping[str, Import]]) -> Iterator[set[str]]:
    """Tarjan's algorithm, iterative (no recursion limit to hit on a deep chain)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    nodes = sorted(set(edges) | {t for targets in edges.values() for t in targets})
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, {}))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges.get(successor, {})))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    yield component


def _shortest_loop(edges: Mapping[str, Mapping[str, Import]], start: str, within: set[str]) -> list[Import]:
    came_by: dict[str, Import] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target, imp in sorted(edges.get(node, {}).items()):
            if target not in within:
                continue
            if target == start:
                loop = [imp]
                while loop[0].importer != start:
                    loop.insert(0, came_by[loop[0].importer])
                return loop
            if target not in came_by:
                came_by[target] = imp
                queue.append(target)
    raise AssertionError(f"{start} is in a strongly connected component but on no loop")


def describe_loop(loop: list[Import]) -> str:
    return " -> ".join(f"{imp.importer} ({imp.path}:{imp.line})" for imp in loop) + f" -> {loop[0].importer}"


def channel_violations(imports: Iterable[Import]) -> list[Import]:
    return [imp for imp in imports
            if _inside(imp.importer, ["shared.channels"]) and _inside(imp.target, CHANNELS_MAY_NOT_IMPORT)]


def use_case_violations(imports: Iterable[Import]) -> list[Import]:
    return [imp for imp in imports
            if _inside(imp.importer, PORT_TAKING_PACKAGES) and _inside(imp.target, INFRASTRUCTURE)]


def function_violations(imports: Iterable[Import]) -> list[Import]:
    def allowed(imp: Import) -> bool:
        own_folder = ".".join(imp.importer.split(".")[:2])  # functions.<name>: its own files
        return _inside(imp.target, FUNCTION_MAY_IMPORT) or (own_folder != "functions" and
                                                            _inside(imp.target, [own_folder]))
    return [imp for imp in imports if _inside(imp.importer, ["functions"]) and not allowed(imp)]


# --- the rules, on the code as it is -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def project_imports() -> list[Import]:
    return imports_of(ROOT, modules_under(ROOT, SCANNED))


def test_the_shared_modules_import_each_other_without_a_cycle(project_imports: list[Import]) -> None:
    shared = [imp for imp in project_imports if _inside(imp.importer, ["shared"]) and _inside(imp.target, ["shared"])]

    loops = [describe_loop(loop) for loop in import_cycles(shared)]

    assert not loops, "import cycles in shared/:\n" + "\n".join(loops)


def test_channels_import_nothing_from_conversations_adapters_or_bootstrap(project_imports: list[Import]) -> None:
    violations = [str(imp) for imp in channel_violations(project_imports)]

    assert not violations, "shared/channels/ must stay pure provider code:\n" + "\n".join(violations)


def test_use_cases_import_neither_the_composition_root_nor_an_adapter(project_imports: list[Import]) -> None:
    violations = [str(imp) for imp in use_case_violations(project_imports)]

    assert not violations, "use cases take ports, not bootstrap or adapters:\n" + "\n".join(violations)


def test_functions_import_only_use_cases_bootstrap_and_entry_point_helpers(project_imports: list[Import]) -> None:
    violations = [str(imp) for imp in function_violations(project_imports)]

    assert not violations, "functions/ are thin entry points:\n" + "\n".join(violations)


def test_every_package_a_rule_names_exists() -> None:
    modules = modules_under(ROOT, SCANNED)

    named = {*CHANNELS_MAY_NOT_IMPORT, *PORT_TAKING_PACKAGES, *INFRASTRUCTURE, *FUNCTION_MAY_IMPORT}

    assert sorted(name for name in named if name not in modules) == []


# --- the reader and the cycle finder, on a small made-up tree ---------------------------------------------------

def write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_reader_sees_lazy_relative_typing_only_and_submodule_imports(tmp_path: Path) -> None:
    write(tmp_path, {
        "shared/__init__.py": "",
        "shared/a/__init__.py": "from .model import Thing\n",
        "shared/a/model.py": "Thing = 1\n",
        "shared/a/use.py": (
            "from typing import TYPE_CHECKING\n"
            "import json\n"
            "from . import model\n"
            "from ..b import helpers, NAME\n"
            "if TYPE_CHECKING:\n"
            "    from shared.c import Root\n"
            "def later():\n"
            "    import shared.b.helpers as h\n"
            "    from shared.a.model import Thing\n"
        ),
        "shared/b/__init__.py": "NAME = 1\n",
        "shared/b/helpers.py": "",
        "shared/c.py": "Root = 1\n",
    })

    found = {(imp.importer, imp.target, imp.line) for imp in imports_of(tmp_path, modules_under(tmp_path, ["shared"]))}

    assert found == {
        ("shared.a", "shared.a.model", 1),
        ("shared.a.use", "shared.a.model", 3),
        ("shared.a.use", "shared.b.helpers", 4),
        ("shared.a.use", "shared.b", 4),
        ("shared.a.use", "shared.c", 6),
        ("shared.a.use", "shared.b.helpers", 8),
        ("shared.a.use", "shared.a.model", 9),
    }


def test_a_cycle_is_reported_as_its_path_and_a_package_reexporting_its_modules_is_not_one(tmp_path: Path) -> None:
    write(tmp_path, {
        "shared/__init__.py": "",
        "shared/p/__init__.py": "from shared.p.x import X\n",
        "shared/p/x.py": "from shared.q import Y\nX = 1\n",
        "shared/q.py": "Y = 1\ndef f():\n    from shared.r import Z\n",
        "shared/r.py": "from shared.p.x import X\nZ = 1\n",
    })

    loops = import_cycles(imports_of(tmp_path, modules_under(tmp_path, ["shared"])))

    assert [describe_loop(loop) for loop in loops] == [
        "shared.p.x (shared/p/x.py:1) -> shared.q (shared/q.py:3) -> shared.r (shared/r.py:1) -> shared.p.x"
    ]


def test_each_rule_catches_what_it_forbids_and_lets_the_rest_through() -> None:
    def imp(importer: str, target: str) -> Import:
        return Import(importer, target, importer.replace(".", "/") + ".py", 1)

    imports = [
        imp("shared.channels.whatsapp.render", "shared.conversations.receive"),
        imp("shared.channels.intake", "shared.adapters.http.sender"),
        imp("shared.channels.telegram", "shared.kernel.errors"),
        imp("shared.conversations.receive", "shared.bootstrap"),
        imp("shared.history.export", "shared.adapters.gcp.bigquery_warehouse"),
        imp("shared.history.reports", "shared.ports.warehouse"),
        imp("shared.console.monitor", "shared.bootstrap"),
        imp("functions.fetch_media.main", "shared.adapters.http.media_download"),
        imp("functions.run_timer.main", "shared.ports.task_scheduler"),
        imp("functions.send_message.main", "shared.conversations.deliver"),
        imp("functions.webhook_webchat.main", "functions.webhook_webchat.widget"),
        imp("functions.webhook_twilio.main", "functions.provider_webhook"),
    ]

    assert [str(i) for i in channel_violations(imports)] == [str(imports[0]), str(imports[1])]
    assert [str(i) for i in use_case_violations(imports)] == [str(imports[3]), str(imports[4])]
    assert [str(i) for i in function_violations(imports)] == [str(imports[7]), str(imports[8])]
