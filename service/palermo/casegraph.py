"""Finding the cases in an input graph and cutting it into one graph per case.

Cases are independent (DESIGN.md, "Decision rules"): the facts of one case never change the answer
for another. So each case is reasoned over on its own, with the ontology and with the part of the
input that belongs to no case (the schema axioms a file brings, which "take effect for the cases
submitted with them, as OWL 2 RL says, and no further").

A case's own triples are those reachable from the case node: forward along any property but
``rdf:type`` (whose objects are classes), backward only from the case node itself, and both ways
along ``owl:sameAs``. Traversal stops at schema nodes (classes, properties, restrictions, lists of
axioms) and at other cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from palermo.reasoning import CLASSIFICATION_CLASSES

_SCHEMA_PREDICATES = frozenset(
    {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
     OWL.equivalentProperty, OWL.inverseOf, OWL.propertyChainAxiom, OWL.onProperty,
     OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue, OWL.intersectionOf, OWL.unionOf,
     OWL.complementOf, OWL.oneOf, OWL.disjointWith, OWL.propertyDisjointWith, OWL.hasKey,
     OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.onClass, OWL.members,
     OWL.disjointUnionOf, OWL.onProperties, OWL.sourceIndividual, OWL.annotatedSource}
)
_SCHEMA_TYPES = frozenset(
    {OWL.Class, RDFS.Class, OWL.Restriction, OWL.ObjectProperty, OWL.DatatypeProperty,
     OWL.AnnotationProperty, RDF.Property, OWL.TransitiveProperty, OWL.SymmetricProperty,
     OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.AsymmetricProperty,
     OWL.IrreflexiveProperty, OWL.ReflexiveProperty, OWL.Ontology, OWL.AllDisjointClasses,
     OWL.AllDisjointProperties, OWL.AllDifferent, OWL.Axiom, RDFS.Datatype}
)


@dataclass(frozen=True)
class CasePartition:
    """An input graph cut into the graph of each case and the part shared by all of them."""

    shared: Graph
    cases: dict[Node, Graph]


def schema_nodes(graph: Graph) -> set[Node]:
    """Nodes that are schema: subjects of schema axioms, declared classes and properties, and
    the RDF lists those axioms use."""
    nodes: set[Node] = set()
    for s, p, o in graph:
        if p in _SCHEMA_PREDICATES or (p == RDF.type and o in _SCHEMA_TYPES):
            nodes.add(s)
    # RDF lists hanging off schema nodes (owl:intersectionOf, owl:propertyChainAxiom, ...).
    frontier = [o for s in nodes for o in graph.objects(s, None) if isinstance(o, BNode)]
    while frontier:
        node = frontier.pop()
        if node in nodes:
            continue
        if (node, RDF.first, None) in graph or (node, RDF.rest, None) in graph:
            nodes.add(node)
            frontier.extend(o for o in graph.objects(node, None) if isinstance(o, BNode))
    return nodes


def case_triples(graph: Graph, case: Node, stop: set[Node]) -> Graph:
    """The triples that belong to ``case``: see the module docstring for the traversal."""
    own = Graph()
    seen: set[Node] = {case}
    frontier: list[Node] = [case]
    for s, p, o in graph.triples((None, None, case)):
        if s not in stop or p == OWL.sameAs:
            own.add((s, p, o))
            if s not in seen and s not in stop:
                seen.add(s)
                frontier.append(s)
    while frontier:
        node = frontier.pop()
        for s, p, o in graph.triples((node, None, None)):
            own.add((s, p, o))
            if p == RDF.type or isinstance(o, Literal) or o in seen or o in stop:
                continue
            seen.add(o)
            frontier.append(o)
        for s in graph.subjects(OWL.sameAs, node):
            own.add((s, OWL.sameAs, node))
            if s not in seen and s not in stop:
                seen.add(s)
                frontier.append(s)
    return own


def partition(graph: Graph, cases: Iterable[Node], *, ontology_terms: set[Node]) -> CasePartition:
    """Cut ``graph`` into one graph per case and the shared rest.

    Asserted memberships of the classification classes are dropped: Palermo infers them from the
    elements, so that an assessment always follows from the facts.
    """
    clean = Graph()
    for triple in graph:
        if triple[1] == RDF.type and triple[2] in CLASSIFICATION_CLASSES:
            continue
        clean.add(triple)
    case_list = list(dict.fromkeys(cases))
    schema = schema_nodes(clean)
    per_case: dict[Node, Graph] = {}
    claimed: set[tuple[Node, Node, Node]] = set()
    for case in case_list:
        stop = schema | ontology_terms | (set(case_list) - {case})
        own = case_triples(clean, case, stop)
        per_case[case] = own
        claimed.update(own)
    shared = Graph()
    for triple in clean:
        if triple not in claimed:
            shared.add(triple)
    return CasePartition(shared=shared, cases=per_case)
