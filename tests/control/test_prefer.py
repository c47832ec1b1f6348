"""`Prefer` without HTTP: preferences parsed, documented responses found in the specs."""

from __future__ import annotations

import json

import pytest

from events_mock.control.prefer import (
    DocumentedResponses,
    Preference,
    PreferenceRefused,
    parse_prefer,
)
from events_mock.seam import spec_path


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("return=minimal", None),
        ("code=409", Preference(409)),
        ("code=200, example=flaky", Preference(200, "flaky")),
        ('example="flaky"; code=201', Preference(201, "flaky")),
        ("example=dropped", Preference(None, "dropped")),
    ],
)
def test_parse_prefer(header: str | None, expected: Preference | None) -> None:
    assert parse_prefer(header) == expected


def test_a_code_that_is_no_status_is_refused() -> None:
    with pytest.raises(PreferenceRefused):
        parse_prefer("code=abc")


@pytest.fixture(scope="module")
def barchart() -> DocumentedResponses:
    return DocumentedResponses(spec_path("barchart-events.yaml"))


@pytest.fixture(scope="module")
def control() -> DocumentedResponses:
    return DocumentedResponses(spec_path("control.yaml"))


def test_operations_are_found_by_method_and_path(barchart: DocumentedResponses) -> None:
    assert barchart.find("GET", "/reports/JOB-1/availability").template == (
        "/reports/{source}/availability"
    )
    assert barchart.find("GET", "/reports/JOB-1").template == "/reports/{source}"
    assert barchart.find("POST", "/reports").template == "/reports"
    assert barchart.find("DELETE", "/reports") is None
    assert barchart.find("GET", "/exports/JOB-1.csv") is None
    assert barchart.methods("/reports/JOB-1") == ["GET", "HEAD"]


def test_the_answer_is_the_specs_example_with_its_refs_resolved(
    barchart: DocumentedResponses,
) -> None:
    answer = barchart.find("GET", "/reports/JOB-1/availability").answer(Preference(404))
    assert (answer.status, answer.content_type) == (404, "application/json")
    assert json.loads(answer.body)[0]["value"]["code"] == "EVENT_JOB_GET_FAILED_NO_JOB"


SPEC_WITH_NAMED_EXAMPLES = """
openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: 'https://example.test/api/v1'}]
paths:
  /things/{id}:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              examples:
                small: {value: {size: 1}}
                large: {value: {size: 99}}
        '404':
          description: missing
          content:
            application/json:
              examples:
                missing: {value: {error: gone}}
    delete:
      responses:
        '204': {description: deleted}
"""


def test_named_examples_and_the_base_path(tmp_path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC_WITH_NAMED_EXAMPLES)
    documented = DocumentedResponses(spec)
    assert documented.find("GET", "/things/1") is None
    operation = documented.find("GET", "/api/v1/things/1")
    assert json.loads(operation.answer(Preference(200)).body) == {"size": 1}
    assert json.loads(operation.answer(Preference(200, "large")).body) == {"size": 99}
    missing = operation.answer(Preference(None, "missing"))
    assert (missing.status, json.loads(missing.body)) == (404, {"error": "gone"})
    with pytest.raises(PreferenceRefused, match="named 'huge'"):
        operation.answer(Preference(200, "huge"))
    deleted = documented.find("DELETE", "/api/v1/things/1").answer(Preference(204))
    assert (deleted.status, deleted.body, deleted.content_type) == (204, b"", None)
    assert documented.methods("/api/v1/things/1") == ["DELETE", "GET", "HEAD"]


def test_the_control_spec_lives_under_its_base_path(control: DocumentedResponses) -> None:
    assert control.find("POST", "/__mock/faults") is not None
    assert control.find("POST", "/faults") is None
    created = control.find("POST", "/__mock/faults").answer(Preference(201))
    assert json.loads(created.body)["id"] == "fault-1"


def test_undocumented_statuses_are_refused(barchart: DocumentedResponses) -> None:
    with pytest.raises(PreferenceRefused, match="documents no such response"):
        barchart.find("GET", "/service/version").answer(Preference(500))
