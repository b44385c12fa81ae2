"""What the rest of Palermo may ask of a store, and what it gives and gets back.

Named graphs (all under ``https://w3id.org/palermo/graph/``, :mod:`palermo.store.metadata`):

- ``ontology``: the OWL ontology, ``shapes``: the SHACL shapes, ``service``: the service metadata;
- ``case/{key}``: the asserted triples of one case, exactly as submitted;
- ``case/{key}/inferred``: beside it, the OWL 2 RL entailments about the case and its
  ``pal:Assessment``. Both are written in one transaction, so a case is wholly present or absent.

Access control (:mod:`palermo.store.access`) reads the metadata records and restricts the graphs a
query may see through the ``default_graphs``/``named_graphs`` arguments of :meth:`Store.query`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox

from palermo.rdf.namespaces import CASE_BASE
from palermo.rdf.terms import from_rdflib, oxigraph_triples
from palermo.store.metadata import (
    CaseGraphWrite,
    CaseRecord,
    Dataset,
    case_graph_iri,
    case_key,
    inferred_graph_iri,
)


def case_graph_write(
    graph: str, cases: Sequence[Any], asserted: Iterable[Any] | None = None
) -> CaseGraphWrite:
    """Build the write for a case graph from classifier results (``ClassifiedCase`` objects).

    ``asserted`` defaults to the union of the cases' own triples.
    """
    own = asserted if asserted is not None else (t for c in cases for t in c.asserted)
    inferred = (t for c in cases for part in (c.inferred, c.assessment.to_rdf()) for t in part)
    return CaseGraphWrite(
        graph=graph,
        inferred_graph=inferred_graph_iri(graph),
        cases=tuple(str(from_rdflib(c.case)) for c in cases),
        asserted=oxigraph_triples(own),
        inferred=oxigraph_triples(inferred),
        labels=tuple(str(getattr(c.assessment, "label", "")) for c in cases),
    )


def writes_for_cases(cases: Iterable[Any], *, case_base: str = CASE_BASE) -> list[CaseGraphWrite]:
    """One write per classified case, each in its own graph named from the case IRI."""
    return [
        case_graph_write(
            case_graph_iri(case_key(str(from_rdflib(c.case)), case_base=case_base)), [c]
        )
        for c in cases
    ]


def solutions(result: object) -> ox.QuerySolutions:
    """The solutions of a SELECT (a store answers every query form with one union type)."""
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"expected the solutions of a SELECT, got {type(result).__name__}")
    return result


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
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]:
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

    def __iter__(self) -> Any: ...


__all__ = [
    "CaseGraphWrite",
    "CaseRecord",
    "Dataset",
    "Store",
    "case_graph_write",
    "writes_for_cases",
]
