"""`mock_api().sandbox()`: an isolated mock inside the in-process one, for one block."""

from __future__ import annotations

import requests

from events_mock.testing import mock_api
from tests._support import alert_event

AUTH = ("demo", "demo")


def test_a_kit_sandbox_is_isolated_and_deleted_after_the_block() -> None:
    with mock_api() as api:
        before = api.clock.now_ms()
        with api.sandbox(name="one-test") as box:
            assert box.url.startswith(api.url + "/sandboxes/")
            posted = requests.post(f"{box.url}/events", json={"events": [alert_event()]})
            assert posted.status_code == 200, posted.text
            box.clock.advance(3600)
            box.faults.add("/service/version", status=503)
            assert requests.get(f"{box.url}/service/version").status_code == 503
            assert requests.get(f"{api.url}/service/version").status_code == 200
            assert [entry.path for entry in box.journal.entries()] == [
                "/events",
                "/service/version",
            ]
        assert api.clock.now_ms() == before
        assert len(api.store) == 0 and api.faults.list() == []
        assert requests.get(f"{box.url}/service/version").status_code == 404
