"""The alignments: their own owl:Ontology, outside the reasoning set, adding no term, and passing
every ontology quality check together with the ontology."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from palermo import resources

PAL = "https://w3id.org/palermo/ontology#"
IRI = URIRef("https://w3id.org/palermo/ontology/alignments")
ALLOWED = {
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    SKOS.closeMatch,
    SKOS.exactMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
    RDFS.seeAlso,
}


@pytest.fixture(scope="module")
def alignments() -> Graph:
    files = resources.alignment_files()
    assert files, "no alignment file"
    g = Graph()
    for path in files:
        g.parse(path, format="turtle")
    return g


@pytest.fixture(scope="module")
def ontology() -> Graph:
    g = Graph()
    for path in resources.ontology_files():
        g.parse(path, format="turtle")
    return g


def test_alignments_are_not_reasoned_with() -> None:
    reasoned = set(resources.ontology_files())
    assert not reasoned & set(resources.alignment_files())


def test_alignments_header(alignments: Graph) -> None:
    assert list(alignments.subjects(RDF.type, OWL.Ontology)) == [IRI]
    assert alignments.value(IRI, OWL.versionIRI) == URIRef(
        "https://w3id.org/palermo/ontology/1.0.0/alignments"
    )
    for p in (
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.license,
        DCTERMS.creator,
        OWL.versionInfo,
    ):
        assert alignments.value(IRI, p) is not None, p
    assert not list(alignments.objects(IRI, OWL.imports))
    assert not list(alignments.subjects(OWL.imports, None))


def test_alignments_add_no_term_and_use_mapping_properties(alignments: Graph, ontology: Graph):
    for s, p, o in alignments:
        if s == IRI:
            continue
        assert str(s).startswith(PAL), s
        assert (s, RDFS.isDefinedBy, None) in ontology, f"{s} is not a term of the ontology"
        assert p in ALLOWED, f"{s} {p}: not a mapping property"
        assert isinstance(o, URIRef)
        if str(o).startswith(PAL):
            assert (o, RDFS.isDefinedBy, None) in ontology, o
    assert not list(alignments.triples((None, OWL.equivalentClass, None)))
    assert not list(alignments.triples((None, OWL.sameAs, None)))


def test_alignments_cover_the_vocabularies(alignments: Graph) -> None:
    targets = {str(o) for o in alignments.objects() if isinstance(o, URIRef)}
    for ns in (
        "https://schema.org/",
        "http://www.w3.org/ns/prov#",
        "http://xmlns.com/foaf/0.1/",
        "http://www.w3.org/ns/org#",
        "http://www.w3.org/2004/02/skos/core#",
        "http://dbpedia.org/resource/",
        "https://github.com/UNMigration/HTCDS",
    ):
        assert any(t.startswith(ns) for t in targets), ns


def test_quality_checks_pass_with_the_alignments() -> None:
    store = ox.Store()
    for path in [*resources.ontology_files(), *resources.alignment_files()]:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    for check in resources.query_files("qc"):
        rows = list(store.query(check.read_text(encoding="utf-8")))
        assert not rows, f"{check.stem} fires with the alignments loaded"
