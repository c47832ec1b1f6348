"""The warnings filter of the `events-mock` command, set before the command imports the mock.

Connexion imports Starlette's test client, which warns at import, so on every start of the
command; nothing a user can act on. `cli` imports this module ahead of the mock's modules (a
plain `import`, which isort places above the `from` imports). Only the command sets it: a
process that imports the mock as a library (the test kit's, a test run) keeps its own filters.
"""

from __future__ import annotations

import warnings

STARTLETTE_TESTCLIENT_WARNING = "Using `httpx` with `starlette.testclient`"
"""The start of the warning's message."""

warnings.filterwarnings("ignore", message=STARTLETTE_TESTCLIENT_WARNING)
