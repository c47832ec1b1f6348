"""Documents added up, compared and reported, from recorders fed as the mock and verify feed
them; and `events-mock coverage` on files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from events_mock.barchart.handlers import EXPORTS_PATH
from events_mock.cli import build_parser
from events_mock.control.state import validate_state
from events_mock.coverage import CoverageRecorder, build_document, merge_documents, summary_lines
from events_mock.coverage.command import coverage_command
from events_mock.coverage.document import exercised_ratio
from events_mock.coverage.model import RESPONSE, api_model
from events_mock.coverage.report import compare, render_html, text_summary
from events_mock.seam import spec_path

MODEL = api_model("barchart", spec_path("barchart-events.yaml"), (EXPORTS_PATH + "/{source}.csv",))
RUNNING = b'[{"value":{"code":"EVENT_JOB_GET_FAILED_RUNNING","message":"m"},"children":[]}]'


class Api:
    name = "barchart"
    spec = spec_path("barchart-events.yaml")
    extra_routes = ((EXPORTS_PATH + "/{source}.csv", "download_export"),)


def client_document(*exchanges: tuple[str, str, int, bytes]) -> dict:
    recorder = CoverageRecorder()
    for method, path, status, body in exchanges:
        recorder.record_exchange(Api(), method, path, status, [body], "api")
    return build_document(recorder, [MODEL], "mock")


def verify_document(*answers: tuple[str, int, object, bool]) -> dict:
    recorder = CoverageRecorder()
    for operation, status, body, passed in answers:
        checks = [("status_code_conformance", True), ("not_a_server_error", passed)]
        recorder.record_response(MODEL, operation, RESPONSE, status, body, checks=checks)
    return build_document(recorder, [MODEL], "verify")


def test_documents_of_one_side_add_up() -> None:
    first = client_document(("GET", "/service/version", 200, b"{}"))
    second = client_document(
        ("GET", "/service/version", 200, b"{}"), ("GET", "/reports/J", 409, RUNNING)
    )
    merged = merge_documents([first, second])
    validate_state(merged, "Coverage")
    api = merged["apis"]["barchart"]
    counts = {item["id"]: item["count"] for item in api["responses"] if item["count"]}
    assert counts == {
        "getServiceVersion 200": 2,
        "getReportLink 409 EVENT_JOB_GET_FAILED_RUNNING": 1,
    }
    assert (api["documented"], api["exercised"], api["requests"]) == (len(MODEL.documented), 2, 3)
    assert exercised_ratio(merged) == pytest.approx(200 / len(MODEL.documented))
    assert first["apis"]["barchart"]["requests"] == 1  # the inputs are left as they were


def test_the_summary_names_each_response_never_seen() -> None:
    document = client_document(("GET", "/service/version", 200, b"{}"))
    (line,) = summary_lines(document)
    assert line.startswith(f"barchart: 1 of {len(MODEL.documented)} documented responses")
    never = line.split("; never: ")[1].split(", ")
    assert len(never) == len(MODEL.documented) - 1
    assert "getServiceVersion 200" not in never and "job TIMEOUT" in never
    assert summary_lines(client_document()) == []  # an API nobody called is not listed


def test_both_sides_compared_by_row() -> None:
    client = client_document(
        ("GET", "/service/version", 200, b"{}"), ("GET", "/reports/J", 409, RUNNING)
    )
    proven = verify_document(
        ("getServiceVersion", 200, {}, True),
        (
            "getReportLink",
            500,
            [{"value": {"code": "REQUEST_GENERAL_FAILURE"}, "children": []}],
            False,
        ),
        ("authenticate", 401, {"message": "Unauthorized"}, True),
    )
    validate_state(proven, "Coverage")
    rows = {row.item["id"]: row for row in compare(client, proven)}
    assert len(rows) == len(MODEL.documented)
    assert (rows["getServiceVersion 200"].client, rows["getServiceVersion 200"].verify) == (
        "driven", "verified",
    )  # fmt: skip
    assert rows["getReportLink 500 REQUEST_GENERAL_FAILURE"].verify == "failed"
    assert rows["getReportLink 500 REQUEST_GENERAL_FAILURE"].failed == {"not_a_server_error": 1}
    assert rows["getReportLink 409 EVENT_JOB_GET_FAILED_RUNNING"].verify == "never"
    assert rows["authenticate 401"].client == "never"
    text = "\n".join(text_summary(list(rows.values())))
    assert "client tests drove 2, verified on target 2, failed on target 1" in text
    assert "not driven by client tests: authenticate 401" in text
    assert "not verified on target: getReportLink 409 EVENT_JOB_GET_FAILED_RUNNING" in text
    assert "failed on target: getReportLink 500 REQUEST_GENERAL_FAILURE" in text
    page = render_html(list(rows.values()))
    assert page.count('<tr class="gap') == sum(row.gap for row in rows.values())
    assert "<script" not in page and "http" not in page.split("<body>")[1]  # nothing fetched


def test_the_command_reads_files_of_either_side_and_refuses_others(tmp_path: Path) -> None:
    client = tmp_path / "client.json"
    client.write_text(json.dumps(client_document(("GET", "/service/version", 200, b"{}"))))
    page = tmp_path / "report.html"
    args = build_parser().parse_args(["coverage", str(client), "--html", str(page)])
    out = io.StringIO()
    assert coverage_command(args, out) == 0
    assert out.getvalue().startswith(f"barchart: {len(MODEL.documented)} documented responses, ")
    assert "never: " in out.getvalue() and page.read_text().startswith("<!doctype html>")

    other = tmp_path / "state.json"
    other.write_text('{"format": "events-mock/state", "version": 1}')
    out = io.StringIO()
    args = build_parser().parse_args(["coverage", str(other)])
    assert coverage_command(args, out) == 2
    assert "is not an events-mock/coverage document" in out.getvalue()
