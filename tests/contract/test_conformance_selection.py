"""`verify -k`: the schema-level tests are not even built when the expression selects none of
them (building them generates the coverage phase's cases, seconds per operation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis

from events_mock.contract.suite.schema_level import _any_selected
from events_mock.seam import spec_path


@dataclass
class Options:
    select: str | None


@dataclass
class Run:
    options: Options
    loaded: Any

    def schema(self) -> Any:
        return self.loaded


@pytest.fixture(scope="module")
def collector_schema() -> Any:
    return schemathesis.openapi.from_path(str(spec_path("event-collector.yaml")))


@pytest.mark.parametrize(
    ("select", "built"),
    [
        (None, True),
        ("test_conformance", True),
        ("test_conformance and GET", True),
        ("conformance and eventId", True),
        ("schema_level", True),
        ("not test_created_events_come_back_exactly", True),
        ("test_created_events_come_back_exactly", False),
        ("not test_conformance and not TestStatefulLinks", False),
        ("test_conformance and DELETE", False),
        ("test_bad_credentials_rejected", False),
    ],
)
def test_conformance_is_built_only_when_k_can_select_it(
    collector_schema: Any, select: str | None, built: bool
) -> None:
    assert _any_selected(Run(Options(select), collector_schema)) is built  # type: ignore[arg-type]
