"""Fair shares of the query workers: who may run how many queries at once.

Every SPARQL query (``/sparql`` and the named queries) takes a slot before it runs and gives it
back when it ends, answered or stopped at its deadline. Beyond a share the caller gets ``429 Too
Many Requests`` with ``Retry-After`` at once (RFC 6585 section 4), never a place in a queue:

- anonymous callers share one small pool (``ANONYMOUS_QUERY_SLOTS``), and each anonymous client
  (by its network address) holds at most ``ANONYMOUS_QUERIES_PER_CLIENT`` of it;
- each token has its own share (``QUERIES_PER_TOKEN``), outside the anonymous pool, so a token's
  queries never wait behind anonymous ones, whatever anonymous callers send.

A slot bounds how many queries run; it does not say how long: the deadline
(``QUERY_TIMEOUT``, :mod:`palermo.sparql.runner`) does, so ``Retry-After`` is the deadline.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from palermo.errors import TooManyRequests


@dataclass(frozen=True)
class Caller:
    """Whom a query is counted against: a token (by its fingerprint, never the token itself)
    or an anonymous client (by its network address)."""

    key: str
    anonymous: bool

    @classmethod
    def anonymous_client(cls, address: str | None) -> Caller:
        return cls(f"anonymous@{address or 'unknown'}", True)

    @classmethod
    def token(cls, fingerprint: str) -> Caller:
        return cls(fingerprint, False)


#: Queries run on behalf of Palermo itself (the command line): never refused.
LOCAL = Caller("local", False)


class QueriesBusy(TooManyRequests):
    """The caller's share of concurrent queries, or the anonymous pool, is full."""

    slug = "too-many-queries"
    title = "Too many concurrent queries"


class Admission:
    """Counts the queries in flight per caller and refuses those beyond a share."""

    def __init__(
        self,
        *,
        anonymous_slots: int,
        per_anonymous_client: int,
        per_token: int,
        retry_after: float,
    ) -> None:
        if min(anonymous_slots, per_anonymous_client, per_token) < 1:
            raise ValueError("every query share must be at least 1")
        self.anonymous_slots = anonymous_slots
        self.per_anonymous_client = per_anonymous_client
        self.per_token = per_token
        self.retry_after = max(1, math.ceil(retry_after))
        self._lock = threading.Lock()
        self._by_caller: Counter[str] = Counter()
        self._anonymous = 0

    @contextmanager
    def slot(self, caller: Caller) -> Iterator[None]:
        """Hold a slot of ``caller``'s share while the block runs, else :class:`QueriesBusy`."""
        if caller is LOCAL:
            yield
            return
        self._take(caller)
        try:
            yield
        finally:
            self._give_back(caller)

    def _take(self, caller: Caller) -> None:
        with self._lock:
            held = self._by_caller[caller.key]
            if caller.anonymous:
                if held >= self.per_anonymous_client:
                    raise self._busy(
                        f"this client already runs {held} queries without a token; wait for "
                        "one to end"
                    )
                if self._anonymous >= self.anonymous_slots:
                    raise self._busy(
                        "queries without a token fill their shared share; try again later, or "
                        "use a token"
                    )
                self._anonymous += 1
            elif held >= self.per_token:
                raise self._busy(f"this token already runs {held} queries; wait for one to end")
            self._by_caller[caller.key] = held + 1

    def _give_back(self, caller: Caller) -> None:
        with self._lock:
            self._by_caller[caller.key] -= 1
            if self._by_caller[caller.key] <= 0:
                del self._by_caller[caller.key]
            if caller.anonymous:
                self._anonymous -= 1

    def _busy(self, detail: str) -> QueriesBusy:
        return QueriesBusy(detail, retry_after=self.retry_after)

    def in_flight(self) -> int:
        """Queries holding a slot now (every caller)."""
        with self._lock:
            return sum(self._by_caller.values())
