"""One hierarchy of errors, each with a stable problem type, a title and an HTTP status.

The API answers them as RFC 9457 ``application/problem+json``; the CLI prints the detail and exits
with :attr:`PalermoError.exit_code`.
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_BASE = "https://w3id.org/palermo/problems/"


class PalermoError(Exception):
    """Base of every error Palermo reports to a user."""

    slug: ClassVar[str] = "error"
    title: ClassVar[str] = "Palermo error"
    status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = {k: v for k, v in extensions.items() if v is not None}

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def to_problem(self) -> dict[str, Any]:
        """The RFC 9457 problem document for this error."""
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.extensions,
        }


class InputError(PalermoError):
    """Input that cannot be read: malformed RDF, wrong encoding, unknown format."""

    slug = "invalid-input"
    title = "Unreadable input"
    status = 400
    exit_code = 2

    def __init__(
        self,
        detail: str,
        *,
        source: str | None = None,
        line: int | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail, source=source, line=line, **extensions)
        self.source = source
        self.line = line

    def __str__(self) -> str:
        where = self.source or "input"
        if self.line is not None:
            where = f"{where}, line {self.line}"
        return f"{where}: {self.detail}"


class UnsupportedMediaType(PalermoError):
    slug = "unsupported-media-type"
    title = "Unsupported media type"
    status = 415
    exit_code = 2


class NotAcceptable(PalermoError):
    slug = "not-acceptable"
    title = "No acceptable representation"
    status = 406


class ShapeViolation(PalermoError):
    """A case graph that breaks the input contract (shapes/case-graph.ttl)."""

    slug = "shape-violation"
    title = "The case graph breaks the input contract"
    status = 422


class QuerySyntaxError(PalermoError):
    slug = "malformed-query"
    title = "Malformed SPARQL"
    status = 400
    exit_code = 2


class QueryTimeout(PalermoError):
    slug = "query-timeout"
    title = "Query took too long"
    status = 503


class QueryTooCostly(PalermoError):
    """A query that needed more memory than ``QUERY_MEMORY_MB`` and was stopped. Like a result
    over the row limit, the same query would fail again: 413, not a 503 that invites a retry."""

    slug = "query-memory"
    title = "Query needed too much memory"
    status = 413


class TooManyRequests(PalermoError):
    """The caller's share (or the service's) of concurrent work is full: ``429`` with a
    ``Retry-After`` of :attr:`retry_after` seconds (RFC 6585 section 4)."""

    slug = "too-many-requests"
    title = "Too many requests"
    status = 429

    def __init__(self, detail: str, *, retry_after: int, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.retry_after = max(1, int(retry_after))


class ResultTooLarge(PalermoError):
    slug = "result-too-large"
    title = "Result too large"
    status = 413


class PayloadTooLarge(PalermoError):
    slug = "payload-too-large"
    title = "Request body too large"
    status = 413
    exit_code = 2


class NotFound(PalermoError):
    slug = "not-found"
    title = "Not found"
    status = 404


class Unauthorized(PalermoError):
    slug = "unauthorized"
    title = "Authentication required"
    status = 401


class Forbidden(PalermoError):
    slug = "forbidden"
    title = "Not allowed"
    status = 403


class StoreError(PalermoError):
    """The store could not be opened or written (read-only folder, full disk, lost server)."""

    slug = "store-unavailable"
    title = "Store unavailable"
    status = 503
