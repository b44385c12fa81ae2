"""Finding the triples of each case in an input graph.

Cases are independent (DESIGN.md, "Decision rules"): the facts of one case never change the answer
for another. So each case is reasoned over on its own, with the ontology and with the part of the
input that belongs to no case (the schema axioms a file brings, which "take effect for the cases
submitted with them, as OWL 2 RL says, and no further").

A case's own triples are those reachable from the case node: forward along any property but
``rdf:type`` (whose objects are classes), backward only into the case node itself, and both ways
along ``owl:sameAs``. Traversal stops at schema nodes (classes, properties, restrictions, the lists
of axioms), at terms of the ontology and at other cases.

Both reasoning paths use this module, so they see exactly the same graph for each case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Literal
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from palermo.reasoning import CLASSIFICATION_CLASSES

Triple = tuple[Node, Node, Node]

SCHEMA_PREDICATES = frozenset(
    {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
     OWL.equivalentProperty, OWL.inverseOf, OWL.propertyChainAxiom, OWL.onProperty,
     OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue, OWL.intersectionOf, OWL.unionOf,
     OWL.complementOf, OWL.oneOf, OWL.disjointWith, OWL.propertyDisjointWith, OWL.hasKey,
     OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.onClass, OWL.members,
     OWL.disjointUnionOf, OWL.onProperties, OWL.sourceIndividual, OWL.annotatedSource}
)
SCHEMA_TYPES = frozenset(
    {OWL.Class, RDFS.Class, OWL.Restriction, OWL.ObjectProperty, OWL.DatatypeProperty,
     OWL.AnnotationProperty, RDF.Property, OWL.TransitiveProperty, OWL.SymmetricProperty,
     OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.AsymmetricProperty,
     OWL.IrreflexiveProperty, OWL.ReflexiveProperty, OWL.Ontology, OWL.AllDisjointClasses,
     OWL.AllDisjointProperties, OWL.AllDifferent, OWL.Axiom, RDFS.Datatype}
)


@dataclass
class TripleIndex:
    """The input triples, indexed by subject and by object. Asserted memberships of the
    classification classes are dropped: Palermo infers them from the elements, so that an
    assessment always follows from the facts."""

    triples: list[Triple] = field(default_factory=list)
    out: dict[Node, list[Triple]] = field(default_factory=lambda: defaultdict(list))
    into: dict[Node, list[Triple]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, triples: Iterable[Triple]) -> TripleIndex:
        index = cls()
        seen: set[Triple] = set()
        for t in triples:
            if t in seen or (t[1] == RDF.type and t[2] in CLASSIFICATION_CLASSES):
                continue
            seen.add(t)
            index.triples.append(t)
            index.out[t[0]].append(t)
            if not isinstance(t[2], Literal):
                index.into[t[2]].append(t)
        return index


@dataclass(frozen=True)
class CasePartition:
    """The triples of each case, and those that belong to no case (shared by all)."""

    shared: list[Triple]
    cases: dict[Node, list[Triple]]
    #: True when nothing is shared and no two cases share a node other than an IRI that has no
    #: triples of its own in the input (a country, say): then reasoning over the whole input
    #: gives each case what reasoning over it alone would, as long as no inverse property or
    #: schema of the input runs back from such an IRI (the reference path checks that).
    disjoint: bool


def schema_nodes(index: TripleIndex) -> set[Node]:
    """Subjects of schema axioms, declared classes and properties, and the RDF lists those
    axioms use."""
    nodes: set[Node] = set()
    for s, p, o in index.triples:
        if p in SCHEMA_PREDICATES or (p == RDF.type and o in SCHEMA_TYPES):
            nodes.add(s)
    frontier = [o for s in nodes for (_, _, o) in index.out.get(s, ()) if isinstance(o, BNode)]
    while frontier:
        node = frontier.pop()
        if node in nodes:
            continue
        listy = any(p in (RDF.first, RDF.rest) for (_, p, _) in index.out.get(node, ()))
        if listy:
            nodes.add(node)
            frontier.extend(o for (_, _, o) in index.out[node] if isinstance(o, BNode))
    return nodes


def case_triples(
    index: TripleIndex, case: Node, stop: set[Node], others: set[Node]
) -> tuple[list[Triple], set[Node]]:
    """The triples that belong to ``case`` and the nodes they reach (module docstring).

    ``stop`` are never entered; ``others`` (the other cases) only through ``owl:sameAs``, which
    makes them the same case.
    """
    own: list[Triple] = []
    seen: set[Node] = {case}
    frontier: list[Node] = [case]

    def visit(node: Node, same_as: bool = False) -> None:
        if node in seen or node in stop or (node in others and not same_as):
            return
        seen.add(node)
        frontier.append(node)

    while frontier:
        node = frontier.pop()
        for t in index.out.get(node, ()):
            own.append(t)
            if t[1] != RDF.type and not isinstance(t[2], Literal):
                visit(t[2], same_as=t[1] == OWL.sameAs)
        for t in index.into.get(node, ()):
            if t[1] == OWL.sameAs:
                own.append(t)
                visit(t[0], same_as=True)
            elif node is case and t[0] not in stop and t[0] not in others:
                own.append(t)
                visit(t[0])
    return list(dict.fromkeys(own)), seen


def partition(
    index: TripleIndex, cases: Iterable[Node], *, ontology_terms: set[Node]
) -> CasePartition:
    """Cut the input into the triples of each case and the shared rest."""
    case_list = list(dict.fromkeys(cases))
    case_set = set(case_list)
    stop_base = schema_nodes(index) | ontology_terms
    per_case: dict[Node, list[Triple]] = {}
    claimed: set[Triple] = set()
    owner: dict[Node, Node] = {}
    disjoint = True
    for case in case_list:
        own, nodes = case_triples(index, case, stop_base, case_set - {case})
        per_case[case] = own
        claimed.update(own)
        for node in nodes:
            if node not in index.out and not isinstance(node, BNode):
                continue  # a leaf IRI: it carries no facts of its own
            if owner.setdefault(node, case) != case:
                disjoint = False
    shared = [t for t in index.triples if t not in claimed]
    return CasePartition(shared=shared, cases=per_case, disjoint=disjoint and not shared)
