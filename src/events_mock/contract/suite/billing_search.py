"""Billing Care: what `GET /events` promises beyond its schema.

The suite cannot know a deployment's events, so it first reads a sample (the oldest events)
and builds every search from it: each criterion alone around one sampled event, two combined,
the sample's own time window paged through. Nothing is stored: the API only reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from schemathesis import Response
from schemathesis.core import NOT_SET

from events_mock.contract.checks import billing as rules
from events_mock.contract.checks import common
from events_mock.contract.flows import billing
from events_mock.contract.run import ContractRun
from events_mock.contract.violations import ContractViolation

pytestmark = pytest.mark.api("billing-care")
PAGE = 7
"""Pages of 7: no divisor of the sample's size, so the last page is a partial one."""


def search(
    contract: ContractRun,
    query: Mapping[str, Any],
    *,
    expect: int | None = 200,
    accept: str | None = None,
    why: str = "",
) -> Response:
    """One search, held to every response check (criteria, order, limit, 204 rule) on the way."""
    headers = {"Accept": accept} if accept else None
    return contract.call(
        "getEvents", query=query, headers=headers, expect=expect, why=why or f"search {query}"
    )


def records(response: Response) -> list[dict[str, Any]]:
    body = response.json()
    if not isinstance(body, list):
        raise ContractViolation("search_answered", "the answer is not a list of events", [response])
    return body


@pytest.fixture(scope="session")
def sample(contract: ContractRun) -> list[dict[str, Any]]:
    """The target's oldest events: what every search below is built from."""
    query = billing.sample_query()
    found = records(search(contract, query, why="a sample of the target's events"))
    if not found:
        pytest.skip("the target holds no events: there is nothing to search")
    return found


def test_no_criterion_answers_204(contract: ContractRun) -> None:
    for query in ({}, {"limit": 5}, {"offset": 3}, {"limit": 5, "offset": 3}):
        why = f"a search without criteria {query}"
        response = search(contract, query, expect=None, why=why)
        rules.no_criterion_204(
            contract.context, billing.Search.from_url(common.sent_url(response)), response
        )
        common.answered_with(contract.context, response, 204, why)


def test_each_criterion_selects_exactly_its_events(
    contract: ContractRun, sample: list[dict[str, Any]]
) -> None:
    """Each criterion alone (and two together), built around one sampled event: every answer
    matches the criteria, and holds that event (bounds are inclusive, subtypes match)."""
    probe = billing.probe_record(sample)
    for name, query in billing.criterion_searches(probe, contract.tag).items():
        response = search(contract, query, expect=None, why=f"a search by {name}")
        sent = billing.Search.from_url(common.sent_url(response))
        rules.no_criterion_204(contract.context, sent, response)
        common.answered_with(contract.context, response, 200, f"a search by {name}")
        found = records(response)
        rules.criteria_satisfied(contract.context, sent, found, response)
        if len(found) < billing.FLOW_LIMIT:
            rules.matching_events_found(
                contract.context, [probe], found, response, f"the search by {name}"
            )
    partial = billing.partial_segment(probe["eventType"])
    query = {"eventType": [partial], "limit": billing.FLOW_LIMIT}
    response = search(contract, query, why=f"a search by eventType {partial} (no class)")
    rules.criteria_satisfied(
        contract.context, billing.Search.from_url(common.sent_url(response)), records(response),
        response,
    )  # fmt: skip


def test_criteria_matching_nothing_answer_an_empty_list(
    contract: ContractRun, sample: list[dict[str, Any]]
) -> None:
    queries: list[dict[str, Any]] = [
        {"accountId": f"0.0.0.1+-account+{contract.tag}"},
        {"eventType": [f"/event/{contract.tag}"]},
        {"createdStartTime": 0, "limit": 0},
        {**billing.sample_window(sample), "offset": 2**31 - 1},
    ]
    for query in queries:
        response = search(contract, query, expect=None, why=f"a search matching nothing {query}")
        rules.no_criterion_204(
            contract.context, billing.Search.from_url(common.sent_url(response)), response
        )
        common.answered_with(contract.context, response, 200, f"a search matching nothing {query}")
        rules.limit_respected(
            contract.context, records(response), query.get("limit"), response, expected=0
        )


