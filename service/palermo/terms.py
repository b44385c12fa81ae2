"""Plain RDF terms for the fast paths, and conversion from and to rdflib and pyoxigraph.

rdflib terms compare in Python (``Identifier.__eq__``) and pyoxigraph terms cross the Rust
boundary on every access; the fast classification path handles millions of terms, so it works on
plain values that hash and compare in C:

- an IRI is a ``str``;
- a blank node is a ``str`` starting ``_:`` (no IRI does);
- a literal is a :class:`Lit` tuple (lexical form, datatype IRI, language tag or "").
"""

from __future__ import annotations

from typing import NamedTuple

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


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
        return Lit(term.value, intern.setdefault(term.datatype.value, term.datatype.value),
                   term.language or "")

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
    if term.startswith("_:"):
        return term
    return f"<{term}>"
