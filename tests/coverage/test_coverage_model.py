"""The documented responses, read from the specs: nothing here is listed by hand but what a
test drives, and the lookup from a request to its operation the recorder relies on."""

from __future__ import annotations

import pytest

from events_mock.barchart.handlers import EXPORTS_PATH
from events_mock.coverage.model import DOWNLOAD, RESPONSE, api_model, build_model
from events_mock.seam import load_spec, spec_path

BARCHART = api_model(
    "barchart", spec_path("barchart-events.yaml"), (EXPORTS_PATH + "/{source}.csv",)
)


def test_every_status_of_every_operation_is_documented_once() -> None:
    spec = load_spec(spec_path("barchart-events.yaml"))
    statuses = {
        (operation["operationId"], int(status))
        for item in spec["paths"].values()
        for operation in item.values()
        for status in operation["responses"]
    }
    responses = {(d.operation, d.status) for d in BARCHART.documented if d.kind == RESPONSE}
    assert responses == statuses
    ids = [d.id for d in BARCHART.documented]
    assert len(ids) == len(set(ids))


def test_error_arrays_are_split_by_the_codes_their_examples_name() -> None:
    link_409 = {d.code for d in BARCHART.documented if d.id.startswith("getReportLink 409")}
    assert link_409 == {"EVENT_JOB_GET_FAILED_RUNNING", "EVENT_JOB_GET_FAILED"}
    # 401 is `{"message": ...}`, not an error array: one entry, no code.
    assert [d.id for d in BARCHART.documented if d.id.startswith("startReport 401")] == [
        "startReport 401"
    ]


def test_job_statuses_and_link_downloads_come_from_the_spec_extensions() -> None:
    values = sorted(d.label for d in BARCHART.documented if d.kind == "value")
    assert values == ["job COMPLETE", "job FAILED", "job RUNNING", "job TIMEOUT"]
    downloads = [d.label for d in BARCHART.documented if d.kind == DOWNLOAD]
    assert downloads == ["download 200 export file", "download 403 expired link"]


@pytest.mark.parametrize(
    ("method", "path", "found"),
    [
        ("POST", "/events", ("createEvents", RESPONSE)),
        ("POST", "/reports", ("startReport", RESPONSE)),
        ("GET", "/reports/JOB-1/availability", ("getReportAvailability", RESPONSE)),
        ("GET", "/reports/JOB-1", ("getReportLink", RESPONSE)),
        ("HEAD", "/reports/JOB-1", ("getReportLink", RESPONSE)),
        ("GET", EXPORTS_PATH + "/JOB-1.csv", ("getReportLink", DOWNLOAD)),
        ("DELETE", "/events", (None, RESPONSE)),
        ("GET", "/nowhere", (None, RESPONSE)),
    ],
)
def test_a_request_is_found_as_its_operation(
    method: str, path: str, found: tuple[str | None, str]
) -> None:
    assert BARCHART.find(method, path) == found


def test_a_base_path_is_part_of_the_paths_matched() -> None:
    billing = api_model("billing-care", spec_path("billing-care-events.yaml"))
    (operation,) = billing.operations
    assert billing.find("GET", "/bcws/webresources/v1.0/events")[0] == operation
    assert billing.find("GET", "/events")[0] is None


def test_classify_names_only_documented_answers() -> None:
    assert BARCHART.classify("getReportLink", RESPONSE, 409, "EVENT_JOB_GET_FAILED") == (
        "getReportLink 409 EVENT_JOB_GET_FAILED"
    )
    assert BARCHART.classify("getReportLink", RESPONSE, 409, "SOMETHING_ELSE") is None
    assert BARCHART.classify("getServiceVersion", RESPONSE, 503, None) is None
    assert BARCHART.classify("startReport", RESPONSE, 401, "ignored") == "startReport 401"
    assert BARCHART.classify(None, RESPONSE, 200, None) is None


def test_a_spec_without_extensions_has_responses_only() -> None:
    model = build_model(
        "tiny",
        {
            "openapi": "3.0.3",
            "paths": {
                "/things/{id}": {
                    "get": {
                        "operationId": "getThing",
                        "responses": {"200": {"description": "ok"}, "default": {}},
                    }
                }
            },
        },
        ("/files/{name}",),
    )
    assert [d.id for d in model.documented] == ["getThing 200"]
    assert model.find("GET", "/files/x") == (None, RESPONSE)  # no x-link-download: not ours
