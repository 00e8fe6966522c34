"""Facts about the cloud resources the Python code needs, read from the code itself (its syntax tree).

Each helper answers one question the infrastructure must agree with: which functions exist and how they
are triggered, which topics each one publishes to, which secrets it reads, which settings the Google Cloud
adapters need, where the code queries the document store. Nothing here imports a function's module.
"""

from __future__ import annotations

import ast
import functools
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "functions", "nlu_model")
CONTRACTS = REPO / "shared" / "contracts"


def contract(name: str) -> dict:
    return json.loads((CONTRACTS / name).read_text(encoding="utf-8"))


# -- modules and their imports ------------------------------------------------------------------------

@functools.cache
def module_path(name: str) -> Path | None:
    base = REPO.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def syntax(name: str) -> ast.Module:
    path = module_path(name)
    assert path is not None, f"no module {name}"
    return parsed(path)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST, at_import_time: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements; with ``at_import_time`` only those run when the module is imported (not inside a
    function, not under ``if TYPE_CHECKING``)."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif at_import_time and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        elif at_import_time and isinstance(child, ast.If) and _is_type_checking(child):
            yield from (n for s in child.orelse for n in _import_nodes(ast.Module([s], []), at_import_time))
        else:
            yield from _import_nodes(child, at_import_time)


@functools.cache
def imported_modules(name: str, at_import_time: bool) -> frozenset[str]:
    """The repository's modules that ``name`` imports (and their parent packages, which Python runs first)."""
    package = name if module_path(name).name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _import_nodes(syntax(name), at_import_time):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            parts = target.split(".")
            if parts[0] not in PACKAGES:
                continue
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1) if module_path(".".join(parts[:i])))
    return frozenset(found)


@functools.cache
def reach(start: str, at_import_time: bool) -> frozenset[str]:
    """Every repository module ``start`` may run: imported when it loads, or (without ``at_import_time``)
    also by imports inside functions, as the platform's lazy adapter factories do."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(imported_modules(name, at_import_time) - seen)
    return frozenset(seen)


def entry_module(function: str) -> str:
    return f"functions.{function}.main"


# -- functions and how they are triggered -------------------------------------------------------------

def entry_points() -> dict[str, str]:
    """Function name → "http" or "cloudevent", from the functions_framework decorator of its entry point."""
    kinds = {}
    for path in sorted((REPO / "functions").glob("*/main.py")):
        name = path.parent.name
        for node in syntax(entry_module(name)).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                decorators = {d.attr for d in node.decorator_list if isinstance(d, ast.Attribute)}
                kinds[name] = "cloudevent" if "cloud_event" in decorators else "http" if "http" in decorators else "?"
    return kinds


# -- topics ---------------------------------------------------------------------------------------------

@functools.cache
def topic_constants() -> dict[str, str]:
    """shared/events/topics.py constant → topic key of topics.json (INBOUND → "inbound")."""
    keys = {}
    for node in syntax("shared.events.topics").body:
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(node.value, ast.Subscript)):
            # NAME: str = _CONTRACT["topics"]["key"]
            inner = node.value.value
            if (isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Constant)
                    and inner.slice.value == "topics" and isinstance(node.value.slice, ast.Constant)):
                keys[node.target.id] = node.value.slice.value
    return keys


@functools.cache
def topics_named_in(name: str) -> frozenset[str]:
    """Topic keys a module names: ``topics.INBOUND`` or ``from shared.events.topics import INBOUND``."""
    constants = topic_constants()
    found = set()
    tree = syntax(name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "topics"
                and node.attr in constants):
            found.add(constants[node.attr])
        elif isinstance(node, ast.ImportFrom) and node.module == "shared.events.topics":
            found.update(constants[a.name] for a in node.names if a.name in constants)
    return frozenset(found)


@functools.cache
def topics_used_by(function: str) -> frozenset[str]:
    """Topic keys named anywhere in what the function may run (lazy imports included)."""
    return frozenset().union(*(topics_named_in(m) for m in reach(entry_module(function), at_import_time=False)))


def every_topic_named() -> set[str]:
    names = [p for package in ("shared", "functions") for p in (REPO / package).rglob("*.py")]
    modules = {".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__") for p in names}
    return set().union(*(topics_named_in(m) for m in modules))


# -- secrets --------------------------------------------------------------------------------------------

def credential_calls(name: str) -> list[ast.Call]:
    """``read_credential(secrets, channel, "role", ...)`` calls of a module."""
    return [node for node in ast.walk(syntax(name)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id == "read_credential"]


def _role(call: ast.Call) -> str:
    role = call.args[2]
    assert isinstance(role, ast.Constant), f"read_credential with a role that is not a literal: {ast.unparse(call)}"
    return role.value


def _channel_value(expression: ast.expr, module: str) -> str:
    """A channel argument as a value: a literal, or NAME / package.NAME bound to a literal somewhere."""
    if isinstance(expression, ast.Constant):
        return expression.value
    attribute = expression.attr if isinstance(expression, ast.Attribute) else getattr(expression, "id", "")
    for candidate in sorted(reach(module, at_import_time=True)):
        for node in syntax(candidate).body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id == attribute and isinstance(node.value, ast.Constant)):
                return node.value.value
    raise AssertionError(f"{module}: cannot tell which channel {ast.unparse(expression)} is")


def _provider_roles_read_by_the_webhook() -> set[str]:
    """The ProviderDescriptor role fields functions/provider_webhook.py reads credentials by
    (``read_credential(..., provider.signing_role, ...)``)."""
    return {call.args[2].attr for call in credential_calls("functions.provider_webhook")
            if isinstance(call.args[2], ast.Attribute) and isinstance(call.args[2].value, ast.Name)
            and call.args[2].value.id == "provider"}


def webhook_credentials(function: str) -> set[str]:
    """"channel/role" pairs a webhook reads: its own read_credential calls with a literal role, and, when it
    hands its requests to the generic provider webhook, the roles that webhook reads of its provider (the
    providers table's), for the channel its webhook entry names."""
    from shared.channels.providers import WEBHOOK_FUNCTIONS, webhook_of

    module = entry_module(function)
    pairs = {f"{_channel_value(call.args[1], module)}/{_role(call)}" for call in credential_calls(module)}
    hands_over = any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                     and node.func.id == "provider_webhook" for node in ast.walk(syntax(module)))
    if hands_over:
        assert function in WEBHOOK_FUNCTIONS, f"{function} hands requests to provider_webhook but is in no provider"
        provider, webhook = webhook_of(function)
        roles = {getattr(provider, field) for field in _provider_roles_read_by_the_webhook()}
        pairs |= {f"{webhook.channel}/{role}" for role in roles if role}
    return pairs


