"""`--store memory` or `--store redis://host:port/db`: which store a server uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["DEFAULT_PREFIX", "StoreLocation", "parse_store"]

DEFAULT_PREFIX = "events-mock"
_PREFIX = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@dataclass(frozen=True)
class StoreLocation:
    """`url` is None for the in-memory store; `prefix` namespaces every Redis key, so one
    Redis can serve several mocks."""

    url: str | None = None
    prefix: str = DEFAULT_PREFIX

    @property
    def is_memory(self) -> bool:
        return self.url is None

    def describe(self) -> str:
        """For banners and logs: the URL without its password."""
        if self.url is None:
            return "memory"
        parts = urlsplit(self.url)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path} (prefix {self.prefix})"


def parse_store(text: str | None, prefix: str = DEFAULT_PREFIX) -> StoreLocation:
    """Raises ValueError with what is wrong and what is accepted."""
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(f"store prefix {prefix!r}: 1 to 64 of letters, digits, '_', '.' and '-'")
    if text is None or text.strip() in ("", "memory"):
        return StoreLocation(None, prefix)
    parts = urlsplit(text.strip())
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ValueError(
            f"store {text!r}: expected 'memory', redis://HOST:PORT/DB, rediss://... or "
            "unix:///path/to/socket"
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise ValueError(f"store {text!r}: no host (redis://HOST:PORT/DB)")
    db = parts.path.strip("/")
    if parts.scheme != "unix" and db and not db.isdigit():
        raise ValueError(f"store {text!r}: the database is a number (redis://HOST:PORT/0)")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"store {text!r}: the port is not a number") from None
    return StoreLocation(text.strip(), prefix)
