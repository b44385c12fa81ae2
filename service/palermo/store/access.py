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

import getpass
import hashlib
import hmac
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from palermo.errors import Forbidden, InputError, Unauthorized
from palermo.rdf.guards import SparqlFacts, UpdateFacts
from palermo.rdf.namespaces import XSD
from palermo.store import metadata, views
from palermo.store.interface import Store, solutions
from palermo.store.metadata import METADATA_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH

log = logging.getLogger(__name__)
#: The logger of the audit trail; the entry point (``palermo``) sets it to INFO.
AUDIT_LOGGER = "palermo.audit"
audit = logging.getLogger(AUDIT_LOGGER)

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

    @property
    def is_admin(self) -> bool:
        """Scope ``admin``: whole-store operations (``DROP ALL``, ``CLEAR DEFAULT``, ...), writes
        to the ontology, shapes and service metadata graphs, and the store's counts."""
        return "admin" in self.scopes

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
    """A short, stable, non-reversible name for a token, for the audit log.

    It is computed from the token as presented, so a token has the same fingerprint whether
    ``PALERMO_TOKENS`` holds it plain or as its hash."""
    return "tok-" + hashlib.sha256(b"palermo-token\x00" + token).hexdigest()[:12]


#: The prefix of a hashed entry of ``PALERMO_TOKENS``: ``sha256:HEX:scope``.
HASH_PREFIX = "sha256:"
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def token_hash(token: str) -> str:
    """The ``sha256:HEX`` form of ``token`` for ``PALERMO_TOKENS`` (HEX: the SHA-256 of the
    token's UTF-8 bytes, 64 lowercase hex digits); ``palermo token-hash`` prints it."""
    return HASH_PREFIX + hashlib.sha256(token.encode("utf-8")).hexdigest()


def _valid_scope(scope: str) -> bool:
    base, sep, name = scope.partition(":")
    if base not in SCOPES:
        return False
    return not sep or (bool(name) and base != "admin")


class TokenTable:
    """``PALERMO_TOKENS``: a comma-separated list of ``token:scope`` or ``sha256:HEX:scope``
    entries (scope ``read``, ``write``, ``admin``, ``read:NAME`` or ``write:NAME``).

    A hashed entry names a token by the SHA-256 of its UTF-8 bytes (:func:`token_hash`), so a
    configuration file need not hold a usable secret. Plain entries are hashed when the table is
    built: a lookup hashes the presented token once and compares it with every entry's 32-byte
    digest by :func:`hmac.compare_digest`, so the time taken says nothing about which entry, or how
    much of one, matched. A malformed entry is a :class:`ValueError` naming its position and the
    rule, never its text.
    """

    def __init__(self, spec: str) -> None:
        self._tokens: list[tuple[bytes, str]] = []
        entries = [p.strip() for p in spec.split(",")]
        for position, entry in enumerate((e for e in entries if e), start=1):
            self._tokens.append(self._parse(entry, position))

    @staticmethod
    def _parse(entry: str, position: int) -> tuple[bytes, str]:
        """(SHA-256 digest of the token, scope) of one entry."""
        token, sep, scope = entry.partition(":")
        if token == HASH_PREFIX[:-1] and sep and not _valid_scope(scope):
            # sha256:HEX:scope (a plain token "sha256" with a valid scope stays a plain token)
            digest, _, scope = scope.partition(":")
            if not _HEX64.fullmatch(digest) or not _valid_scope(scope):
                raise ValueError(
                    f"PALERMO_TOKENS entry {position} is not a valid 'sha256:HEX:scope' entry: "
                    "HEX must be 64 hex digits (the SHA-256 of the token, as `palermo "
                    "token-hash` prints it) and scope read, write, admin, read:NAME or write:NAME"
                )
            return bytes.fromhex(digest), scope
        if not sep or not token or not _valid_scope(scope):
            # The message names the rule and the entry's position, never the token.
            raise ValueError(
                f"PALERMO_TOKENS entry {position} is malformed: entries are 'token:scope' or "
                "'sha256:HEX:scope' with scope read, write, admin, read:NAME or write:NAME"
            )
        return hashlib.sha256(token.encode("utf-8")).digest(), scope

    def lookup(self, presented: bytes) -> Principal | None:
        """The principal of ``presented``, or None. Every configured token is compared."""
        presented_digest = hashlib.sha256(presented).digest()
        scopes = set()
        for digest, scope in self._tokens:
            if hmac.compare_digest(digest, presented_digest):
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
    """The graphs ``principal`` may see in ``store`` now.

    Only the records of the datasets the caller may read are read, so that the cost follows what
    the caller sees, not the amount of private data in the store.
    """
    if principal.reads_everything:
        return EVERYTHING
    readable = []
    granted = {scope.split(":", 1)[1] for scope in principal.scopes if ":" in scope}
    for name in sorted(n for n in granted if principal.can_read_dataset(n)):
        try:
            readable.append(metadata.check_dataset_name(name))
        except InputError:
            continue  # a name no dataset can have
    rows = store.query(
        metadata.readable_graphs_query(readable),
        default_graphs=[None],
        named_graphs=[METADATA_GRAPH],
    )
    graphs = set(OPEN_GRAPHS)
    for row in solutions(rows):
        for key in ("g", "inf"):
            if row[key] is not None:
                graphs.add(row[key].value)
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


