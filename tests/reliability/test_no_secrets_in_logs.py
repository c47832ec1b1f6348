"""Credentials, tokens and download-link tokens appear neither in the server log nor the journal."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests._support import alert_event, free_port

pytestmark = pytest.mark.slow

PASSWORD = "pa55-Wörd"
TENANT_TOKEN = "tenant-t0ken"


@pytest.mark.parametrize("log_level", ["info", "debug"])
def test_secrets_never_reach_the_log_or_the_journal(log_level: str) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable, "-m", "events_mock", "serve", "--port", str(port),
            "--job-seconds", "0", "--user", f"alice:{PASSWORD}",
            "--tenant", f"acme:{TENANT_TOKEN}", "--log-level", log_level,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        for line in server.stdout:
            if "Uvicorn running on" in line:
                break
        auth = ("alice", PASSWORD)
        requests.post(f"{url}/events", json={"events": [alert_event()]}).raise_for_status()
        report = {"filter": {"customer": "BARCHART", "product": "ALERT"}}
        source = requests.post(f"{url}/reports", json=report, auth=auth).json()["source"]
        link = requests.get(f"{url}/reports/{source}", auth=auth).json()["link"]
        assert requests.get(link).status_code == 200
        link_token = link.split("token=")[1]
        # A refused download (4xx) with the token in its query: logged with its reason at debug.
        assert requests.get(link.replace(".csv?", "x.csv?")).status_code >= 400
        requests.get(
            f"{url}/api/v1/events/x",
            headers={"Authorization": f"Bearer {TENANT_TOKEN}", "X-TWC-Tenant": "acme"},
        )
        journal = requests.get(f"{url}/__mock/journal").text
    finally:
        server.terminate()
        log = server.communicate(timeout=20)[0]
    assert f"/exports/{source}.csv" in log, "the access log is on"
    assert ("answered 40" in log) is (log_level == "debug"), "4xx reasons only at debug"
    for secret in (PASSWORD, TENANT_TOKEN, link_token):
        assert secret not in log
        assert secret not in journal
