"""One ``load()`` for ``palermo load`` and ``palermo import --load``: it picks the path.

- The **bulk path** (:mod:`palermo.loading.bulk`): the fast reasoner, one process, the embedded
  store. pyoxigraph parses, the compiled rules classify, Oxigraph's bulk loader writes, and the
  records that make cases visible come last, in one transaction.
- The **batched path** otherwise (:mod:`palermo.loading.parallel`, :mod:`palermo.loading.
  casegraphs`): owlrl, several processes, or a remote store. Cases are classified, then written
  ``batch_size`` cases per atomic update, and a store that fails part-way is reported case by
  case (:class:`~palermo.loading.parallel.LoadIncomplete`).

Either way each case is stored whole (case graph, inference graph, records) or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palermo.classification.classifier import Classifier, Reasoner
from palermo.loading.bulk import load_bulk, store_triples
from palermo.loading.casegraphs import load_cases
from palermo.loading.parallel import DEFAULT_BATCH, classify_files, write_all
from palermo.rdf.terms import triples_from_rdflib
from palermo.store.interface import Store
from palermo.store.oxigraph import OxigraphStore


@dataclass(frozen=True)
class LoadSummary:
    """What a load stored: the number of cases, the count of each label, the path taken."""

    cases: int
    path: str
    labels: dict[str, int] = field(default_factory=dict)


def takes_bulk_path(store: Store, reasoner: Reasoner, workers: int = 1) -> bool:
    """Whether a load takes the bulk path: the fast reasoner, one process, the embedded store."""
    return reasoner == "fast" and workers == 1 and isinstance(store, OxigraphStore)


def load(
    store: Store,
    *,
    files: Sequence[Path] = (),
    cases: Sequence[Iterable[tuple[Any, Any, Any]]] = (),
    dataset: str,
    public: bool | None,
    classifier: Classifier,
    reasoner: Reasoner = "fast",
    workers: int = 1,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
) -> LoadSummary:
    """Classify and store case ``files`` (every file read before anything is written) or
    imported ``cases`` (each the rdflib triples of one case), by the path
    :func:`takes_bulk_path` picks."""
    if takes_bulk_path(store, reasoner, workers):
        if files:
            done = load_bulk(
                store,
                list(files),
                dataset=dataset,
                public=public,
                classifier=classifier,
                progress=progress,
            )
        else:
            plain = triples_from_rdflib(t for case in cases for t in case)
            done = store_triples(
                store,
                plain,
                dataset=dataset,
                public=public,
                classifier=classifier,
                progress=progress,
            )
        return LoadSummary(done.cases, "bulk", done.labels)
    if files:
        writes = classify_files(
            list(files), classifier=classifier, reasoner=reasoner, workers=workers
        )
        count = write_all(
            store,
            writes,
            dataset=dataset,
            public=public,
            batch_size=batch_size,
            progress=progress,
        )
        labels: dict[str, int] = {}
        for w in writes:
            for label in w.labels:
                labels[label] = labels.get(label, 0) + 1
        return LoadSummary(count, "batched", labels)
    labels = load_cases(
        store,
        cases,
        dataset=dataset,
        public=public,
        classifier=classifier,
        reasoner=reasoner,
        batch_size=batch_size,
        progress=progress,
    )
    return LoadSummary(len(cases), "batched", labels)
