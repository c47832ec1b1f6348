"""The pytest plugin's coverage, as a client team sees it: their test file, run by pytest.

The client tests below drive a handful of Barchart's documented responses, in-process and on
a live server; the summary must name every other documented response, and only those, and
the file `--events-mock-coverage` writes must be a `Coverage` document of the control spec.
"""

from __future__ import annotations

import json
import re

import pytest

from events_mock.barchart.handlers import EXPORTS_PATH
from events_mock.barchart.wiring import NAME, SPEC_FILE
from events_mock.control.state import validate_state
from events_mock.coverage.model import Documented, api_model
from events_mock.seam import spec_path
from events_mock.testing.live_mock import serve_mock
from tests._support import PLUGIN_ARGS

CLIENT_TESTS = """
import requests

BASE = "https://events.aws.barchart.com"
EVENT = {
    "customer": "BARCHART",
    "product": "PORTFOLIO",
    "type": "PORTFOLIO-APPLICATION-LOADED",
    "timestamp": 1571073977278,
    "context": ["113161"],
}


def test_posts_events(events_api):
    answer = requests.post(BASE + "/events", json={"events": [EVENT]}, auth=("demo", "demo"))
    assert answer.status_code == 200


def test_unknown_job(events_api):
    answer = requests.get(BASE + "/reports/JOB-nope/availability", auth=("demo", "demo"))
    assert answer.status_code == 404


def test_starts_a_job_on_a_live_server(events_mock_server):
    answer = requests.post(
        events_mock_server.url + "/reports",
        json={"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}},
        auth=("demo", "demo"),
    )
    assert answer.json()["status"] == "RUNNING"


def test_running_link_by_prefer(events_mock_server):
    answer = requests.get(
        events_mock_server.url + "/reports/JOB-x", headers={"Prefer": "code=409"}
    )
    assert answer.status_code == 409


def test_a_fault_no_operation_documents(events_api):
    events_api.faults.add(path="/service/version", status=502, times=1)
    assert requests.get(BASE + "/service/version").status_code == 502
"""

DRIVEN = {
    "createEvents 200",
    "getReportAvailability 404 EVENT_JOB_GET_FAILED_NO_JOB",
    "startReport 200",
    "job=RUNNING",
    "getReportLink 409 EVENT_JOB_GET_FAILED_RUNNING",
}


def _label(item: Documented) -> str:
    """How the summary names a documented response (its operation too, but for a value)."""
    return item.label if item.kind == "value" else f"{item.operation} {item.label}"


def test_the_summary_names_exactly_the_responses_never_driven(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_client=CLIENT_TESTS)
    result = pytester.runpytest_subprocess(
        *PLUGIN_ARGS,
        "-p",
        "no:cacheprovider",
        "--events-mock-coverage",
        "coverage.json",
        "--events-mock-coverage-fail-under",
        "10",  # 5 of 41
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert result.parseoutcomes() == {"passed": 5}, result.stdout.str()
    model = api_model(NAME, spec_path(SPEC_FILE), (EXPORTS_PATH + "/{source}.csv",))
    never = {_label(item) for item in model.documented if item.id not in DRIVEN}
    assert len(never) == len(model.documented) - len(DRIVEN)  # every driven one is documented

    output = result.stdout.str()
    line = next(text for text in output.splitlines() if text.startswith("barchart: "))
    found = re.fullmatch(
        r"barchart: (\d+) of (\d+) documented responses exercised; never: (.*)", line
    )
    assert found, line
    assert (int(found[1]), int(found[2])) == (len(DRIVEN), len(model.documented))
    assert set(found[3].split(", ")) == never
    assert "event-collector:" not in output  # not called at all: not listed
    assert "coverage document written to coverage.json" in output

    document = json.loads((pytester.path / "coverage.json").read_text())
    validate_state(document, "Coverage")  # raises if it does not match the control spec
    barchart = document["apis"]["barchart"]
    assert {item["id"] for item in barchart["responses"] if item["count"]} == DRIVEN
    by_id = {item["id"]: item for item in barchart["responses"]}
    assert by_id["getReportLink 409 EVENT_JOB_GET_FAILED_RUNNING"]["via"]["prefer"] == 1
    assert barchart["undocumented"] == [
        {
            "operation": "getServiceVersion",
            "kind": "response",
            "status": 502,
            "code": "REQUEST_GENERAL_FAILURE",  # an error array: its code is read
            "count": 1,
            "label": "getServiceVersion 502 REQUEST_GENERAL_FAILURE",
        }
    ]
    assert [fault["effect"] for fault in barchart["faults"]] == ["/service/version: status 502"]


@pytest.mark.slow
def test_fail_under_xdist_workers_and_a_shared_mock_add_up(pytester: pytest.Pytester) -> None:
    """Two workers, the live tests in sandboxes of one shared server (`--events-mock-url`):
    the summary is still the whole run's, read from each sandbox before it was deleted."""
    pytester.makepyfile(test_client=CLIENT_TESTS)
    with serve_mock() as shared:
        result = pytester.runpytest_subprocess(
            *PLUGIN_ARGS,
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            "--events-mock-url",
            shared.url,
            "--events-mock-coverage-fail-under",
            "50",
        )
        assert shared.mock is not None
        assert shared.mock.sandboxes.all() == []
        untouched = shared.control.coverage()["apis"]["barchart"]
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    assert result.parseoutcomes()["passed"] == 5
    model = api_model(NAME, spec_path(SPEC_FILE), (EXPORTS_PATH + "/{source}.csv",))
    documented = len(model.documented)
    share = 100 * len(DRIVEN) / documented
    result.stdout.fnmatch_lines(
        [
            f"barchart: {len(DRIVEN)} of {documented} documented responses exercised; never: *",
            f"FAIL events-mock coverage {share:.1f}% is under --events-mock-coverage-fail-under"
            " 50%",
        ]
    )
    assert untouched["requests"] == 0  # the sandboxes' clients are counted in the sandboxes
