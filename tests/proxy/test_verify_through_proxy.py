"""`events-mock verify` run through the proxy: the suite's answers pass the proxy's checks."""

from __future__ import annotations

import httpx

from events_mock.framework.live_server import LiveServer
from events_mock.proxy.app import ProxyApp, ProxyConfig
from tests.contract.broken_servers import build
from tests.contract.test_verify import NOT_GENERATED, run_verify


def test_a_verify_run_through_the_proxy_sees_no_response_violation() -> None:
    _, app = build(None)
    with LiveServer(app) as upstream:
        proxy = ProxyApp(ProxyConfig(upstream=upstream.url, api="barchart"))
        with LiveServer(proxy) as server:
            verdict, output = run_verify(
                "--base-url",
                server.url,
                "--no-sandbox",
                "-k",
                NOT_GENERATED,
                "--max-examples",
                "3",
                "--seed",
                "1",
            )
            entries = httpx.get(f"{server.url}/__mock/journal").json()["entries"]
    assert verdict.exit_code == 0, output
    assert len(entries) > 10, "verify's requests went through the proxy"
    found = [(e["method"], e["path"], v) for e in entries for v in e["violations"]]
    assert [f for f in found if f[2]["side"] == "response"] == []
    # What the suite sends on purpose (no credentials, bodies that break the schema).
    assert {f[2]["rule"] for f in found} <= {
        "security_present",
        "body_conforms",
        "parameters_conform",
        "content_type_sent",
    }
