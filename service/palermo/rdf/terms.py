"""RDF terms: every conversion between rdflib, pyoxigraph and plain terms, in one module.

rdflib terms compare in Python (``Identifier.__eq__``) and pyoxigraph terms cross the Rust
boundary on every access; the fast classification path handles millions of terms, so it works on
plain values that hash and compare in C:

- an IRI is a ``str``;
- a blank node is a ``str`` starting ``_:`` (no IRI does);
- a literal is a :class:`Lit` tuple (lexical form, datatype IRI, language tag or "").
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from typing import Any, NamedTuple

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

XSD_STRING = str(XSD.string)
RDF_LANG_STRING = str(RDF.langString)


def keep_case_content_out_of_logs() -> None:
    """Silence what rdflib says about the terms it builds: its log lines and warnings quote the
    lexical form of an ill-typed literal ("Parsing weird boolean, 'maybe'", "Failed to convert
    Literal lexical form", with a traceback) or an odd IRI, which is case content. Called by the
    entry points (:func:`palermo.app.create_app`, the command line), never on import."""
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", module=r"rdflib\.term")


class Lit(NamedTuple):
    """A literal: lexical form, datatype IRI and language tag ("" for none)."""

    lexical: str
    datatype: str
    language: str = ""


Term = str | Lit
Triple = tuple[Term, Term, Term]


def is_blank(term: Term) -> bool:
    """Whether a plain term is a blank node."""
    return type(term) is str and term.startswith("_:")


def from_rdflib(term: Node) -> Term:
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, BNode):
        return "_:" + str(term)
    if isinstance(term, Literal):
        if term.language:
            return Lit(str(term), RDF_LANG_STRING, term.language)
        return Lit(str(term), str(term.datatype) if term.datatype else XSD_STRING)
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term: Term) -> Node:
    if type(term) is Lit:
        if term.language:
            return Literal(term.lexical, lang=term.language)
        if term.datatype == XSD_STRING:  # RDF 1.1: a simple literal is an xsd:string
            return Literal(term.lexical)
        return Literal(term.lexical, datatype=URIRef(term.datatype))
    assert isinstance(term, str)
    if term.startswith("_:"):
        return BNode(term[2:])
    return URIRef(term)


def triples_from_rdflib(triples) -> list[Triple]:
    """Plain triples from rdflib ones."""
    convert = from_rdflib
    return [(convert(s), convert(p), convert(o)) for s, p, o in triples]


def triples_from_oxigraph(quads) -> list[Triple]:
    """Plain triples from pyoxigraph quads or triples (graph names dropped); repeated IRIs
    share one string."""
    intern: dict[str, str] = {}
    out: list[Triple] = []
    append = out.append
    named, blank = ox.NamedNode, ox.BlankNode

    def convert(term):
        if type(term) is named:
            value = term.value
            return intern.setdefault(value, value)
        if type(term) is blank:
            return "_:" + term.value
        return Lit(
            term.value,
            intern.setdefault(term.datatype.value, term.datatype.value),
            term.language or "",
        )

    for q in quads:
        append((convert(q.subject), convert(q.predicate), convert(q.object)))
    return out


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def n3(term: Term) -> str:
    """A plain term in N-Triples syntax (IRIs and blank node labels are taken as valid, as the
    parser or Palermo made them)."""
    if type(term) is Lit:
        text = '"' + term.lexical.translate(_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype == XSD_STRING:
            return text
        return f"{text}^^<{term.datatype}>"
    assert isinstance(term, str)
    if term.startswith("_:"):
        return term
    return f"<{term}>"


def local_name(term: object) -> str:
    """The part of an IRI after its last ``#`` or ``/``."""
    text = str(term or "")
    return text[max(text.rfind("#"), text.rfind("/")) + 1 :]


# ------------------------------------------------------------------------------------------------
# rdflib <-> pyoxigraph


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """Convert a pyoxigraph term to the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def to_oxigraph_term(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib term to the equal pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def oxigraph_triples(triples: Iterable[tuple[Node, Node, Node]]) -> tuple[ox.Triple, ...]:
    """pyoxigraph triples of rdflib triples, each once, without literal subjects (owlrl makes
    them); every term is converted once (a case's IRIs recur in most of its triples)."""
    terms: dict[Node, Any] = {}

    def term(node: Node) -> Any:
        found = terms.get(node)
        if found is None:
            found = terms[node] = to_oxigraph_term(node)
        return found

    out: dict[ox.Triple, None] = {}
    for s, p, o in triples:
        if isinstance(s, Literal) or not isinstance(p, URIRef):
            continue
        out[ox.Triple(term(s), term(p), term(o))] = None
    return tuple(out)


def to_triples(graph: Graph | Iterable[ox.Triple]) -> tuple[ox.Triple, ...]:
    """pyoxigraph triples of an rdflib graph or of pyoxigraph triples, without those with a
    literal subject."""
    if not isinstance(graph, Graph):
        return tuple(t for t in graph if not isinstance(t.subject, ox.Literal))
    return oxigraph_triples(graph)


def graph_of(triples: Iterable[Triple]) -> Graph:
    """An rdflib graph of plain triples."""
    g = Graph()
    for s, p, o in triples:
        g.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    return g
