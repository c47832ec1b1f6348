"""What a contract run is asked to do; kept free of heavy imports for the command line."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_API = "barchart"
DEFAULT_JOB_TIMEOUT = 900.0
"""Seconds: the documented promise is that a report job finishes within 15 minutes."""
DEFAULT_MAX_EXAMPLES = 100


@dataclass(frozen=True)
class ContractOptions:
    base_url: str | None = None
    """The deployment to verify; `None` starts the embedded mock."""
    auth: tuple[str, str] | None = None
    api: str = DEFAULT_API
    job_timeout: float = DEFAULT_JOB_TIMEOUT
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    read_only: bool = False
