"""Mapping files and the CSV reader: each column's rule, bad rows, counts, unreadable input.

Fixtures are small synthetic CSV files beside this test; nothing here is real case data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from palermo.errors import InputError
from palermo.loading.importers import CsvSource, MappedCase, Rejection, load_mapping
from palermo.loading.importers.mapping import parse_mapping
from palermo.rdf.namespaces import COUNTRY, PAL, SCHEMA

HERE = Path(__file__).parent
BASE = "https://example.org/case/"
SDO = SCHEMA


def read(name: str, mapping: str) -> tuple[list[MappedCase | Rejection], CsvSource]:
    with CsvSource(HERE / name, load_mapping(mapping), case_base=BASE) as source:
        return list(source), source


def graph_of(case: MappedCase) -> Graph:
    g = Graph()
    for t in case.triples:
        g.add(t)
    return g


def elements(g: Graph, case: URIRef, prop: URIRef) -> set[URIRef]:
    return {cls for e in g.objects(case, prop) for cls in g.objects(e, RDF.type)}


# -- CTDC -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ctdc() -> list[MappedCase]:
    items, _ = read("ctdc-small.csv", "ctdc")
    assert all(isinstance(i, MappedCase) for i in items)
    return items  # type: ignore[return-value]


def test_ctdc_elements_follow_design(ctdc: list[MappedCase]) -> None:
    first, second, _, fourth, fifth = ctdc
    g = graph_of(first)
    c = first.case
    assert (c, RDF.type, PAL.Case) in g
    assert elements(g, c, PAL.act) == {PAL.Recruitment}  # IP_RecruiterBroker=1
    assert elements(g, c, PAL.means) == {PAL.Coercion}  # IP_ControlAbuseKidnap=1
    assert elements(g, c, PAL.purpose) == {PAL.ForcedLabour}  # isForcedLabour=1
    assert elements(g, c, PAL.benefit) == set()  # IP_PayMoney No
    person = g.value(c, PAL.affectedPerson)
    assert set(g.objects(person, RDF.type)) == {PAL.Person, PAL.Adult}
    g2 = graph_of(second)
    assert elements(g2, second.case, PAL.purpose) == {PAL.SexualExploitation}
    assert (g2.value(second.case, PAL.affectedPerson), RDF.type, PAL.Child) in g2  # Minor
    g4 = graph_of(fourth)
    assert elements(g4, fourth.case, PAL.act) == {PAL.Transfer}  # IP_TransactionProcess=1
    assert elements(g4, fourth.case, PAL.benefit) == {PAL.FinancialBenefit}  # "No;Yes"
    g5 = graph_of(fifth)
    assert elements(g5, fifth.case, PAL.benefit) == {PAL.FinancialBenefit}  # "Yes"
    # Nothing is ruled out: a registry of victims never examined absence.
    assert not any(p == PAL.ruledOut for item in ctdc for _, p, _ in item.triples)


def test_ctdc_kept_data(ctdc: list[MappedCase]) -> None:
    first, second, _, fourth, _ = ctdc
    g = graph_of(first)
    c, person = first.case, URIRef(f"{first.case}/person")
    perp = g.value(c, PAL.perpetrator)
    assert perp == URIRef(f"{c}/perpetrator")
    assert g.value(c, PAL.registrationPeriod) == Literal("2019")
    assert g.value(person, URIRef(SDO + "gender")) == URIRef(SDO + "Female")
    assert g.value(person, PAL.regionOfCitizenship) == Literal("Asia")
    assert g.value(c, PAL.regionOfExploitation) == Literal("Europe")
    assert set(g.objects(perp, RDF.type)) == {PAL.Perpetrator, PAL.Exploiter, PAL.Recruiter}
    assert g.value(perp, PAL.ageBand) == Literal("30--38")
    assert g.value(perp, PAL.regionOfCitizenship) == Literal("Asia")
    assert g.value(perp, PAL.relationshipToPerson) == PAL.FriendOrAcquaintance
    g2 = graph_of(second)
    perp2 = g2.value(second.case, PAL.perpetrator)
    assert set(g2.objects(perp2, URIRef(SDO + "gender"))) == {
        URIRef(SDO + "Female"),
        URIRef(SDO + "Male"),
    }  # "Female;Male"
    assert g2.value(perp2, PAL.relationshipToPerson) == PAL.FamilyOrIntimatePartner
    g4 = graph_of(fourth)
    perp4 = g4.value(fourth.case, PAL.perpetrator)
    assert PAL.Intermediary in set(g4.objects(perp4, RDF.type))
    assert g4.value(perp4, PAL.relationshipToPerson) == PAL.Stranger
    assert g4.value(fourth.case, PAL.regionOfExploitation) == Literal("Americas/Oceania")


def test_ctdc_empty_row_is_a_case_without_elements(ctdc: list[MappedCase]) -> None:
    empty = ctdc[2]
    g = graph_of(empty)
    assert set(g.predicates()) == {RDF.type, PAL.affectedPerson}
    assert g.value(empty.case, PAL.perpetrator) is None


def test_case_iris_are_stable_and_distinct(ctdc: list[MappedCase]) -> None:
    again, _ = read("ctdc-small.csv", "ctdc")
    assert [c.case for c in ctdc] == [c.case for c in again]  # type: ignore[union-attr]
    assert len({c.case for c in ctdc}) == len(ctdc)
    assert all(str(c.case).startswith(BASE + "ctdc-") for c in ctdc)


def test_ctdc_bad_rows_are_reported_and_skipped() -> None:
    items, source = read("ctdc-bad-rows.csv", "ctdc")
    rejected = [i for i in items if isinstance(i, Rejection)]
    assert [(r.row, r.line) for r in rejected] == [(2, 3), (3, 4), (4, 5), (5, 6)]
    by_row = {r.row: r for r in rejected}
    assert [p.column for p in by_row[2].problems] == ["majorityStatus"]
    assert "'Teenager' is not one of 'Minor', 'Adult'" in str(by_row[2])
    assert [p.column for p in by_row[3].problems] == ["isForcedLabour"]  # "0" is not a CTDC value
    assert "7 cell(s), the header 16" in str(by_row[4])
    assert {p.column for p in by_row[5].problems} == {"UN_COO_Region", "IP_PayMoney"}
    assert (source.summary.read, source.summary.imported, source.summary.rejected) == (6, 2, 4)
    assert str(source.summary).endswith("read 6 row(s), imported 2, rejected 4")


def test_wrong_header_names_the_missing_columns() -> None:
    with pytest.raises(InputError) as info:
        CsvSource(HERE / "ctdc-wrong-header.csv", load_mapping("ctdc"))
    assert info.value.line == 1
    assert "IP_RecruiterBroker" in str(info.value) and "gender" not in info.value.detail


def test_missing_file_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No such file"):
        CsvSource(tmp_path / "absent.csv", load_mapping("ctdc"))
    latin = tmp_path / "latin.csv"
    text = (HERE / "ctdc-small.csv").read_bytes()
    latin.write_bytes(text + "2019,F\xe9minin\n".encode("latin-1"))
    with CsvSource(latin, load_mapping("ctdc")) as source, pytest.raises(InputError) as info:
        list(source)
    assert (info.value.line, info.value.detail) == (7, "not UTF-8 text (invalid continuation byte)")


# -- HTCDS ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def htcds() -> dict[str, Graph]:
    items, source = read("htcds-small.csv", "htcds")
    assert source.summary.rejected == 0, [str(i) for i in items]
    return {str(i.case).removeprefix(BASE): graph_of(i) for i in items}  # type: ignore[union-attr]


def test_htcds_ids_from_the_id_column(htcds: dict[str, Graph]) -> None:
    assert sorted(htcds) == ["h-001", "h-002", "h-003", "h-004"]


def test_htcds_means_purpose_and_acts(htcds: dict[str, Graph]) -> None:
    c = URIRef(BASE + "h-001")
    g = htcds["h-001"]
    assert elements(g, c, PAL.means) == {PAL.Deception}  # false promises
    assert elements(g, c, PAL.purpose) == {PAL.ForcedLabour}
    assert elements(g, c, PAL.act) == {PAL.Recruitment}  # role Recruiter
    c4 = URIRef(BASE + "h-004")
    g4 = htcds["h-004"]
    # Debt bondage gives coercion; excessive working hours gives no means.
    assert elements(g4, c4, PAL.means) == {PAL.Coercion}
    assert elements(g4, c4, PAL.purpose) == {PAL.Slavery, PAL.PracticeSimilarToSlavery}
    assert elements(g4, c4, PAL.act) == {PAL.Transfer}  # role Intermediary
    c3 = URIRef(BASE + "h-003")
    g3 = htcds["h-003"]
    assert elements(g3, c3, PAL.act) == set()  # "-99" everywhere is missing, Smuggler no act
    assert (g3.value(c3, PAL.perpetrator), RDF.type, PAL.Smuggler) in g3


def test_htcds_person_places_and_relationships(htcds: dict[str, Graph]) -> None:
    c = URIRef(BASE + "h-002")
    g = htcds["h-002"]
    person = g.value(c, PAL.affectedPerson)
    assert g.value(person, PAL.ageAtTimeOfAct) == Literal(15, datatype=XSD.integer)
    assert (person, RDF.type, PAL.Child) in g
    assert g.value(c, PAL.countryOfOrigin) == COUNTRY.NGA
    assert g.value(c, PAL.countryOfExploitation) == COUNTRY.ITA
    perp = g.value(c, PAL.perpetrator)
    assert {PAL.Transporter, PAL.Exploiter} <= set(g.objects(perp, RDF.type))
    assert g.value(perp, PAL.relationshipToPerson) == PAL.FamilyOrIntimatePartner
    g3 = htcds["h-003"]
    person3 = g3.value(URIRef(BASE + "h-003"), PAL.affectedPerson)
    assert g3.value(person3, URIRef(SDO + "gender")) == Literal("Non-binary")  # kept as text
    g4 = htcds["h-004"]
    perp4 = g4.value(URIRef(BASE + "h-004"), PAL.perpetrator)
    assert set(g4.objects(perp4, PAL.relationshipToPerson)) == {PAL.FriendOrAcquaintance}


def test_htcds_bad_rows() -> None:
    items, source = read("htcds-bad-rows.csv", "htcds")
    rejected = {r.row: r for r in items if isinstance(r, Rejection)}
    assert sorted(rejected) == [2, 3, 4, 5, 6, 7]
    assert "not a whole number" in str(rejected[2])
    assert "does not match [A-Z]{3}" in str(rejected[3])
    assert "'Boss' is not one of" in str(rejected[4])
    assert "not usable in an IRI" in str(rejected[5])
    assert "150 is outside 0..120" in str(rejected[6])
    assert rejected[7].problems[0].column == "meansOfControlThreats"
    assert (source.summary.read, source.summary.imported, source.summary.rejected) == (7, 1, 6)


def test_htcds_duplicate_id_is_rejected() -> None:
    items, _ = read("htcds-duplicate-id.csv", "htcds")
    assert isinstance(items[0], MappedCase)
    assert isinstance(items[1], Rejection) and "repeats row 1" in str(items[1])


# -- The mapping files ----------------------------------------------------------------------------


def test_htcds_mapping_mirrors_the_indicator_schemes(ontology) -> None:
    """Each method of control gives the Means classes, and each type of exploitation the
    Exploitation classes, that ontology/indicators.ttl says its HTCDS concept evidences."""
    onto = ontology.graph
    query = """
        PREFIX pal: <https://w3id.org/palermo/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?notation ?cls WHERE {
          VALUES (?scheme ?top) { (pal:MethodOfControlScheme pal:Means)
                                  (pal:TypeOfExploitationScheme pal:Exploitation) }
          ?concept skos:inScheme ?scheme ; skos:notation ?notation .
          OPTIONAL { ?concept pal:evidencesElementClass ?cls . ?cls rdfs:subClassOf+ ?top }
        }"""
    expected: dict[str, set[URIRef]] = {}
    for notation, cls in onto.query(query):
        expected.setdefault(str(notation), set())
        if cls is not None:
            expected[str(notation)].add(cls)
    mapping = load_mapping("htcds")
    mapped = {
        r.column: set(r.values["1"])
        for r in mapping.rules
        if r.element and r.column in expected and r.values
    }
    assert mapped == expected


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"column": "x", "subject": "case", "values": {"1": "pal:A"}}, "element or property"),
        ({"column": "x", "element": "pal:act", "literal": "string"}, "an element needs values"),
        ({"column": "x", "property": "foo:bar", "values": {"1": "pal:A"}}, "known prefix"),
        ({"column": "x", "element": "pal:perpetrator", "values": {"1": "pal:A"}}, "element must"),
        ({"column": "x", "property": "pal:p", "literal": "date"}, "literal must"),
        (
            {"column": "x", "subject": "victim", "property": "pal:p", "literal": "string"},
            "subject must",
        ),
        ({"column": "x", "property": "pal:p", "iri": "http://x/"}, "{value}"),
    ],
)
def test_mistakes_in_a_mapping_are_reported(rule: dict, message: str) -> None:
    with pytest.raises(InputError, match="rule 1") as info:
        parse_mapping({"source": {}, "rule": [rule]}, Path("m.toml"))
    assert message in str(info.value)


def test_unknown_mapping_names_the_shipped_ones() -> None:
    with pytest.raises(InputError, match="ctdc, htcds"):
        load_mapping("nonesuch")
