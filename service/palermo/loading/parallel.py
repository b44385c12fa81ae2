"""Bulk loading (``palermo load``): classification spread over processes, writes in batches, and an
exact account of what was stored when the store fails part-way.

Cases are independent (DESIGN.md, "Decision rules"), so a large file is cut into chunks of whole
cases (:func:`palermo.reasoning.casegraph.partition`, the cut both reasoning paths use) and the
chunks are
classified in a process pool. Writes go through the store in the parent, ``batch_size`` cases per
request; each batch is one atomic update, so a case is always stored with its inference graph or
not at all. When a write fails for good (the remote store stays down past its retries), loading
stops and :class:`LoadIncomplete` names every case not confirmed stored; loading the same files
again replaces what is there, so it is the way to finish.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal

from palermo.classification.classifier import Classifier, Reasoner
from palermo.errors import StoreError
from palermo.rdf.namespaces import PAL, RDF
from palermo.rdf.parsing import read_file, to_graph
from palermo.rdf.terms import from_rdflib, graph_of, to_triples, triples_from_rdflib
from palermo.reasoning.casegraph import TripleIndex, partition
from palermo.reasoning.ontology import load_ontology
from palermo.store.interface import CaseGraphWrite, Store, writes_for_cases

log = logging.getLogger(__name__)

DEFAULT_BATCH = 200


class LoadIncomplete(StoreError):
    """The store failed part-way through a load: some cases are stored, these are not."""

    slug = "load-incomplete"
    title = "Load incomplete"

    def __init__(self, detail: str, *, stored: int, not_stored: Sequence[str]) -> None:
        super().__init__(detail, stored=stored, notStored=list(not_stored))
        self.stored = stored
        self.not_stored = tuple(not_stored)


@dataclass(frozen=True)
class Chunk:
    """Whole cases of one file, as N-Triples, for a worker process."""

    source: str
    ntriples: bytes


def _cases_of(graph: Graph) -> list[Any]:
    cases = {c for c in graph.subjects(RDF.type, PAL.Case) if not isinstance(c, Literal)}
    return sorted(cases, key=str)


def _ntriples(graph: Graph) -> bytes:
    return ox.serialize(list(to_triples(graph)), format=ox.RdfFormat.N_TRIPLES) or b""


def chunks_of(graph: Graph, source: str, size: int, classifier: Classifier) -> list[Chunk]:
    """Cut ``graph`` into chunks of at most ``size`` whole cases.

    The input stays whole when it cannot be cut without changing an answer: when it brings
    triples that belong to no case (its own schema axioms apply to all its cases), when cases
    share nodes, or when a case is only inferred to be one (its triples belong to no typed case).
    """
    cases = _cases_of(graph)
    if len(cases) <= size:
        return [Chunk(source, _ntriples(graph))]
    # The cut works on plain terms (palermo.rdf.terms), as the classifier's does.
    plain = [from_rdflib(c) for c in cases]
    parts = partition(
        TripleIndex.of(triples_from_rdflib(graph)), plain, ontology_terms=classifier.ontology_terms
    )
    if parts.shared or not parts.disjoint:
        return [Chunk(source, _ntriples(graph))]
    return [
        Chunk(source, _ntriples(graph_of(t for c in plain[i : i + size] for t in parts.cases[c])))
        for i in range(0, len(plain), size)
    ]


#: The classifier of a worker process, built once by :func:`_start_worker` (the entry point of
#: each process of the pool, as ``main`` is of the command).
_worker_classifier: Classifier | None = None


def _start_worker(case_base: str) -> None:
    global _worker_classifier
    _worker_classifier = Classifier(load_ontology(), case_base=case_base)


def classify_chunk(chunk: Chunk, reasoner: Reasoner) -> list[CaseGraphWrite]:
    """Classify the cases of one chunk: one write per case (runs in a worker process)."""
    assert _worker_classifier is not None, "classify_chunk runs in a started worker"
    graph = to_graph(ox.parse(chunk.ntriples, format=ox.RdfFormat.N_TRIPLES))
    results = _worker_classifier.classify(graph, reasoner)
    return writes_for_cases(results, case_base=_worker_classifier.case_base)


def classify_files(
    paths: Sequence[Path],
    *,
    classifier: Classifier,
    reasoner: Reasoner,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[CaseGraphWrite]:
    """Read every file (unreadable input raises before anything is classified), then classify
    the cases, in ``workers`` processes when more than one. Writes come back in input order."""
    graphs = [(str(p), to_graph(read_file(p))) for p in paths]
    if workers <= 1:
        writes: list[CaseGraphWrite] = []
        for _source, graph in graphs:
            found = writes_for_cases(
                classifier.classify(graph, reasoner), case_base=classifier.case_base
            )
            writes.extend(found)
            if progress:
                progress(len(found))
        return writes
    total = sum(len(_cases_of(g)) for _s, g in graphs)
    size = max(50, -(-total // (workers * 4)))
    chunks = [c for source, g in graphs for c in chunks_of(g, source, size, classifier)]
    started = time.perf_counter()
    writes = []
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_start_worker, initargs=(classifier.case_base,)
    ) as pool:
        for found in pool.map(classify_chunk, chunks, [reasoner] * len(chunks)):
            writes.extend(found)
            if progress:
                progress(len(found))
    log.info(
        "classified %d case(s) in %d chunk(s) on %d processes in %.2f s",
        len(writes),
        len(chunks),
        workers,
        time.perf_counter() - started,
    )
    return writes


def write_all(
    store: Store,
    writes: Sequence[CaseGraphWrite],
    *,
    dataset: str,
    public: bool | None,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``batch_size`` cases per atomic request; stop at the first batch the store does not
    take (after its own retries) and raise :class:`LoadIncomplete` naming every case from that
    batch on. Returns the number of cases stored."""
    stored = 0
    for start in range(0, len(writes), max(1, batch_size)):
        batch = writes[start : start + batch_size]
        try:
            store.write_case_graphs(batch, dataset=dataset, public=public)
        except LoadIncomplete:
            raise
        except StoreError as exc:
            missing = [case for w in writes[start:] for case in w.cases]
            log.error("store failed after %d stored case(s): %s", stored, exc.detail)
            raise LoadIncomplete(
                f"{exc.detail}; {stored} case(s) stored, {len(missing)} not stored "
                "(each wholly absent, or wholly present if the last write's answer was lost); "
                "load the same files again to finish",
                stored=stored,
                not_stored=missing,
            ) from None
        stored += sum(len(w.cases) for w in batch)
        if progress:
            progress(len(batch))
    return stored


__all__ = ["DEFAULT_BATCH", "LoadIncomplete", "chunks_of", "classify_files", "write_all"]
