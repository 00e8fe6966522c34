"""Every store the code writes is in the personal data inventory (shared/retention/personal_data.py) with
a retention rule and an erasure rule, and what the inventory says the purge and the erasure reach, they do.

The stores are found in the code, not listed here: every collection the document store is called with
(a constant, a collection function such as messages_collection, a local variable or class attribute
holding one), every blob key the blob store is given (its first path segment), and every warehouse table
of shared/history/tables.json. A store the reader cannot name fails the test: write its name as a
constant so that it can be found.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from shared.history.tables import history_tables
from shared.retention import erasure, history_rows, purge
from shared.retention.personal_data import (
    BLOB_PREFIX,
    COLLECTION,
    CONTACT,
    CONVERSATION,
    INVENTORY,
    TABLE,
    by_scope,
    named,
)

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "functions", "charla_local")
NOT_APPLICATION_CODE = (("shared", "ports"), ("tests",))  # the ports declare the calls, they make none
STORE_METHODS = {"get", "set", "create", "update", "delete", "query"}
STORE_RECEIVERS = {"store", "_store", "tx", "_tx"}  # the last name of what a document store call is made on
BLOB_METHODS = {"put"}
BLOB_RECEIVERS = {"blobs", "_blobs"}
HOLE = "{}"  # a part of a name only known at run time (a document id)
Scopes = tuple["ast.FunctionDef | ast.Lambda", ...]


@dataclass(frozen=True)
class Site:
    where: str  # path:line
    kind: str  # COLLECTION or BLOB_PREFIX
    name: str | None  # None: the reader could not tell


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


class _Reader:
    """Names what an expression of one module evaluates to, with HOLE for what only the run time knows."""

    def __init__(self, module: ModuleType, tree: ast.Module) -> None:
        self.module = module
        self.tree = tree

    def value(self, node: ast.expr, scopes: Scopes, depth: int = 0) -> str | None:
        if depth > 6:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            parts = [self.value(v.value if isinstance(v, ast.FormattedValue) else v, scopes, depth + 1) or HOLE
                     for v in node.values]
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.value(node.left, scopes, depth + 1)
            return None if left is None else left + (self.value(node.right, scopes, depth + 1) or HOLE)
        if isinstance(node, ast.Name | ast.Attribute):
            known = self._evaluated(node)
            if isinstance(known, str):
                return known
            if isinstance(node, ast.Name) and scopes:
                return self._local(node.id, scopes, depth)
            return HOLE if known is not None else None
        if isinstance(node, ast.Call):
            return self._called(node, depth)
        return None

    def _evaluated(self, node: ast.expr) -> Any:
        """The module-level value a name or dotted name stands for (constants, imported modules)."""
        try:
            return eval(compile(ast.Expression(node), "<name>", "eval"), vars(self.module))
        except Exception:  # a local name, or an attribute of a run-time object
            return None

    def _local(self, name: str, scopes: Scopes, depth: int) -> str | None:
        """A local variable: assigned in the innermost function (or lambda) that has it, or a parameter."""
        for index in range(len(scopes) - 1, -1, -1):
            function = scopes[index]
            arguments = function.args
            if name in {a.arg for a in (*arguments.args, *arguments.kwonlyargs, *arguments.posonlyargs)}:
                return HOLE  # handed in: the caller's value is read where the caller names it
            if isinstance(function, ast.Lambda):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                                        for t in node.targets):
                    return self.value(node.value, scopes[:index + 1], depth + 1)
        return None

    def _called(self, call: ast.Call, depth: int) -> str | None:
        function = self._evaluated(call.func)
        if not inspect.isfunction(function) or not function.__module__.startswith(PACKAGES):
            return None
        source = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
        assert isinstance(source, ast.FunctionDef)
        returned = [n.value for n in ast.walk(source) if isinstance(n, ast.Return) and n.value is not None]
        reader = _Reader(importlib.import_module(function.__module__), source)  # type: ignore[arg-type]
        values = {reader.value(r, (source,), depth + 1) for r in returned}
        return values.pop() if len(values) == 1 else None

    def class_values(self, attribute: str, call: bool) -> set[str] | None:
        """``self.<attribute>`` (or ``self.<attribute>()``) in a class of this module: its value in every
        class of the module that has that attribute."""
        found = set()
        for candidate in vars(self.module).values():
            if inspect.isclass(candidate) and candidate.__module__ == self.module.__name__:
                try:
                    value = getattr(candidate, attribute, None)
                    value = value() if call and callable(value) else value
                except AttributeError:  # an abstract base: its subclasses say
                    continue
                if isinstance(value, str):
                    found.add(value)
        return found or None

    def key_tuples(self) -> set[str] | None:
        """``*key`` in a call: the first item of every (collection, id) tuple the module returns."""
        found = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and node.value.elts:
                value = self.value(node.value.elts[0], ())
                if value:
                    found.add(value)
        return found or None


def _nodes_in_scopes(tree: ast.Module) -> Iterator[tuple[Scopes, ast.AST]]:
    """Every node, with the functions (and lambdas) it is in, outermost first."""
    def visit(node: ast.AST, scopes: Scopes) -> Iterator[tuple[Scopes, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            inner = (*scopes, child) if isinstance(child, ast.FunctionDef | ast.Lambda) else scopes
            yield inner, child
            yield from visit(child, inner)

    yield from visit(tree, ())


def _receiver(node: ast.expr) -> str:
    return ast.unparse(node).rsplit(".", 1)[-1]


def store_sites() -> list[Site]:
    """Every document store and blob store call of the application code, with the store it names."""
    sites = []
    paths = [p for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))]
    for path in paths:
        relative = path.relative_to(REPO)
        if any(relative.parts[:len(skip)] == skip for skip in NOT_APPLICATION_CODE):
            continue
        tree = ast.parse(path.read_text())
        reader: _Reader | None = None
        for scopes, node in _nodes_in_scopes(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                continue
            method, receiver = node.func.attr, _receiver(node.func.value)
            if method in STORE_METHODS and receiver in STORE_RECEIVERS:
                kind = COLLECTION
            elif method in BLOB_METHODS and receiver in BLOB_RECEIVERS:
                kind = BLOB_PREFIX
            else:
                continue
            reader = reader or _Reader(importlib.import_module(_module_name(path)), tree)
            where = f"{relative}:{node.lineno}"
            first = node.args[0]
            if isinstance(first, ast.Starred):
                names = reader.key_tuples()
            elif isinstance(first, ast.Attribute) and ast.unparse(first.value) in ("self", "cls"):
                names = reader.class_values(first.attr, call=False)
            elif isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute) \
                    and ast.unparse(first.func.value) in ("self", "cls"):
                names = reader.class_values(first.func.attr, call=True)
            else:
                value = reader.value(first, scopes)
                names = None if value is None else {value}
            if names is None:
                sites.append(Site(where, kind, None))
                continue
            for name in names:
                if kind == BLOB_PREFIX:
                    name = name.split("/", 1)[0] + "/" if not name.startswith(HOLE) else HOLE
                if name != HOLE:  # handed in by a caller, whose call names it
                    sites.append(Site(where, kind, name))
    return sites


def _pattern(name: str) -> str:
    return re.sub(r"\{[^}]*\}", HOLE, name)


def test_every_store_of_personal_data_has_a_retention_and_erasure_rule():
    sites = store_sites()
    unnamed = [s.where for s in sites if s.name is None]
    assert not unnamed, f"cannot tell which store these calls use; name it with a constant: {unnamed}"
    found = {(s.kind, _pattern(s.name)) for s in sites if s.name}
    found |= {(TABLE, table) for table in history_tables()}
    assert len(found) > 30, "the reader finds the stores the code writes"  # conversations, contacts, tickets...
    listed = {(store.kind, store.pattern if store.kind != BLOB_PREFIX else store.pattern.split("/", 1)[0] + "/")
              for store in INVENTORY}
    missing = sorted(found - listed)
    assert not missing, (f"stores the code uses and shared/retention/personal_data.py does not list, with "
                         f"their retention and erasure rules: {missing}")
    stale = sorted(listed - found)
    assert not stale, f"the inventory lists stores no code uses any more: {stale}"
    for store in INVENTORY:
        assert store.retention.strip() and store.erasure.strip(), f"{store.name}: say what retention does"


def test_the_purge_and_the_erasure_reach_every_conversation_store_that_holds_personal_data():
    personal = {store.name for store in (*by_scope(CONVERSATION), *by_scope(CONTACT)) if store.holds}
    assert personal <= set(purge.REACHES), f"the purge does not say it reaches {sorted(personal - set(purge.REACHES))}"
    assert personal <= set(erasure.REACHES), (
        f"the erasure does not say it reaches {sorted(personal - set(erasure.REACHES))}")
    for name in (*purge.REACHES, *erasure.REACHES):
        named(name)  # every store they name is one of the inventory's


def test_the_warehouse_columns_cleared_are_the_inventorys_personal_tables():
    personal_tables = {store.name for store in INVENTORY if store.kind == TABLE and store.holds}
    assert personal_tables == set(history_rows.PERSONAL_COLUMNS)
    for table, columns in history_rows.PERSONAL_COLUMNS.items():
        assert all(column in named(table).holds for column in columns), table
