"""`--log-level debug` says why each 4xx was answered, in one line, secrets redacted."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests

from events_mock.cli import configure_request_log
from events_mock.control.middleware import refusal_reason

LOGGER = "events_mock.requests"


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


def test_every_4xx_is_logged_with_its_reason_at_debug(
    events_api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    url = events_api.url
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        requests.post(f"{url}/events", json={"events": [{"customer": 1}]})
        requests.get(f"{url}/reports/JOB-1", auth=("demo", "wrong-pa55word"))
        requests.get(f"{url}/exports/JOB-1.csv?token=link-s3cret&x=1")
        requests.get(f"{url}/service/version")
    logged = lines(caplog)
    assert len(logged) == 3, logged  # the 200 is not logged
    bad_body, unauthorized, no_link = logged
    message = events_api.journal[0].response_body[0]["value"]["message"]
    assert bad_body == f"POST /events answered 400: {message}"
    assert unauthorized == "GET /reports/JOB-1 answered 401: Unauthorized"
    assert no_link == (
        "GET /exports/JOB-1.csv?token=[REDACTED]&x=1 answered 403: The link is not valid."
    )
    assert all("link-s3cret" not in line and "pa55word" not in line for line in logged)
    assert all("\n" not in line for line in logged)


def test_nothing_is_logged_at_info(events_api: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=LOGGER):
        requests.post(f"{events_api.url}/events", json={"events": [{"customer": 1}]})
    assert lines(caplog) == []


def test_the_reason_is_read_from_every_apis_error_shape() -> None:
    barchart = [{"value": {"code": "REQUEST_INVALID", "message": "bad 'x'"}, "children": []}]
    assert refusal_reason(barchart) == "bad 'x'"
    assert refusal_reason({"code": 401, "message": "Unauthorized"}) == "Unauthorized"
    assert refusal_reason({"title": "Not Found", "status": 404, "detail": "no event"}) == (
        "no event"
    )
    assert refusal_reason("plain\ntext") == "plain text"
    assert refusal_reason("<Error><Message>gone</Message></Error>") == "gone"
    assert refusal_reason(None) == "(no body)"


def test_the_log_level_option_sets_the_request_log(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger(LOGGER)
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "propagate", True)
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    assert configure_request_log("debug").isEnabledFor(logging.DEBUG)
    assert len(logger.handlers) == 1
    assert not configure_request_log("info").isEnabledFor(logging.DEBUG)
    assert len(logger.handlers) == 1
