"""The worked example of docs/stores.md: two replicas on two ports, one Redis, one mock.

Two `events-mock serve` processes (as two hosts behind a load balancer would run them) share
one Redis under one prefix; a client alternates between them: events on A, the report started
on B and polled on A, the clock advanced on B moves A's view, the link fetched on B and the
file downloaded from A. A third server on another prefix of the same Redis sees none of it.
Keep this and the doc's example in step.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests

from events_mock.stores import StoreLocation
from tests._support import CONTROL, T0, event
from tests.stores._serve import serve_on

pytestmark = pytest.mark.slow

USER = ("demo", "demo")


def test_two_replicas_on_one_redis_are_one_mock(redis_store: StoreLocation) -> None:
    with serve_on(redis_store) as a, serve_on(redis_store) as b:
        A, B = a.url, b.url
        # The clock is one clock: set through A, read through B.
        set_ = requests.post(f"{A}/__mock/clock/set", json={"now": T0, "rate": 0})
        assert set_.status_code == 200, set_.text
        assert requests.get(f"{B}/__mock/clock").json()["now"] == T0

        posted = requests.post(
            f"{A}/events",
            json={
                "events": [
                    event(T0 - 2000, context=["user-1"]),
                    event(T0 - 1000, "PORTFOLIO-CREATED", context=["user-2", "portfolio-9"]),
                ]
            },
        )
        assert posted.status_code == 200, posted.text

        report = {"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}}
        started = requests.post(f"{B}/reports", json=report, auth=USER)
        assert started.status_code == 200, started.text
        source = started.json()["source"]
        polled = requests.get(f"{A}/reports/{source}/availability", auth=USER)
        assert (polled.status_code, polled.json()["status"]) == (200, "RUNNING")

        advanced = requests.post(f"{B}/__mock/clock/advance", json={"seconds": 60})
        assert advanced.status_code == 200, advanced.text
        assert (
            requests.get(f"{A}/reports/{source}/availability", auth=USER).json()["status"]
            == "COMPLETE"
        )

        link = requests.get(f"{B}/reports/{source}", auth=USER).json()["link"]
        assert link.startswith(f"{B}/exports/")  # links name the host that issued them
        download = requests.get(link.replace(B, A))
        assert download.status_code == 200, download.text
        assert download.text.splitlines()[1:] == [
            f"{T0 - 2000}|PORTFOLIO-APPLICATION-LOADED|user-1|||||||",
            f"{T0 - 1000}|PORTFOLIO-CREATED|user-2|portfolio-9||||||",
        ]

        # The journal is one journal: read on B, it holds the polls A answered.
        polls = requests.get(
            f"{B}/__mock/journal", params={"path": f"/reports/{source}/availability"}
        )
        assert polls.status_code == 200, polls.text
        assert [e["status"] for e in polls.json()["entries"]] == [200, 200]

        # Another prefix on the same Redis is another mock.
        with serve_on(replace(redis_store, prefix=f"{redis_store.prefix}-other")) as other:
            unknown = requests.get(f"{other.url}/reports/{source}/availability", auth=USER)
            assert unknown.status_code == 404
        reset = requests.post(f"{A}/__mock/reset", headers=CONTROL)
        assert reset.status_code in (200, 204), reset.text
        gone = requests.get(f"{B}/reports/{source}/availability", auth=USER)
        assert gone.status_code == 404
