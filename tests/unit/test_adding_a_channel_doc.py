"""docs/adding-a-channel.md stays true to the code: it names every fact a provider's descriptor holds, every
path and name it gives exists (the example channel, LINE, aside), and its webhook folder is what the
existing ones are."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import re
from pathlib import Path

from shared.channels.provider import ProviderDescriptor
from shared.channels.providers import PROVIDERS

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "adding-a-channel.md"
TEXT = DOC.read_text(encoding="utf-8")
FENCED = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
# The example channel's own names: webhook_line, shared/channels/line/, LINE_API_BASE, line.PROVIDER...
EXAMPLE = re.compile(r"(?i)(^|[/_.])line([/_.]|$)")
# Where the page's capitalised names live.
MODULES = ("shared.channels.provider", "shared.channels.providers", "shared.channels.provider_events",
           "shared.kernel.errors", "shared.kernel.settings", "shared.messages.wire")


def backticked() -> list[str]:
    prose = FENCED.sub("", TEXT)
    return [span for span in re.findall(r"`([^`\n]+)`", prose)]


def names_and_paths() -> tuple[list[str], list[str]]:
    """The repository paths and the code names the page's backticked spans give, the example's left out."""
    paths, names = [], []
    for span in backticked():
        span = re.sub(r'"[^"]*"', "", span)  # quoted values: "json", the example's "line"
        span = re.sub(r"\([^)]*\)", "", span)  # a call's parameters: render(message)
        for token in re.findall(r"[\w.*/-]*\w[\w.*/-]*", span):
            if EXAMPLE.search(token) or "*" in token or token in ("python", "-m"):
                continue
            (paths if "/" in token or token.endswith((".py", ".md", ".json")) else names).append(token)
    return paths, names


def test_the_page_names_every_fact_a_providers_descriptor_holds():
    named = set(backticked())
    missing = [f.name for f in dataclasses.fields(ProviderDescriptor) if f.name not in named]
    assert not missing, f"docs/adding-a-channel.md does not say what a provider gives as {missing}"


def test_every_path_the_page_gives_exists():
    paths, _ = names_and_paths()
    assert "shared/channels/providers.py" in paths
    packages = [REPO / "shared" / "channels" / provider.name for provider in PROVIDERS]
    for path in paths:
        if "/" in path or path == "README.md":
            assert (REPO / path).exists(), f"docs/adding-a-channel.md names {path}, which does not exist"
        else:  # a file of the provider package
            assert all((package / path).is_file() for package in packages), \
                f"docs/adding-a-channel.md names {path} as a provider package's file; not every package has it"


def _exists(name: str) -> bool:
    fields = {f.name for f in dataclasses.fields(ProviderDescriptor)}
    packages = [importlib.import_module(f"shared.channels.{provider.name}") for provider in PROVIDERS]
    try:
        if "." in name and importlib.util.find_spec(name) is not None:  # a module: shared.channels.providers
            return True
    except ImportError:  # main.FUNCTIONS: main is no package
        pass
    head, _, attribute = name.partition(".")
    for module in (importlib.import_module(m) for m in MODULES):
        if hasattr(module, head):
            owner = getattr(module, head)
            return not attribute or hasattr(owner, attribute) or (
                dataclasses.is_dataclass(owner) and attribute in {f.name for f in dataclasses.fields(owner)})
    if attribute:  # a module's name: main.FUNCTIONS
        try:
            return hasattr(importlib.import_module(head), attribute)
        except ImportError:
            return False
    return (name in fields  # a fact of the descriptor
            or all(hasattr(package, name) for package in packages)  # what every provider package exports
            or (REPO / "functions" / name / "main.py").is_file())  # a function


def test_every_name_the_page_gives_exists():
    _, names = names_and_paths()
    assert "ProviderDescriptor" in names and "customer_addresses" in names
    unknown = sorted({name for name in names if not _exists(name)})
    assert not unknown, f"docs/adding-a-channel.md names what the code does not have: {unknown}"


def test_the_webhook_folder_it_shows_is_what_the_existing_webhooks_are():
    (block,) = [code for language, code in FENCED.findall(TEXT) if language == "python"]
    existing = (REPO / "functions" / "webhook_whatsapp" / "main.py").read_text(encoding="utf-8")
    assert block.replace("line", "whatsapp") in existing
