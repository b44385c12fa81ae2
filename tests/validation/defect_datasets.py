"""Generated partner datasets that carry every kind of defect Palermo's shapes detect.

Random and reproducible, never real people: the private values are placeholders made to be found
(``Private Name 12``, ``+000 555 0012``), so that a test can prove no report repeats them. Every
defect kind of :data:`CASE_DEFECTS` is put on a fraction of the cases (each kind at least twice,
whatever the size), :data:`DATASET_DEFECTS` once each on dataset descriptions; persons, elements
and some cases are blank nodes. Used by tests/validation/test_oxigraph_engine.py (a small sample)
and benchmarks/validation_engines.py (the large sizes).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD
from rdflib.term import Node

from palermo.rdf.namespaces import COUNTRY, DCAT, FOAF, PAL, SCHEMA, VOID

Triple = tuple[Node, Node, Node]

EX = Namespace("https://example.org/partner/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

ACTS = (PAL.Recruitment, PAL.Transportation, PAL.Transfer, PAL.Harbouring, PAL.Receipt)
MEANS = (PAL.ThreatOfForce, PAL.Coercion, PAL.Abduction, PAL.Fraud, PAL.Deception)
PURPOSES = (PAL.SexualExploitation, PAL.ForcedLabour, PAL.Slavery, PAL.OrganRemoval)
ROLES = (PAL.Recruiter, PAL.Intermediary, PAL.Transporter, PAL.Exploiter)
RELATIONSHIPS = (PAL.FamilyOrIntimatePartner, PAL.FriendOrAcquaintance, PAL.Stranger)
COUNTRIES = ("NGA", "PHL", "UKR", "MEX", "THA", "ROU", "VNM", "GBR", "USA", "ITA")

#: Defects put on a case, each detected by a constraint of shapes/ (the comment names it).
CASE_DEFECTS = (
    "no-affected-person",  # CaseShape-affectedPerson sh:minCount
    "two-affected-persons",  # CaseShape-affectedPerson sh:maxCount
    "affected-person-literal",  # CaseShape-affectedPersonNode sh:nodeKind
    "affected-person-wrong-type",  # CaseShape-affectedPersonNode sh:or
    "consent-not-boolean",  # CaseShape-consentGiven sh:datatype
    "consent-twice",  # CaseShape-consentGiven sh:maxCount
    "act-untyped",  # CaseShape-act sh:class
    "act-literal",  # CaseShape-act sh:nodeKind and sh:class
    "means-wrong-class",  # CaseShape-means sh:class
    "means-literal",  # CaseShape-means sh:nodeKind and sh:class
    "purpose-untyped",  # CaseShape-purpose sh:class
    "purpose-literal",  # CaseShape-purpose sh:nodeKind and sh:class
    "procures-wrong-class",  # CaseShape-procures sh:class
    "procures-literal",  # CaseShape-procures sh:nodeKind and sh:class
    "benefit-untyped",  # CaseShape-benefit sh:class
    "benefit-literal",  # CaseShape-benefit sh:nodeKind and sh:class
    "ruled-out-not-element",  # CaseShape-ruledOut sh:in
    "country-not-authority",  # CaseShape-countryOfOrigin sh:pattern
    "country-of-origin-blank",  # CaseShape-countryOfOrigin sh:nodeKind and sh:pattern
    "country-literal",  # CaseShape-countryOfExploitation sh:nodeKind and sh:pattern
    "perpetrator-literal",  # CaseShape-perpetrator sh:nodeKind
    "present-and-ruled-out",  # CaseContradictionShape (SPARQL), a warning
    "age-not-integer",  # PersonShape-ageAtTimeOfAct sh:datatype
    "age-text",  # PersonShape-ageAtTimeOfAct sh:datatype, sh:minInclusive, sh:maxExclusive
    "age-negative",  # PersonShape-ageAtTimeOfAct sh:minInclusive
    "age-130",  # PersonShape-ageAtTimeOfAct sh:maxExclusive
    "age-twice",  # PersonShape-ageAtTimeOfAct sh:maxCount
    "child-aged-20",  # ChildShape-ageAtTimeOfAct sh:maxExclusive
    "child-and-adult",  # ChildShape sh:not
    "adult-aged-15",  # AdultShape-ageAtTimeOfAct sh:minInclusive
    "relationship-not-in-list",  # PerpetratorShape-relationshipToPerson sh:in
    "blank-node-case",  # PartnerCaseShape sh:nodeKind, a warning
    "person-name",  # PersonPrivacyShape NameCheck (foaf:name)
    "person-first-name",  # PersonPrivacyShape NameCheck (a local name that reads like a name)
    "person-phone",  # PersonPrivacyShape TelephoneCheck
    "person-email",  # PersonPrivacyShape EmailCheck
    "person-passport",  # PersonPrivacyShape PersonDocumentNumberCheck
    "person-birth-date",  # PersonPrivacyShape BirthDateCheck
    "perpetrator-name",  # PersonPrivacyShape NameCheck on a perpetrator
    "case-phone",  # CasePrivacyShape TelephoneCheck
    "case-email",  # CasePrivacyShape EmailCheck
    "case-national-id",  # CasePrivacyShape DocumentNumberCheck
    "case-birth-date",  # CasePrivacyShape BirthDateCheck
)

#: Defects of dataset descriptions, each on one void:Dataset or dcat:Dataset (DatasetShape).
DATASET_DEFECTS = (
    "dataset-blank-node",  # DatasetShape sh:nodeKind
    "dataset-no-licence",  # DatasetShape-license sh:minCount
    "dataset-licence-literal",  # DatasetShape-license sh:nodeKind
    "dataset-no-title",  # DatasetShape-title sh:minCount, a warning
    "dataset-no-publisher",  # DatasetShape-publisher sh:minCount, a warning
    "dataset-modified-twice",  # DatasetShape-modified sh:maxCount
    "dataset-modified-not-a-date",  # DatasetShape-modified sh:or
)


def private_values(i: int) -> dict[str, Literal]:
    """The placeholder personal data of case ``i``: none of it may appear in a report."""
    return {
        "name": Literal(f"Private Name {i}"),
        "first": Literal(f"Privatefirst{i}"),
        "phone": Literal(f"+000 555 {i:04d}"),
        "email": Literal(f"private{i}@example.invalid"),
        "passport": Literal(f"PX{i:07d}"),
        "birth": Literal(f"1901-01-{1 + i % 28:02d}", datatype=XSD.date),
        "national": Literal(f"NAT-PRIVATE-{i}"),
        "perpetrator": Literal(f"Private Perpetrator {i}"),
    }


def partner_dataset(
    cases: int, seed: int = 0, *, defect_rate: float = 0.25
) -> tuple[list[Triple], Counter[str]]:
    """``cases`` cases and a few dataset descriptions; each of the first ``2 * len(
    CASE_DEFECTS)`` cases carries one defect kind in turn, the others one at random with
    probability ``defect_rate``. Returns the triples and how often each defect was put in."""
    rng = random.Random(seed)
    triples: list[Triple] = [(EX.Dossier, RDFS.subClassOf, PAL.Case)]
    put: Counter[str] = Counter()
    for i in range(cases):
        if i < 2 * len(CASE_DEFECTS):
            defect: str | None = CASE_DEFECTS[i % len(CASE_DEFECTS)]
        elif rng.random() < defect_rate:
            defect = rng.choice(CASE_DEFECTS)
        else:
            defect = None
        if defect:
            put[defect] += 1
        triples.extend(_case(rng, i, defect))
    for defect in DATASET_DEFECTS:
        put[defect] += 1
        triples.extend(_dataset(defect))
    triples.extend(_dataset(None))
    return triples, put


def partner_graph(cases: int, seed: int = 0, *, defect_rate: float = 0.25) -> Graph:
    """:func:`partner_dataset` as an rdflib graph."""
    graph = Graph()
    for triple in partner_dataset(cases, seed, defect_rate=defect_rate)[0]:
        graph.add(triple)
    return graph


def n_triples(triples: list[Triple]) -> Iterator[str]:
    """The triples as N-Triples lines; blank nodes keep their labels."""
    for s, p, o in triples:
        yield f"{s.n3()} {p.n3()} {o.n3()} .\n"


def _element(rng: random.Random, i: int, kind: str, k: int) -> Node:
    return BNode(f"e{i}x{kind}{k}") if rng.random() < 0.8 else EX[f"element/{i}/{kind}/{k}"]


def _case(rng: random.Random, i: int, defect: str | None) -> Iterator[Triple]:
    private = private_values(i)
    case: Node = BNode(f"c{i}") if defect == "blank-node-case" else EX[f"case/{i}"]
    yield (case, RDF.type, EX.Dossier if rng.random() < 0.1 else PAL.Case)
    acts = rng.sample(ACTS, rng.randint(1, 2)) if rng.random() < 0.85 else []
    if defect in ("act-untyped", "act-literal", "present-and-ruled-out") and not acts:
        acts = [rng.choice(ACTS)]
    for k, cls in enumerate(acts):
        element = _element(rng, i, "act", k)
        yield (case, PAL.act, element)
        if not (defect == "act-untyped" and k == 0):
            yield (element, RDF.type, cls)
    if defect == "act-literal":
        yield (case, PAL.act, Literal("recruitment"))
    for prop, options, chance, wrong in (
        (PAL.means, MEANS, 0.6, PAL.Recruitment),
        (PAL.purpose, PURPOSES, 0.7, None),
        (PAL.procures, (PAL.IllegalEntry, PAL.IllegalStay), 0.3, PAL.Fraud),
        (PAL.benefit, (PAL.FinancialBenefit, PAL.MaterialBenefit), 0.3, None),
    ):
        name = str(prop).rsplit("#", 1)[1]
        forced = defect is not None and defect.startswith(name + "-")
        if defect == f"{name}-literal":
            yield (case, prop, Literal(name))
        elif rng.random() < chance or forced:
            element = _element(rng, i, name, 0)
            yield (case, prop, element)
            if defect == f"{name}-wrong-class":
                yield (element, RDF.type, wrong)
            elif defect != f"{name}-untyped":
                yield (element, RDF.type, rng.choice(options))
    if defect == "present-and-ruled-out":
        yield (case, PAL.ruledOut, PAL.ActElement)
    elif rng.random() < 0.2:
        yield (case, PAL.ruledOut, PAL.IrregularMigrationElement)
    if defect == "ruled-out-not-element":
        yield (case, PAL.ruledOut, PAL.Recruitment)
    if rng.random() < 0.6:
        yield (case, PAL.countryOfOrigin, COUNTRY[rng.choice(COUNTRIES)])
    if defect == "country-not-authority":
        yield (case, PAL.countryOfOrigin, URIRef("https://example.org/country/Nigeria"))
    if defect == "country-of-origin-blank":
        yield (case, PAL.countryOfOrigin, BNode(f"country{i}"))
    if defect == "country-literal":
        yield (case, PAL.countryOfExploitation, Literal("ITA"))
    elif rng.random() < 0.4:
        yield (case, PAL.countryOfExploitation, COUNTRY[rng.choice(COUNTRIES)])
    if defect == "consent-not-boolean":
        yield (case, PAL.consentGiven, Literal("yes"))
    elif defect == "consent-twice":
        yield (case, PAL.consentGiven, Literal(True))
        yield (case, PAL.consentGiven, Literal(False))
    elif rng.random() < 0.2:
        yield (case, PAL.consentGiven, Literal(rng.random() < 0.5))
    yield from _person(rng, i, case, defect, private)
    yield from _perpetrator(rng, i, case, defect, private)
    for kind, prop in (
        ("case-phone", SCHEMA.telephone),
        ("case-email", EX.emailAddress),
        ("case-national-id", EX.nationalId),
        ("case-birth-date", EX.dateOfBirth),
    ):
        if defect == kind:
            value = {
                "case-phone": private["phone"],
                "case-email": private["email"],
                "case-national-id": private["national"],
                "case-birth-date": private["birth"],
            }[kind]
            yield (case, prop, value)


def _person(
    rng: random.Random, i: int, case: Node, defect: str | None, private: dict[str, Literal]
) -> Iterator[Triple]:
    if defect == "no-affected-person":
        return
    if defect == "affected-person-literal":
        yield (case, PAL.affectedPerson, Literal("the person"))
        return
    person: Node = BNode(f"p{i}") if rng.random() < 0.35 else EX[f"person/{i}"]
    yield (case, PAL.affectedPerson, person)
    if defect == "two-affected-persons":
        other = BNode(f"q{i}")
        yield (case, PAL.affectedPerson, other)
        yield (other, RDF.type, PAL.Person)
    if defect == "affected-person-wrong-type":
        yield (person, RDF.type, FOAF.Person)
    elif rng.random() < 0.9:
        yield (person, RDF.type, PAL.Person)
    age = {
        "age-not-integer": Literal("17.5", datatype=XSD.decimal),
        "age-text": Literal("seventeen"),
        "age-negative": Literal(-3),
        "age-130": Literal(130),
        "child-aged-20": Literal(20),
        "adult-aged-15": Literal(15),
    }.get(defect or "")
    if defect == "age-twice":
        yield (person, PAL.ageAtTimeOfAct, Literal(30))
        yield (person, PAL.ageAtTimeOfAct, Literal(31))
    elif age is not None:
        yield (person, PAL.ageAtTimeOfAct, age)
    elif rng.random() < 0.5:
        yield (person, PAL.ageAtTimeOfAct, Literal(rng.randint(3, 70)))
    if defect in ("child-aged-20", "child-and-adult"):
        yield (person, RDF.type, PAL.Child)
    if defect in ("adult-aged-15", "child-and-adult"):
        yield (person, RDF.type, PAL.Adult)
    for kind, prop, key in (
        ("person-name", FOAF.name, "name"),
        ("person-first-name", EX.firstName, "first"),
        ("person-phone", VCARD.tel, "phone"),
        ("person-email", SCHEMA.email, "email"),
        ("person-passport", EX.passportNumber, "passport"),
        ("person-birth-date", SCHEMA.birthDate, "birth"),
    ):
        if defect == kind:
            yield (person, prop, private[key])


def _perpetrator(
    rng: random.Random, i: int, case: Node, defect: str | None, private: dict[str, Literal]
) -> Iterator[Triple]:
    if defect == "perpetrator-literal":
        yield (case, PAL.perpetrator, Literal("unknown"))
        return
    if rng.random() > 0.5 and defect not in ("relationship-not-in-list", "perpetrator-name"):
        return
    perpetrator: Node = BNode(f"r{i}") if rng.random() < 0.3 else EX[f"perpetrator/{i}"]
    yield (case, PAL.perpetrator, perpetrator)
    yield (perpetrator, RDF.type, rng.choice(ROLES))
    if defect == "relationship-not-in-list":
        yield (perpetrator, PAL.relationshipToPerson, EX.Colleague)
    else:
        yield (perpetrator, PAL.relationshipToPerson, rng.choice(RELATIONSHIPS))
    if defect == "perpetrator-name":
        yield (perpetrator, SCHEMA.name, private["perpetrator"])


def _dataset(defect: str | None) -> Iterator[Triple]:
    name = defect or "good"
    dataset: Node = BNode(name) if defect == "dataset-blank-node" else EX[f"dataset/{name}"]
    yield (dataset, RDF.type, VOID.Dataset if name < "dataset-n" else DCAT.Dataset)
    if defect == "dataset-licence-literal":
        yield (dataset, DCTERMS.license, Literal("CC-BY 4.0"))
    elif defect != "dataset-no-licence":
        yield (dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/"))
    if defect != "dataset-no-title":
        yield (dataset, DCTERMS.title, Literal(f"Partner data ({name})", lang="en"))
    if defect != "dataset-no-publisher":
        yield (dataset, DCTERMS.publisher, EX.partner)
    if defect == "dataset-modified-twice":
        yield (dataset, DCTERMS.modified, Literal("2026-01-01", datatype=XSD.date))
        yield (dataset, DCTERMS.modified, Literal("2026-02-01", datatype=XSD.date))
    elif defect == "dataset-modified-not-a-date":
        yield (dataset, DCTERMS.modified, Literal("last spring"))
    else:
        yield (dataset, DCTERMS.modified, Literal("2026-03-01T10:00:00", datatype=XSD.dateTime))
