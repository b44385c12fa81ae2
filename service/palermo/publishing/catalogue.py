"""VoID and DCAT descriptions of the service's datasets, and their dumps.

The description (https://www.w3.org/TR/void/, https://www.w3.org/TR/vocab-dcat-3/) names a
``dcat:Catalog`` of the service with a ``dcat:DataService`` for the SPARQL endpoint, and one
``void:Dataset``/``dcat:Dataset`` for the ontology, one for the shapes and one per *public* case
dataset: its triples, entities, classes (with class partitions), vocabulary, licence where one is
recorded, and a dump as a ``dcat:Distribution``. Private datasets never appear (DESIGN.md,
"Confidentiality"). The caller passes the URLs: this module knows nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from palermo.rdf import namespaces as ns
from palermo.rdf.namespaces import ONTOLOGY_IRI, PAL, SHAPES_IRI
from palermo.store import metadata
from palermo.store.interface import Dataset, Store, solutions
from palermo.store.metadata import ONTOLOGY_GRAPH, PUBLIC, SHAPES_GRAPH

VOID = str(ns.VOID)
DCAT = str(ns.DCAT)
DCTERMS = str(ns.DCTERMS)
FOAF = str(ns.FOAF)
RDF_TYPE = ox.NamedNode(str(ns.RDF.type))
XSD_INTEGER = ox.NamedNode(str(ns.XSD.integer))
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
IANA = "https://www.iana.org/assignments/media-types/"
N_QUADS = "application/n-quads"
TRIG = "application/trig"


@dataclass(frozen=True)
class Urls:
    """The service URLs a description points to (built by the API from the request)."""

    description: str
    sparql: str
    ontology: str
    shapes: str
    dump: Callable[[str], str]


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


def public_datasets(store: Store) -> list[Dataset]:
    """The datasets an anonymous caller may see: those marked public."""
    return [d for d in store.datasets() if d.public]


def dataset_graphs(store: Store, dataset: Dataset) -> list[str]:
    """The case graphs of ``dataset`` and the inference graphs beside them, sorted."""
    records = {r.graph: r for r in store.case_records() if r.dataset == dataset.name}
    graphs = set(dataset.graphs) | set(records)
    graphs |= {r.inferred_graph for r in records.values()}
    return sorted(g for g in graphs if store.has_graph(g))


def _licence(store: Store, dataset: Dataset) -> list[str]:
    rows = store.query(metadata.licence_query(dataset.name), default_graphs=[None])
    return [row["l"].value for row in rows]  # type: ignore[union-attr]


def _statistics(store: Store, graphs: Sequence[str], subject: ox.NamedNode) -> list[ox.Triple]:
    """void:triples, void:entities, void:classes and one class partition per class."""
    triples = sum(len(store.triples(g)) for g in graphs)
    out = [ox.Triple(subject, _n(VOID + "triples"), _int(triples))]
    if not graphs:
        out += [
            ox.Triple(subject, _n(VOID + "entities"), _int(0)),
            ox.Triple(subject, _n(VOID + "classes"), _int(0)),
        ]
        return out
    values = " ".join(f"<{g}>" for g in graphs)
    rows = list(
        solutions(
            store.query(
                f"""SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
                  VALUES ?g {{ {values} }} GRAPH ?g {{ ?s a ?class }} FILTER(isIRI(?class))
                }} GROUP BY ?class ORDER BY ?class""",
                default_graphs=[None],
            )
        )
    )
    entities = list(
        solutions(
            store.query(
                f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
                  VALUES ?g {{ {values} }} GRAPH ?g {{ ?s a ?class }} FILTER(isIRI(?s)) }}""",
                default_graphs=[None],
            )
        )
    )
    out.append(ox.Triple(subject, _n(VOID + "entities"), _int(int(entities[0]["n"].value))))
    out.append(ox.Triple(subject, _n(VOID + "classes"), _int(len(rows))))
    for row in rows:
        cls = row["class"]
        part = ox.BlankNode()
        out += [
            ox.Triple(subject, _n(VOID + "classPartition"), part),
            ox.Triple(part, _n(VOID + "class"), cls),
            ox.Triple(part, _n(VOID + "entities"), _int(int(row["n"].value))),
        ]
    return out


def _distribution(subject: ox.NamedNode, url: str, media: str, title: str) -> list[ox.Triple]:
    dist = ox.BlankNode()
    return [
        ox.Triple(subject, _n(DCAT + "distribution"), dist),
        ox.Triple(dist, RDF_TYPE, _n(DCAT + "Distribution")),
        ox.Triple(dist, _n(DCTERMS + "title"), ox.Literal(title, language="en")),
        ox.Triple(dist, _n(DCAT + "downloadURL"), _n(url)),
        ox.Triple(dist, _n(DCAT + "accessURL"), _n(url)),
        ox.Triple(dist, _n(DCAT + "mediaType"), _n(IANA + media)),
    ]


