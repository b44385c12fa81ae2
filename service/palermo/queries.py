"""Named SPARQL queries and the bounded evaluation of any query.

Named queries are the ``queries/*.rq`` files (top level only: ``queries/qc/`` and
``queries/assessment/`` are internal). Each starts with a comment header::

    # Title: Count cases by assessment label
    # Description: How many stored cases carry each label.
    # Parameter: ?label (string, optional): only this label
    # Column: ?label: the assessment label
    # Column: ?cases: how many cases

Parameter types: ``iri``, ``string``, ``integer``, ``decimal``, ``boolean``, ``date``, ``country``
(an ISO 3166 alpha-3 code or a country IRI). A caller's values are parsed into pyoxigraph terms and
bound by a ``VALUES`` block placed at the start of the outermost ``WHERE`` group: user input is
never spliced into query text as a string (SEP-0007 substitution in pyoxigraph requires the
variable to be projected, which aggregate queries do not do).

Queries are evaluated by :class:`QueryRunner` in worker threads (pyoxigraph releases the GIL), with
a deadline and a row limit (https://www.w3.org/TR/sparql11-protocol/ leaves both to the service).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from palermo import resources
from palermo.errors import (
    InputError,
    NotFound,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
)
from palermo.namespaces import COUNTRY
from palermo.store import Store

log = logging.getLogger(__name__)

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAMETER_TYPES = ("iri", "string", "integer", "decimal", "boolean", "date", "country")

_HEADER = re.compile(r"^#\s*(Title|Description|Parameter|Column)\s*:\s*(.*)$", re.IGNORECASE)
_PARAMETER = re.compile(
    r"^\?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<type>\w+)(?:\s*,\s*(?P<req>optional|required))?\)"
    r"\s*:?\s*(?P<text>.*)$"
)
_COLUMN = re.compile(r"^\?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*:?\s*(?P<text>.*)$")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_ISO3 = re.compile(r"[A-Z]{3}")
_IRI_FORBIDDEN = re.compile(r"[\x00-\x20<>\"{}|^`\\]")


class QueryParameterError(InputError):
    slug = "invalid-parameter"
    title = "Invalid query parameter"


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    description: str
    required: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "description": self.description,
        }


@dataclass(frozen=True)
class Column:
    name: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """One named query, parsed and syntax-checked once."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    columns: tuple[Column, ...]
    text: str
    values_at: int  # offset just after the "{" of the outermost WHERE group

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "parameters": [p.to_json() for p in self.parameters],
            "columns": [{"name": c.name, "description": c.description} for c in self.columns],
        }

    def bind(self, values: Mapping[str, str]) -> str:
        """The query text with ``values`` (raw strings from a caller) bound as a VALUES block.

        Unknown names, missing required parameters and unparsable values raise
        :class:`QueryParameterError` (HTTP 400).
        """
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise QueryParameterError(
                f"query {self.name!r} has no parameter {', '.join(unknown)}; "
                f"it takes {', '.join(known) or 'none'}"
            )
        terms: dict[str, ox.NamedNode | ox.Literal] = {}
        for p in self.parameters:
            raw = values.get(p.name)
            if raw is None or raw == "":
                if p.required:
                    raise QueryParameterError(f"query {self.name!r} needs the parameter {p.name}")
                continue
            terms[p.name] = parse_parameter(p, raw)
        if not terms:
            return self.text
        names = " ".join(f"?{n}" for n in terms)
        row = " ".join(str(t) for t in terms.values())
        block = f"\n  VALUES ({names}) {{ ({row}) }}\n"
        return self.text[: self.values_at] + block + self.text[self.values_at :]


