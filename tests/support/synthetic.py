"""Synthetic case graphs for tests and benchmarks: random, reproducible, never real people.

Every branch of the decision rules is reachable: any mix of acts, means and purposes, irregular
migration and benefit, elements ruled out (also contradicting what is present), ages on both
sides of 18, explicit ``pal:Child``/``pal:Adult``, unknown ages, consent, perpetrators with
roles and relationships. Optionally a file brings its own schema axioms (a subclass of a means,
a sub-property of ``pal:act``, a subclass of ``pal:Case``), as partners' data may.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from palermo.rdf.namespaces import COUNTRY, PAL

Triple = tuple[Node, Node, Node]

ACTS = (PAL.Recruitment, PAL.Transportation, PAL.Transfer, PAL.Harbouring, PAL.Receipt)
MEANS = (
    PAL.ThreatOfForce,
    PAL.UseOfForce,
    PAL.Coercion,
    PAL.Abduction,
    PAL.Fraud,
    PAL.Deception,
    PAL.AbuseOfPower,
    PAL.AbuseOfVulnerability,
    PAL.PaymentToPersonInControl,
)
PURPOSES = (
    PAL.SexualExploitation,
    PAL.ExploitationOfProstitution,
    PAL.ForcedLabour,
    PAL.Slavery,
    PAL.PracticeSimilarToSlavery,
    PAL.Servitude,
    PAL.OrganRemoval,
)
MIGRATION = (PAL.IllegalEntry, PAL.IllegalStay)
BENEFITS = (PAL.FinancialBenefit, PAL.MaterialBenefit)
ELEMENTS = (
    PAL.ActElement,
    PAL.MeansElement,
    PAL.PurposeElement,
    PAL.IrregularMigrationElement,
    PAL.BenefitElement,
)
ROLES = (PAL.Recruiter, PAL.Intermediary, PAL.Transporter, PAL.Exploiter, PAL.Smuggler)
RELATIONSHIPS = (PAL.FamilyOrIntimatePartner, PAL.FriendOrAcquaintance, PAL.Stranger)
COUNTRIES = ("NGA", "PHL", "UKR", "MEX", "THA", "ROU", "VNM", "GBR", "USA", "ITA")

EX = "https://example.org/synthetic/"


def schema_axioms(tag: str) -> tuple[list[Triple], dict[str, URIRef]]:
    """A small schema a partner file might bring, and the new terms it defines."""
    terms = {
        "means": URIRef(f"{EX}{tag}/ThreatToFamily"),
        "act": URIRef(f"{EX}{tag}/lured"),
        "case": URIRef(f"{EX}{tag}/Dossier"),
    }
    triples = [
        (terms["means"], RDFS.subClassOf, PAL.ThreatOfForce),
        (terms["act"], RDFS.subPropertyOf, PAL.act),
        (terms["case"], RDFS.subClassOf, PAL.Case),
    ]
    return triples, terms


def _some(rng: random.Random, options: tuple, most: int, chance: float) -> list:
    if rng.random() > chance:
        return []
    return rng.sample(options, rng.randint(1, most))


def case_triples(
    rng: random.Random, case_id: str, schema_terms: dict[str, URIRef] | None = None
) -> Iterator[Triple]:
    """The triples of one random case."""
    case = URIRef(f"{EX}case/{case_id}")
    if schema_terms and rng.random() < 0.3:
        yield (case, RDF.type, schema_terms["case"])
    else:
        yield (case, RDF.type, PAL.Case)
    for prop, options, most, chance in (
        (PAL.act, ACTS, 2, 0.8),
        (PAL.means, MEANS, 2, 0.6),
        (PAL.purpose, PURPOSES, 2, 0.7),
        (PAL.procures, MIGRATION, 1, 0.4),
        (PAL.benefit, BENEFITS, 1, 0.4),
    ):
        for cls in _some(rng, options, most, chance):
            element = BNode()
            if schema_terms and prop == PAL.act and rng.random() < 0.3:
                yield (case, schema_terms["act"], element)
            else:
                yield (case, prop, element)
            if schema_terms and prop == PAL.means and rng.random() < 0.3:
                cls = schema_terms["means"]
            yield (element, RDF.type, cls)
    for element in _some(rng, ELEMENTS, 3, 0.35):
        yield (case, PAL.ruledOut, element)
    person = URIRef(f"{EX}person/{case_id}")
    yield (case, PAL.affectedPerson, person)
    yield (person, RDF.type, PAL.Person)
    roll = rng.random()
    if roll < 0.6:
        yield (person, PAL.ageAtTimeOfAct, Literal(rng.randint(3, 70), datatype=XSD.integer))
    elif roll < 0.7:
        yield (person, RDF.type, PAL.Child)
    elif roll < 0.8:
        yield (person, RDF.type, PAL.Adult)
    if rng.random() < 0.2:
        yield (case, PAL.consentGiven, Literal(rng.random() < 0.5))
    if rng.random() < 0.5:
        perpetrator = URIRef(f"{EX}perpetrator/{case_id}")
        yield (case, PAL.perpetrator, perpetrator)
        yield (perpetrator, RDF.type, rng.choice(ROLES))
        yield (perpetrator, PAL.relationshipToPerson, rng.choice(RELATIONSHIPS))
    if rng.random() < 0.5:
        yield (case, PAL.countryOfOrigin, COUNTRY[rng.choice(COUNTRIES)])


def generate(count: int, seed: int = 0, *, prefix: str = "c") -> Iterator[Triple]:
    """``count`` random cases with no schema of their own."""
    rng = random.Random(seed)
    for i in range(count):
        yield from case_triples(rng, f"{prefix}{i}")


def generate_with_schema(count: int, seed: int = 0, *, tag: str = "s") -> list[Triple]:
    """``count`` random cases in one file that brings its own schema axioms."""
    rng = random.Random(seed)
    axioms, terms = schema_axioms(tag)
    triples = list(axioms)
    for i in range(count):
        triples.extend(case_triples(rng, f"{tag}-{i}", terms))
    return triples
