"""Finding the triples of each case in an input graph.

Cases are independent (DESIGN.md, "Decision rules"): the facts of one case never change the answer
for another. So each case is reasoned over on its own, with the ontology and with the part of the
input that belongs to no case (the schema axioms a file brings, which "take effect for the cases
submitted with them, as OWL 2 RL says, and no further").

A case's own triples are those reachable from the case node: forward along any property but
``rdf:type`` (whose objects are classes), backward only into the case node itself, and both ways
along ``owl:sameAs`` (which may join two cases into one). Traversal stops at schema nodes
(classes, properties, restrictions, the lists of axioms), at terms of the ontology and at other
cases.

Both reasoning paths use this module, so they see exactly the same graph for each case. It works
on plain terms (:mod:`palermo.rdf.terms`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib.namespace import OWL, RDF, RDFS

from palermo.rdf.terms import Lit, Term, Triple, is_blank
from palermo.reasoning.ontology import CLASSIFICATION_CLASSES

RDF_TYPE = str(RDF.type)
SAME_AS = str(OWL.sameAs)
_LIST = frozenset({str(RDF.first), str(RDF.rest)})
_CLASSIFICATION = frozenset(str(c) for c in CLASSIFICATION_CLASSES)

SCHEMA_PREDICATES = frozenset(
    str(p)
    for p in (
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        RDFS.domain,
        RDFS.range,
        OWL.equivalentClass,
        OWL.equivalentProperty,
        OWL.inverseOf,
        OWL.propertyChainAxiom,
        OWL.onProperty,
        OWL.someValuesFrom,
        OWL.allValuesFrom,
        OWL.hasValue,
        OWL.intersectionOf,
        OWL.unionOf,
        OWL.complementOf,
        OWL.oneOf,
        OWL.disjointWith,
        OWL.propertyDisjointWith,
        OWL.hasKey,
        OWL.maxCardinality,
        OWL.maxQualifiedCardinality,
        OWL.onClass,
        OWL.members,
        OWL.disjointUnionOf,
        OWL.onProperties,
        OWL.sourceIndividual,
        OWL.annotatedSource,
    )
)
SCHEMA_TYPES = frozenset(
    str(c)
    for c in (
        OWL.Class,
        RDFS.Class,
        OWL.Restriction,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDF.Property,
        OWL.TransitiveProperty,
        OWL.SymmetricProperty,
        OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty,
        OWL.AsymmetricProperty,
        OWL.IrreflexiveProperty,
        OWL.ReflexiveProperty,
        OWL.Ontology,
        OWL.AllDisjointClasses,
        OWL.AllDisjointProperties,
        OWL.AllDifferent,
        OWL.Axiom,
        RDFS.Datatype,
    )
)


@dataclass
class TripleIndex:
    """The input triples, indexed by subject and by object. Asserted memberships of the
    classification classes are dropped: Palermo infers them from the elements, so that an
    assessment always follows from the facts."""

    triples: list[Triple] = field(default_factory=list)
    out: dict[Term, list[Triple]] = field(default_factory=lambda: defaultdict(list))
    into: dict[Term, list[Triple]] = field(default_factory=lambda: defaultdict(list))
    #: ``owl:sameAs`` triples by object (the traversal follows them backwards from any node)
    same_as_into: dict[Term, list[Triple]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, triples: Iterable[Triple]) -> TripleIndex:
        index = cls()
        unique = dict.fromkeys(triples)
        keep, out, into = index.triples.append, index.out, index.into
        for t in unique:
            if t[1] == RDF_TYPE and t[2] in _CLASSIFICATION:
                continue
            keep(t)
            out[t[0]].append(t)
            if type(t[2]) is not Lit:
                into[t[2]].append(t)
                if t[1] == SAME_AS:
                    index.same_as_into[t[2]].append(t)
        return index


@dataclass(frozen=True)
class CasePartition:
    """The triples of each case, and those that belong to no case (shared by all)."""

    shared: list[Triple]
    cases: dict[Term, list[Triple]]
    #: True when nothing is shared and no two cases share a node other than an IRI that has no
    #: triples of its own in the input (a country, say): then reasoning over the whole input
    #: gives each case what reasoning over it alone would, unless an inverse property runs back
    #: from such an IRI (callers check that).
    disjoint: bool
    #: the leaf IRIs that more than one case reaches
    shared_leaves: frozenset[Term] = frozenset()


def schema_nodes(index: TripleIndex) -> set[Term]:
    """Subjects of schema axioms, declared classes and properties, and the RDF lists those
    axioms use."""
    nodes: set[Term] = set()
    for s, p, o in index.triples:
        if p in SCHEMA_PREDICATES or (p == RDF_TYPE and o in SCHEMA_TYPES):
            nodes.add(s)
    frontier = [o for s in nodes for (_, _, o) in index.out.get(s, ()) if is_blank(o)]
    while frontier:
        node = frontier.pop()
        if node in nodes:
            continue
        if any(p in _LIST for (_, p, _) in index.out.get(node, ())):
            nodes.add(node)
            frontier.extend(o for (_, _, o) in index.out[node] if is_blank(o))
    return nodes


def case_triples(
    index: TripleIndex, case: Term, stop: set[Term], cases: set[Term]
) -> tuple[list[Triple], set[Term]]:
    """The triples that belong to ``case`` and the nodes they reach (module docstring).

    ``stop`` are never entered; the other ``cases`` only through ``owl:sameAs``, which makes
    them the same case.
    """
    own: list[Triple] = []
    seen: set[Term] = {case}
    frontier: list[Term] = [case]
    out, into = index.out, index.into

    while frontier:
        node = frontier.pop()
        for t in out.get(node, ()):
            own.append(t)
            o = t[2]
            if t[1] == RDF_TYPE or type(o) is Lit or o in seen or o in stop:
                continue
            if o in cases and t[1] != SAME_AS:
                continue
            seen.add(o)
            frontier.append(o)
        # Backwards: into the case node along anything, into other nodes along owl:sameAs only.
        for t in into.get(node, ()) if node == case else index.same_as_into.get(node, ()):
            s = t[0]
            if t[1] != SAME_AS and (s in stop or s in cases):
                continue
            own.append(t)
            if s not in seen and s not in stop:
                seen.add(s)
                frontier.append(s)
    return list(dict.fromkeys(own)), seen


def partition(
    index: TripleIndex, cases: Iterable[Term], *, ontology_terms: set[Term]
) -> CasePartition:
    """Cut the input into the triples of each case and the shared rest."""
    case_list = list(dict.fromkeys(cases))
    case_set = set(case_list)
    stop = schema_nodes(index) | ontology_terms
    per_case: dict[Term, list[Triple]] = {}
    claimed: set[Triple] = set()
    owner: dict[Term, Term] = {}
    leaves: set[Term] = set()
    disjoint = True
    for case in case_list:
        own, nodes = case_triples(index, case, stop, case_set)
        per_case[case] = own
        claimed.update(own)
        for node in nodes:
            first = owner.setdefault(node, case)
            if first == case:
                continue
            if node not in index.out and not is_blank(node):
                leaves.add(node)  # a leaf IRI: it carries no facts of its own
            else:
                disjoint = False
    shared = (
        [t for t in index.triples if t not in claimed] if len(claimed) < len(index.triples) else []
    )
    return CasePartition(
        shared=shared,
        cases=per_case,
        disjoint=disjoint and not shared,
        shared_leaves=frozenset(leaves),
    )
