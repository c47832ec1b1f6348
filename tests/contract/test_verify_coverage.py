"""`verify --coverage FILE`: what the suite proved on the target, by documented response.

The same tests run against the healthy mock and against a server whose report link crashes
(500) for an unknown source: on the mock, the documented 404 is seen and every check on it
passes; on the broken server it is never seen, and the 500 it gives instead is, with the
checks that failed on it. The document is the mock side's format (`Coverage`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from events_mock.control.state import validate_state
from events_mock.framework.live_server import LiveServer
from tests.contract.broken_servers import BROKEN_SERVERS, build, verify_args
from tests.contract.test_verify import QUICK, run_verify

BROKEN = next(server for server in BROKEN_SERVERS if server.name == "link-unknown-source-500")
NO_JOB = "getReportLink 404 EVENT_JOB_GET_FAILED_NO_JOB"
CRASH = "getReportLink 500 REQUEST_GENERAL_FAILURE"


def verify_coverage(tmp_path: Path, broken: bool) -> tuple[int, dict[str, Any]]:
    path = tmp_path / ("broken.json" if broken else "mock.json")
    mock, app = build(BROKEN if broken else None)
    with LiveServer(app) as live:
        verdict, output = run_verify(
            "--base-url", live.url, *verify_args("barchart"), "-k", BROKEN.select,
            "--coverage", str(path), *QUICK,
        )  # fmt: skip
    assert f"Coverage document: {path}" in output, output
    document = json.loads(path.read_text())
    validate_state(document, "Coverage")
    assert document["side"] == "verify"
    return verdict.exit_code, {
        item["id"]: item for item in document["apis"]["barchart"]["responses"]
    }


@pytest.mark.slow
def test_verify_coverage_shows_what_the_broken_server_never_answered(tmp_path: Path) -> None:
    code, mock = verify_coverage(tmp_path, broken=False)
    assert code == 0
    assert mock[NO_JOB]["count"] >= 1
    assert mock[NO_JOB]["checks"]["failed"] == {}
    assert {"status_code_conformance", "response_schema_conformance"} <= set(
        mock[NO_JOB]["checks"]["passed"]
    )
    assert mock[CRASH]["count"] == 0

    code, broken = verify_coverage(tmp_path, broken=True)
    assert code == 1
    assert broken[NO_JOB]["count"] == 0
    assert broken[CRASH]["count"] >= 1
    assert "not_a_server_error" in broken[CRASH]["checks"]["failed"]
    # Whatever the break does not touch is seen alike on both.
    other = "getReportAvailability 404 EVENT_JOB_GET_FAILED_NO_JOB"
    assert mock[other]["count"] and broken[other]["count"]
    assert not broken[other]["checks"]["failed"]