def case_data_dataset(store: Store, sparql: str) -> QueryDataset:
    """The dataset of an aggregate named query run by a caller who may not read everything: all
    case data. It is given as the union default graph when that is the same dataset for this query
    and this store (:mod:`palermo.store.views`: a list of thousands of graphs makes Oxigraph's
    joins quadratic), else as the list of graphs."""
    if views.union_for_all_case_data(store, sparql):
        return QueryDataset(None, None)
    return query_dataset(all_case_data(store))


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
# Writes that need admin


#: Graphs only ``admin`` may write: the ontology, the shapes and the service metadata graph (which
#: says which dataset is public: a write there could publish private data).
ADMIN_GRAPHS = frozenset({ONTOLOGY_GRAPH, SHAPES_GRAPH, METADATA_GRAPH})


def authorise_update(store: Store, principal: Principal, facts: UpdateFacts) -> str:
    """The update text to run for ``principal``, or :class:`~palermo.errors.Forbidden`.

    Without scope ``admin``, an update may not empty graphs wholesale (``DROP``/``CLEAR`` of
    ``ALL``, ``NAMED`` or ``DEFAULT``) nor write :data:`ADMIN_GRAPHS`, whether it names them
    (by IRI, prefixed name, relative IRI or escaped IRI) or reaches them through a template
    variable (``INSERT { GRAPH ?g { … } } WHERE { … }``). A variable is settled by running the
    update's ``WHERE`` clause as an ``ASK`` first (403 when it would bind a guarded graph), and
    the update then runs with its ``WHERE`` clauses filtered (:meth:`UpdateFacts.fenced`), so
    that a write landing between the two still cannot reach those graphs.
    """
    if principal.is_admin:
        return facts.text
    if facts.whole_store:
        raise Forbidden(
            f"{facts.whole_store[0]} empties graphs wholesale and needs a token with admin scope"
        )
    if facts.unsettled:
        raise Forbidden(
            "the service cannot tell which graphs this update writes; name each graph after "
            "GRAPH by an IRI, a prefixed name or a variable, or use a token with admin scope"
        )
    guarded = sorted(ADMIN_GRAPHS.intersection(facts.graphs))
    if guarded:
        raise Forbidden(_ADMIN_GRAPHS_MESSAGE)
    if not facts.graph_variables:
        return facts.text
    for probe in facts.probes(ADMIN_GRAPHS):
        default = [None] if probe.default is None else list(probe.default)
        named = None if probe.named is None else list(probe.named)
        if bool(store.query(probe.query, default_graphs=default, named_graphs=named)):
            raise Forbidden(_ADMIN_GRAPHS_MESSAGE)
    return facts.fenced(ADMIN_GRAPHS)


_ADMIN_GRAPHS_MESSAGE = (
    "the ontology, shapes and service metadata graphs are written only with a token with admin "
    "scope"
)


def admin_graph_refusal(graph: str | None) -> Forbidden | None:
    """The refusal of a Graph Store write to one of :data:`ADMIN_GRAPHS` without admin."""
    return Forbidden(_ADMIN_GRAPHS_MESSAGE) if graph in ADMIN_GRAPHS else None


# ------------------------------------------------------------------------------------------------
# Audit


def audit_write(
    principal: Principal, action: str, graphs: Iterable[str | None], **facts: object
) -> None:
    """One line per write: who (token fingerprint, or ``cli:USER`` for the command line), what
    action, which graphs, when (the log record's time). Never the content, never the token."""
    names = ",".join("DEFAULT" if g is None else g for g in graphs) or "-"
    extra = " ".join(f"{k}={v}" for k, v in facts.items() if v is not None)
    audit.info("who=%s action=%s graphs=%s %s", principal.fingerprint, action, names, extra)


def cli_principal() -> Principal:
    """Who writes from the command line (``palermo load``, ``palermo import --load``): the
    operating-system user, named ``cli:USER`` in the audit log (``cli`` alone when the user
    cannot be found). The command line holds the store itself, so it may do anything."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name, no passwd entry (containers)
        return Principal(frozenset({"admin"}), "cli")
    safe = re.sub(r"[^A-Za-z0-9._@-]", "_", user)[:64]
    return Principal(frozenset({"admin"}), f"cli:{safe}" if safe else "cli")
