"""Reading infra/terraform as data: python-hcl2 parses each module's .tf files into one dict.

No terraform binary runs here (none can be installed, nor providers downloaded), so expressions stay
text: ``"${each.key}"`` comes back as that string. Helpers turn the parts the tests rely on into Python.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "infra" / "terraform"
MODULES = TERRAFORM / "modules"
ENVIRONMENT = TERRAFORM / "environments" / "example"

_OPTIONS = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


@dataclass
class TerraformModule:
    """Every block of one folder's .tf files, merged: names → bodies."""

    path: Path
    locals: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # type → name → body
    data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    text: str = ""  # the raw source of every file, for references the parser keeps as text

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        try:
            return self.resources[kind][name]
        except KeyError:
            raise AssertionError(f"{self.path.relative_to(REPO)} declares no {kind}.{name}") from None


def parse(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as source:
        return hcl2.load(source, serialization_options=_OPTIONS)


@functools.cache
def load_module(folder: Path) -> TerraformModule:
    module = TerraformModule(folder)
    files = sorted(folder.glob("*.tf"))
    assert files, f"no .tf files in {folder}"
    for path in files:
        module.text += path.read_text(encoding="utf-8") + "\n"
        parsed = parse(path)
        for block in parsed.get("locals", []):
            module.locals.update(block)
        for block in parsed.get("variable", []):
            module.variables.update(block)
        for block in parsed.get("output", []):
            module.outputs.update(block)
        for block in parsed.get("module", []):
            module.modules.update(block)
        for kind, target in (("resource", module.resources), ("data", module.data)):
            for block in parsed.get(kind, []):
                for resource_type, named in block.items():
                    target.setdefault(resource_type, {}).update(named)
    return module


def module(name: str) -> TerraformModule:
    return load_module(MODULES / name)


def environment() -> TerraformModule:
    return load_module(ENVIRONMENT)


def all_folders() -> list[Path]:
    return sorted({path.parent for path in TERRAFORM.rglob("*.tf") if ".terraform" not in path.parts})


def expression(value: Any) -> str:
    """The text of an interpolation: ``"${local.x}"`` → ``local.x`` (other values unchanged, as text)."""
    text = str(value)
    match = re.fullmatch(r"\$\{(.*)\}", text, re.DOTALL)
    return match.group(1) if match else text


def single(block: Any) -> dict[str, Any]:
    """A nested block that occurs once (python-hcl2 gives blocks as lists)."""
    if isinstance(block, list):
        assert len(block) == 1, f"expected one block, found {len(block)}: {block}"
        return block[0]
    return block


def dynamic(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The ``dynamic "name"`` block of a resource: its for_each and content."""
    for entry in body.get("dynamic", []):
        if name in entry:
            found = entry[name]
            return {"for_each": found["for_each"], "content": single(found["content"])}
    raise AssertionError(f"no dynamic {name!r} block in {sorted(body)}")


def json_literal(text: str) -> Any:
    """An HCL object literal as it appears in the text, e.g. ``{ action = "outbox_sweep" }``, as a dict."""
    return parse_text(f"value = {text}\n")["value"]


def parse_text(source: str) -> dict[str, Any]:
    import io

    return hcl2.load(io.StringIO(source), serialization_options=_OPTIONS)
