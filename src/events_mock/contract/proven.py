"""What a contract run proved, by documented response: `verify --coverage FILE`.

Every answer the suite judges goes through `Case.validate_response` (Schemathesis' generated
cases and the flows' requests alike), which hands the check results to the `after_validate`
hook: `ContractRun`'s `Coverage` passes each answer here with them, so the document says, for
each documented response of the spec, how often the target gave it and which checks passed and
failed on it. The followed report links are counted as the spec's `x-link-download` responses.
The format is the mock side's (`events_mock.coverage`), with `"side": "verify"`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from events_mock.coverage import CoverageRecorder, api_model, build_document
from events_mock.coverage.model import DOWNLOAD, RESPONSE, ApiModel

__all__ = ["ProvenCoverage"]


class ProvenCoverage:
    """One run's recorder, over the spec of the API it verifies."""

    def __init__(self, name: str, spec: Path) -> None:
        self.model: ApiModel = api_model(name, spec)
        self.recorder = CoverageRecorder()

    def validated(self, operation_id: str | None, response: Any, results: list[Any]) -> None:
        """One judged answer (a Schemathesis `Response`) and its `CheckResult`s."""
        self.recorder.record_response(
            self.model,
            operation_id,
            RESPONSE,
            response.status_code,
            _body(response),
            checks=[(result.name, result.failure is None) for result in results],
        )

    def downloaded(self, status: int) -> None:
        """A report link followed: counted as the documented download response it is."""
        operation = self.model.download_operation
        self.recorder.record_response(self.model, operation, DOWNLOAD, status, None)

    def document(self) -> dict[str, Any]:
        return build_document(self.recorder, [self.model], "verify")

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.document(), indent=1) + "\n")


def _body(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:  # not JSON: no error code or value to read
        return None
