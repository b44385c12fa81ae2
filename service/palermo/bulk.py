"""Classifying and storing many cases fast: the path of ``palermo load`` and ``palermo import``
for large inputs, and of the classification benchmark.

pyoxigraph parses; the fast path classifies on plain terms (:mod:`palermo.terms`); the result goes
to the embedded store with Oxigraph's bulk loader. A case is visible only once its record in the
service graph (``dcterms:isPartOf`` its dataset) exists, and those records are written last, in one
transaction: a load killed half-way leaves graphs without records, which
:meth:`OxigraphStore.sweep_incomplete` removes when the store is opened next. So each case is
wholly present (case graph, inference graph, records) or absent.
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from palermo.classification import (
    Classifier,
    PlainResult,
    activity_triples,
    default_classifier,
    graph_of,
)
from palermo.parsing import read_file
from palermo.store import (
    DATASET_BASE,
    METADATA_GRAPH,
    case_graph_iri,
    case_key,
    inferred_graph_iri,
)
from palermo.terms import (
    Triple,
    from_rdflib,
    n3,
    triples_from_oxigraph,
    triples_from_rdflib,
)

log = logging.getLogger(__name__)

_DCTERMS = "http://purl.org/dc/terms/"
_PROV = "http://www.w3.org/ns/prov#"
_XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


@dataclass(frozen=True)
class BulkSummary:
    """What a bulk load did, with the time each stage took (seconds)."""

    cases: int
    quads: int
    labels: dict[str, int]
    parse: float
    classify: float
    store: float


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: classifying allocates millions of small tuples
    and no cycles, and the collector's passes over them cost a third of the time at 100,000
    cases."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_plain(paths: Iterable[Path]) -> list[Triple]:
    """Parse files with pyoxigraph into plain triples (an InputError names file and line)."""
    triples: list[Triple] = []
    for path in paths:
        triples.extend(triples_from_oxigraph(read_file(path)))
    return triples


def classify_plain(
    triples: list[Triple], classifier: Classifier | None = None
) -> list[PlainResult]:
    """The fast path on plain triples; owlrl for input the compiled rules cannot serve."""
    classifier = classifier or default_classifier()
    results = classifier.classify_plain(triples)
    if results is not None:
        return results
    return [
        PlainResult(
            case=from_rdflib(r.case),
            asserted=triples_from_rdflib(r.asserted),
            inferred=triples_from_rdflib(r.inferred),
            assessment=r.assessment,
        )
        for r in classifier.classify_owlrl(graph_of(triples))
    ]


def case_nquads(
    results: Sequence[PlainResult], dataset: str, *, activity: str, now: str
) -> tuple[str, list[str]]:
    """N-Quads for classified cases: case graphs, inference graphs with the assessments, and the
    records but the last; and the case graph IRIs (their ``dcterms:isPartOf`` records are
    written last, by :func:`final_records`)."""
    meta = f"<{METADATA_GRAPH}>"
    stamp = f'"{now}"^^<{_XSD_DATETIME}>'
    lines: list[str] = []
    add = lines.append
    graphs: list[str] = []
    for r in results:
        g_iri = case_graph_iri(case_key(r.assessment.case))
        graphs.append(g_iri)
        g = f"<{g_iri}>"
        inf = f"<{inferred_graph_iri(g_iri)}>"
        for s, p, o in r.asserted:
            add(f"{n3(s)} {n3(p)} {n3(o)} {g} .\n")
        for s, p, o in r.inferred:
            add(f"{n3(s)} {n3(p)} {n3(o)} {inf} .\n")
        for s, p, o in r.assessment.triples(activity=activity):
            add(f"{n3(s)} {n3(p)} {n3(o)} {inf} .\n")
        case = n3(r.case)
        add(
            f"{g} <{_DCTERMS}subject> {case} {meta} .\n"
            f"{g} <{_DCTERMS}modified> {stamp} {meta} .\n"
            f"{inf} <{_PROV}wasDerivedFrom> {g} {meta} .\n"
            f"{inf} <{_DCTERMS}subject> {case} {meta} .\n"
            f"{inf} <{_DCTERMS}modified> {stamp} {meta} .\n"
        )
    return "".join(lines), graphs


def final_records(graphs: Iterable[str], dataset: str) -> list[ox.Quad]:
    """The ``dcterms:isPartOf`` records that make case graphs visible."""
    meta = ox.NamedNode(METADATA_GRAPH)
    part_of = ox.NamedNode(_DCTERMS + "isPartOf")
    ds = ox.NamedNode(DATASET_BASE + dataset)
    return [ox.Quad(ox.NamedNode(g), part_of, ds, meta) for g in graphs]


def load_bulk(
    store,
    paths: Sequence[Path],
    *,
    dataset: str,
    public: bool | None,
    classifier: Classifier | None = None,
    progress: Callable[[int], None] | None = None,
) -> BulkSummary:
    """Parse, classify and store case files in bulk (see the module docstring)."""
    t0 = time.perf_counter()
    triples = read_plain(paths)
    parsed = time.perf_counter() - t0
    summary = store_triples(store, triples, dataset=dataset, public=public,
                            classifier=classifier, progress=progress)
    return BulkSummary(summary.cases, summary.quads, summary.labels, parsed, summary.classify,
                       summary.store)


def store_triples(
    store,
    triples: list[Triple],
    *,
    dataset: str,
    public: bool | None,
    classifier: Classifier | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 5000,
) -> BulkSummary:
    """Classify plain triples and store every case in bulk (see the module docstring)."""
    t1 = time.perf_counter()
    with _collector_paused():
        results = classify_plain(triples, classifier)
    t2 = time.perf_counter()
    activity = f"https://w3id.org/palermo/activity/{uuid.uuid4().hex}"
    now = datetime.now(UTC).isoformat()
    written: list[str] = []

    def chunks() -> Iterable[tuple[bytes, list[str]]]:
        if results:
            first = results[0].assessment
            head = activity_triples(activity, first.ontology_version, first.reasoner)
            yield "".join(
                f"{n3(s)} {n3(p)} {n3(o)} <{METADATA_GRAPH}> .\n" for s, p, o in head
            ).encode(), []
        for start in range(0, len(results), chunk_size):
            text, graphs = case_nquads(
                results[start : start + chunk_size], dataset, activity=activity, now=now
            )
            written.extend(graphs)
            yield text.encode(), graphs
            if progress:
                progress(len(graphs))

    quads = store.bulk_write_cases(
        chunks(), lambda: final_records(written, dataset), dataset=dataset, public=public
    )
    t3 = time.perf_counter()
    labels: dict[str, int] = {}
    for r in results:
        labels[r.assessment.label] = labels.get(r.assessment.label, 0) + 1
    log.info("bulk-loaded %d case(s), %d quads", len(results), quads)
    return BulkSummary(len(results), quads, labels, 0.0, t2 - t1, t3 - t2)
