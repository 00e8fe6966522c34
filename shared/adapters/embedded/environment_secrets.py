"""Secrets from environment variables: the embedded stand-in for Secret Manager.

Secret ``meta-app-secret`` is read from ``CHARLA_SECRET_META_APP_SECRET``: the
name upper-cased, every character that is not a letter or digit turned into ``_``. The local stack
also accepts the bare name (``META_APP_SECRET``), as the README's channel variables are spelled.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from shared.kernel.errors import NotFound

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


class EnvironmentSecrets:
    """Secrets read from ``environ`` (default: the process environment, read at each call)."""

    def __init__(self, environ: Mapping[str, str] | None = None, prefix: str = "CHARLA_SECRET_",
                 also_bare_names: bool = False) -> None:
        self._environ = environ
        self._prefixes = (prefix, "") if also_bare_names else (prefix,)

    def variable_for(self, name: str) -> str:
        """The environment variable that holds secret ``name``."""
        return self._prefixes[0] + _NOT_ALNUM.sub("_", name.upper())

    def get(self, name: str) -> str:
        environ = os.environ if self._environ is None else self._environ
        variables = [prefix + _NOT_ALNUM.sub("_", name.upper()) for prefix in self._prefixes]
        for variable in variables:
            value = environ.get(variable)
            if value is not None:
                return value
        raise NotFound(f"secret {name!r} not found: environment variable {' or '.join(variables)} is not set")