def test_pages_partition_the_result(contract: ContractRun, sample: list[dict[str, Any]]) -> None:
    """Pages of the sample's window, then the rules: no overlap, together the whole result
    (checked first: an overlap also makes a page's size wrong), each page's size."""
    query = billing.sample_window(sample)
    whole_response = search(contract, query, why="the sample's window, unpaginated")
    whole = records(whole_response)
    rules.matching_events_found(
        contract.context, sample, whole, whole_response, "the sample's own window"
    )
    offsets = range(0, len(whole) + PAGE, PAGE)
    responses = [search(contract, {**query, "limit": PAGE, "offset": o}) for o in offsets]
    pages = [records(response) for response in responses]
    rules.pages_partition(contract.context, pages, whole, responses)
    for offset, page, response in zip(offsets, pages, responses, strict=True):
        expected = max(0, min(PAGE, len(whole) - offset))
        rules.limit_respected(contract.context, page, PAGE, response, expected=expected)


def test_inverted_windows_refused(contract: ContractRun, sample: list[dict[str, Any]]) -> None:
    instant = sample[0]["created"]
    for low, high in billing.WINDOWS:
        response = search(
            contract, {low: instant + 1, high: instant}, expect=None, why=f"{low} > {high}"
        )
        rules.inverted_window_refused(contract.context, response, [(low, high)])


def test_negative_paging_refused(contract: ContractRun, sample: list[dict[str, Any]]) -> None:
    for parameter in billing.PAGING:
        query = {**billing.sample_window(sample), parameter: -1}
        response = search(contract, query, expect=None, why=f"{parameter}=-1")
        rules.negative_paging_refused(contract.context, response, parameter)


def test_xml_holds_the_same_records(contract: ContractRun, sample: list[dict[str, Any]]) -> None:
    for query in (
        {**billing.sample_window(sample), "limit": 20},
        {"accountId": f"0.0.0.1+-account+{contract.tag}"},
    ):
        as_json = records(search(contract, query, why=f"{query} as JSON"))
        as_xml = search(contract, query, accept=billing.XML, expect=None, why=f"{query} as XML")
        rules.xml_same_records(contract.context, as_xml, as_json)


def test_unsupported_media_type_refused(
    contract: ContractRun, sample: list[dict[str, Any]]
) -> None:
    query = {**billing.sample_window(sample), "limit": 1}
    for accept in ("text/csv", "application/pdf, text/html;q=0.5"):
        response = search(contract, query, accept=accept, expect=None, why=f"Accept: {accept}")
        rules.not_acceptable(contract.context, response, accept)
    for accept in ("*/*", "application/*", f"text/csv;q=0.5, {billing.JSON}"):
        search(contract, query, accept=accept, why=f"Accept: {accept} (covers JSON)")


def test_checks_come_in_the_documented_order(
    contract: ContractRun, sample: list[dict[str, Any]]
) -> None:
    """Credentials (401), parameters (400), `Accept` (406), criteria (204)."""
    wrong = contract.context.reveal(f"Bearer not-a-token-{contract.tag}")
    cases: list[tuple[dict[str, Any], str | None, str | None, int, str]] = [
        ({"limit": -1}, wrong, None, 401, "an unknown token and limit=-1"),
        ({"limit": -1}, None, "text/csv", 400, "limit=-1 with Accept: text/csv"),
        ({}, None, "text/csv", 406, "no criterion with Accept: text/csv"),
    ]
    for query, authorization, accept, expected, why in cases:
        case = contract.make_case(
            "getEvents",
            query=query,
            headers={"Accept": accept} if accept else None,
            authorization=authorization if authorization else NOT_SET,
        )
        response = case.call(**contract.call_kwargs())
        rules.checked_in_order(contract.context, response, expected, why)
        contract.validate(case, response)


def test_undefined_and_empty_parameters_refused(
    contract: ContractRun, sample: list[dict[str, Any]]
) -> None:
    account = sample[0]["accountRef"]["id"]
    for query, why in (
        ({"accountID": account}, "a parameter the operation does not define (accountID)"),
        ({"accountId": ""}, "an empty accountId"),
        ({"eventType": [""]}, "an empty eventType"),
    ):
        case, response = contract.send("getEvents", query=query)
        rules.invalid_parameter_refused(contract.context, response, why)
        contract.validate(case, response)


def test_errors_are_json_for_xml_clients(
    contract: ContractRun, sample: list[dict[str, Any]]
) -> None:
    """There is no XML form of an error: a client that asked for XML gets the JSON one."""
    instant = sample[0]["created"]
    query = {"createdStartTime": instant + 1, "createdEndTime": instant}
    search(contract, query, accept=billing.XML, expect=400, why="an inverted window, as XML")