def _endpoint_roles(module: str) -> set[str]:
    """Roles a provider package's endpoint reads: its ``access.credential("role")`` calls."""
    return {node.args[0].value for node in ast.walk(syntax(module)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == "credential" and node.args
            and isinstance(node.args[0], ast.Constant)}


def provider_api_credentials() -> set[str]:
    """"channel/role" pairs the provider APIs are called with: for each provider of the table, the roles its
    endpoint reads (shared/channels/<package>/provider.py), for every channel it serves."""
    from shared.channels.providers import PROVIDERS

    return {f"{channel}/{role}" for provider in PROVIDERS
            for role in _endpoint_roles(f"shared.channels.{provider.name}.provider") for channel in provider.channels}


def every_credential_role_read() -> set[str]:
    """Roles read anywhere in the code: literal roles passed to read_credential, the roles provider endpoints
    read, and the providers' roles the generic webhook reads."""
    from shared.channels.providers import PROVIDERS

    paths = [p for package in ("shared", "functions") for p in (REPO / package).rglob("*.py")]
    roles = set()
    for path in paths:
        tree = parsed(path)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "read_credential"
                    and len(node.args) > 2 and isinstance(node.args[2], ast.Constant)):
                roles.add(_role(node))
    for provider in PROVIDERS:
        roles |= _endpoint_roles(f"shared.channels.{provider.name}.provider")
        roles |= {getattr(provider, field) for field in _provider_roles_read_by_the_webhook()} - {""}
    return roles


@functools.cache
def _names_console_key(name: str) -> bool:
    return any(isinstance(node, ast.Name) and node.id in ("SESSION_KEY_SECRET", "TWO_FACTOR_KEY_SECRET")
               and isinstance(node.ctx, ast.Load) for node in ast.walk(syntax(name)))


def reads_console_key(function: str) -> bool:
    """Whether the function may run the code that reads the console's keys (SESSION_KEY_SECRET,
    TWO_FACTOR_KEY_SECRET)."""
    return any(_names_console_key(m) for m in reach(entry_module(function), at_import_time=False))


@functools.cache
def _names_visitor_key(name: str) -> bool:
    return any(isinstance(node, ast.Name) and node.id == "VISITOR_KEY_SECRET" and isinstance(node.ctx, ast.Load)
               for node in ast.walk(syntax(name)))


def reads_visitor_key(function: str) -> bool:
    """Whether the function may run the code that reads the web chat's visitor key (VISITOR_KEY_SECRET)."""
    return any(_names_visitor_key(m) for m in reach(entry_module(function), at_import_time=False))


# -- settings -------------------------------------------------------------------------------------------

