"""The shapes a validation runs with, and the part of the ontology SHACL reads.

The shapes are W3C SHACL (https://www.w3.org/TR/shacl/) in ``shapes/``. The ontology is mixed into
the data graph and no inference is done:

- ``sh:class`` and ``sh:targetClass`` follow ``rdfs:subClassOf`` in the data graph (SHACL 1.0,
  section 2.1.3.1, "SHACL instance" and "SHACL subclass",
  https://www.w3.org/TR/shacl/#dfn-shacl-instance), so the ontology's subclass axioms and those a
  case brings with it (a subclass of ``pal:Coercion``) are seen;
- ``rdfs:range`` is not applied, so an element with no type is reported instead of being typed by
  the range of ``pal:act`` (RDF 1.1 Semantics, rule rdfs3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import RDFS

from palermo import resources
from palermo.rdf.namespaces import RDF
from palermo.validation.report import SUMMARY_PREFIXES


def class_hierarchy(ontology: Graph) -> Graph:
    """The part of the ontology SHACL reads: ``rdfs:subClassOf`` and the ``rdf:type`` of the
    ontology's own terms (SHACL 1.0 section 3.2, "SHACL instance", and ``sh:class``). Mixing in
    only these keeps every validation from copying the whole ontology (labels, definitions,
    concept schemes), which took most of the time of validating one case."""
    hierarchy = Graph()
    for triple in ontology.triples((None, RDFS.subClassOf, None)):
        hierarchy.add(triple)
    for triple in ontology.triples((None, RDF.type, None)):
        hierarchy.add(triple)
    return hierarchy


@dataclass(frozen=True)
class Shapes:
    """The shapes graph and the ontology graph a validation runs with, loaded once.

    Neither graph is changed by :func:`validate`: pySHACL mixes the ontology into a copy of the
    data graph.
    """

    graph: Graph = field(compare=False, repr=False)
    ontology: Graph = field(compare=False, repr=False)
    files: tuple[str, ...] = ()
    #: SPARQL texts of the shapes, prepared once per shapes graph (pyshacl_engine)
    prepared: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


def load_shapes(
    shape_files: Iterable[Path] | None = None,
    ontology_files: Iterable[Path] | None = None,
    *,
    ontology: Graph | None = None,
) -> Shapes:
    """Parse the shapes (default: every ``shapes/*.ttl``) and take the class hierarchy of the
    ontology: ``ontology`` when the caller has it parsed already, else the files
    (default: ``ontology/*.ttl``)."""
    shape_paths = list(resources.shapes_files() if shape_files is None else shape_files)
    shapes_graph = Graph()
    for path in shape_paths:
        shapes_graph.parse(path, format="turtle")
    if ontology is None:
        ontology = Graph()
        for path in resources.ontology_files() if ontology_files is None else ontology_files:
            ontology.parse(path, format="turtle")
    ontology_graph = class_hierarchy(ontology)
    for prefix, namespace in SUMMARY_PREFIXES.items():
        shapes_graph.bind(prefix, namespace, override=True)
    return Shapes(
        graph=shapes_graph,
        ontology=ontology_graph,
        files=tuple(p.name for p in shape_paths),
    )


def contract_shape_files() -> list[Path]:
    """The case-graph input contract alone (shapes/case-graph.ttl): what ``POST /classify``
    checks before it classifies. Privacy warnings and partner-dataset rules are for
    ``/validate``; leaving them out keeps one classification within a few milliseconds."""
    return [resources.shapes_dir() / "case-graph.ttl"]
