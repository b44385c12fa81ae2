"""The triple store: one interface, an embedded Oxigraph implementation (DESIGN.md, "Components").

Named graphs (all under ``https://w3id.org/palermo/graph/``):

- ``ontology``: the OWL ontology, ``shapes``: the SHACL shapes, ``service``: the service metadata;
- ``case/{key}``: the asserted triples of one case, exactly as submitted;
- ``case/{key}/inferred``: beside it, the OWL 2 RL entailments about the case and its
  ``pal:Assessment``. Both are written in one transaction, so a case is wholly present or absent.

The metadata graph records, with standard vocabularies, which case a graph holds
(``dcterms:subject``), which graph holds its inferences (``prov:wasDerivedFrom`` from the inference
graph to the case graph) and which dataset it belongs to (``dcterms:isPartOf``); a dataset is a
``dcat:Dataset`` with ``dcterms:accessRights`` PUBLIC or NON_PUBLIC from the EU access-right table.
Access control (issue 4) reads these records and restricts the graphs a query may see through the
``default_graphs``/``named_graphs`` arguments of :meth:`Store.query`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from palermo.errors import InputError, PalermoError, StoreError
from palermo.namespaces import CASE_BASE, GRAPH_BASE, PAL, graph_iri
from palermo.parsing import to_oxigraph_term

log = logging.getLogger(__name__)

ONTOLOGY_GRAPH = graph_iri("ontology")
SHAPES_GRAPH = graph_iri("shapes")
METADATA_GRAPH = graph_iri("service")
SERVICE_GRAPHS = frozenset({ONTOLOGY_GRAPH, SHAPES_GRAPH, METADATA_GRAPH})
DATASET_BASE = "https://w3id.org/palermo/dataset/"
ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
PUBLIC = ACCESS_RIGHT + "PUBLIC"
NON_PUBLIC = ACCESS_RIGHT + "NON_PUBLIC"

_DCTERMS = "http://purl.org/dc/terms/"
_PROV = "http://www.w3.org/ns/prov#"
_DCAT = "http://www.w3.org/ns/dcat#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"

_SAFE_KEY = re.compile(r"[A-Za-z0-9._~-]{1,100}")
_DATASET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class Conflict(PalermoError):
    """A write that contradicts what is stored (for example a private dataset loaded as public)."""

    slug = "conflict"
    title = "Conflict with stored data"
    status = 409
    exit_code = 2


# ------------------------------------------------------------------------------------------------
# What the store is given and what it reports


@dataclass(frozen=True)
class CaseGraphWrite:
    """One case graph to write: its asserted triples and, beside them, inferences and assessments.

    ``graph`` is the IRI of the case graph; ``inferred_graph`` the IRI of the graph beside it.
    ``cases`` are the ``pal:Case`` IRIs the graph holds (usually one).
    """

    graph: str
    inferred_graph: str
    cases: tuple[str, ...]
    asserted: tuple[ox.Triple, ...]
    inferred: tuple[ox.Triple, ...]
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseRecord:
    """What the metadata graph says about one stored case graph."""

    graph: str
    inferred_graph: str
    cases: tuple[str, ...]
    dataset: str


@dataclass(frozen=True)
class Dataset:
    """A named set of case graphs, public or private (DESIGN.md, "Confidentiality")."""

    name: str
    iri: str
    public: bool
    graphs: tuple[str, ...] = field(default=())


def dataset_iri(name: str) -> str:
    return DATASET_BASE + name


def check_dataset_name(name: str) -> str:
    if not _DATASET_NAME.fullmatch(name):
        raise InputError(
            f"dataset name {name!r} must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def case_key(case: Node) -> str:
    """The key naming the graphs of ``case``: its local id under the case base, else a digest."""
    if isinstance(case, BNode):
        return "b" + uuid.uuid4().hex
    iri = str(case)
    if iri.startswith(CASE_BASE) and _SAFE_KEY.fullmatch(iri[len(CASE_BASE) :]):
        return iri[len(CASE_BASE) :]
    return "h" + hashlib.sha256(iri.encode("utf-8")).hexdigest()[:24]


def case_graph_iri(key: str) -> str:
    return graph_iri(f"case/{key}")


def inferred_graph_iri(case_graph: str) -> str:
    """The graph beside ``case_graph`` that holds its inferences and assessment."""
    if case_graph.startswith(GRAPH_BASE + "case/"):
        return case_graph + "/inferred"
    return graph_iri("inferred/" + hashlib.sha256(case_graph.encode("utf-8")).hexdigest()[:24])


def to_triples(graph: Graph | Iterable[ox.Triple]) -> tuple[ox.Triple, ...]:
    """pyoxigraph triples of ``graph``, without those with a literal subject (owlrl makes them)."""
    if not isinstance(graph, Graph):
        return tuple(t for t in graph if not isinstance(t.subject, ox.Literal))
    return _from_rdflib(graph)


def _from_rdflib(triples: Iterable[tuple[Node, Node, Node]]) -> tuple[ox.Triple, ...]:
    """pyoxigraph triples of rdflib triples, each once, without literal subjects; every term is
    converted once (a case's IRIs recur in most of its triples)."""
    terms: dict[Node, Any] = {}

    def term(node: Node) -> Any:
        found = terms.get(node)
        if found is None:
            found = terms[node] = to_oxigraph_term(node)
        return found

    out: dict[ox.Triple, None] = {}
    for s, p, o in triples:
        if isinstance(s, Literal) or not isinstance(p, URIRef):
            continue
        out[ox.Triple(term(s), term(p), term(o))] = None
    return tuple(out)


def case_graph_write(
    graph: str, cases: Sequence[Any], asserted: Graph | None = None
) -> CaseGraphWrite:
    """Build the write for a case graph from classifier results (``ClassifiedCase`` objects).

    ``asserted`` defaults to the union of the cases' own triples.
    """
    own = asserted if asserted is not None else (t for c in cases for t in c.asserted)
    inferred = (
        t for c in cases for part in (c.inferred, c.assessment.to_rdf()) for t in part
    )
    return CaseGraphWrite(
        graph=graph,
        inferred_graph=inferred_graph_iri(graph),
        cases=tuple(str(c.case) for c in cases),
        asserted=_from_rdflib(own),
        inferred=_from_rdflib(inferred),
        labels=tuple(str(getattr(c.assessment, "label", "")) for c in cases),
    )


def writes_for_cases(cases: Iterable[Any]) -> list[CaseGraphWrite]:
    """One write per classified case, each in its own graph named from the case IRI."""
    return [case_graph_write(case_graph_iri(case_key(c.case)), [c]) for c in cases]


# ------------------------------------------------------------------------------------------------
# The interface


@runtime_checkable
class Store(Protocol):
    """What the rest of Palermo may ask of a store. Graph arguments are IRIs; ``None`` is the
    default graph."""

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str | None] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Evaluate a SPARQL 1.1 query. ``default_graphs=None`` makes the default graph the union
        of every graph; ``named_graphs=None`` allows every named graph. Raises ``SyntaxError``."""

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL 1.1 update in one transaction. Raises ``SyntaxError``."""

    def triples(self, graph: str | None) -> list[ox.Triple]: ...

    def has_graph(self, graph: str | None) -> bool: ...

    def graph_names(self) -> list[str]: ...

    def replace_graph(self, graph: str | None, triples: Iterable[ox.Triple]) -> None: ...

    def add_triples(self, graph: str | None, triples: Iterable[ox.Triple]) -> None: ...

    def drop_graph(self, graph: str | None) -> None: ...

    def write_case_graphs(
        self, writes: Sequence[CaseGraphWrite], *, dataset: str, public: bool | None = None
    ) -> None:
        """Replace each case graph and its inference graph, and record them, in ONE transaction."""

    def drop_case_graph(self, graph: str) -> None: ...

    def case_records(self) -> list[CaseRecord]: ...

    def case_record(self, graph: str) -> CaseRecord | None: ...

    def datasets(self) -> list[Dataset]: ...

    def set_dataset(self, name: str, *, public: bool) -> Dataset: ...

    def count_quads(self) -> int: ...

    def close(self) -> None: ...


