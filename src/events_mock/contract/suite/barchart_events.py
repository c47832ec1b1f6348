"""Barchart events: what `POST /events` promises beyond its schema.

The events posted here are tagged with the run's tag and dated just after its private window,
so no report of this run (or of anyone else) ever selects them by accident.
"""

from __future__ import annotations

import json

import pytest

from events_mock.contract.checks import barchart as rules
from events_mock.contract.flows import barchart
from events_mock.contract.run import ContractRun

pytestmark = [pytest.mark.api("barchart"), pytest.mark.writes]


def test_batch_comes_back_with_one_id_and_sequences(contract: ContractRun) -> None:
    """The first batch ends with an event sent twice, identical: both come back."""
    first = barchart.batch_events(contract.tag, contract.window, count=5)
    first.append(dict(first[-1]))
    second = barchart.batch_events(contract.tag, contract.window, count=2, offset=100)
    answers = []
    for events in (first, second):
        response = contract.call(
            "createEvents", body={"events": events}, expect=200, why="a valid batch"
        )
        rules.batch_assigned(contract.context, events, response)
        answers.append(response)
    rules.batches_distinct(contract.context, *answers)


def test_empty_batch_is_accepted(contract: ContractRun) -> None:
    response = contract.call(
        "createEvents",
        body={"events": []},
        expect=200,
        why="an empty batch (documented: stores nothing)",
    )
    rules.batch_assigned(contract.context, [], response)


def test_batch_with_an_invalid_event_is_refused(contract: ContractRun) -> None:
    """The whole batch is refused; that its valid event was not stored either is proved by the
    exact report of the window (`barchart_reports`), where it would show up."""
    events = barchart.rejected_batch(contract.tag, contract.window)
    contract.call(
        "createEvents",
        body={"events": events},
        expect=400,
        why=f"a batch with the unknown type {barchart.INVALID_TYPE}",
    )


def test_batch_of_another_products_type_is_refused(contract: ContractRun) -> None:
    """Judged by `barchart_valid_requests_accepted` (every answer is); its valid event must be
    absent from the exact report of the window (`barchart_reports`)."""
    events = barchart.mismatched_batch(contract.tag, contract.window)
    contract.call("createEvents", body={"events": events})


def test_body_must_be_json(contract: ContractRun) -> None:
    """Another media type, or none, is 415 whatever the bytes are (RFC 9110 8.3: a body
    without Content-Type may be read as `application/octet-stream`)."""
    bodies = {
        "createEvents": {"events": barchart.batch_events(contract.tag, contract.window, 1, 300)},
        "startReport": {"filter": barchart.report_filter(contract.window)},
    }
    for operation, body in bodies.items():
        for media in ("text/plain", None):
            response = contract.post_raw(operation, json.dumps(body).encode(), media)
            rules.refused_with(
                contract.context,
                response,
                415,
                rules.UNSUPPORTED_MEDIA_TYPE,
                f"{operation}: a JSON body sent as {media or 'no Content-Type'}",
            )


def test_json_no_reader_can_carry_is_refused(contract: ContractRun) -> None:
    """What RFC 8259 leaves to implementations: each is 400, nothing stored."""
    (one,) = barchart.batch_events(contract.tag, contract.window, 1, 400)
    event = json.dumps(one)[:-1]  # an event object, still open for one more member

    def batch(member: str) -> str:
        return '{"events": [' + event + ", " + member + "}]}"

    bodies = {
        "a key repeated in one object": '{"events": [], "events": [' + event + "}]}",
        "NaN": batch('"x": NaN'),
        "nesting deeper than 128 levels": batch('"x": ' + "[" * 200 + "1" + "]" * 200),
        "an integer of more than 4300 digits": batch('"n": ' + "9" * 4301),
        "a lone surrogate": batch('"version": "\\ud800"'),
    }
    for what, body in bodies.items():
        response = contract.post_raw("createEvents", body.encode(), "application/json")
        rules.refused_with(contract.context, response, 400, rules.INVALID, f"a body with {what}")


def test_malformed_json_is_refused(contract: ContractRun) -> None:
    """Cut short, or not JSON at all: 400 in the error shape, on both operations with a body."""
    (one,) = barchart.batch_events(contract.tag, contract.window, 1, 500)
    bodies = {
        "createEvents": json.dumps({"events": [one]})[:-3],
        "startReport": json.dumps({"filter": barchart.report_filter(contract.window)})[:-2],
    }
    for operation, body in bodies.items():
        for what, sent in (("JSON cut short", body), ("a body that is not JSON", "events=1")):
            response = contract.post_raw(operation, sent.encode(), "application/json")
            rules.refused_with(
                contract.context, response, 400, rules.INVALID, f"{operation}: {what}"
            )
