"""Fault rules: what the mock does to requests instead of answering them normally.

A client's retry loop is only tested if the service misbehaves on cue, and only tested well if
it misbehaves the same way every run. So every rule counts exactly (`after`, `times`) and draws
its `probability` from its own seed (the rule's, or one the mock's fault seed gives the n-th
rule added), which makes a run reproducible from the rules alone, whatever other rules do.

The draws are counter-based: the rule's n-th matching request draws `draw(seed, n)`, a pure
function of the two (a 32-bit integer hash, `mix32`), not the n-th value of a generator kept
in memory. So the Redis store (`stores/redis_faults.py`), whose counters live in Redis and are
advanced by whichever worker sees the request, computes the very same sequence in its Lua
script as one process does here: a seed gives one sequence whatever the store or the number
of workers.

Each rule's path pattern is compiled once, when the rule is made, so what a request costs
depends on the number of rules (bounded: `max_rules`), never on how many distinct paths they
or the requests name.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from events_mock.control.patterns import PathPattern

METHODS = frozenset({"*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
MAX_LATENCY_MS = 60_000
MAX_SEED = 2**32 - 1
DEFAULT_MAX_RULES = 1000
_MASK = 0xFFFFFFFF
_GOLDEN = 0x9E3779B9
_SEED_STREAM = 0x85EBCA6B
"""Mixed into the fault seed for the seeds of rules added without one, so those seeds are not
the draws of a rule seeded with the fault seed."""


def mix32(value: int) -> int:
    """MurmurHash3's 32-bit finalizer: a bijection on 32-bit integers that spreads every input
    bit over the output. Written with 16-bit halves in the Lua twin (`stores/redis_faults.py`,
    which has doubles and 32-bit bit operations only), so both give the same integers."""
    value &= _MASK
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & _MASK
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & _MASK
    value ^= value >> 16
    return value


def draw(seed: int, n: int) -> float:
    """The value in [0, 1) a rule with `seed` draws for its `n`-th matching request: a rule
    fires (past `after`, within `times`) when it is below the rule's `probability`."""
    return mix32(mix32(seed) + (n * _GOLDEN & _MASK)) / 2**32


def derived_seed(fault_seed: int, n: int) -> int:
    """The seed of the `n`-th rule added (since the start or a clear) without a seed of its
    own: a function of the mock's fault seed and `n`, so any store gives the same."""
    return mix32(mix32(fault_seed ^ _SEED_STREAM) + (n * _GOLDEN & _MASK))


class TooManyFaultRules(Exception):
    """Adding the rule would pass the bound on rules; nothing was added. Answered 507."""

    def __init__(self, max_rules: int) -> None:
        super().__init__(
            f"The mock already holds {max_rules} fault rules, the most it keeps "
            "(--max-fault-rules): remove some (DELETE /__mock/faults/{id}) or clear them."
        )


class UnknownFault(KeyError):
    """No rule has this id."""


