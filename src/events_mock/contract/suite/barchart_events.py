"""Barchart events: what `POST /events` promises beyond its schema.

The events posted here are tagged with the run's tag and dated just after its private window,
so no report of this run (or of anyone else) ever selects them by accident.
"""

from __future__ import annotations

import pytest

from events_mock.contract.checks import barchart as rules
from events_mock.contract.flows import barchart
from events_mock.contract.run import ContractRun

pytestmark = [pytest.mark.api("barchart"), pytest.mark.writes]


def test_batch_comes_back_with_one_id_and_sequences(contract: ContractRun) -> None:
    first = barchart.batch_events(contract.tag, contract.window, count=5)
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
