"""Reading RDF input: media types, file suffixes, and errors that name the line.

Parsing is done by pyoxigraph: it is fast, it reports the line and column of a syntax error, it
never fetches a remote JSON-LD context and it does not expand XML external entities. The result
is converted to an rdflib graph where the reference reasoner (owlrl) needs one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from palermo.errors import InputError, UnsupportedMediaType
from palermo.rdf.guards import check_rdf
from palermo.rdf.jsonld import inline_palermo_context
from palermo.rdf.terms import to_rdflib_term


@dataclass(frozen=True)
class RdfSyntax:
    """One RDF serialisation: its pyoxigraph format, media type and rdflib name."""

    name: str
    media_type: str
    oxigraph: ox.RdfFormat
    rdflib: str
    suffixes: tuple[str, ...]


SYNTAXES: tuple[RdfSyntax, ...] = (
    RdfSyntax("turtle", "text/turtle", ox.RdfFormat.TURTLE, "turtle", (".ttl",)),
    RdfSyntax("n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES, "nt", (".nt",)),
    RdfSyntax(
        "json-ld", "application/ld+json", ox.RdfFormat.JSON_LD, "json-ld", (".jsonld", ".json")
    ),
    RdfSyntax(
        "rdf-xml", "application/rdf+xml", ox.RdfFormat.RDF_XML, "xml", (".rdf", ".owl", ".xml")
    ),
    RdfSyntax("n-quads", "application/n-quads", ox.RdfFormat.N_QUADS, "nquads", (".nq",)),
    RdfSyntax("trig", "application/trig", ox.RdfFormat.TRIG, "trig", (".trig",)),
)

_BY_MEDIA_TYPE = {s.media_type: s for s in SYNTAXES} | {
    "application/x-turtle": SYNTAXES[0],
    "text/plain": SYNTAXES[1],
    "application/json": SYNTAXES[2],
    "application/xml": SYNTAXES[3],
    "text/xml": SYNTAXES[3],
}
_BY_SUFFIX = {suffix: s for s in SYNTAXES for suffix in s.suffixes}


def syntax_for_media_type(content_type: str | None) -> RdfSyntax:
    """The syntax named by an HTTP Content-Type (parameters such as charset are ignored)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        return _BY_MEDIA_TYPE[media_type]
    except KeyError:
        accepted = ", ".join(s.media_type for s in SYNTAXES)
        raise UnsupportedMediaType(
            f"Content-Type {media_type or '(none)'!r} is not an RDF syntax Palermo reads; "
            f"send one of {accepted}"
        ) from None


def syntax_for_path(path: Path) -> RdfSyntax:
    """The syntax of a file, from its suffix."""
    try:
        return _BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        raise InputError(
            f"unknown RDF file suffix {path.suffix!r}; use one of {', '.join(sorted(_BY_SUFFIX))}",
            source=str(path),
        ) from None


def checked_bytes(
    data: bytes, syntax: RdfSyntax, *, source: str = "input", default_context: bool = False
) -> bytes:
    """``data`` made ready for the parser: valid UTF-8 (else an :class:`InputError` with the
    line), within the guards (nesting bombs and XML entities, rdf/guards.py), and JSON-LD that
    names the Palermo context by its IRI read with the shipped context (no network);
    ``default_context`` applies it to plain JSON without any (see :mod:`palermo.rdf.jsonld`)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"invalid UTF-8 at byte {exc.start}", source=source, line=line) from None
    check_rdf(text, syntax.name, source=source)
    if syntax.oxigraph == ox.RdfFormat.JSON_LD:
        data = inline_palermo_context(data, default=default_context)
    return data


@contextmanager
def input_errors(source: str) -> Iterator[None]:
    """Turn the parser's errors, raised while its quads are read, into an :class:`InputError`
    naming ``source`` (and the line, for a syntax error)."""
    try:
        yield
    except SyntaxError as exc:
        raise InputError(str(exc.msg or exc), source=source, line=exc.lineno) from None
    except (ValueError, OSError) as exc:
        raise InputError(str(exc), source=source) from None


def parse_quads(
    data: bytes,
    syntax: RdfSyntax,
    *,
    source: str = "input",
    base_iri: str | None = None,
    default_context: bool = False,
) -> list[ox.Quad]:
    """Parse ``data`` (see :func:`checked_bytes`); a syntax error becomes an
    :class:`InputError` with the line number."""
    data = checked_bytes(data, syntax, source=source, default_context=default_context)
    with input_errors(source):
        return list(ox.parse(data, format=syntax.oxigraph, base_iri=base_iri))


def read_bytes(path: Path) -> bytes:
    """The bytes of a file; an :class:`InputError` naming it when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), source=str(path)) from None


def read_file(path: Path) -> list[ox.Quad]:
    """Parse one RDF file, choosing the syntax from its suffix."""
    syntax = syntax_for_path(path)
    return parse_quads(read_bytes(path), syntax, source=str(path), base_iri=path.resolve().as_uri())


def to_graph(quads: Iterable[ox.Quad | ox.Triple], graph: Graph | None = None) -> Graph:
    """Add the triples of ``quads`` (graph names dropped) to an rdflib graph."""
    graph = Graph() if graph is None else graph
    add = graph.add
    convert = to_rdflib_term
    for q in quads:
        add((convert(q.subject), convert(q.predicate), convert(q.object)))  # type: ignore[arg-type]
    return graph


def read_graph(paths: Iterable[Path]) -> Graph:
    """Parse files into one rdflib graph."""
    graph = Graph()
    for path in paths:
        to_graph(read_file(path), graph)
    return graph
