"""The one owner of the service's metadata graph: every write to it and every query about it.

The metadata graph (``https://w3id.org/palermo/graph/service``) records, with standard
vocabularies, which case a graph holds (``dcterms:subject``), which graph holds its inferences
(``prov:wasDerivedFrom`` from the inference graph to the case graph), when each was written
(``dcterms:modified``) and which dataset a case graph belongs to (``dcterms:isPartOf``); a dataset
is a ``dcat:Dataset`` with a ``dcterms:identifier`` and ``dcterms:accessRights`` PUBLIC or
NON_PUBLIC from the EU access-right table
(http://publications.europa.eu/resource/authority/access-right).

A case graph is visible only once its ``dcterms:isPartOf`` record exists: the bulk path writes
those records last, and :data:`RECORDED_GRAPHS_QUERY` finds the graphs a stopped load left
without one. Both backends and the bulk path build their SPARQL and N-Quads here, so whoever
changes how a case is recorded changes this module only.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from palermo.errors import InputError, PalermoError
from palermo.rdf.namespaces import CASE_BASE, DCAT, DCTERMS, GRAPH_BASE, PROV, RDF, XSD, graph_iri

ONTOLOGY_GRAPH = graph_iri("ontology")
SHAPES_GRAPH = graph_iri("shapes")
METADATA_GRAPH = graph_iri("service")
SERVICE_GRAPHS = frozenset({ONTOLOGY_GRAPH, SHAPES_GRAPH, METADATA_GRAPH})
CASE_GRAPH_BASE = GRAPH_BASE + "case/"
INFERRED_SUFFIX = "/inferred"
DATASET_BASE = "https://w3id.org/palermo/dataset/"
ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
PUBLIC = ACCESS_RIGHT + "PUBLIC"
NON_PUBLIC = ACCESS_RIGHT + "NON_PUBLIC"

_SAFE_KEY = re.compile(r"[A-Za-z0-9._~-]{1,100}")
_DATASET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

_META = f"<{METADATA_GRAPH}>"
_SUBJECT = f"<{DCTERMS.subject}>"
_PART_OF = f"<{DCTERMS.isPartOf}>"
_MODIFIED = f"<{DCTERMS.modified}>"
_IDENTIFIER = f"<{DCTERMS.identifier}>"
_ACCESS_RIGHTS = f"<{DCTERMS.accessRights}>"
_LICENSE = f"<{DCTERMS.license}>"
_DERIVED_FROM = f"<{PROV.wasDerivedFrom}>"
_TYPE = f"<{RDF.type}>"
_DATASET = f"<{DCAT.Dataset}>"
_DATETIME = str(XSD.dateTime)


@dataclass(frozen=True)
class CaseGraphWrite:
    """One case graph to write: its asserted triples and, beside them, inferences and assessments.

    ``graph`` is the IRI of the case graph; ``inferred_graph`` the IRI of the graph beside it.
    ``cases`` are the ``pal:Case`` IRIs the graph holds (usually one; ``_:label`` for a blank
    node).
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


class Conflict(PalermoError):
    """A write that contradicts what is stored (for example a private dataset loaded as public)."""

    slug = "conflict"
    title = "Conflict with stored data"
    status = 409
    exit_code = 2


# ------------------------------------------------------------------------------------------------
# Names


def dataset_iri(name: str) -> str:
    return DATASET_BASE + name


