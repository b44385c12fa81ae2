"""Synthetic case files that bring their own schema, for the proof tests: every kind of axiom a
partner may map its vocabulary with (subclass, subproperty, inverse, class and property
equivalence, domain and range, hasValue, intersection), each able to decide an element.
Random and reproducible; never real people."""

from __future__ import annotations

import random

from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.graph import Graph
from rdflib.namespace import OWL, RDF, RDFS, XSD

from palermo.rdf.namespaces import PAL

EX = "https://example.org/partner/"


def rich_schema_graph(count: int, seed: int = 0, *, tag: str = "r") -> Graph:
    """``count`` random cases in one graph with a schema that uses every kind of axiom."""
    rng = random.Random(seed)
    g = Graph()
    ns = f"{EX}{tag}/"

    def t(name: str) -> URIRef:
        return URIRef(ns + name)

    lure, lured, purpose_of = t("Lure"), t("lured"), t("purposeOf")
    bondage, gain, crossed = t("Bondage"), t("gain"), t("crossedBorderWith")
    status, minor, job, unpaid = t("status"), t("Minor"), t("Job"), t("Unpaid")
    dossier, handled = t("Dossier"), t("handledCase")
    g.add((lure, RDFS.subClassOf, PAL.Deception))  # subclass
    g.add((lured, RDFS.subPropertyOf, PAL.act))  # subproperty
    g.add((purpose_of, OWL.inverseOf, PAL.purpose))  # inverse
    g.add((bondage, OWL.equivalentClass, PAL.Servitude))  # class equivalence
    g.add((gain, OWL.equivalentProperty, PAL.benefit))  # property equivalence
    g.add((crossed, RDFS.range, PAL.IllegalEntry))  # range
    g.add((crossed, RDFS.subPropertyOf, PAL.procures))
    g.add((handled, RDFS.domain, dossier))  # domain
    g.add((dossier, RDFS.subClassOf, PAL.Case))
    restriction = BNode()  # hasValue (cls-hv2)
    g.add((restriction, RDF.type, OWL.Restriction))
    g.add((restriction, OWL.onProperty, status))
    g.add((restriction, OWL.hasValue, minor))
    g.add((restriction, RDFS.subClassOf, PAL.Child))
    both, members = BNode(), BNode()  # intersection (cls-int1)
    Collection(g, members, [job, unpaid])
    g.add((both, RDF.type, OWL.Class))
    g.add((both, OWL.intersectionOf, members))
    g.add((both, RDFS.subClassOf, PAL.ForcedLabour))

    for i in range(count):
        case = URIRef(f"{ns}case/{i}")
        if rng.random() < 0.3:
            office = URIRef(f"{ns}office/{i}")
            g.add((office, handled, case))  # the case is a case by the domain of handledCase
        else:
            g.add((case, RDF.type, PAL.Case))
        act = BNode()
        if rng.random() < 0.8:
            g.add((case, lured if rng.random() < 0.6 else PAL.act, act))
            g.add((act, RDF.type, PAL.Recruitment))
        means = BNode()
        if rng.random() < 0.6:
            g.add((case, PAL.means, means))
            g.add((means, RDF.type, lure if rng.random() < 0.6 else PAL.Coercion))
        purpose = BNode()
        roll = rng.random()
        if roll < 0.4:
            g.add((purpose, purpose_of, case))
            g.add((purpose, RDF.type, bondage))
        elif roll < 0.8:
            g.add((case, PAL.purpose, purpose))
            g.add((purpose, RDF.type, job))
            g.add((purpose, RDF.type, unpaid))
        if rng.random() < 0.5:
            g.add((case, crossed, BNode()))
        if rng.random() < 0.5:
            fee = BNode()
            g.add((case, gain, fee))
            g.add((fee, RDF.type, PAL.FinancialBenefit))
        person = URIRef(f"{ns}person/{i}")
        g.add((case, PAL.affectedPerson, person))
        g.add((person, RDF.type, PAL.Person))
        if rng.random() < 0.4:
            g.add((person, status, minor))
        elif rng.random() < 0.5:
            g.add((person, PAL.ageAtTimeOfAct, Literal(rng.randint(10, 60), datatype=XSD.integer)))
        if rng.random() < 0.3:
            g.add((case, PAL.ruledOut, PAL.BenefitElement))
    return g
