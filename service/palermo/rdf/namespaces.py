"""The IRIs Palermo mints and the vocabularies it uses (DESIGN.md, "Names and IRIs").

This is the one prefix table: every namespace Palermo writes or shortens is named here once.
Each output declares the prefixes it needs by name (:func:`prefixes`), so that a Turtle answer
lists the same prefixes it always did while no module types a namespace IRI again.
"""

from __future__ import annotations

from types import MappingProxyType

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

PAL = Namespace("https://w3id.org/palermo/ontology#")
PALSH = Namespace("https://w3id.org/palermo/shapes#")
CASE_BASE = "https://w3id.org/palermo/case/"
GRAPH_BASE = "https://w3id.org/palermo/graph/"
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
SH = Namespace("http://www.w3.org/ns/shacl#")
VANN = Namespace("http://purl.org/vocab/vann/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SCHEMA = Namespace("https://schema.org/")

ONTOLOGY_IRI = "https://w3id.org/palermo/ontology"
SHAPES_IRI = "https://w3id.org/palermo/shapes"

#: Every prefix Palermo knows, in the order outputs list them.
ALL_PREFIXES: MappingProxyType[str, str] = MappingProxyType(
    {
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
        "sd": str(SD),
        "foaf": str(FOAF),
        "schema": str(SCHEMA),
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "void": str(VOID),
        "dcat": str(DCAT),
        "org": "http://www.w3.org/ns/org#",
        "dbr": "http://dbpedia.org/resource/",
        "wd": "http://www.wikidata.org/entity/",
    }
)


def prefixes(*names: str) -> dict[str, str]:
    """The prefix map of ``names`` (in that order), from the one table."""
    return {name: ALL_PREFIXES[name] for name in names}


#: The vocabularies of case data and the ontology: the default prefixes of Palermo's answers.
CORE = ("pal", "palsh", "rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "prov", "sh")
PREFIXES: dict[str, str] = prefixes(*CORE, "vann", "country")


def graph_iri(name: str) -> str:
    """The IRI of one of the service's named graphs."""
    return f"{GRAPH_BASE}{name}"


__all__ = [
    "ALL_PREFIXES",
    "CASE_BASE",
    "CORE",
    "COUNTRY",
    "DCAT",
    "DCTERMS",
    "FOAF",
    "GRAPH_BASE",
    "ONTOLOGY_IRI",
    "OWL",
    "PAL",
    "PALSH",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SD",
    "SH",
    "SHAPES_IRI",
    "SKOS",
    "VANN",
    "VOID",
    "XSD",
    "graph_iri",
    "prefixes",
]
