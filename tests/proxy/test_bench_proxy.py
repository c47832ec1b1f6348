"""The proxy's benchmark still runs (its figures are not asserted: they move with the machine)."""

from __future__ import annotations

from bench.proxy import measure, report


def test_the_proxy_benchmark_runs() -> None:
    results = measure(5)
    assert [name for name, *_ in results][0] == "GET /service/version"
    assert "added p50 ms" in report(results)
