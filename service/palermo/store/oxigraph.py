"""The embedded store: pyoxigraph on disk or in memory (DESIGN.md, "Components")."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from palermo.errors import StoreError
from palermo.rdf.terms import to_triples
from palermo.store import metadata
from palermo.store.interface import CaseGraphWrite, Dataset, solutions

log = logging.getLogger(__name__)


def _graph_term(graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph is None else ox.NamedNode(graph)


class OxigraphStore(metadata.RecordReader):
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
        self._generation = 0
        if self.path is not None:
            self.sweep_incomplete()

    # -- reading ------------------------------------------------------------------------------

    def fork(self) -> int:
        """``os.fork()`` while no write is under way (:mod:`palermo.sparql.runner` evaluates
        queries in forked children): the child inherits the store between two writes, and no lock
        a writer held at the fork. The child only reads, and leaves by ``os._exit``."""
        with self._write_lock:
            return os.fork()

    @property
    def generation(self) -> int:
        """How many writes this store has had: a child forked at one generation sees the store
        as it is as long as the generation has not moved."""
        return self._generation

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write: under the write lock, and counted (:attr:`generation`) even if it fails
        half-way."""
        with self._write_lock:
            try:
                yield
            finally:
                self._generation += 1

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

    def _select(self, sparql: str) -> ox.QuerySolutions:
        return solutions(self._store.query(sparql))

    # -- writing ------------------------------------------------------------------------------

    def _update(self, sparql: str, base_iri: str | None = None) -> None:
        try:
            self._store.update(sparql, base_iri=base_iri)
        except OSError as exc:
            raise StoreError(f"the store could not be written: {exc.strerror or exc}") from None

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        with self._writing():
            try:
                self._update(sparql, base_iri)
            except RuntimeError as exc:
                # An update that fails as it runs (CREATE of a graph that exists, DROP of one
                # that does not, without SILENT) is refused whole, as the remote store's server
                # refuses it with a 400: the caller's error, like a syntax error.
                raise SyntaxError(str(exc)) from None

    def replace_graph(self, graph: str | None, triples: Iterable[ox.Triple]) -> None:
        target = "DEFAULT" if graph is None else f"GRAPH <{graph}>"
        body = metadata.statements(to_triples(triples))
        insert = ""
        if body:
            insert = (
                f"INSERT DATA {{ {body} }}"
                if graph is None
                else f"INSERT DATA {{ GRAPH <{graph}> {{ {body} }} }}"
            )
        with self._writing():
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
        with self._writing():
            try:
                if graph is not None:
                    self._store.add_graph(ox.NamedNode(graph))
                self._store.extend(quads)
            except OSError as exc:
                raise StoreError(f"the store could not be written: {exc.strerror or exc}") from None

    def drop_graph(self, graph: str | None) -> None:
        with self._writing():
            self._update("CLEAR DEFAULT" if graph is None else f"DROP SILENT GRAPH <{graph}>")

    def set_dataset(self, name: str, *, public: bool) -> Dataset:
        metadata.check_dataset_name(name)
        with self._writing():
            self._update(metadata.dataset_update(name, public, replace=True))
        return next(d for d in self.datasets() if d.name == name)

    def _has_records(self, graph: str) -> bool:
        pattern = self._store.quads_for_pattern(
            ox.NamedNode(graph), None, None, ox.NamedNode(metadata.METADATA_GRAPH)
        )
        return next(iter(pattern), None) is not None

    def write_case_graphs(
        self, writes: Sequence[CaseGraphWrite], *, dataset: str, public: bool | None = None
    ) -> None:
        """Replace each case graph and its inference graph, and their records, atomically.

        ``public=None`` keeps the access rights of an existing dataset (private when new); a
        ``public`` that contradicts a stored dataset raises :class:`~palermo.store.metadata.
        Conflict` and writes nothing.
        """
        metadata.check_dataset_name(dataset)
        if not writes:
            return
        with self._writing():
            new = metadata.check_access_rights(dataset, self.stored_public(dataset), public)
            # Only what exists is dropped: on disk, each DROP or DELETE costs a transaction step
            # even when it finds nothing (a fresh import of 21,000 cases).
            stale = {
                name
                for w in writes
                for name in (w.graph, w.inferred_graph)
                if self._store.contains_named_graph(ox.NamedNode(name)) or self._has_records(name)
            }
            self._update(
                metadata.case_graphs_update(
                    writes,
                    dataset,
                    now=datetime.now(UTC).isoformat(),
                    new_dataset=bool(public) if new else None,
                    stale=stale,
                )
            )
        log.info("stored %d case graph(s) in dataset %s", len(writes), dataset)

    def bulk_write_cases(
        self,
        chunks: Iterable[tuple[bytes, Sequence[str]]],
        final: Callable[[], Sequence[ox.Quad]],
        *,
        dataset: str,
        public: bool | None = None,
    ) -> int:
        """Write many classified cases fast (:mod:`palermo.loading.bulk`): the N-Quads
        ``chunks`` (each with the case graphs it writes) with Oxigraph's bulk loader, then
        ``final()`` (the ``dcterms:isPartOf`` records that make each case visible) in one
        transaction. A write stopped before the records leaves graphs that
        :meth:`sweep_incomplete` removes; case graphs that already exist are replaced first.
        Returns the number of quads written."""
        metadata.check_dataset_name(dataset)
        with self._writing():
            if metadata.check_access_rights(dataset, self.stored_public(dataset), public):
                self._update(metadata.dataset_update(dataset, bool(public), replace=False))
            count = 0
            try:
                for chunk, graphs in chunks:
                    stale = [g for g in graphs if self._store.contains_named_graph(ox.NamedNode(g))]
                    if stale:
                        self._update(" ;\n".join(metadata.drop_case_update(g) for g in stale))
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
        rows = self._select(metadata.RECORDED_GRAPHS_QUERY)
        recorded = {row["g"].value for row in rows}
        names = [g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)]
        orphans = metadata.orphan_case_graphs(names, recorded)
        for graph in orphans:
            self.drop_case_graph(graph)
        if orphans:
            log.warning("removed %d case graph(s) left by an interrupted load", len(orphans))
        return len(orphans)

    def drop_case_graph(self, graph: str) -> None:
        """Remove a case graph, its inference graph and their records in one transaction."""
        with self._writing():
            record = self.case_record(graph)
            self._update(
                metadata.drop_case_update(graph, record.inferred_graph if record else None)
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


__all__ = ["OxigraphStore"]
