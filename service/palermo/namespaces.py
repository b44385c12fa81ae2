"""The IRIs Palermo mints and the vocabularies it uses (DESIGN.md, "Names and IRIs")."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

PAL = Namespace("https://w3id.org/palermo/ontology#")
PALSH = Namespace("https://w3id.org/palermo/shapes#")
CASE_BASE = "https://w3id.org/palermo/case/"
GRAPH_BASE = "https://w3id.org/palermo/graph/"
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
SH = Namespace("http://www.w3.org/ns/shacl#")
VANN = Namespace("http://purl.org/vocab/vann/")

ONTOLOGY_IRI = "https://w3id.org/palermo/ontology"
SHAPES_IRI = "https://w3id.org/palermo/shapes"

PREFIXES: dict[str, str] = {
    "pal": str(PAL),
    "palsh": str(PALSH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "sh": str(SH),
    "vann": str(VANN),
    "country": str(COUNTRY),
}


def graph_iri(name: str) -> str:
    """The IRI of one of the service's named graphs."""
    return f"{GRAPH_BASE}{name}"


__all__ = [
    "CASE_BASE",
    "COUNTRY",
    "DCTERMS",
    "GRAPH_BASE",
    "ONTOLOGY_IRI",
    "OWL",
    "PAL",
    "PALSH",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SH",
    "SHAPES_IRI",
    "SKOS",
    "VANN",
    "XSD",
    "graph_iri",
]
