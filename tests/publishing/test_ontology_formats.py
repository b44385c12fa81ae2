"""Every format served for the ontology, the shapes and the alignments parses, in rdflib and in
pyoxigraph, to the same graph; IRIs resolve by content negotiation (Turtle, RDF/XML, JSON-LD,
N-Triples, HTML) and 406 answers problem+json when nothing fits."""

from __future__ import annotations

import warnings

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, XSD

from palermo import resources
from palermo.rdf.parsing import to_graph

PAL = "https://w3id.org/palermo/ontology#"
FORMATS = {
    "text/turtle": ("turtle", ox.RdfFormat.TURTLE),
    "application/rdf+xml": ("xml", ox.RdfFormat.RDF_XML),
    "application/ld+json": ("json-ld", ox.RdfFormat.JSON_LD),
    "application/n-triples": ("nt", ox.RdfFormat.N_TRIPLES),
}
DOCUMENTS = [
    "/ontology",
    "/ontology/1.0.0",
    "/ontology/core",
    "/ontology/1.0.0/trafficking",
    "/ontology/alignments",
    "/ontology/1.0.0/alignments",
    "/ontology/Recruitment",
    "/ontology/act",
    "/shapes",
    "/shapes/1.0.0",
    "/shapes/case-graph",
    "/shapes/1.0.0/privacy",
]


def _rdf11(graph: Graph) -> Graph:
    """RDF 1.1 makes a simple literal an xsd:string; rdflib keeps them apart, so normalise."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        out.add((s, p, o))
    return out


def _rdflib(data: bytes, fmt: str) -> Graph:
    with warnings.catch_warnings():
        # rdflib's JSON-LD parser may warn about its own internals; the graph is what counts.
        warnings.simplefilter("ignore")
        return _rdf11(Graph().parse(data=data, format=fmt))


def _oxigraph(data: bytes, fmt: ox.RdfFormat) -> Graph:
    return _rdf11(to_graph(ox.parse(data, format=fmt)))


@pytest.fixture(scope="module")
def ld_client():
    from palermo.app import close_app, create_app

    app = create_app({"MEMORY": True, "LOAD_EXAMPLES": False, "TOKENS": ""})
    yield app.test_client()
    close_app(app)


@pytest.mark.parametrize("path", DOCUMENTS)
def test_every_format_parses_to_the_same_graph(ld_client, path):
    graphs = []
    for media, (rdflib_fmt, ox_fmt) in FORMATS.items():
        r = ld_client.get(path, headers={"Accept": media})
        assert r.status_code == 200, (path, media, r.data[:200])
        assert r.mimetype == media
        assert r.headers["Vary"] == "Accept"
        a, b = _rdflib(r.data, rdflib_fmt), _oxigraph(r.data, ox_fmt)
        assert len(a) > 0
        assert isomorphic(a, b), f"{path} {media}: rdflib and pyoxigraph disagree"
        graphs.append(a)
    for other in graphs[1:]:
        assert isomorphic(graphs[0], other), f"{path}: formats give different graphs"


def test_whole_ontology_equals_the_files(ld_client):
    r = ld_client.get("/ontology", headers={"Accept": "application/n-triples"})
    expected = Graph()
    for path in resources.ontology_files():
        expected.parse(path, format="turtle")
    assert isomorphic(_oxigraph(r.data, ox.RdfFormat.N_TRIPLES), _rdf11(expected))


def test_module_and_version_iris(ld_client):
    g = _oxigraph(
        ld_client.get("/ontology/1.0.0/core", headers={"Accept": "text/turtle"}).data,
        ox.RdfFormat.TURTLE,
    )
    core = URIRef("https://w3id.org/palermo/ontology/core")
    assert (core, RDF.type, OWL.Ontology) in g
    assert (core, OWL.versionIRI, URIRef("https://w3id.org/palermo/ontology/1.0.0/core")) in g
    assert ld_client.get("/ontology/0.9.0").status_code == 404
    assert ld_client.get("/ontology/0.9.0/core").status_code == 404
    assert ld_client.get("/ontology/NoSuchTerm").status_code == 404
    assert ld_client.get("/ontology/1.0.0/Recruitment").status_code == 404


def test_module_names_do_not_shadow_terms(ld_client):
    from palermo.publishing.publication import Publication

    pub = Publication.load()
    assert not set(pub.module_names("ontology")) & set(pub.terms())


def test_term_iri_gives_its_description_or_its_anchor(ld_client):
    r = ld_client.get("/ontology/Recruitment", headers={"Accept": "text/turtle"})
    g = _oxigraph(r.data, ox.RdfFormat.TURTLE)
    term = URIRef(PAL + "Recruitment")
    assert (term, RDFS.subClassOf, URIRef(PAL + "Act")) in g
    assert {s for s in g.subjects() if isinstance(s, URIRef)} == {term}
    html = ld_client.get("/ontology/Recruitment", headers={"Accept": "text/html"})
    assert html.status_code == 303
    assert html.headers["Location"].endswith("/ontology#Recruitment")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "text/turtle"),
        ("application/rdf+xml, text/turtle;q=0.9", "application/rdf+xml"),
        ("application/ld+json;q=1, text/html;q=0.2", "application/ld+json"),
        ("text/html;q=0, application/n-triples;q=0.1", "application/n-triples"),
    ],
)
def test_content_negotiation_with_q_values(ld_client, accept, expected):
    r = ld_client.get("/ontology", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200
    assert r.mimetype == expected


def test_format_parameter_overrides_accept(ld_client):
    r = ld_client.get("/ontology?format=rdf", headers={"Accept": "text/html"})
    assert r.mimetype == "application/rdf+xml"
    assert ld_client.get("/ontology?format=pdf").status_code == 406


@pytest.mark.parametrize("path", ["/ontology", "/shapes", "/ontology/core", "/.well-known/void"])
def test_406_is_problem_json(ld_client, path):
    r = ld_client.get(path, headers={"Accept": "application/pdf, image/png;q=0.5"})
    assert r.status_code == 406
    assert r.mimetype == "application/problem+json"
    assert r.get_json()["status"] == 406


def test_umbrella_header_has_what_lov_asks_for(ld_client):
    g = _oxigraph(
        ld_client.get("/ontology", headers={"Accept": "text/turtle"}).data, ox.RdfFormat.TURTLE
    )
    o = URIRef("https://w3id.org/palermo/ontology")
    vann = "http://purl.org/vocab/vann/"
    for p in (
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.creator,
        DCTERMS.license,
        DCTERMS.issued,
        OWL.versionInfo,
        OWL.versionIRI,
        URIRef(vann + "preferredNamespacePrefix"),
        URIRef(vann + "preferredNamespaceUri"),
    ):
        assert g.value(o, p) is not None, p
    issued = g.value(o, DCTERMS.issued)
    assert isinstance(issued, Literal) and issued.datatype is not None


def test_html_has_an_anchor_for_every_term(ld_client):
    from palermo.publishing.publication import Publication

    html = ld_client.get("/ontology", headers={"Accept": "text/html"}).data.decode()
    for name in Publication.load().terms():
        assert f'id="{name}"' in html, name
    assert "<script src=" not in html and "stylesheet" not in html  # nothing fetched elsewhere