def describe(store: Store, urls: Urls, *, version: str) -> list[ox.Triple]:
    """The VoID and DCAT description of the service's public datasets."""
    doc = _n(urls.description)
    catalog = _n(urls.description + "#catalog")
    service = _n(urls.description + "#sparql")
    everything = _n(urls.description + "#service")
    ontology = _n(ONTOLOGY_IRI)
    shapes = _n(SHAPES_IRI)
    sparql = _n(urls.sparql)
    t: list[ox.Triple] = [
        ox.Triple(doc, RDF_TYPE, _n(VOID + "DatasetDescription")),
        ox.Triple(doc, _n(DCTERMS + "title"), ox.Literal("Palermo datasets", language="en")),
        ox.Triple(doc, _n(FOAF + "primaryTopic"), everything),
        ox.Triple(catalog, RDF_TYPE, _n(DCAT + "Catalog")),
        ox.Triple(catalog, _n(DCTERMS + "title"), ox.Literal("Palermo catalogue", language="en")),
        ox.Triple(
            catalog,
            _n(DCTERMS + "description"),
            ox.Literal(
                "The ontology, the SHACL shapes and the public case datasets of this Palermo "
                "service. Private case data is not listed.",
                language="en",
            ),
        ),
        ox.Triple(catalog, _n(DCAT + "service"), service),
        ox.Triple(service, RDF_TYPE, _n(DCAT + "DataService")),
        ox.Triple(service, _n(DCTERMS + "title"), ox.Literal("SPARQL 1.1 endpoint", language="en")),
        ox.Triple(service, _n(DCAT + "endpointURL"), sparql),
        ox.Triple(
            service, _n(DCTERMS + "conformsTo"), _n("https://www.w3.org/TR/sparql11-protocol/")
        ),
        ox.Triple(service, _n(DCAT + "endpointDescription"), sparql),
        # The whole service as one VoID dataset; the parts below are its subsets.
        ox.Triple(everything, RDF_TYPE, _n(VOID + "Dataset")),
        ox.Triple(everything, _n(DCTERMS + "title"), ox.Literal("Palermo", language="en")),
        ox.Triple(everything, _n(VOID + "sparqlEndpoint"), sparql),
        ox.Triple(everything, _n(VOID + "vocabulary"), _n(str(PAL))),
        ox.Triple(everything, _n(VOID + "uriSpace"), ox.Literal("https://w3id.org/palermo/")),
    ]

    def dataset(
        subject: ox.NamedNode,
        title: str,
        description: str,
        graphs: Sequence[str],
        licences: Sequence[str],
        dumps: Sequence[tuple[str, str, str]],
    ) -> None:
        t.extend(
            [
                ox.Triple(subject, RDF_TYPE, _n(VOID + "Dataset")),
                ox.Triple(subject, RDF_TYPE, _n(DCAT + "Dataset")),
                ox.Triple(subject, _n(DCTERMS + "title"), ox.Literal(title, language="en")),
                ox.Triple(
                    subject, _n(DCTERMS + "description"), ox.Literal(description, language="en")
                ),
                ox.Triple(subject, _n(VOID + "sparqlEndpoint"), sparql),
                ox.Triple(subject, _n(VOID + "vocabulary"), _n(str(PAL))),
                ox.Triple(
                    subject,
                    _n(DCAT + "keyword"),
                    ox.Literal("trafficking in persons", language="en"),
                ),
                ox.Triple(catalog, _n(DCAT + "dataset"), subject),
                ox.Triple(everything, _n(VOID + "subset"), subject),
                ox.Triple(service, _n(DCAT + "servesDataset"), subject),
            ]
        )
        for licence in licences:
            t.append(ox.Triple(subject, _n(DCTERMS + "license"), _n(licence)))
        for url, media, dump_title in dumps:
            t.append(ox.Triple(subject, _n(VOID + "dataDump"), _n(url)))
            t.extend(_distribution(subject, url, media, dump_title))
        t.extend(_statistics(store, graphs, subject))

    dataset(
        ontology,
        "Palermo ontology",
        f"The OWL 2 RL ontology of the UN Palermo Protocols, version {version}.",
        [ONTOLOGY_GRAPH],
        [CC_BY],
        [(urls.ontology, "text/turtle", "The ontology in Turtle")],
    )
    t.append(ox.Triple(ontology, _n(VOID + "rootResource"), ontology))
    t.append(ox.Triple(ontology, _n(DCTERMS + "hasVersion"), _n(f"{ONTOLOGY_IRI}/{version}")))
    dataset(
        shapes,
        "Palermo shapes",
        "SHACL shapes: the case-graph input contract, partner-dataset rules and privacy rules.",
        [SHAPES_GRAPH],
        [CC_BY],
        [(urls.shapes, "text/turtle", "The shapes in Turtle")],
    )
    for ds in public_datasets(store):
        subject = _n(ds.iri)
        graphs = dataset_graphs(store, ds)
        dataset(
            subject,
            f"Palermo case dataset {ds.name}",
            f"The public case dataset {ds.name!r}: {len(ds.graphs)} case graph(s), each with "
            "the OWL 2 RL inferences and the assessment Palermo stored beside it.",
            graphs,
            _licence(store, ds),
            [
                (urls.dump(ds.name), N_QUADS, f"Dump of {ds.name} in N-Quads"),
            ],
        )
        t.append(ox.Triple(subject, _n(DCTERMS + "identifier"), ox.Literal(ds.name)))
        t.append(
            ox.Triple(
                subject,
                _n(DCTERMS + "accessRights"),
                _n(PUBLIC),
            )
        )
    return t


def dump(store: Store, dataset: Dataset, fmt: ox.RdfFormat) -> Iterator[bytes]:
    """The quads of a dataset (its case graphs and their inference graphs), one graph at a time,
    so that a large dataset is streamed rather than built in memory."""
    for graph in dataset_graphs(store, dataset):
        name = ox.NamedNode(graph)
        quads = [ox.Quad(t.subject, t.predicate, t.object, name) for t in store.triples(graph)]
        if quads:
            yield ox.serialize(quads, format=fmt) or b""
