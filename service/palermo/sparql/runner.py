"""The bounded evaluation of any query: a deadline and a row limit.

Queries are evaluated by :class:`QueryRunner` in worker threads (pyoxigraph releases the GIL), with
a deadline and a row limit (https://www.w3.org/TR/sparql11-protocol/ leaves both to the service).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from palermo.errors import QuerySyntaxError, QueryTimeout, ResultTooLarge
from palermo.rdf.namespaces import XSD
from palermo.store.interface import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueryResult:
    """A fully read result: ``kind`` is ``select``, ``ask`` or ``graph``."""

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = field(default=())

    def to_sparql_json(self) -> dict[str, Any]:
        """The SPARQL 1.1 Query Results JSON document (https://www.w3.org/TR/sparql11-results-json/)."""
        if self.kind == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        bindings = []
        for row in self.rows:
            bindings.append(
                {v: term_json(t) for v, t in zip(self.variables, row, strict=True) if t is not None}
            )
        return {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}}

    def serialize(self, fmt: ox.QueryResultsFormat) -> bytes:
        """Serialise a SELECT/ASK result in one of pyoxigraph's result formats."""
        data = json.dumps(self.to_sparql_json()).encode("utf-8")
        if fmt == ox.QueryResultsFormat.JSON:
            return data
        parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        return parsed.serialize(format=fmt) or b""


def term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != str(XSD.string):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


class QueryRunner:
    """Evaluates queries in worker threads with a deadline and a row limit.

    A query whose results stream (no ORDER BY or aggregate above the runaway part) is stopped
    at the deadline: the worker stops pulling solutions and drops the iterator, which ends the
    evaluation. pyoxigraph offers no way to cancel a query from Python while it computes an
    aggregate or a sort, so such a query is answered ``503 query-timeout`` at the deadline and its
    worker finishes in the background; the number of workers bounds how much CPU such queries take,
    and the rest of the service keeps serving.
    """

    def __init__(self, *, timeout: float, max_rows: int, workers: int = 4) -> None:
        self.timeout = timeout
        self.max_rows = max_rows
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="palermo-query")

    def run(
        self,
        store: Store,
        sparql: str,
        *,
        default_graphs: Sequence[str | None] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        started = time.monotonic()
        deadline = started + self.timeout
        cancelled = threading.Event()
        future = self._pool.submit(
            self._evaluate,
            store,
            sparql,
            default_graphs,
            named_graphs,
            base_iri,
            deadline,
            cancelled,
        )
        try:
            result = future.result(timeout=max(0.0, deadline - time.monotonic()) + 0.05)
        except FutureTimeout:
            cancelled.set()
            log.warning(
                "query stopped after %.1f s (limit %.1f s)",
                time.monotonic() - started,
                self.timeout,
            )
            raise QueryTimeout(
                f"the query ran longer than the limit of {self.timeout:g} s and was stopped",
                limit=self.timeout,
            ) from None
        log.info("query answered in %.3f s", time.monotonic() - started)
        return result

    def _evaluate(
        self,
        store: Store,
        sparql: str,
        default_graphs: Sequence[str | None] | None,
        named_graphs: Sequence[str] | None,
        base_iri: str | None,
        deadline: float,
        cancelled: threading.Event,
    ) -> QueryResult:
        try:
            results = store.query(
                sparql, default_graphs=default_graphs, named_graphs=named_graphs, base_iri=base_iri
            )
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc.msg or exc)) from None

        def check(count: int) -> None:
            if count > self.max_rows:
                raise ResultTooLarge(
                    f"the result has more than {self.max_rows} rows; narrow the query "
                    "(LIMIT, FILTER) or ask for an aggregate",
                    limit=self.max_rows,
                )
            if count % 256 == 0 and (cancelled.is_set() or time.monotonic() > deadline):
                raise QueryTimeout("the query ran longer than the limit and was stopped")

        # pyoxigraph result iterators must be dropped on the thread that made them: every
        # reference is released in ``finally``, before an exception travels to the caller.
        solution = triple = None
        try:
            if isinstance(results, ox.QueryBoolean):
                return QueryResult("ask", boolean=bool(results))
            if isinstance(results, ox.QuerySolutions):
                variables = tuple(v.value for v in results.variables)
                rows = []
                for n, solution in enumerate(results, 1):
                    check(n)
                    rows.append(tuple(solution[v] for v in variables))
                return QueryResult("select", variables=variables, rows=tuple(rows))
            triples = []
            for n, triple in enumerate(results, 1):
                check(n)
                triples.append(triple)
            return QueryResult("graph", triples=tuple(triples))
        except (OSError, RuntimeError) as exc:
            # Evaluation errors (for example a SERVICE call that fails) are the query's fault.
            raise QuerySyntaxError(f"the query could not be evaluated: {exc}") from None
        finally:
            del results, solution, triple

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
