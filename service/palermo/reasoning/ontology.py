"""OWL 2 RL reasoning over the Palermo ontology.

The reference path is `owlrl <https://owl-rl.readthedocs.io/>`_ on rdflib, implementing the
OWL 2 RL/RDF rules of `OWL 2 Profiles, section 4.3 <https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules>`_.

The reasoner works on the logical part of the ontology, its *TBox view*: every triple except
annotations (labels, definitions, sources, comments), which carry no logical meaning in OWL 2 and
only slow the rules down.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import owlrl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from palermo import resources
from palermo.rdf.namespaces import PAL, VANN
from palermo.rdf.parsing import read_bytes, syntax_for_path, to_graph
from palermo.rdf.positions import parse_located
from palermo.rdf.terms import Triple, local_name, triples_from_oxigraph

log = logging.getLogger(__name__)

#: Predicates that never take part in reasoning: OWL 2 annotation properties and vocabularies
#: used only for documentation.
_ANNOTATION_NAMESPACES = (str(DCTERMS), str(SKOS), str(VANN))
_ANNOTATION_PREDICATES = frozenset(
    {
        RDFS.label,
        RDFS.comment,
        RDFS.isDefinedBy,
        RDFS.seeAlso,
        OWL.versionInfo,
        OWL.versionIRI,
        OWL.deprecated,
        OWL.priorVersion,
        OWL.backwardCompatibleWith,
        OWL.incompatibleWith,
        OWL.imports,
    }
)


@dataclass(frozen=True)
class Ontology:
    """The ontology, loaded once: the whole graph, its TBox view, version and labels."""

    graph: Graph
    tbox: Graph = field(repr=False)
    version: str
    labels: dict[URIRef, str] = field(repr=False)
    #: where each triple was written: (module file, relative to the repository, and line);
    #: plain triples (:mod:`palermo.rdf.terms`), for proofs
    sources: dict[Triple, tuple[str, int]] = field(default_factory=dict, repr=False, compare=False)
    #: the prefixes the modules declare (``pal:``, ``owl:``...), for showing proofs
    prefixes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def label(self, term: URIRef) -> str:
        """The English label of a term, or its local name where it has none."""
        return self.labels.get(term) or local_name(term)


def is_annotation(graph: Graph, predicate: Node) -> bool:
    """Whether ``predicate`` is an annotation, by vocabulary or by declaration in ``graph``."""
    return (
        predicate in _ANNOTATION_PREDICATES
        or str(predicate).startswith(_ANNOTATION_NAMESPACES)
        or (predicate, RDF.type, OWL.AnnotationProperty) in graph
    )


def tbox_view(graph: Graph) -> Graph:
    """The triples of ``graph`` that take part in reasoning: no annotations, no ontology headers."""
    headers = set(graph.subjects(RDF.type, OWL.Ontology))
    annotations = {p for p in set(graph.predicates()) if is_annotation(graph, p)}
    view = Graph()
    for s, p, o in graph:
        if p in annotations or s in headers:
            continue
        view.add((s, p, o))
    return view


def load_ontology(paths: Iterable[Path] | None = None) -> Ontology:
    """Parse the ontology files (all of ontology/ by default) into an :class:`Ontology`."""
    files = list(paths) if paths is not None else resources.ontology_files()
    graph = Graph()
    sources: dict[Triple, tuple[str, int]] = {}
    prefixes: dict[str, str] = {}
    for path in files:
        located = parse_located(
            read_bytes(path),
            syntax_for_path(path),
            source=str(path),
            base_iri=path.resolve().as_uri(),
        )
        to_graph(located.quads, graph)
        name = f"{path.parent.name}/{path.name}"
        for triple, line in zip(triples_from_oxigraph(located.quads), located.lines, strict=True):
            sources.setdefault(triple, (name, line))
        for prefix, iri in located.prefixes.items():
            prefixes.setdefault(prefix, iri)
    versions = {str(v) for v in graph.objects(None, OWL.versionInfo)}
    version = max(versions) if versions else "0.0.0"
    labels = {
        s: str(o)
        for s, o in graph.subject_objects(RDFS.label)
        if isinstance(s, URIRef) and isinstance(o, Literal) and o.language in (None, "en")
    }
    log.info("ontology loaded: %d triples from %d files", len(graph), len(files))
    return Ontology(
        graph=graph,
        tbox=tbox_view(graph),
        version=version,
        labels=labels,
        sources=sources,
        prefixes=prefixes,
    )


def owlrl_closure(graph: Graph) -> Graph:
    """Expand ``graph`` in place to its OWL 2 RL closure with owlrl, and return it.

    Axiomatic triples of the RDF, RDFS and OWL vocabularies and datatype axioms are left out:
    they add the same triples to every graph and decide nothing about a case.
    """
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics,
        rdfs_closure=False,
        axiomatic_triples=False,
        datatype_axioms=False,
    ).expand(graph)
    return graph


#: The classification classes: Palermo infers their members and ignores them in input, so that
#: an assessment always follows from the elements of the case.
CLASSIFICATION_CLASSES = frozenset(
    {PAL.TraffickingCase, PAL.ChildTraffickingCase, PAL.SmugglingCase}
)
