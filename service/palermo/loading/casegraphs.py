"""Putting case data into the store, classified, so that stored inferences never go stale.

This is the one place that joins the classifier and the store: ``palermo load``, ``--examples``,
the Graph Store Protocol and SPARQL Update all come through here.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from palermo import resources
from palermo.classification.classifier import Classifier, Reasoner
from palermo.rdf.namespaces import PAL, RDF
from palermo.rdf.parsing import read_file, to_graph
from palermo.store.interface import CaseGraphWrite, Store, case_graph_write, writes_for_cases
from palermo.store.metadata import ONTOLOGY_GRAPH, SERVICE_GRAPHS, SHAPES_GRAPH, dataset_of_graph

log = logging.getLogger(__name__)


def load_service_graphs(store: Store) -> None:
    """(Re)load the ontology and shapes graphs from the files of this release."""
    for graph, files in (
        (ONTOLOGY_GRAPH, resources.ontology_files()),
        (SHAPES_GRAPH, resources.shapes_files()),
    ):
        store.replace_graph(graph, [q.triple for path in files for q in read_file(path)])


def split_cases(
    graph: Graph, classifier: Classifier, reasoner: Reasoner = "fast"
) -> list[CaseGraphWrite]:
    """Classify ``graph`` and give one write per case, each in its own graph."""
    return writes_for_cases(classifier.classify(graph, reasoner), case_base=classifier.case_base)


def load_files(
    store: Store,
    paths: Sequence[Path],
    *,
    dataset: str,
    public: bool | None,
    classifier: Classifier,
    reasoner: Reasoner = "fast",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Load case files, classified; each file is written in one transaction. Returns the case count.

    Every file is read and classified before anything is written, so unreadable input (an
    :class:`~palermo.errors.InputError` naming file and line) leaves the store unchanged.
    """
    writes: list[list[CaseGraphWrite]] = []
    for path in paths:
        graph = to_graph(read_file(path))
        writes.append(split_cases(graph, classifier, reasoner))
    started = time.perf_counter()
    total = 0
    for batch in writes:
        store.write_case_graphs(batch, dataset=dataset, public=public)
        total += len(batch)
        if progress:
            progress(len(batch))
    log.info("loaded %d case(s) in %.2f s", total, time.perf_counter() - started)
    return total


def store_case_graph(
    store: Store,
    graph_iri: str,
    triples: Iterable[ox.Triple],
    *,
    dataset: str,
    classifier: Classifier,
    reasoner: Reasoner = "fast",
    public: bool | None = None,
) -> bool:
    """Write a client-named graph; when it holds a ``pal:Case`` it is classified and stored with
    its inference graph, atomically. Returns True when it was a case graph."""
    triples = list(triples)
    graph = to_graph(triples)
    results = classifier.classify(graph, reasoner) if _has_case(graph) else []
    if not results:
        if store.case_record(graph_iri):
            store.drop_case_graph(graph_iri)
        store.replace_graph(graph_iri, triples)
        return False
    store.write_case_graphs(
        [case_graph_write(graph_iri, results, asserted=graph)], dataset=dataset, public=public
    )
    return True


def _has_case(graph: Graph) -> bool:
    return (None, RDF.type, PAL.Case) in graph


def graph_has_case(store: Store, graph: str) -> bool:
    """Whether the named graph holds a ``pal:Case``."""
    return bool(
        store.query(
            f"ASK {{ GRAPH <{graph}> {{ ?c <{RDF.type}> <{PAL.Case}> }} }}", default_graphs=[None]
        )
    )


# -- SPARQL Update: find the case graphs an update touched, and re-classify them -------------------

_FULL_IRI = re.compile(r"<([^<>\"{}|^`\\\s]*)>")
_BROAD = re.compile(
    r"\bGRAPH\s+[?$]|\b(?:ALL|NAMED|DEFAULT)\b|\b(?:GRAPH|WITH|INTO|USING(?:\s+NAMED)?)\s+[A-Za-z_]*:",
    re.IGNORECASE,
)


def _digest(store: Store, graph: str) -> str | None:
    if not store.has_graph(graph):
        return None
    lines = sorted(str(t) for t in store.triples(graph))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def candidate_graphs(store: Store, update: str) -> set[str]:
    """Graphs an update may write: those it names by full IRI, or every graph when it names graphs
    in ways the text does not settle (``GRAPH ?g``, ``ALL``, ``NAMED``, prefixed names)."""
    if _BROAD.search(update):
        return {g for g in store.graph_names() if g not in SERVICE_GRAPHS}
    return {g for g in _FULL_IRI.findall(update) if g not in SERVICE_GRAPHS and _is_iri(g)}


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def update_and_reclassify(
    store: Store,
    update: str,
    *,
    dataset: str,
    classifier: Classifier,
    reasoner: Reasoner = "fast",
    base_iri: str | None = None,
) -> list[str]:
    """Apply a SPARQL Update, then re-classify every case graph whose content it changed.

    Inference graphs of dropped case graphs go too. Returns the re-classified graph IRIs.
    """
    inferred = {r.inferred_graph for r in store.case_records()}
    candidates = candidate_graphs(store, update) - inferred
    before = {g: _digest(store, g) for g in candidates}
    store.update(update, base_iri=base_iri)
    changed = []
    for g in sorted(candidates):
        after = _digest(store, g)
        if after == before[g]:
            continue
        record = store.case_record(g)
        if after is None or not graph_has_case(store, g):
            if record:
                kept = store.triples(g) if after is not None else None
                store.drop_case_graph(g)
                if kept is not None:
                    store.replace_graph(g, kept)
            continue
        store_case_graph(
            store,
            g,
            store.triples(g),
            dataset=record.dataset if record else (dataset_of_graph(g) or dataset),
            classifier=classifier,
            reasoner=reasoner,
        )
        changed.append(g)
    if changed:
        log.info("re-classified %d case graph(s) after an update", len(changed))
    return changed


# -- Imported cases (palermo import --load) --------------------------------------------------------


def load_cases(
    store: Store,
    cases: Sequence[Iterable[tuple[Any, Any, Any]]],
    *,
    dataset: str,
    public: bool | None,
    classifier: Classifier,
    reasoner: Reasoner = "fast",
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Classify and store cases given as their rdflib triples, one sequence per case; each
    case in its own graph, as :func:`load_files` does. Returns the count of each label.

    Cases are classified and written ``batch_size`` at a time (one transaction per batch), so
    that a long import shows progress and holds one batch of results in memory. A batch that
    fails leaves the batches before it stored; case IRIs are stable, so importing again replaces
    them.
    """
    labels: dict[str, int] = {}
    started = time.perf_counter()
    for start in range(0, len(cases), batch_size):
        batch = cases[start : start + batch_size]
        graph = Graph()
        for triples in batch:
            for triple in triples:
                graph.add(triple)
        writes = split_cases(graph, classifier, reasoner)
        store.write_case_graphs(writes, dataset=dataset, public=public)
        for w in writes:
            for label in w.labels:
                labels[label] = labels.get(label, 0) + 1
        if progress:
            progress(len(batch))
    log.info("loaded %d imported case(s) in %.2f s", len(cases), time.perf_counter() - started)
    return labels