@dataclass
class FaultRule:
    """One rule; see `FaultRuleInput` in spec/control.yaml for what each field does."""

    id: str
    path: str
    method: str = "*"
    status: int | None = None
    times: int | None = None
    after: int = 0
    probability: float = 1.0
    seed: int = 0
    latency_ms: int = 0
    drop: bool = False
    malformed: bool = False
    retry_after: int | None = None
    message: str | None = None
    matched: int = 0
    fired: int = 0
    _pattern: PathPattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self._check()
        self._pattern = PathPattern(self.path)

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(self.times - self.fired, 0)

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method.upper()) and self._pattern.matches(path)

    def consider(self) -> bool:
        """Called for each matching request, in order: does the rule fire for this one?"""
        self.matched += 1
        if self.remaining == 0 or self.matched <= self.after:
            return False
        if draw(self.seed, self.matched) >= self.probability:
            return False
        self.fired += 1
        return True

    def to_json(self) -> dict[str, Any]:
        public = {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
        return {**public, "remaining": self.remaining}

    def _check(self) -> None:
        """The spec's constraints, for rules added in-process rather than over HTTP."""
        if not isinstance(self.path, str) or not self.path.startswith("/"):
            raise ValueError(f"path must start with '/': {self.path!r}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {sorted(METHODS)}: {self.method!r}")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError(f"status must be an error status, 400 to 599: {self.status}")
        if self.times is not None and self.times < 1:
            raise ValueError(f"times must be at least 1 (omit it for unlimited): {self.times}")
        if self.after < 0:
            raise ValueError(f"after must be >= 0: {self.after}")
        if not 0 <= self.probability <= 1:
            raise ValueError(f"probability must be between 0 and 1: {self.probability}")
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed must be between 0 and {MAX_SEED}: {self.seed}")
        if not 0 <= self.latency_ms <= MAX_LATENCY_MS:
            raise ValueError(f"latency_ms must be between 0 and {MAX_LATENCY_MS}")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError(f"retry_after must be >= 0: {self.retry_after}")


class FaultRules:
    """The ordered rule list; the first rule that fires for a request decides its fate."""

    def __init__(self, seed: int = 0, max_rules: int = DEFAULT_MAX_RULES) -> None:
        if max_rules < 1:
            raise ValueError("the mock must keep at least one fault rule")
        self.max_rules = max_rules
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self.seed = seed
        """Gives the rules added without a seed theirs (`derived_seed`)."""
        self._next_id = 1

    def add(
        self,
        path: str,
        *,
        method: str = "*",
        status: int | None = None,
        times: int | None = None,
        after: int = 0,
        probability: float = 1.0,
        seed: int | None = None,
        latency_ms: int = 0,
        drop: bool = False,
        malformed: bool = False,
        retry_after: int | None = None,
        message: str | None = None,
    ) -> FaultRule:
        """Raises `TooManyFaultRules` (adding nothing) past `max_rules`, `ValueError` for a
        rule the spec refuses."""
        with self._lock:
            if len(self._rules) >= self.max_rules:
                raise TooManyFaultRules(self.max_rules)
            rule = FaultRule(
                id=f"fault-{self._next_id}",
                path=path,
                method=method,
                status=status,
                times=times,
                after=after,
                probability=probability,
                seed=derived_seed(self.seed, self._next_id) if seed is None else seed,
                latency_ms=latency_ms,
                drop=drop,
                malformed=malformed,
                retry_after=retry_after,
                message=message,
            )
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def decide(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this request, if any; counts the request against each rule."""
        if not self._rules:
            return None  # the common case: no rule at all, no lock
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path) and rule.consider():
                    return rule
            return None

    async def decide_async(self, method: str, path: str) -> FaultRule | None:
        """`decide`, for the request path: a shared store waits for Redis without holding
        up the event loop (`stores/redis_batch.py`); here, nothing to wait for."""
        return self.decide(method, path)

    def get(self, rule_id: str) -> FaultRule:
        with self._lock:
            for rule in self._rules:
                if rule.id == rule_id:
                    return rule
        raise UnknownFault(rule_id)

    def remove(self, rule_id: str) -> None:
        with self._lock:
            kept = [rule for rule in self._rules if rule.id != rule_id]
            if len(kept) == len(self._rules):
                raise UnknownFault(rule_id)
            self._rules = kept

    def clear(self) -> None:
        """Remove every rule; ids and seeds start over, so a cleared mock replays identically."""
        with self._lock:
            self._rules = []
            self._next_id = 1

    def list(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def to_json(self) -> builtins.list[dict[str, Any]]:  # `list` here is the method above
        with self._lock:
            return [rule.to_json() for rule in self._rules]

    def __iter__(self) -> Iterator[FaultRule]:
        return iter(self.list())

    def __len__(self) -> int:
        with self._lock:
            return len(self._rules)
