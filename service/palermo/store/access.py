"""Who may see and write which named graph (DESIGN.md, "Confidentiality").

Case data is about victims of crime. The rule is enforced inside query evaluation: every query runs
over a dataset (default graph and named graphs, SPARQL 1.1 Query 13.2) built from the graphs the
caller may see, so no query form (``GRAPH ?g``, ``FROM``, ``FROM NAMED``, the Protocol's
``default-graph-uri``/``named-graph-uri``, DESCRIBE, property paths, subqueries) can reach another
graph: for the engine, the other graphs do not exist.

Who sees what:

- everyone: the ontology and the shapes graphs, and the case graphs (with their inference and
  assessment graphs) of datasets marked public;
- a token with scope ``read``, ``write`` or ``admin``: every graph, including the service metadata
  graph, the store's default graph and graphs that hold no case;
- a token with ``read:NAME`` or ``write:NAME``: in addition, the case graphs of dataset NAME.

The service metadata graph names every dataset and case, so only callers who may read everything
see it. A ``FROM``/``FROM NAMED`` clause or a Protocol dataset is intersected with the visible
graphs: it can narrow the dataset, never widen it, and a graph the caller may not see behaves
exactly as a graph that does not exist.

Aggregate named queries (header ``# Aggregate: true``) run for restricted callers over all case
data, and every count below ``MIN_CELL_SIZE`` is suppressed (see :func:`suppress_small_cells`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from palermo.errors import Unauthorized
from palermo.rdf.guards import SparqlFacts
from palermo.rdf.namespaces import XSD
from palermo.store import metadata
from palermo.store.interface import Store, solutions
from palermo.store.metadata import METADATA_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH

log = logging.getLogger(__name__)
audit = logging.getLogger("palermo.audit")

SCOPES = ("read", "write", "admin")
_XSD_INTEGER = str(XSD.integer)

#: Graphs everyone may read.
OPEN_GRAPHS = (ONTOLOGY_GRAPH, SHAPES_GRAPH)


@dataclass(frozen=True)
class Principal:
    """Who made a request: the scopes their token grants (none for anonymous) and a fingerprint
    of the token for the audit log (never the token itself)."""

    scopes: frozenset[str]
    fingerprint: str = "anonymous"

    @property
    def anonymous(self) -> bool:
        return not self.scopes

    @property
    def reads_everything(self) -> bool:
        return bool(self.scopes & {"read", "write", "admin"})

    @property
    def writes_everything(self) -> bool:
        return bool(self.scopes & {"write", "admin"})

    def can_read_dataset(self, dataset: str) -> bool:
        return (
            self.reads_everything
            or f"read:{dataset}" in self.scopes
            or f"write:{dataset}" in self.scopes
        )

    def can_write(self, dataset: str | None = None) -> bool:
        if self.writes_everything:
            return True
        return dataset is not None and f"write:{dataset}" in self.scopes

    @property
    def write_datasets(self) -> tuple[str, ...]:
        return tuple(sorted(s[6:] for s in self.scopes if s.startswith("write:")))


ANONYMOUS = Principal(frozenset())


def fingerprint(token: bytes) -> str:
    """A short, stable, non-reversible name for a token, for the audit log."""
    return "tok-" + hashlib.sha256(b"palermo-token\x00" + token).hexdigest()[:12]


class TokenTable:
    """``PALERMO_TOKENS``: ``token:scope`` pairs; lookups compare every token in constant time."""

    def __init__(self, spec: str) -> None:
        self._tokens: list[tuple[bytes, str]] = []
        for pair in (p.strip() for p in spec.split(",")):
            if not pair:
                continue
            token, sep, scope = pair.partition(":")
            base, _, name = scope.partition(":")
            if not sep or not token or base not in SCOPES or (name and base == "admin"):
                # The message names the rule, never the token.
                raise ValueError(
                    "PALERMO_TOKENS must be 'token:scope' pairs with scope read, write, admin, "
                    "read:NAME or write:NAME"
                )
            self._tokens.append((token.encode("utf-8"), scope))

    def lookup(self, presented: bytes) -> Principal | None:
        """The principal of ``presented``, or None. Every configured token is compared."""
        scopes = set()
        for token, scope in self._tokens:
            if hmac.compare_digest(token, presented):
                scopes.add(scope)
        if not scopes:
            return None
        return Principal(frozenset(scopes), fingerprint(presented))

    def principal(self, authorization: str | None) -> Principal:
        """The caller named by an HTTP ``Authorization`` header (RFC 6750 bearer tokens):
        anonymous without one; :class:`~palermo.errors.Unauthorized` for a malformed or
        unknown token."""
        if not authorization:
            return ANONYMOUS
        kind, _, presented = authorization.partition(" ")
        if kind.lower() != "bearer" or not presented.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        found = self.lookup(presented.strip().encode("utf-8", "surrogateescape"))
        if found is None:
            raise Unauthorized("the token is not valid")
        return found


# ------------------------------------------------------------------------------------------------
# Visibility


@dataclass(frozen=True)
class Visibility:
    """The graphs one caller may see. ``everything`` means no restriction at all."""

    everything: bool
    graphs: frozenset[str]

    def allows(self, graph: str | None) -> bool:
        if self.everything:
            return True
        return graph is not None and graph in self.graphs

    def ordered(self) -> list[str]:
        return sorted(self.graphs)


EVERYTHING = Visibility(True, frozenset())


def case_graphs_by_dataset(store: Store) -> dict[str, tuple[bool, set[str]]]:
    """For each dataset name: (public, its case graphs and their inference graphs)."""
    rows = store.query(
        metadata.GRAPHS_BY_DATASET_QUERY, default_graphs=[None], named_graphs=[METADATA_GRAPH]
    )
    return metadata.graphs_by_dataset(solutions(rows))


def visibility(store: Store, principal: Principal) -> Visibility:
    """The graphs ``principal`` may see in ``store`` now."""
    if principal.reads_everything:
        return EVERYTHING
    graphs = set(OPEN_GRAPHS)
    for name, (public, members) in case_graphs_by_dataset(store).items():
        if public or principal.can_read_dataset(name):
            graphs |= members
    return Visibility(False, frozenset(graphs))


def all_case_data(store: Store) -> Visibility:
    """Every case and inference graph plus the open graphs (for aggregate named queries)."""
    graphs = set(OPEN_GRAPHS)
    for _public, members in case_graphs_by_dataset(store).values():
        graphs |= members
    return Visibility(False, frozenset(graphs))


@dataclass(frozen=True)
class QueryDataset:
    """The ``default_graphs``/``named_graphs`` arguments of :meth:`Store.query` for one query."""

    default_graphs: list[str | None] | None
    named_graphs: list[str] | None


def query_dataset(
    seen: Visibility,
    facts: SparqlFacts | None = None,
    *,
    protocol_default: Sequence[str] = (),
    protocol_named: Sequence[str] = (),
) -> QueryDataset:
    """The dataset a query runs over: what it asks for, intersected with what the caller sees.

    SPARQL 1.1 Protocol 2.1.4: ``default-graph-uri``/``named-graph-uri`` replace the query's
    ``FROM``/``FROM NAMED``; either replaces the service's default dataset (the union of the
    visible graphs as the default graph, every visible graph as a named graph).
    """
    if protocol_default or protocol_named:
        asked_default, asked_named = list(protocol_default), list(protocol_named)
    elif facts is not None and facts.has_dataset_clause:
        asked_default, asked_named = list(facts.from_graphs), list(facts.from_named)
    elif seen.everything:
        return QueryDataset(None, None)
    else:
        visible = seen.ordered()
        return QueryDataset(list(visible), visible)
    return QueryDataset(
        [g for g in _unique(asked_default) if seen.allows(g)],
        [g for g in _unique(asked_named) if seen.allows(g)],
    )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ------------------------------------------------------------------------------------------------
# Aggregate named queries


def suppress_small_cells(
    rows: Iterable[Sequence[object]], min_cell: int
) -> tuple[tuple[object, ...], ...]:
    """Statistical disclosure control on an aggregate result computed over private data.

    Every integer cell with ``0 < n < min_cell`` is suppressed (unbound), and a row whose every
    integer cell is suppressed is dropped, so that a small group is not revealed by its key either.
    Zero counts stay: they disclose no one.
    """
    out = []
    for row in rows:
        cells = list(row)
        counts = suppressed = 0
        for i, cell in enumerate(cells):
            if isinstance(cell, ox.Literal) and cell.datatype.value == _XSD_INTEGER:
                counts += 1
                try:
                    n = int(cell.value)
                except ValueError:
                    n = 0
                if 0 < n < min_cell:
                    cells[i] = None
                    suppressed += 1
        if counts and suppressed == counts:
            continue
        out.append(tuple(cells))
    return tuple(out)


# ------------------------------------------------------------------------------------------------
# Audit


def audit_write(principal: Principal, action: str, graphs: Iterable[str | None], **facts: object):
    """One line per write: who (token fingerprint), what action, which graphs, when (the log
    record's time). Never the content, never the token."""
    names = ",".join("DEFAULT" if g is None else g for g in graphs) or "-"
    extra = " ".join(f"{k}={v}" for k, v in facts.items() if v is not None)
    audit.info("who=%s action=%s graphs=%s %s", principal.fingerprint, action, names, extra)
