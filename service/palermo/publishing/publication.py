"""What Palermo publishes as linked data: the ontology, the shapes and the alignments, by IRI.

Every IRI under ``https://w3id.org/palermo/`` that names a published document resolves through
the service's base by its path (w3id.org redirects ``https://w3id.org/palermo/...`` to the
service). The table below is the whole mapping; :meth:`Publication.resolve` implements it.

==============================================  =============================================
IRI                                             document
==============================================  =============================================
``…/ontology`` and ``…/ontology/{version}``     the ontology: the umbrella and every module
``…/ontology/{module}`` (and versioned)         one module (``core``, ``trafficking``…)
``…/ontology/alignments`` (and versioned)       the optional alignments, never reasoned with
``…/ontology#{Term}``                           the ontology; HTML anchors carry ``id={Term}``
``…/ontology/{Term}``                           the term's description (its concise bounded
                                                description); HTML answers 303 to ``#{Term}``
``…/shapes`` and ``…/shapes/{version}``         every shapes module
``…/shapes/{module}`` (and versioned)           one shapes module
==============================================  =============================================

Only the current release is served: a version IRI of another release is not found.
This module knows nothing of HTTP: the API turns a :class:`Document` into a response.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from palermo import resources
from palermo.rdf.namespaces import ONTOLOGY_IRI, OWL, PAL, RDF, SHAPES_IRI
from palermo.rdf.parsing import read_file

log = logging.getLogger(__name__)

_RDF_TYPE = ox.NamedNode(str(RDF.type))
_OWL_ONTOLOGY = ox.NamedNode(str(OWL.Ontology))
_OWL_VERSION_INFO = ox.NamedNode(str(OWL.versionInfo))


@dataclass(frozen=True)
class Module:
    """One published file: its ontology IRI, the triples it holds and where it came from."""

    name: str
    iri: str
    version_iri: str
    path: Path
    triples: tuple[ox.Triple, ...] = field(repr=False)


@dataclass(frozen=True)
class Document:
    """What an IRI resolves to: triples to serialise, or (``redirect``) an anchor to go to."""

    iri: str
    kind: str  # "ontology", "shapes", "alignments", "module", "term"
    triples: tuple[ox.Triple, ...] = field(repr=False)
    term: str | None = None


def _modules(base: str, version: str, paths: Iterable[Path]) -> dict[str, Module]:
    modules = {}
    for path in paths:
        triples = tuple(q.triple for q in read_file(path))
        iris = [
            t.subject.value
            for t in triples
            if t.predicate == _RDF_TYPE
            and t.object == _OWL_ONTOLOGY
            and isinstance(t.subject, ox.NamedNode)
        ]
        iri = iris[0] if iris else f"{base}/{path.stem}"
        name = "" if iri == base else iri.removeprefix(base + "/")
        modules[name] = Module(
            name=name,
            iri=iri,
            version_iri=f"{base}/{version}" + (f"/{name}" if name else ""),
            path=path,
            triples=triples,
        )
    return modules


def _version(triples: Iterable[ox.Triple]) -> str:
    versions = {
        t.object.value
        for t in triples
        if t.predicate == _OWL_VERSION_INFO and isinstance(t.object, ox.Literal)
    }
    return max(versions) if versions else "0.0.0"


def concise_bounded_description(
    subject: ox.NamedNode, triples: Sequence[ox.Triple]
) -> tuple[ox.Triple, ...]:
    """The CBD of ``subject`` (https://www.w3.org/submissions/CBD/): its triples, and those of
    the blank nodes they reach, recursively. Reified statements are not included."""
    by_subject: dict[object, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    out: list[ox.Triple] = []
    seen: set[object] = set()
    todo: list[object] = [subject]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in by_subject.get(node, ()):
            out.append(t)
            if isinstance(t.object, ox.BlankNode):
                todo.append(t.object)
    return tuple(out)


@dataclass(frozen=True)
class Publication:
    """The published documents of this release, loaded once (kept by the app)."""

    version: str
    ontology_modules: dict[str, Module] = field(repr=False)
    shapes_modules: dict[str, Module] = field(repr=False)
    alignments: dict[str, Module] = field(repr=False)

    @classmethod
    def load(cls) -> Publication:
        ontology_files = resources.ontology_files()
        probe = [q.triple for path in ontology_files for q in read_file(path)]
        version = _version(probe)
        publication = cls(
            version=version,
            ontology_modules=_modules(ONTOLOGY_IRI, version, ontology_files),
            shapes_modules=_modules(SHAPES_IRI, version, resources.shapes_files()),
            alignments=_modules(ONTOLOGY_IRI, version, resources.alignment_files()),
        )
        log.info(
            "publication %s: %d ontology modules, %d shapes modules, %d alignment files, %d terms",
            version,
            len(publication.ontology_modules),
            len(publication.shapes_modules),
            len(publication.alignments),
            len(publication.terms()),
        )
        return publication

    # -- the documents ------------------------------------------------------------------------

    def ontology_triples(self) -> tuple[ox.Triple, ...]:
        """The whole ontology (umbrella and modules, without the alignments)."""
        return tuple(t for m in self.ontology_modules.values() for t in m.triples)

    def shapes_triples(self) -> tuple[ox.Triple, ...]:
        return tuple(t for m in self.shapes_modules.values() for t in m.triples)

    def alignment_triples(self) -> tuple[ox.Triple, ...]:
        return tuple(t for m in self.alignments.values() for t in m.triples)

    def terms(self) -> list[str]:
        """Local names of the ``pal:`` terms the ontology describes (subjects in the namespace)."""
        ns = str(PAL)
        return sorted(
            {
                t.subject.value[len(ns) :]
                for t in self.ontology_triples()
                if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ns)
            }
        )

    def resolve(self, space: str, path: str) -> Document | None:
        """The document for ``/{space}/{path}`` (``space`` is ``ontology`` or ``shapes``), or None.

        ``path`` is what follows ``/{space}/`` (empty for the space itself).
        """
        base = ONTOLOGY_IRI if space == "ontology" else SHAPES_IRI
        parts = [p for p in path.split("/") if p] if path else []
        if parts and parts[0] == self.version:
            parts = parts[1:]
        elif parts and parts[0][:1].isdigit():
            return None  # another release
        versioned = path.split("/", 1)[0] == self.version if path else False
        iri = base + ("/" + path.strip("/") if path.strip("/") else "")
        if not parts:
            triples = self.ontology_triples() if space == "ontology" else self.shapes_triples()
            return Document(iri=iri, kind=space, triples=triples)
        if len(parts) != 1:
            return None
        name = parts[0]
        modules = self.ontology_modules if space == "ontology" else self.shapes_modules
        if name in modules and name:
            return Document(iri=iri, kind="module", triples=modules[name].triples)
        if space == "ontology" and name in self.alignments:
            return Document(iri=iri, kind="alignments", triples=self.alignments[name].triples)
        if space == "ontology" and not versioned and name in set(self.terms()):
            term = ox.NamedNode(str(PAL) + name)
            triples = concise_bounded_description(term, self.ontology_triples())
            return Document(iri=str(term), kind="term", triples=triples, term=name)
        return None

    def module_names(self, space: str) -> list[str]:
        modules = self.ontology_modules if space == "ontology" else self.shapes_modules
        names = [n for n in modules if n]
        if space == "ontology":
            names += list(self.alignments)
        return names
