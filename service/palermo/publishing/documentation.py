"""HTML documentation generated from the ontology and the shapes themselves.

Every class, property, individual, concept scheme and concept of the ``pal:`` namespace gets a
section whose ``id`` is its local name, so that ``https://w3id.org/palermo/ontology#Recruitment``
lands on it; the classification axioms (anonymous class expressions that are subclasses of a
named class) are written out in words, with the OWL 2 RL rules and the Protocol article that their
annotations name. Nothing is fetched from elsewhere: the stylesheet is inline in the template.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from palermo import resources
from palermo.rdf.namespaces import PAL, PALSH, PREFIXES, SH, VANN, prefixes
from palermo.rdf.parsing import to_graph
from palermo.rdf.terms import local_name

_NS = str(PAL)
_KNOWN_PREFIXES = prefixes(*PREFIXES, "foaf", "schema", "org", "dbr", "wd")

KINDS: tuple[tuple[str, str, URIRef], ...] = (
    ("classes", "Classes", OWL.Class),
    ("object-properties", "Object properties", OWL.ObjectProperty),
    ("datatype-properties", "Datatype properties", OWL.DatatypeProperty),
    ("annotation-properties", "Annotation properties", OWL.AnnotationProperty),
    ("individuals", "Named individuals", OWL.NamedIndividual),
)


@dataclass(frozen=True)
class Link:
    """A reference to a term: an in-page anchor for ``pal:`` terms, the IRI otherwise."""

    text: str
    href: str
    iri: str


@dataclass
class Entry:
    """One documented term."""

    id: str
    iri: str
    label: str
    kind: str
    definition: str = ""
    sources: list[str] = field(default_factory=list)
    legal_basis: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    module: Link | None = None
    facts: list[tuple[str, list[Link | str]]] = field(default_factory=list)
    axioms: list[dict[str, object]] = field(default_factory=list)
    mappings: list[tuple[str, Link]] = field(default_factory=list)
    concepts: list[Entry] = field(default_factory=list)
    deprecated: bool = False


def _curie(iri: str) -> str:
    for prefix, ns in _KNOWN_PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


class _Describer:
    def __init__(
        self,
        graph: Graph,
        alignments: Graph | None,
        module_href: dict[str, str],
        labels: Graph | None = None,
        document: str = "/ontology",
    ):
        self.g = graph
        self.alignments = alignments if alignments is not None else Graph()
        self.module_href = module_href
        self.labels = labels if labels is not None else graph
        self.document = document
        self.local = {
            str(s)[len(_NS) :]
            for s in graph.subjects()
            if isinstance(s, URIRef) and str(s).startswith(_NS)
        }

    def english(self, subject: Node, predicate: URIRef, graph: Graph | None = None) -> list[str]:
        source = self.g if graph is None else graph
        values = [o for o in source.objects(subject, predicate) if isinstance(o, Literal)]
        english = [o for o in values if (o.language or "en").lower().startswith("en")]
        return sorted(str(o) for o in english)

    def label(self, node: Node) -> str:
        labels = self.english(node, RDFS.label, self.labels) or self.english(
            node, SKOS.prefLabel, self.labels
        )
        return labels[0] if labels else local_name(str(node))

    def link(self, node: Node) -> Link | str:
        if isinstance(node, BNode):
            return self.expression(node)
        if isinstance(node, Literal):
            return str(node)
        iri = str(node)
        if iri.startswith(_NS):
            name = iri[len(_NS) :]
            href = f"#{name}" if name in self.local else f"{self.document}#{name}"
            return Link(self.label(node), href, iri)
        if iri in self.module_href:
            return Link(_curie(iri) if iri != iri.rstrip("/") else iri, self.module_href[iri], iri)
        return Link(_curie(iri), iri, iri)

    def links(self, nodes: Iterable[Node]) -> list[Link | str]:
        out = [self.link(n) for n in nodes]
        return sorted(out, key=lambda x: x.text.lower() if isinstance(x, Link) else x)

    # -- class expressions in words ---------------------------------------------------------

    def expression(self, node: Node) -> str:
        """A class expression in words (OWL 2 RL subclass expressions only)."""
        if not isinstance(node, BNode):
            return f"a {self.label(node)}"
        g = self.g
        if (node, RDF.type, OWL.Restriction) in g:
            prop = g.value(node, OWL.onProperty)
            some = g.value(node, OWL.someValuesFrom)
            value = g.value(node, OWL.hasValue)
            prop_label = self.label(prop) if prop is not None else "?"
            if some is not None:
                return f"has a {prop_label} that is {self.expression(some)}"
            if value is not None:
                return f"has {prop_label} {self.label(value)}"
            return f"a restriction on {prop_label}"
        members = g.value(node, OWL.intersectionOf)
        if members is not None:
            parts = [self.expression(m) for m in Collection(g, members)]
            return " and ".join(parts)
        members = g.value(node, OWL.unionOf)
        if members is not None:
            return " or ".join(self.expression(m) for m in Collection(g, members))
        return "an anonymous class"

    def classification_axioms(self, cls: URIRef) -> list[dict[str, object]]:
        axioms: list[dict[str, object]] = []
        for sub in self.g.subjects(RDFS.subClassOf, cls):
            if not isinstance(sub, BNode):
                continue
            axioms.append(
                {
                    "words": f"Anything that {self._condition(sub)} is a {self.label(cls)}.",
                    "rules": self.english(sub, RDFS.comment),
                    "basis": sorted(str(o) for o in self.g.objects(sub, PAL.legalBasis)),
                }
            )
        for sup in self.g.objects(cls, RDFS.subClassOf):
            if isinstance(sup, BNode):
                axioms.append(
                    {
                        "words": f"Every {self.label(cls)} {self._condition(sup)}.",
                        "rules": self.english(sup, RDFS.comment),
                        "basis": sorted(str(o) for o in self.g.objects(sup, PAL.legalBasis)),
                    }
                )
        return sorted(axioms, key=lambda a: str(a["words"]))

    def _condition(self, node: BNode) -> str:
        g = self.g
        members = g.value(node, OWL.intersectionOf)
        if members is not None:
            items = list(Collection(g, members))
            named = [m for m in items if not isinstance(m, BNode)]
            rest = [m for m in items if isinstance(m, BNode)]
            head = " and ".join(f"is a {self.label(m)}" for m in named)
            tail = [self.expression(m) for m in rest]
            parts = ([head] if head else []) + tail
            if len(parts) > 1:
                return ", ".join(parts[:-1]) + " and " + parts[-1]
            return parts[0]
        return self.expression(node)

    # -- entries ----------------------------------------------------------------------------

    def entry(self, term: URIRef, kind: str) -> Entry:
        g = self.g
        name = str(term)[len(_NS) :]
        defined_by = g.value(term, RDFS.isDefinedBy)
        entry = Entry(
            id=name,
            iri=str(term),
            label=self.label(term),
            kind=kind,
            definition=" ".join(self.english(term, SKOS.definition)),
            sources=sorted(str(o) for o in g.objects(term, DCTERMS.source)),
            legal_basis=sorted(str(o) for o in g.objects(term, PAL.legalBasis)),
            comments=self.english(term, RDFS.comment),
            module=self.link(defined_by) if isinstance(defined_by, URIRef) else None,  # type: ignore[arg-type]
            deprecated=(term, OWL.deprecated, Literal(True)) in g,
        )
        facts: list[tuple[str, list[Link | str]]] = []

        def add(title: str, nodes: Iterable[Node]) -> None:
            values = self.links(n for n in nodes if not isinstance(n, BNode))
            if values:
                facts.append((title, values))

        add("Superclasses", g.objects(term, RDFS.subClassOf))
        add("Subclasses", g.subjects(RDFS.subClassOf, term))
        add("Equivalent classes", g.objects(term, OWL.equivalentClass))
        add("Disjoint with", g.objects(term, OWL.disjointWith))
        add("Instances", (s for s in g.subjects(RDF.type, term) if str(s).startswith(_NS)))
        add("Superproperties", g.objects(term, RDFS.subPropertyOf))
        add("Subproperties", g.subjects(RDFS.subPropertyOf, term))
        add("Inverse of", [*g.objects(term, OWL.inverseOf), *g.subjects(OWL.inverseOf, term)])
        add("Domain", g.objects(term, RDFS.domain))
        add("Range", g.objects(term, RDFS.range))
        add("Used as domain of", g.subjects(RDFS.domain, term))
        add("Used as range of", g.subjects(RDFS.range, term))
        types = [
            o
            for o in g.objects(term, RDF.type)
            if o not in (OWL.Class, OWL.NamedIndividual, SKOS.Concept)
        ]
        if kind == "individuals":
            add("Type", types)
        add("In scheme", g.objects(term, SKOS.inScheme))
        add("Broader", g.objects(term, SKOS.broader))
        add("Narrower", g.objects(term, SKOS.narrower))
        add("Notation", g.objects(term, SKOS.notation))
        add("Evidences element class", g.objects(term, PAL.evidencesElementClass))
        add("Related element class", g.objects(term, PAL.relatedElementClass))
        add("Characterises offence", g.objects(term, PAL.characterisesOffence))
        for prop, title in (
            (SKOS.exactMatch, "Exact match"),
            (SKOS.closeMatch, "Close match"),
            (SKOS.related, "Related"),
            (RDFS.seeAlso, "See also"),
            (DCTERMS.isReplacedBy, "Replaced by"),
        ):
            add(title, g.objects(term, prop))
        entry.facts = facts
        if kind == "classes":
            entry.axioms = self.classification_axioms(term)
        for p, o in sorted(self.alignments.predicate_objects(term)):
            if isinstance(o, URIRef) and p not in (RDFS.isDefinedBy,):
                link = self.link(o)
                if isinstance(link, Link):
                    entry.mappings.append((_curie(str(p)), link))
        return entry


def _ontology_header(g: Graph, iri: URIRef) -> dict[str, object]:
    def values(p: URIRef) -> list[str]:
        return sorted(str(o) for o in g.objects(iri, p))

    return {
        "iri": str(iri),
        "title": (values(DCTERMS.title) or [local_name(iri)])[0],
        "description": " ".join(values(DCTERMS.description)),
        "version": " ".join(values(OWL.versionInfo)),
        "version_iri": " ".join(values(OWL.versionIRI)),
        "license": values(DCTERMS.license),
        "creators": values(DCTERMS.creator),
        "contributors": values(DCTERMS.contributor),
        "publisher": values(DCTERMS.publisher),
        "issued": " ".join(values(DCTERMS.issued)),
        "prefix": " ".join(values(VANN.preferredNamespacePrefix)),
        "namespace": " ".join(values(VANN.preferredNamespaceUri)),
        "imports": values(OWL.imports),
        "citation": " ".join(values(DCTERMS.bibliographicCitation)),
    }


def _module_rows(
    modules: Iterable[tuple[str, str, str]], graph_of: Callable[[str], Graph]
) -> list[dict[str, object]]:
    """One row per module (name, IRI, link), with the title and description of its header."""
    rows: list[dict[str, object]] = []
    for name, iri, href in modules:
        head = _ontology_header(graph_of(name), URIRef(iri))
        rows.append(
            {
                "name": name,
                "iri": iri,
                "href": href,
                "title": head["title"],
                "description": head["description"],
            }
        )
    return rows


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(resources.template_dir())),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def ontology_html(
    ontology: Iterable[ox.Triple],
    *,
    ontology_iri: str,
    modules: list[tuple[str, str, str]],
    alignments: Iterable[ox.Triple] = (),
    labels: Iterable[ox.Triple] | None = None,
) -> str:
    """The ontology documentation page (or that of one module, or of the alignments).

    ``modules`` lists ``(name, ontology IRI, href)`` for every module and the alignments;
    ``alignments`` are shown beside each term they map, marked as the optional module.
    ``labels`` (the whole ontology) names terms that the documented triples only mention; links
    to terms documented elsewhere go to ``/ontology#Term``.
    """
    g = to_graph(ontology)
    aligned = to_graph(alignments)
    label_graph = to_graph(labels) if labels is not None else None
    if label_graph is not None:
        label_graph += g
    module_href = {iri: href for _, iri, href in modules}
    d = _Describer(g, aligned, module_href, label_graph)
    terms = sorted(
        {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(_NS)},
        key=lambda t: str(t).lower(),
    )
    sections = []
    placed: set[URIRef] = set()
    schemes = [t for t in terms if (t, RDF.type, SKOS.ConceptScheme) in g]
    concepts = {t for t in terms if (t, RDF.type, SKOS.Concept) in g}
    for key, title, owl_type in KINDS:
        members = [t for t in terms if (t, RDF.type, owl_type) in g and t not in placed]
        placed.update(members)
        sections.append({"id": key, "title": title, "entries": [d.entry(t, key) for t in members]})
    scheme_entries = []
    for scheme in schemes:
        entry = d.entry(scheme, "schemes")
        members = sorted(
            (c for c in concepts if (c, SKOS.inScheme, scheme) in g),
            key=lambda c: d.label(c).lower(),
        )
        entry.concepts = [d.entry(c, "concepts") for c in members]
        placed.add(scheme)
        placed.update(members)
        scheme_entries.append(entry)
    sections.append(
        {"id": "concept-schemes", "title": "Concept schemes", "entries": scheme_entries}
    )
    rest = [t for t in terms if t not in placed]
    if rest:
        sections.append(
            {
                "id": "other-terms",
                "title": "Other terms",
                "entries": [d.entry(t, "other") for t in rest],
            }
        )
    header = _ontology_header(g, URIRef(ontology_iri))
    everything = label_graph if label_graph is not None else g
    module_rows = _module_rows(
        modules, lambda name: aligned if name == "alignments" and len(aligned) else everything
    )
    return (
        _environment()
        .get_template("ontology.html")
        .render(
            header=header,
            modules=module_rows,
            sections=sections,
            term_count=len(terms),
            prefixes=_KNOWN_PREFIXES,
        )
    )


def shapes_html(
    shapes: Iterable[ox.Triple], *, shapes_iri: str, modules: list[tuple[str, str, str]]
) -> str:
    """The shapes documentation: each shape with its targets and constraints' messages."""
    g = to_graph(shapes)
    ns = str(PALSH)
    shape_nodes = sorted(
        {s for s in g.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}, key=str
    )
    entries: list[dict[str, Any]] = []
    for shape in shape_nodes:
        targets = []
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            for o in g.objects(shape, p):
                targets.append((local_name(str(p)), _curie(str(o))))
        constraints: list[dict[str, str | list[str]]] = []
        for prop in g.objects(shape, SH.property):
            path = g.value(prop, SH.path)
            constraints.append(
                {
                    "path": _curie(str(path)) if isinstance(path, URIRef) else "(path expression)",
                    "severity": local_name(str(g.value(prop, SH.severity) or SH.Violation)),
                    "messages": sorted(str(m) for m in g.objects(prop, SH.message)),
                }
            )
        for sparql in g.objects(shape, SH.sparql):
            constraints.append(
                {
                    "path": "(SPARQL constraint)",
                    "severity": local_name(str(g.value(sparql, SH.severity) or SH.Violation)),
                    "messages": sorted(str(m) for m in g.objects(sparql, SH.message)),
                }
            )
        iri = str(shape)
        entries.append(
            {
                "id": iri[len(ns) :] if iri.startswith(ns) else local_name(iri),
                "iri": iri,
                "label": min(
                    (str(o) for o in g.objects(shape, RDFS.label)), default=local_name(iri)
                ),
                "comment": " ".join(str(o) for o in g.objects(shape, RDFS.comment)),
                "messages": sorted(str(m) for m in g.objects(shape, SH.message)),
                "targets": targets,
                "constraints": sorted(constraints, key=lambda c: str(c["path"])),
            }
        )
    module_rows = _module_rows(modules, lambda _name: g)
    return (
        _environment()
        .get_template("shapes.html")
        .render(iri=shapes_iri, modules=module_rows, shapes=entries)
    )