def parse_parameter(p: Parameter, raw: str) -> ox.NamedNode | ox.Literal:
    """Parse a caller's value into a pyoxigraph term of the parameter's type."""

    def bad(reason: str) -> QueryParameterError:
        return QueryParameterError(f"parameter {p.name}: {reason}", parameter=p.name)

    if len(raw) > 2000:
        raise bad("value too long")
    try:
        if p.type == "iri":
            return _iri(raw)
        if p.type == "country":
            if _ISO3.fullmatch(raw.upper()):
                return ox.NamedNode(str(COUNTRY) + raw.upper())
            iri = _iri(raw)
            if not iri.value.startswith(str(COUNTRY)):
                raise ValueError(f"expected an ISO 3166 alpha-3 code or an IRI under {COUNTRY}")
            return iri
        if p.type == "string":
            return ox.Literal(raw)
        if p.type == "integer":
            if not re.fullmatch(r"[+-]?\d{1,18}", raw):
                raise ValueError("expected an integer")
            return ox.Literal(str(int(raw)), datatype=ox.NamedNode(XSD + "integer"))
        if p.type == "decimal":
            if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", raw):
                raise ValueError("expected a decimal number")
            return ox.Literal(raw, datatype=ox.NamedNode(XSD + "decimal"))
        if p.type == "boolean":
            if raw not in {"true", "false", "1", "0"}:
                raise ValueError("expected true or false")
            value = "true" if raw in {"true", "1"} else "false"
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "boolean"))
        if p.type == "date":
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                raise ValueError("expected a date YYYY-MM-DD")
            return ox.Literal(raw, datatype=ox.NamedNode(XSD + "date"))
    except ValueError as exc:
        raise bad(str(exc)) from None
    raise bad(f"unknown type {p.type}")  # pragma: no cover - rejected at load


def _iri(raw: str) -> ox.NamedNode:
    if _IRI_FORBIDDEN.search(raw) or not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", raw):
        raise ValueError("expected an absolute IRI")
    return ox.NamedNode(raw)


def _blank_comments(text: str) -> str:
    """``text`` with every comment line replaced by spaces of the same length."""
    return "".join(
        " " * (len(line) - 1) + "\n" if line.lstrip().startswith("#") else line
        for line in text.splitlines(keepends=True)
    )


def parse_named_query(path: Path) -> NamedQuery:
    """Read one ``.rq`` file: its header, and a syntax check of its text."""
    name = path.stem
    if not _NAME.fullmatch(name):
        raise ValueError(f"{path}: query names are lower-case kebab-case")
    text = path.read_text(encoding="utf-8")
    title = ""
    description: list[str] = []
    parameters: list[Parameter] = []
    columns: list[Column] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
        if not m:
            if description and line.startswith("#   "):
                description.append(line[1:].strip())
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key == "title":
            title = value
        elif key == "description":
            description = [value]
        elif key == "parameter":
            pm = _PARAMETER.match(value)
            if not pm or pm["type"] not in PARAMETER_TYPES:
                raise ValueError(f"{path}: bad parameter line {value!r}")
            parameters.append(
                Parameter(pm["name"], pm["type"], pm["text"].strip(), pm["req"] == "required")
            )
        elif key == "column":
            cm = _COLUMN.match(value)
            if not cm:
                raise ValueError(f"{path}: bad column line {value!r}")
            columns.append(Column(cm["name"], cm["text"].strip()))
    if not title:
        raise ValueError(f"{path}: the header has no Title")
    where = _WHERE.search(_blank_comments(text))
    if where is None:
        raise ValueError(f"{path}: no WHERE group to bind parameters in")
    try:
        ox.Store().query(text)
    except SyntaxError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return NamedQuery(
        name, title, " ".join(description), tuple(parameters), tuple(columns), text, where.end()
    )


def load_named_queries(folder: Path | None = None) -> dict[str, NamedQuery]:
    """Every top-level named query, by name."""
    paths = sorted((folder or resources.queries_dir()).glob("*.rq"))
    return {q.name: q for q in map(parse_named_query, paths)}


def get_named_query(queries: Mapping[str, NamedQuery], name: str) -> NamedQuery:
    try:
        return queries[name]
    except KeyError:
        raise NotFound(f"no named query {name!r}; GET /queries lists them") from None


# ------------------------------------------------------------------------------------------------
# Bounded evaluation


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
        return parsed.serialize(format=fmt)


def term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
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
