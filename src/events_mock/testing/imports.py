"""Importing the mock from the test kit without costs or noise for the client's test run.

The kit and its pytest plugin are imported into client projects, whose runs should show their
own warnings, not ours: Connexion 3.3 warns at import about its own use of deprecated
jsonschema and Starlette names (`QUIET_WARNINGS`), which nobody but Connexion can act on. The
mock is imported through `import_quietly` so those three warnings (only those) stay out of
the client's output, and only when something of the kit is first used.
"""

from __future__ import annotations

import importlib
import re
import warnings
from types import ModuleType

__all__ = ["QUIET_WARNINGS", "import_quietly"]

QUIET_WARNINGS = (
    "Using `httpx` with `starlette.testclient` is deprecated",
    "jsonschema.RefResolver is deprecated",
    "jsonschema.exceptions.RefResolutionError is deprecated",
)
"""Starts of the messages of the warnings Connexion's modules raise when imported."""


def import_quietly(name: str) -> ModuleType:
    """`importlib.import_module(name)`, without the warnings in `QUIET_WARNINGS`."""
    with warnings.catch_warnings():
        for message in QUIET_WARNINGS:
            warnings.filterwarnings("ignore", message=re.escape(message))
        return importlib.import_module(name)
