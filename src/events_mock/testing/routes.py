"""Which URLs a running kit serves, which it lets through, and the error for every other one.

One `KitRoutes` is shared by the `requests`, httpx and aiohttp interceptors so the three
agree on what "mocked" means. Anything neither served nor listed in `passthrough` is refused
before a connection is attempted: a test that forgot to mock a host must fail loudly, never
reach that host (in CI that may be production).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class UnmockedRequestError(Exception):
    """A request, while a kit is active, to a URL the kit neither mocks nor lets through.

    Each client library gets a subclass that is also that library's own connection error
    (`requests.ConnectionError`, `httpx.ConnectError`, `aiohttp.ClientConnectionError`), so
    code under test sees what an unreachable host gives it; tests can catch this base class.
    """

    method: str = ""
    url: str = ""


class KitRoutes:
    def __init__(self, base_urls: Sequence[str], passthrough: Sequence[str] = ()) -> None:
        self.base_urls = tuple(url.rstrip("/") for url in base_urls)
        self.passthrough = tuple(passthrough)
        alternatives = "|".join(re.escape(base) for base in self.base_urls)
        self.pattern = re.compile(rf"(?:{alternatives})(?:[/?#].*)?\Z", re.S | re.I)
        """Matches every URL under a base URL (and no other host that merely starts alike)."""

    def serves(self, url: str) -> bool:
        return self.pattern.match(url) is not None

    def lets_through(self, url: str) -> bool:
        return any(url.startswith(prefix) for prefix in self.passthrough)

    def refusal(self, method: str, url: str) -> str:
        """What the error says: the request, what is mocked, and how to let it through."""
        allowed = ", ".join(self.passthrough) or "none"
        return (
            f"events-mock kit: {method.upper()} {url} is not mocked and was not sent. "
            f"Mocked: {', '.join(self.base_urls)}; passthrough: {allowed} "
            "(add a URL prefix to `passthrough` to let requests to it reach the network)."
        )


def unmocked(
    error_class: type[UnmockedRequestError], routes: KitRoutes, method: str, url: str, **kw: object
) -> UnmockedRequestError:
    """An instance of a library's refusal class, with `method` and `url` set."""
    error = error_class(routes.refusal(method, url), **kw)
    error.method, error.url = method.upper(), url
    return error
