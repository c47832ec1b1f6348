"""Barchart's service operations and HTTP itself: what no schema says about them.

`GET /service/version` is open to anyone; `GET /service/authenticate` answers who asks (so a
second user is needed to tell an answer about the caller from a constant); every GET answers
HEAD as RFC 9110 requires of any server. Nothing here stores anything.
"""

from __future__ import annotations

import pytest

from events_mock.contract.checks import barchart as rules
from events_mock.contract.run import ContractRun

pytestmark = pytest.mark.api("barchart")


def test_version_needs_no_credentials(contract: ContractRun) -> None:
    contract.call(
        "getServiceVersion",
        authorization=None,
        expect=200,
        why="GET /service/version without credentials",
    )


@pytest.mark.parametrize("operation_id", ["getServiceVersion", "authenticate"])
def test_head_answers_like_get(contract: ContractRun, operation_id: str) -> None:
    operation = contract.operation(operation_id)
    url = contract.base_url + operation.path
    head = contract.request_raw("HEAD", url)
    get = contract.request_raw("GET", url)
    rules.head_like_get(contract.context, head, get)


def test_authenticate_answers_the_caller(contract: ContractRun) -> None:
    if contract.other is None:
        pytest.skip("no second user: pass --other-user NAME:PASSWORD")
    why = "GET /service/authenticate with valid credentials"
    mine = contract.call("authenticate", expect=200, why=why)
    theirs = contract.call("authenticate", identity=contract.other, expect=200, why=why)
    again = contract.call("authenticate", expect=200, why=why)
    rules.authenticate_answers_caller(contract.context, mine, again, theirs)