# ------------------------------------------------------------------------------------------------
# Embedded Oxigraph


def _nt(term: Term | ox.Triple) -> str:
    return str(term)


def _graph_term(graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph is None else ox.NamedNode(graph)


def _insert_block(graph: str, triples: Iterable[ox.Triple]) -> str:
    body = " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)
    return f"GRAPH <{graph}> {{\n{body}\n}}\n" if body else ""


class OxigraphStore:
    """The embedded store: pyoxigraph on disk (``path``) or in memory (``path=None``).

    Writes are serialised by a lock so that a replace (drop + insert) is never interleaved with
    another; reads run concurrently (pyoxigraph gives each query a consistent snapshot).
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = None if path is None else Path(path)
        try:
            if self.path is None:
                self._store = ox.Store()
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(
                f"cannot open the store at {self.path}: {exc.strerror or exc}"
            ) from None
        self._write_lock = threading.RLock()
        if self.path is not None:
            self.sweep_incomplete()

    # -- reading ------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str | None] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        kwargs: dict[str, Any] = {"base_iri": base_iri}
        if default_graphs is None:
            kwargs["use_default_graph_as_union"] = True
        else:
            kwargs["default_graph"] = [_graph_term(g) for g in default_graphs]
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        return self._store.query(sparql, **kwargs)

    def triples(self, graph: str | None) -> list[ox.Triple]:
        return [
            q.triple for q in self._store.quads_for_pattern(None, None, None, _graph_term(graph))
        ]

    def has_graph(self, graph: str | None) -> bool:
        if graph is None:
            return True
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def count_quads(self) -> int:
        return len(self._store)

    def case_records(self) -> list[CaseRecord]:
        return self._records(None)

    def case_record(self, graph: str) -> CaseRecord | None:
        found = self._records(graph)
        return found[0] if found else None

    def _records(self, graph: str | None) -> list[CaseRecord]:
        return records_from_rows(self._store.query(records_query(graph)))

    def datasets(self) -> list[Dataset]:
        return datasets_from_rows(self._store.query(DATASETS_QUERY))

    # -- writing ------------------------------------------------------------------------------

    def _update(self, sparql: str) -> None:
        try:
            self._store.update(sparql)
        except OSError as exc:
            raise StoreError(f"the store could not be written: {exc.strerror or exc}") from None

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        with self._write_lock:
            try:
                self._store.update(sparql, base_iri=base_iri)
            except OSError as exc:
                raise StoreError(f"the store could not be written: {exc.strerror or exc}") from None

    def replace_graph(self, graph: str | None, triples: Iterable[ox.Triple]) -> None:
        target = "DEFAULT" if graph is None else f"GRAPH <{graph}>"
        body = " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in to_triples(triples))
        insert = ""
        if body:
            insert = (
                f"INSERT DATA {{ {body} }}"
                if graph is None
                else f"INSERT DATA {{ GRAPH <{graph}> {{ {body} }} }}"
            )
        with self._write_lock:
            if graph is not None and not body:
                # An empty PUT still creates the graph (GSP: the graph exists, empty).
                self._update(f"DROP SILENT {target} ; CREATE SILENT GRAPH <{graph}>")
                self._store.add_graph(ox.NamedNode(graph))
                return
            self._update(
                f"DROP SILENT {target} ;\n{insert}" if insert else f"CLEAR SILENT {target}"
            )

    def add_triples(self, graph: str | None, triples: Iterable[ox.Triple]) -> None:
        quads = [
            ox.Quad(t.subject, t.predicate, t.object, _graph_term(graph))
            for t in to_triples(triples)
        ]
        with self._write_lock:
            try:
                if graph is not None:
                    self._store.add_graph(ox.NamedNode(graph))
                self._store.extend(quads)
            except OSError as exc:
                raise StoreError(f"the store could not be written: {exc.strerror or exc}") from None

    def drop_graph(self, graph: str | None) -> None:
        with self._write_lock:
            self._update("CLEAR DEFAULT" if graph is None else f"DROP SILENT GRAPH <{graph}>")

    def set_dataset(self, name: str, *, public: bool) -> Dataset:
        check_dataset_name(name)
        with self._write_lock:
            self._update(self._dataset_update(name, public, replace=True))
        return next(d for d in self.datasets() if d.name == name)

    @staticmethod
    def _dataset_update(name: str, public: bool, *, replace: bool) -> str:
        ds = dataset_iri(name)
        rights = PUBLIC if public else NON_PUBLIC
        drop = (
            f"DELETE WHERE {{ GRAPH <{METADATA_GRAPH}> {{ "
            f"<{ds}> <{_DCTERMS}accessRights> ?r }} }} ;\n"
            if replace
            else ""
        )
        return (
            f"{drop}INSERT DATA {{ GRAPH <{METADATA_GRAPH}> {{ <{ds}> a <{_DCAT}Dataset> ; "
            f"<{_DCTERMS}identifier> {ox.Literal(name)} ; "
            f"<{_DCTERMS}accessRights> <{rights}> . }} }}"
        )

    def write_case_graphs(
        self, writes: Sequence[CaseGraphWrite], *, dataset: str, public: bool | None = None
    ) -> None:
        """Replace each case graph and its inference graph, and their metadata, atomically.

        ``public=None`` keeps the access rights of an existing dataset (private when new); a
        ``public`` that contradicts a stored dataset raises :class:`Conflict` and writes nothing.
        """
        check_dataset_name(dataset)
        if not writes:
            return
        with self._write_lock:
            existing = {d.name: d for d in self.datasets()}
            if dataset in existing:
                if public is not None and existing[dataset].public != public:
                    state = "public" if existing[dataset].public else "private"
                    raise Conflict(
                        f"dataset {dataset!r} is {state}; load into another dataset or change it"
                    )
                header = ""
            else:
                header = self._dataset_update(dataset, bool(public), replace=False) + " ;\n"
            ds = dataset_iri(dataset)
            now = ox.Literal(
                datetime.now(UTC).isoformat(), datatype=ox.NamedNode(_XSD + "dateTime")
            )
            parts: list[str] = [header]
            inserts: list[str] = []
            meta_graph = ox.NamedNode(METADATA_GRAPH)
            for w in writes:
                g, inf = ox.NamedNode(w.graph), ox.NamedNode(w.inferred_graph)
                # Only what exists is dropped: on disk, each DROP or DELETE costs a
                # transaction step even when it finds nothing (a fresh import of 21,000 cases).
                for node in (g, inf):
                    if self._store.contains_named_graph(node):
                        parts.append(f"DROP SILENT GRAPH {node} ;\n")
                    if next(iter(self._store.quads_for_pattern(node, None, None, meta_graph)),
                            None) is not None:
                        parts.append(
                            f"DELETE WHERE {{ GRAPH <{METADATA_GRAPH}> {{ {node} ?p ?o }} }} ;\n"
                        )
                inserts.append(_insert_block(w.graph, w.asserted))
                inserts.append(_insert_block(w.inferred_graph, w.inferred))
                meta = [
                    f"{g} <{_DCTERMS}isPartOf> <{ds}> ; <{_DCTERMS}modified> {now}",
                    f"{inf} <{_PROV}wasDerivedFrom> {g} ; <{_DCTERMS}modified> {now}",
                ]
                for case in w.cases:
                    meta.append(f"{g} <{_DCTERMS}subject> {ox.NamedNode(case)}")
                    meta.append(f"{inf} <{_DCTERMS}subject> {ox.NamedNode(case)}")
                inserts.append(f"GRAPH <{METADATA_GRAPH}> {{ {' .'.join(meta)} . }}\n")
            update = "".join(parts) + "INSERT DATA {\n" + "".join(inserts) + "}"
            self._update(update)
            # Named graphs that were written empty still exist (GSP semantics).
            for w in writes:
                if not w.asserted:
                    self._store.add_graph(ox.NamedNode(w.graph))
        log.info("stored %d case graph(s) in dataset %s", len(writes), dataset)

    def bulk_write_cases(
        self,
        chunks: Iterable[tuple[bytes, Sequence[str]]],
        final: Callable[[], Sequence[ox.Quad]],
        *,
        dataset: str,
        public: bool | None = None,
    ) -> int:
        """Write many classified cases fast (palermo.bulk): the N-Quads ``chunks`` (each with
        the case graphs it writes) with Oxigraph's bulk loader, then ``final()`` (the
        ``dcterms:isPartOf`` records that make each case visible) in one transaction. A write
        stopped before the records leaves graphs that :meth:`sweep_incomplete` removes; case
        graphs that already exist are replaced first. Returns the number of quads written."""
        check_dataset_name(dataset)
        with self._write_lock:
            existing = {d.name: d for d in self.datasets()}
            if dataset in existing:
                if public is not None and existing[dataset].public != public:
                    state = "public" if existing[dataset].public else "private"
                    raise Conflict(
                        f"dataset {dataset!r} is {state}; load into another dataset or change it"
                    )
            else:
                self._update(self._dataset_update(dataset, bool(public), replace=False))
            count = 0
            try:
                for chunk, graphs in chunks:
                    stale = [
                        g for g in graphs if self._store.contains_named_graph(ox.NamedNode(g))
                    ]
                    if stale:
                        self._update(" ;\n".join(_drop_case_update(g) for g in stale))
                    self._store.bulk_load(chunk, format=ox.RdfFormat.N_QUADS)
                    count += chunk.count(b"\n")
                records = final()
                self._store.extend(records)
                count += len(records)
                if self.path is not None:
                    self._store.flush()
            except OSError as exc:
                raise StoreError(f"cannot write to the store: {exc.strerror or exc}") from None
        log.info("bulk-stored %d quads in dataset %s", count, dataset)
        return count

    def sweep_incomplete(self) -> int:
        """Remove case graphs that have no dataset record (a bulk write stopped half-way), with
        their inference graphs and records. Returns how many case graphs went."""
        prefix = GRAPH_BASE + "case/"
        recorded = {
            row["g"].value
            for row in self._store.query(
                f"SELECT ?g WHERE {{ GRAPH <{METADATA_GRAPH}> {{ ?g <{_DCTERMS}isPartOf> ?ds }} }}"
            )
        }
        names = [g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)]
        orphans = [
            g for g in names
            if g.startswith(prefix) and not g.endswith("/inferred") and g not in recorded
        ]
        orphans += [
            g for g in names
            if g.startswith(prefix) and g.endswith("/inferred")
            and g.removesuffix("/inferred") not in recorded
            and g.removesuffix("/inferred") not in names
        ]
        for graph in orphans:
            self.drop_case_graph(graph)
        if orphans:
            log.warning("removed %d case graph(s) left by an interrupted load", len(orphans))
        return len(orphans)

    def drop_case_graph(self, graph: str) -> None:
        """Remove a case graph, its inference graph and its metadata in one transaction."""
        with self._write_lock:
            record = self.case_record(graph)
            inf = record.inferred_graph if record else inferred_graph_iri(graph)
            self._update(
                f"DROP SILENT GRAPH <{graph}> ; DROP SILENT GRAPH <{inf}> ;\n"
                f"DELETE WHERE {{ GRAPH <{METADATA_GRAPH}> {{ <{graph}> ?p ?o }} }} ;\n"
                f"DELETE WHERE {{ GRAPH <{METADATA_GRAPH}> {{ <{inf}> ?p ?o }} }}"
            )

    def close(self) -> None:
        if self.path is not None:
            try:
                self._store.flush()
            except OSError:  # pragma: no cover - best effort on shutdown
                log.warning("could not flush the store at %s", self.path)
        del self._store

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(self._store)


def records_query(graph: str | None) -> str:
    """The SELECT that reads the records of one case graph, or of all."""
    values = f"VALUES ?g {{ {ox.NamedNode(graph)} }}" if graph else ""
    return f"""SELECT ?g ?inf ?case ?ds WHERE {{ GRAPH <{METADATA_GRAPH}> {{
                  {values}
                  ?g <{_DCTERMS}subject> ?case ; <{_DCTERMS}isPartOf> ?ds .
                  ?inf <{_PROV}wasDerivedFrom> ?g . }} }} ORDER BY ?g ?case"""


def records_from_rows(rows: Iterable[Any]) -> list[CaseRecord]:
    """Case records from the solutions of :func:`records_query`."""
    by_graph: dict[str, tuple[str, str, list[str]]] = {}
    for row in rows:
        entry = by_graph.setdefault(row["g"].value, (row["inf"].value, row["ds"].value, []))
        entry[2].append(row["case"].value)
    return [
        CaseRecord(g, inf, tuple(cases), ds.removeprefix(DATASET_BASE))
        for g, (inf, ds, cases) in by_graph.items()
    ]


DATASETS_QUERY = f"""SELECT ?ds ?name ?rights ?g WHERE {{ GRAPH <{METADATA_GRAPH}> {{
      ?ds a <{_DCAT}Dataset> ; <{_DCTERMS}identifier> ?name ;
          <{_DCTERMS}accessRights> ?rights .
      OPTIONAL {{ ?g <{_DCTERMS}isPartOf> ?ds }} }} }} ORDER BY ?name ?g"""


def datasets_from_rows(rows: Iterable[Any]) -> list[Dataset]:
    """Datasets from the solutions of :data:`DATASETS_QUERY`."""
    found: dict[str, tuple[str, bool, list[str]]] = {}
    for row in rows:
        entry = found.setdefault(
            row["name"].value, (row["ds"].value, row["rights"].value == PUBLIC, [])
        )
        if row["g"] is not None:
            entry[2].append(row["g"].value)
    return [Dataset(n, iri, pub, tuple(gs)) for n, (iri, pub, gs) in found.items()]


def _drop_case_update(graph: str) -> str:
    """The update that removes a case graph minted by Palermo, its inference graph beside it and
    their records."""
    inf = inferred_graph_iri(graph)
    return (
        f"DROP SILENT GRAPH <{graph}> ; DROP SILENT GRAPH <{inf}> ;\n"
        f"DELETE WHERE {{ GRAPH <{METADATA_GRAPH}> {{ <{graph}> ?p ?o }} }} ;\n"
        f"DELETE WHERE {{ GRAPH <{METADATA_GRAPH}> {{ <{inf}> ?p ?o }} }}"
    )


def open_store(config: dict[str, Any]) -> Store:
    """Open the store the configuration names: remote (``STORE_URL``), in memory, or on disk."""
    if config.get("STORE_URL") or config.get("STORE_QUERY_URL"):
        from palermo.remote_store import RemoteStore  # issue 8

        return RemoteStore.from_config(config)
    if config.get("MEMORY"):
        return OxigraphStore()
    return OxigraphStore(config["DATA_DIR"])


def graph_has_case(store: Store, graph: str) -> bool:
    """Whether the named graph holds a ``pal:Case``."""
    return bool(
        store.query(
            f"ASK {{ GRAPH <{graph}> {{ ?c <{_RDF_TYPE}> <{PAL.Case}> }} }}", default_graphs=[None]
        )
    )


__all__ = [
    "METADATA_GRAPH",
    "NON_PUBLIC",
    "ONTOLOGY_GRAPH",
    "PUBLIC",
    "SERVICE_GRAPHS",
    "SHAPES_GRAPH",
    "CaseGraphWrite",
    "CaseRecord",
    "Conflict",
    "Dataset",
    "OxigraphStore",
    "Store",
    "case_graph_iri",
    "case_graph_write",
    "case_key",
    "inferred_graph_iri",
    "open_store",
    "writes_for_cases",
]
