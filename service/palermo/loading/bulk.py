"""Classifying and storing many cases fast: the path of ``palermo load`` and ``palermo import``
for large inputs, and of the classification benchmark.

pyoxigraph parses; the fast path classifies on plain terms (:mod:`palermo.rdf.terms`); the result
goes
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

from palermo.classification.classifier import Classifier
from palermo.classification.results import PlainResult, activity_triples
from palermo.rdf.namespaces import CASE_BASE
from palermo.rdf.parsing import read_file
from palermo.rdf.terms import (
    Triple,
    n3,
    triples_from_oxigraph,
)
from palermo.store import metadata
from palermo.store.metadata import METADATA_GRAPH

log = logging.getLogger(__name__)


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


def case_nquads(
    results: Sequence[PlainResult], *, activity: str, now: str, case_base: str = CASE_BASE
) -> tuple[str, list[str]]:
    """N-Quads for classified cases: case graphs, inference graphs with the assessments, and
    their records but the last; and the case graph IRIs (their ``dcterms:isPartOf`` records
    are written last, :func:`palermo.store.metadata.part_of_quads`)."""
    stamp = metadata.timestamp(now)
    lines: list[str] = []
    add = lines.append
    graphs: list[str] = []
    for r in results:
        g_iri = metadata.case_graph_iri(metadata.case_key(str(r.case), case_base=case_base))
        inf_iri = metadata.inferred_graph_iri(g_iri)
        graphs.append(g_iri)
        g, inf = f"<{g_iri}>", f"<{inf_iri}>"
        for s, p, o in r.asserted:
            add(f"{n3(s)} {n3(p)} {n3(o)} {g} .\n")
        for s, p, o in r.inferred:
            add(f"{n3(s)} {n3(p)} {n3(o)} {inf} .\n")
        for s, p, o in r.assessment.triples(activity=activity):
            add(f"{n3(s)} {n3(p)} {n3(o)} {inf} .\n")
        add(
            metadata.record_nquads(metadata.record_statements(g_iri, inf_iri, [str(r.case)], stamp))
        )
    return "".join(lines), graphs


def load_bulk(
    store,
    paths: Sequence[Path],
    *,
    dataset: str,
    public: bool | None,
    classifier: Classifier,
    progress: Callable[[int], None] | None = None,
) -> BulkSummary:
    """Parse, classify and store case files in bulk (see the module docstring)."""
    t0 = time.perf_counter()
    triples = read_plain(paths)
    parsed = time.perf_counter() - t0
    summary = store_triples(
        store, triples, dataset=dataset, public=public, classifier=classifier, progress=progress
    )
    return BulkSummary(
        summary.cases, summary.quads, summary.labels, parsed, summary.classify, summary.store
    )


def store_triples(
    store,
    triples: list[Triple],
    *,
    dataset: str,
    public: bool | None,
    classifier: Classifier,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 5000,
) -> BulkSummary:
    """Classify plain triples and store every case in bulk (see the module docstring)."""
    t1 = time.perf_counter()
    with _collector_paused():
        results = classifier.classify_triples(triples)
    t2 = time.perf_counter()
    activity = f"{classifier.case_base}activity/{uuid.uuid4().hex}"
    now = datetime.now(UTC).isoformat()
    written: list[str] = []

    def chunks() -> Iterable[tuple[bytes, list[str]]]:
        if results:
            first = results[0].assessment
            head = activity_triples(activity, first.ontology_version, first.reasoner)
            yield (
                "".join(
                    f"{n3(s)} {n3(p)} {n3(o)} <{METADATA_GRAPH}> .\n" for s, p, o in head
                ).encode(),
                [],
            )
        for start in range(0, len(results), chunk_size):
            text, graphs = case_nquads(
                results[start : start + chunk_size],
                activity=activity,
                now=now,
                case_base=classifier.case_base,
            )
            written.extend(graphs)
            yield text.encode(), graphs
            if progress:
                progress(len(graphs))

    quads = store.bulk_write_cases(
        chunks(), lambda: metadata.part_of_quads(written, dataset), dataset=dataset, public=public
    )
    t3 = time.perf_counter()
    labels: dict[str, int] = {}
    for r in results:
        labels[r.assessment.label] = labels.get(r.assessment.label, 0) + 1
    log.info("bulk-loaded %d case(s), %d quads", len(results), quads)
    return BulkSummary(len(results), quads, labels, 0.0, t2 - t1, t3 - t2)
