"""Coverage from both sides of one spec: what client tests drove on the mock, what `verify`
proved on a target, in one document format (docs/coverage.md).

`model` reads each API's documented answers from its spec; `recorder` counts the answers
given, cheaply; `document` turns the counts into the JSON document (`Coverage` in
spec/control.yaml), merges and summarises documents; `report` renders both sides as one
static HTML page. Imports only the foundation (`seam.py`'s spec helpers): the control plane,
the test kit and the contract suite all use it.
"""

from events_mock.coverage.document import (
    FORMAT,
    VERSION,
    CoverageError,
    build_document,
    exercised_ratio,
    load_document,
    merge_documents,
    summary_lines,
)
from events_mock.coverage.model import ApiModel, Documented, api_model
from events_mock.coverage.recorder import CoverageRecorder, Recorder

__all__ = [
    "FORMAT",
    "VERSION",
    "ApiModel",
    "CoverageError",
    "CoverageRecorder",
    "Documented",
    "Recorder",
    "api_model",
    "build_document",
    "exercised_ratio",
    "load_document",
    "merge_documents",
    "summary_lines",
]
