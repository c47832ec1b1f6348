"""No input makes the mock answer 500, store anything, or stop working.

Every operation with a request body, of every spec (read from the specs, so an operation added
later is covered), gets generated hostile bodies: nesting past the bound and past the stack,
integers past the digit limit, overflowing floats, NaN and Infinity literals, lone surrogates,
repeated keys, spliced into the operation's own example, and valid bodies with a missing or odd
`Content-Type`. Each must be answered 4xx in the API's error shape, leave the state unchanged,
and leave the journal readable. The first tests are the reproductions that once answered 500.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from events_mock.app import (
    DEMO_BILLING_TOKENS,
    DEMO_TENANTS,
    DEMO_USERS,
    EventsMock,
    MockConfig,
)
from events_mock.bundle import bundled
from events_mock.clock import MockClock
from events_mock.control.journal import UNREADABLE
from events_mock.control.state import StateFile
from events_mock.seam import StateError, base_path
from tests._support import CONTROL, T0, alert_event

USER, PASSWORD = next(iter(DEMO_USERS.items()))
TENANT, TENANT_TOKEN = next(iter(DEMO_TENANTS.items()))
BILLING_TOKEN = next(iter(DEMO_BILLING_TOKENS.values()))
CREDENTIALS = {  # by API name: what gets a request past security to body validation
    "barchart": {"auth": (USER, PASSWORD)},
    "event-collector": {
        "headers": {"Authorization": f"Bearer {TENANT_TOKEN}", "X-TWC-Tenant": TENANT}
    },
    "billing-care": {"headers": {"Authorization": f"Bearer {BILLING_TOKEN}"}},
    "control": {},
}
JSON = "application/json"
HOSTILE_FRAGMENT = "__hostile__"


def body_operations() -> Iterator[tuple[str, str, str, Any]]:
    """(API name, method, URL path, example body) of every operation with a request body."""
    for api in EventsMock().apis:
        spec = bundled(api.spec)
        prefix = base_path(spec)
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or "requestBody" not in operation:
                    continue
                media = operation["requestBody"]["content"].get(JSON, {})
                example = media.get("example", media.get("schema", {}).get("example", {}))
                yield (
                    api.name,
                    method.upper(),
                    prefix + filled(spec, path, item, operation),
                    example,
                )


def filled(spec: dict, path: str, item: dict, operation: dict) -> str:
    """The path with each parameter at its example (or a plain word)."""
    for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
        if "$ref" in parameter:  # a local one: the spec is bundled
            target: Any = spec
            for part in parameter["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            parameter = target
        if parameter.get("in") == "path":
            value = parameter.get("example", parameter.get("schema", {}).get("example", "x"))
            path = path.replace("{" + parameter["name"] + "}", str(value))
    return path


OPERATIONS = sorted(set(map(lambda op: (*op[:3], json.dumps(op[3])), body_operations())))


def test_every_spec_with_bodies_is_covered() -> None:
    apis = {api for api, *_ in OPERATIONS}
    assert {"barchart", "event-collector", "control"} <= apis
    assert ("barchart", "POST", "/events") in {op[:3] for op in OPERATIONS}
    assert not any("{" in path for _, _, path, _ in OPERATIONS)


@pytest.fixture(scope="module")
def mock() -> EventsMock:
    return EventsMock(MockConfig(validate_responses=True, clock=MockClock.frozen(T0)))


@pytest.fixture(scope="module")
def client(mock: EventsMock) -> Iterator[TestClient]:
    with TestClient(mock.app, raise_server_exceptions=False) as client:
        yield client


def snapshot(mock: EventsMock) -> dict[str, Any]:
    """Everything a request could change but the journal (the clock's offset from real time
    moves by itself)."""
    state = mock.control.export_state()
    state["clock"].pop("offset_ms")
    return {"state": state, "faults": mock.control.faults.to_json()}


def in_error_shape(api: str, response: Any) -> bool:
    body = response.json()
    if api == "barchart":
        return isinstance(body, list) and body[0]["value"]["code"].startswith("REQUEST_")
    if api == "event-collector":
        return body == {"code": response.status_code, "message": body["message"]}
    if api == "control":
        return response.headers["content-type"].startswith("application/problem+json")
    return body["status"] == response.status_code  # Billing Care


def send(
    client: TestClient, api: str, method: str, path: str, body: bytes, content_type: str | None
):
    options = CREDENTIALS[api]
    headers = dict(options.get("headers", {}))
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.request(method, path, content=body, headers=headers, auth=options.get("auth"))


# The reproductions


def deep(levels: int, inner: str = "1", key: str = "a") -> str:
    return f'{{"{key}":' * levels + inner + "}" * levels


@pytest.mark.parametrize("api,method,path,example", OPERATIONS, ids=lambda v: str(v)[:40])
def test_json_nested_a_thousand_levels_is_400(mock, client, api, method, path, example) -> None:
    before = snapshot(mock)
    response = send(client, api, method, path, ("[" * 1000 + "]" * 1000).encode(), JSON)
    assert response.status_code == 400, response.text
    assert "nested more than 128 levels" in response.text
    assert in_error_shape(api, response)
    assert snapshot(mock) == before


def test_a_deep_body_with_a_secret_leaves_the_journal_readable(mock, client) -> None:
    client.delete("/__mock/journal", headers=CONTROL)
    body = '{"events": [], "x": ' + deep(500, key="token") + "}"
    refused = send(client, "barchart", "POST", "/events", body.encode(), JSON)
    assert refused.status_code == 400
    journal = client.get("/__mock/journal")
    assert journal.status_code == 200
    (entry,) = journal.json()["entries"]
    assert entry["body"] == UNREADABLE  # neither parsed nor shown: "token" is in it
    assert entry["status"] == 400


@pytest.mark.parametrize(
    "api,path,body",
    [
        ("barchart", "/events", {"events": [alert_event()]}),
        ("barchart", "/reports", {"filter": {"customer": "BARCHART", "product": "ALERT"}}),
        (
            "event-collector",
            "/api/v1/events",
            {"event_source": "APPLICATION", "event_type": "FAULT", "event_payload": {}},
        ),
    ],
)
def test_a_valid_body_without_content_type_is_415(mock, client, api, path, body) -> None:
    before = snapshot(mock)
    response = send(client, api, "POST", path, json.dumps(body).encode(), None)
    assert response.status_code == 415
    assert in_error_shape(api, response)
    if api == "barchart":
        assert response.json()[0]["value"]["code"] == "REQUEST_UNSUPPORTED_MEDIA_TYPE"
    assert snapshot(mock) == before
    assert send(client, api, "POST", path, json.dumps(body).encode(), JSON).status_code < 300
    client.post("/__mock/reset", headers=CONTROL)


def test_an_integer_of_more_than_4300_digits_is_400(mock, client) -> None:
    before = snapshot(mock)
    event = json.dumps({"events": [alert_event(timestamp=T0)]}).replace(str(T0), "1" * 4301)
    response = send(client, "barchart", "POST", "/events", event.encode(), JSON)
    assert response.status_code == 400 and "at most 4300" in response.text
    rate = client.post(
        "/__mock/clock/rate",
        content=b'{"rate": ' + b"1" * 5000 + b"}",
        headers={"Content-Type": JSON},
    )
    assert rate.status_code == 400
    assert snapshot(mock) == before


def test_a_lone_surrogate_is_refused_naming_the_field(mock, client) -> None:
    before = snapshot(mock)
    event = json.dumps({"events": [alert_event(user="\ud800")]})  # json.dumps writes "\\ud800"
    response = send(client, "barchart", "POST", "/events", event.encode(), JSON)
    assert response.status_code == 400
    assert "lone surrogate" in response.text and "'events/0/context/0'" in response.text
    fault = '{"event_source": "APPLICATION", "event_type": "FAULT", "entity_name": "\\udfff"}'
    collector = send(client, "event-collector", "POST", "/api/v1/events", fault.encode(), JSON)
    assert collector.status_code == 400 and "'entity_name'" in collector.text
    assert snapshot(mock) == before
    # And the export of that customer and product still has its bytes.
    assert (
        send(
            client,
            "barchart",
            "POST",
            "/events",
            json.dumps({"events": [alert_event()]}).encode(),
            JSON,
        ).status_code
        == 200
    )
    job = send(
        client,
        "barchart",
        "POST",
        "/reports",
        b'{"filter": {"customer": "BARCHART", "product": "ALERT"}}',
        JSON,
    ).json()
    client.post("/__mock/clock/advance", json={"seconds": 3600})
    link = client.get(f"/reports/{job['source']}", auth=(USER, PASSWORD)).json()["link"]
    assert client.get(link).content.count(b"\n") == 2  # header and the one event
    client.post("/__mock/reset", headers=CONTROL)


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("POST", "/__mock/clock/rate", '{"rate": NaN}'),
        ("POST", "/__mock/clock/rate", '{"rate": Infinity}'),
        ("POST", "/__mock/clock/rate", '{"rate": 1e400}'),
        ("POST", "/__mock/clock/advance", '{"seconds": NaN}'),
        ("POST", "/__mock/clock/set", '{"now": 1571029200000, "rate": NaN}'),
        (
            "PUT",
            "/__mock/state",
            '{"format": "events-mock/state", "version": 1, "apis": {},'
            ' "clock": {"now": 1571029200000, "rate": NaN}}',
        ),
    ],
)
def test_non_finite_numbers_are_400_and_the_mock_keeps_working(mock, client, method, path, body):
    before = snapshot(mock)
    response = client.request(method, path, content=body, headers={"Content-Type": JSON})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "finite" in response.json()["detail"]
    assert snapshot(mock) == before
    assert client.get("/service/version").status_code == 200
    assert client.get("/__mock/clock").status_code == 200


def test_a_state_file_with_nan_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(
        '{"format": "events-mock/state", "version": 1, "apis": {},'
        ' "clock": {"now": 1571029200000, "rate": NaN}}'
    )
    with pytest.raises(StateError, match="is not JSON the mock accepts: NaN is not JSON"):
        StateFile(path).load()


def test_python_callers_cannot_set_a_non_finite_clock(mock) -> None:
    before = snapshot(mock)
    for change in (
        lambda: mock.clock.set_rate(float("nan")),
        lambda: mock.clock.advance(float("inf")),
        lambda: mock.clock.set(float("nan")),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValueError, match="finite"):
            change()
    document = mock.control.export_state()
    document["clock"]["rate"] = float("nan")
    with pytest.raises(StateError, match="clock/rate"):
        mock.control.import_state(document)
    assert snapshot(mock) == before


# The property


def hostile_fragments() -> st.SearchStrategy[str]:
    """JSON-looking text that the strict decoder refuses, wherever it stands."""
    levels = st.integers(min_value=129, max_value=3000)
    return st.one_of(
        levels.map(lambda n: "[" * n + "]" * n),
        levels.map(lambda n: deep(n, key="token")),
        st.tuples(levels, levels).map(lambda n: "[" * n[0] + deep(n[1]) + "]" * n[0]),
        st.integers(min_value=4301, max_value=6000).map(lambda n: "-" * (n % 2) + "7" * n),
        st.sampled_from(
            [
                "1e400",
                "-1e999",
                "1" + "0" * 400 + ".5",
                "NaN",
                "Infinity",
                "-Infinity",
                "[NaN]",
                '{"rate": Infinity}',
            ]
        ),
        st.sampled_from(["\\ud800", "a\\udfffb", "\\udbff\\u0041", "\\ude00"]).map(
            lambda s: f'"{s}"'
        ),
        st.sampled_from(['{"\\ud800": 1}', '{"a": 1, "a": 1}', '{"a": 1, "b": [], "a": 2}']),
    )


def spliced(example: Any, fragment: str, rng: random.Random) -> str:
    """The example with one of its values (or itself) replaced by the fragment."""
    holders: list[tuple[Any, Any]] = []
    stack = [example]
    while stack:
        value = stack.pop()
        keys = (
            value.keys()
            if isinstance(value, dict)
            else range(len(value))
            if isinstance(value, list)
            else ()
        )
        for key in keys:
            holders.append((value, key))
            stack.append(value[key])
    if not holders or rng.random() < 0.2:
        return fragment
    holder, key = rng.choice(holders)
    holder[key] = HOSTILE_FRAGMENT
    return json.dumps(example).replace(json.dumps(HOSTILE_FRAGMENT), fragment, 1)


def repeated_first_key(example: Any) -> str | None:
    if not isinstance(example, dict) or not example:
        return None
    key, value = next(iter(example.items()))
    return "{" + f"{json.dumps(key)}: {json.dumps(value)}, " + json.dumps(example)[1:]


ODD_CONTENT_TYPES = [
    None,
    "text/plain",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/json;charset=no-such-codec",
    "application/json;charset=utf-16",
]
JSON_CONTENT_TYPES = [
    JSON,
    "application/json; charset=utf-8",
    "application/json;charset=latin-1",
    "application/problem+json",
    "application/merge-patch+json",
]
CI = bool(os.environ.get("CI"))


@pytest.mark.parametrize("api,method,path,example", OPERATIONS, ids=lambda v: str(v)[:40])
@settings(
    max_examples=60,
    deadline=None,
    derandomize=CI,
    database=None if CI else settings.default.database,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_bodies_get_4xx_and_change_nothing(mock, client, api, method, path, example, data):
    rng = random.Random(data.draw(st.integers(0, 2**32), label="seed"))
    kind = data.draw(st.sampled_from(["fragment", "repeated key", "odd type"]), label="kind")
    body = json.dumps(json.loads(example))
    content_type: str | None = data.draw(st.sampled_from(JSON_CONTENT_TYPES), label="type")
    if kind == "fragment":
        fragment = data.draw(hostile_fragments(), label="fragment")
        body = spliced(json.loads(example), fragment, rng)
        content_type = data.draw(st.sampled_from([*JSON_CONTENT_TYPES, *ODD_CONTENT_TYPES]))
    elif kind == "repeated key":
        body = repeated_first_key(json.loads(example)) or '[1, {"k": 1, "k": 2}]'
    else:
        content_type = data.draw(st.sampled_from(ODD_CONTENT_TYPES), label="odd type")
    before = snapshot(mock)
    response = send(client, api, method, path, body.encode(), content_type)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert in_error_shape(api, response)
    assert snapshot(mock) == before
    assert client.get("/__mock/journal", params={"limit": 1}).status_code == 200