def _from_env() -> ast.FunctionDef:
    settings = next(node for node in syntax("shared.kernel.settings").body
                    if isinstance(node, ast.ClassDef) and node.name == "Settings")
    return next(node for node in settings.body if isinstance(node, ast.FunctionDef) and node.name == "from_env")


def _env_names(node: ast.AST) -> list[str]:
    """Environment variable names in an expression, in order (NAME_LIKE_THIS string literals)."""
    names = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             and "_" in n.value and n.value.isupper() and n.value.replace("_", "").isalnum()]
    return list(dict.fromkeys(names))


def environment_variables_read() -> set[str]:
    """Every variable Settings.from_env reads."""
    return set(_env_names(_from_env()))


def setting_variables() -> dict[str, str]:
    """Settings field → the environment variable it is read from first (the keywords of from_env's
    ``cls(...)``; a keyword given a local variable is followed to that variable's assignment)."""
    function = _from_env()
    assigned = {node.targets[0].id: node.value for node in ast.walk(function)
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)}
    call = next(node for node in ast.walk(function) if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name) and node.func.id == "cls")
    fields = {}
    for keyword in call.keywords:
        value = keyword.value
        if isinstance(value, ast.Name) and value.id in assigned:
            value = assigned[value.id]
        names = _env_names(value)
        if names:
            fields[keyword.arg] = names[0]
    return fields


def settings_read_by_gcp_adapters() -> set[str]:
    """Settings fields the gcp backend's factories pass to their adapters (shared/bootstrap.py)."""
    tree = syntax("shared.bootstrap")
    table = next(node for node in tree.body if isinstance(node, ast.AnnAssign)
                 and getattr(node.target, "id", "") == "BACKEND_FACTORIES")
    gcp = next(v for k, v in zip(table.value.keys, table.value.values, strict=True) if k.value == "gcp")
    factories = {v.id for v in gcp.values}
    fields = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in factories:
            for inner in ast.walk(node):
                # s.<field> where s = p.settings, or p.settings.<field>
                if not isinstance(inner, ast.Attribute):
                    continue
                owner = inner.value
                if (isinstance(owner, ast.Name) and owner.id == "s") or (
                        isinstance(owner, ast.Attribute) and owner.attr == "settings"):
                    fields.add(inner.attr)
    return fields


# -- document store queries -----------------------------------------------------------------------------

QUERY_CALLS = ("query", "next_page", "every_document")
# The generic helpers whose own store.query is not a query shape of its own: their callers' are.
QUERY_HELPERS = {"shared/retention/paging.py::next_page", "shared/retention/sweep.py::every_document"}


def query_call_sites() -> Counter[str]:
    """"path::Qualified.function" of every place outside the adapters that queries the document store,
    with the number of query calls written there."""
    sites: Counter[str] = Counter()
    for package in ("shared", "functions"):
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO)
            if relative.parts[:2] == ("shared", "adapters"):
                continue
            tree = parsed(path)

            def visit(node: ast.AST, scope: list[str], relative: Path = relative) -> None:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                        visit(child, [*scope, child.name])
                        continue
                    if isinstance(child, ast.Call):
                        func = child.func
                        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                        if called in QUERY_CALLS:
                            sites[f"{relative.as_posix()}::{'.'.join(scope)}"] += 1
                    visit(child, scope)

            visit(tree, [])
    for helper in QUERY_HELPERS:
        del sites[helper]
    return sites


def dict_keys_written(collection_constant: str) -> list[set[str]]:
    """Keys of the dict literals written with ``set(CONSTANT, id, {...})`` anywhere in shared/."""
    found = []
    for path in sorted((REPO / "shared").rglob("*.py")):
        for node in ast.walk(parsed(path)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "set"
                    and len(node.args) == 3 and isinstance(node.args[0], ast.Name)
                    and node.args[0].id == collection_constant and isinstance(node.args[2], ast.Dict)):
                found.append({k.value for k in node.args[2].keys if isinstance(k, ast.Constant)})
    return found


# -- timers ---------------------------------------------------------------------------------------------

def scheduled_topics() -> set[str]:
    """Topic keys of the outbox entries that are timers (``OutboxEntry(..., task_name=...)``): Cloud Tasks
    publishes those when they are due, as the tasks account."""
    constants = topic_constants()
    found = set()
    for path in sorted((REPO / "shared").rglob("*.py")):
        for node in ast.walk(parsed(path)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "OutboxEntry"):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            if "task_name" in keywords or "cancel_task" in keywords:
                topic = keywords["topic"]
                assert isinstance(topic, ast.Attribute) and topic.attr in constants, (
                    f"{path}: a timer's topic must be a shared.events.topics constant, got {ast.unparse(topic)}")
                found.add(constants[topic.attr])
    return found