def check_dataset_name(name: str) -> str:
    if not _DATASET_NAME.fullmatch(name):
        raise InputError(
            f"dataset name {name!r} must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def case_key(case: str, *, case_base: str = CASE_BASE) -> str:
    """The key naming the graphs of ``case`` (an IRI, or ``_:label`` for a blank node): its local
    id under the case base, else a digest; a fresh key for a blank node."""
    if case.startswith("_:"):
        return "b" + uuid.uuid4().hex
    if case.startswith(case_base) and _SAFE_KEY.fullmatch(case[len(case_base) :]):
        return case[len(case_base) :]
    return "h" + hashlib.sha256(case.encode("utf-8")).hexdigest()[:24]


#: Graphs named under ``…/graph/dataset/NAME/`` belong to dataset NAME by their name alone.
DATASET_GRAPH_BASE = GRAPH_BASE + "dataset/"


def dataset_graph_namespace(name: str) -> str:
    """The IRI prefix of the graphs that belong to dataset ``name`` by their name."""
    return DATASET_GRAPH_BASE + check_dataset_name(name) + "/"


def dataset_of_graph(graph: str | None) -> str | None:
    """The dataset whose namespace (:func:`dataset_graph_namespace`) holds ``graph``, or None.

    Every write puts a graph of that namespace into that dataset, so a ``write:NAME`` token may
    create graphs there without ever touching another dataset's graph (``api/data.py``)."""
    if graph is None or not graph.startswith(DATASET_GRAPH_BASE):
        return None
    name, sep, rest = graph[len(DATASET_GRAPH_BASE) :].partition("/")
    return name if sep and rest and _DATASET_NAME.fullmatch(name) else None


def case_graph_iri(key: str) -> str:
    return CASE_GRAPH_BASE + key


def inferred_graph_iri(case_graph: str) -> str:
    """The graph beside ``case_graph`` that holds its inferences and assessment."""
    if case_graph.startswith(CASE_GRAPH_BASE):
        return case_graph + INFERRED_SUFFIX
    return graph_iri("inferred/" + hashlib.sha256(case_graph.encode("utf-8")).hexdigest()[:24])


def timestamp(now: str) -> str:
    """An ``xsd:dateTime`` literal in N-Triples syntax."""
    return f'"{now}"^^<{_DATETIME}>'


# ------------------------------------------------------------------------------------------------
# Records: the same statements for SPARQL Update (both backends) and N-Quads (the bulk path)


def record_statements(graph: str, inferred: str, cases: Iterable[str], stamp: str) -> list[str]:
    """The records of one case graph but its ``dcterms:isPartOf``, as N-Triples statements
    without the final dot. ``cases`` are IRIs or ``_:`` blank-node labels; ``stamp`` is
    :func:`timestamp`."""
    g, inf = f"<{graph}>", f"<{inferred}>"
    out = [
        f"{g} {_MODIFIED} {stamp}",
        f"{inf} {_DERIVED_FROM} {g}",
        f"{inf} {_MODIFIED} {stamp}",
    ]
    for case in cases:
        node = case if case.startswith("_:") else f"<{case}>"
        out.append(f"{g} {_SUBJECT} {node}")
        out.append(f"{inf} {_SUBJECT} {node}")
    return out


def part_of_statement(graph: str, dataset: str) -> str:
    """The record that makes a case graph visible: it belongs to ``dataset``."""
    return f"<{graph}> {_PART_OF} <{dataset_iri(dataset)}>"


def record_nquads(statements: Iterable[str]) -> str:
    """Statements of :func:`record_statements` as N-Quads in the metadata graph."""
    return "".join(f"{s} {_META} .\n" for s in statements)


def part_of_quads(graphs: Iterable[str], dataset: str) -> list[ox.Quad]:
    """The ``dcterms:isPartOf`` records that make case graphs visible, as quads."""
    meta = ox.NamedNode(METADATA_GRAPH)
    part_of = ox.NamedNode(str(DCTERMS.isPartOf))
    ds = ox.NamedNode(dataset_iri(dataset))
    return [ox.Quad(ox.NamedNode(g), part_of, ds, meta) for g in graphs]


def dataset_update(name: str, public: bool, *, replace: bool) -> str:
    """The update that records a dataset (``replace``: and drops its former access rights)."""
    ds = f"<{dataset_iri(name)}>"
    rights = PUBLIC if public else NON_PUBLIC
    drop = f"DELETE WHERE {{ GRAPH {_META} {{ {ds} {_ACCESS_RIGHTS} ?r }} }} ;\n" if replace else ""
    return (
        f"{drop}INSERT DATA {{ GRAPH {_META} {{ {ds} {_TYPE} {_DATASET} ; "
        f"{_IDENTIFIER} {ox.Literal(name)} ; {_ACCESS_RIGHTS} <{rights}> . }} }}"
    )


def check_access_rights(dataset: str, stored_public: bool | None, public: bool | None) -> bool:
    """Whether writing into ``dataset`` must first record it (it is new); raises
    :class:`Conflict` when ``public`` contradicts the stored access rights. ``public=None``
    keeps what is stored (private when new)."""
    check_dataset_name(dataset)
    if stored_public is None:
        return True
    if public is not None and stored_public != public:
        state = "public" if stored_public else "private"
        raise Conflict(f"dataset {dataset!r} is {state}; load into another dataset or change it")
    return False


def statements(triples: Iterable[ox.Triple]) -> str:
    """Triples as the body of ``INSERT DATA`` (N-Triples statements)."""
    return " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)


def case_graphs_update(
    writes: Sequence[CaseGraphWrite],
    dataset: str,
    *,
    now: str,
    new_dataset: bool | None = None,
    stale: Collection[str] | None = None,
) -> str:
    """The SPARQL Update that replaces case graphs, their inference graphs and their records.

    ``stale`` are the graphs to drop and forget first (``None``: every graph written, for a
    store where asking costs more than dropping). ``new_dataset`` (True or False for a
    dataset to record as public or private) puts the dataset's record in the same update. Graphs
    written empty are created (``CREATE SILENT GRAPH``), as the Graph Store Protocol says an
    empty ``PUT`` leaves an empty graph.
    """
    stamp = timestamp(now)
    header = (
        dataset_update(dataset, new_dataset, replace=False) + " ;\n"
        if new_dataset is not None
        else ""
    )
    names = [n for w in writes for n in (w.graph, w.inferred_graph)]
    dropped = names if stale is None else [n for n in names if n in stale]
    drops = "".join(f"DROP SILENT GRAPH <{n}> ;\n" for n in dropped)
    # One DELETE for the records of every graph dropped (one per graph costs a scan each).
    forget = (
        f"DELETE {{ GRAPH {_META} {{ ?g ?p ?o }} }} WHERE {{ "
        f"VALUES ?g {{ {' '.join(f'<{n}>' for n in dropped)} }} GRAPH {_META} {{ ?g ?p ?o }} }} ;\n"
        if dropped
        else ""
    )
    creates: list[str] = []
    inserts: list[str] = []
    for w in writes:
        for name, triples in ((w.graph, w.asserted), (w.inferred_graph, w.inferred)):
            if triples:
                inserts.append(f"GRAPH <{name}> {{\n{statements(triples)}\n}}\n")
            else:
                creates.append(f"CREATE SILENT GRAPH <{name}> ;\n")
        records = record_statements(w.graph, w.inferred_graph, w.cases, stamp)
        records.append(part_of_statement(w.graph, dataset))
        inserts.append(f"GRAPH {_META} {{ {' .'.join(records)} . }}\n")
    return header + drops + forget + "".join(creates) + "INSERT DATA {\n" + "".join(inserts) + "}"


def drop_case_update(graph: str, inferred: str | None = None) -> str:
    """The update that removes a case graph, its inference graph and their records."""
    inf = inferred or inferred_graph_iri(graph)
    return (
        f"DROP SILENT GRAPH <{graph}> ; DROP SILENT GRAPH <{inf}> ;\n"
        f"DELETE WHERE {{ GRAPH {_META} {{ <{graph}> ?p ?o }} }} ;\n"
        f"DELETE WHERE {{ GRAPH {_META} {{ <{inf}> ?p ?o }} }}"
    )


# ------------------------------------------------------------------------------------------------
# Reading


def records_query(graph: str | None) -> str:
    """The SELECT that reads the records of one case graph, or of all."""
    values = f"VALUES ?g {{ {ox.NamedNode(graph)} }}" if graph else ""
    return f"""SELECT ?g ?inf ?case ?ds WHERE {{ GRAPH {_META} {{
                  {values}
                  ?g {_SUBJECT} ?case ; {_PART_OF} ?ds .
                  ?inf {_DERIVED_FROM} ?g . }} }} ORDER BY ?g ?case"""


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


DATASETS_QUERY = f"""SELECT ?ds ?name ?rights ?g WHERE {{ GRAPH {_META} {{
      ?ds a {_DATASET} ; {_IDENTIFIER} ?name ; {_ACCESS_RIGHTS} ?rights .
      OPTIONAL {{ ?g {_PART_OF} ?ds }} }} }} ORDER BY ?name ?g"""


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


def access_rights_query(dataset: str) -> str:
    """The SELECT of a dataset's access rights (no row: the dataset does not exist)."""
    return f"SELECT ?r WHERE {{ GRAPH {_META} {{ <{dataset_iri(dataset)}> {_ACCESS_RIGHTS} ?r }} }}"


def stored_public(rows: Iterable[Any]) -> bool | None:
    """From the rows of :func:`access_rights_query`: public, private, or None (no dataset)."""
    rights = [row["r"].value for row in rows]
    return (PUBLIC in rights) if rights else None


#: For each dataset, its access rights, case graphs and their inference graphs (access control).
GRAPHS_BY_DATASET_QUERY = f"""SELECT ?ds ?rights ?g ?inf WHERE {{ GRAPH {_META} {{
      ?ds {_ACCESS_RIGHTS} ?rights .
      OPTIONAL {{ ?g {_PART_OF} ?ds . OPTIONAL {{ ?inf {_DERIVED_FROM} ?g }} }} }} }}"""


def graphs_by_dataset(rows: Iterable[Any]) -> dict[str, tuple[bool, set[str]]]:
    """From the rows of :data:`GRAPHS_BY_DATASET_QUERY`: for each dataset name, whether it is
    public and its case graphs with their inference graphs."""
    out: dict[str, tuple[bool, set[str]]] = {}
    for row in rows:
        name = row["ds"].value.removeprefix(DATASET_BASE)
        entry = out.setdefault(name, (row["rights"].value == PUBLIC, set()))
        for key in ("g", "inf"):
            if row[key] is not None:
                entry[1].add(row[key].value)
    return out


#: The case graphs that have a dataset record (those without one were left by a stopped load).
RECORDED_GRAPHS_QUERY = f"SELECT ?g WHERE {{ GRAPH {_META} {{ ?g {_PART_OF} ?ds }} }}"


def orphan_case_graphs(names: Iterable[str], recorded: Collection[str]) -> list[str]:
    """Case graphs among ``names`` without a dataset record, and inference graphs whose case
    graph is neither recorded nor present."""
    names = list(names)
    present = set(names)
    orphans = [
        g
        for g in names
        if g.startswith(CASE_GRAPH_BASE) and not g.endswith(INFERRED_SUFFIX) and g not in recorded
    ]
    orphans += [
        g
        for g in names
        if g.startswith(CASE_GRAPH_BASE)
        and g.endswith(INFERRED_SUFFIX)
        and g.removesuffix(INFERRED_SUFFIX) not in recorded
        and g.removesuffix(INFERRED_SUFFIX) not in present
    ]
    return orphans


class RecordReader:
    """The reads of the metadata graph both backends share; a backend supplies
    :meth:`_select`, a SELECT over the store's own dataset."""

    def _select(self, sparql: str) -> ox.QuerySolutions:
        raise NotImplementedError

    def case_records(self) -> list[CaseRecord]:
        return records_from_rows(self._select(records_query(None)))

    def case_record(self, graph: str) -> CaseRecord | None:
        found = records_from_rows(self._select(records_query(graph)))
        return found[0] if found else None

    def datasets(self) -> list[Dataset]:
        return datasets_from_rows(self._select(DATASETS_QUERY))

    def stored_public(self, dataset: str) -> bool | None:
        """Whether ``dataset`` is public, private, or not stored (None)."""
        return stored_public(self._select(access_rights_query(dataset)))


def licence_query(dataset: str) -> str:
    """The SELECT of the licences recorded for a dataset (``?l``)."""
    return f"SELECT ?l WHERE {{ GRAPH {_META} {{ <{dataset_iri(dataset)}> {_LICENSE} ?l }} }}"


def readable_graphs_query(datasets: Iterable[str]) -> str:
    """The case graphs (``?g``) and inference graphs (``?inf``) of the public datasets and of
    ``datasets`` (names, already checked), for access control: it reads only their records, so
    its cost grows with what the caller may see, not with the store. A dataset is public when it
    has access rights and all of them are PUBLIC."""
    named = " ".join(f"<{dataset_iri(n)}>" for n in sorted(set(datasets)))
    return f"""SELECT ?g ?inf WHERE {{ GRAPH {_META} {{
      {{ ?ds {_ACCESS_RIGHTS} <{PUBLIC}>
         FILTER NOT EXISTS {{ ?ds {_ACCESS_RIGHTS} ?other FILTER (?other != <{PUBLIC}>) }} }}
      UNION {{ VALUES ?ds {{ {named} }} FILTER EXISTS {{ ?ds {_ACCESS_RIGHTS} ?rights }} }}
      ?g {_PART_OF} ?ds .
      OPTIONAL {{ ?inf {_DERIVED_FROM} ?g }} }} }}"""
