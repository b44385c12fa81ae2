"""Where each triple of an input was written: the file and the line, for proofs.

pyoxigraph reports no positions for the triples it parses, but it reads its input lazily: fed
one line at a time (a reader whose ``readinto`` never returns more than one line), it has read
exactly the lines up to the one where a triple ends when it hands that triple out. So the line of
a triple is *the line on which its last term (its object) is written*: for N-Triples the
triple's own line; for Turtle the line of the object, which for ``ex:c pal:act ex:a ;`` is that
line and for a statement over several lines is the line of that object; for a blank-node object
``[ ... ]`` or a collection ``( ... )`` the line where it closes. For JSON-LD and RDF/XML it is
the line on which the parser completed the triple (the end of its node object or element), an
approximation. The parse is the one Palermo classifies: the triples, blank nodes included, are
the same objects, so no matching is needed.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from palermo.rdf.parsing import (
    RdfSyntax,
    checked_bytes,
    input_errors,
    read_bytes,
    syntax_for_path,
)
from palermo.rdf.terms import Triple, triples_from_oxigraph


@dataclass(frozen=True)
class Located:
    """Parsed quads with the 1-based line each one ends on, and the prefixes the input declared."""

    source: str
    quads: list[ox.Quad]
    lines: list[int]
    prefixes: dict[str, str] = field(default_factory=dict)


class _LineReader(io.RawIOBase):
    """A binary reader that hands out at most one line per read and counts the lines read."""

    def __init__(self, data: bytes) -> None:
        self._lines = data.splitlines(keepends=True)
        self._next = 0
        self._rest = b""
        self.lines_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._rest:
            if self._next >= len(self._lines):
                return 0
            self._rest = self._lines[self._next]
            self._next += 1
            self.lines_read = self._next
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


def parse_located(
    data: bytes,
    syntax: RdfSyntax,
    *,
    source: str = "input",
    base_iri: str | None = None,
    default_context: bool = False,
) -> Located:
    """Parse ``data`` as :func:`palermo.rdf.parsing.parse_quads` does, noting each quad's line."""
    data = checked_bytes(data, syntax, source=source, default_context=default_context)
    reader = _LineReader(data)
    quads: list[ox.Quad] = []
    lines: list[int] = []
    with input_errors(source):
        parser = ox.parse(cast(IO[bytes], reader), format=syntax.oxigraph, base_iri=base_iri)
        for quad in parser:
            quads.append(quad)
            lines.append(max(reader.lines_read, 1))
        prefixes = dict(getattr(parser, "prefixes", None) or {})
    return Located(source=source, quads=quads, lines=lines, prefixes=prefixes)


@dataclass(frozen=True)
class LocatedInput:
    """Files or a body parsed with the line of every triple (plain terms), for proofs."""

    quads: list[ox.Quad]
    #: plain triple -> (file as the user named it, line)
    sources: dict[Triple, tuple[str, int | None]]
    prefixes: dict[str, str]


def located_input(parts: Iterable[Located]) -> LocatedInput:
    """Several parsed inputs as one: their quads, where each triple was first written, and the
    prefixes they declare (the first declaration of a prefix wins)."""
    quads: list[ox.Quad] = []
    sources: dict[Triple, tuple[str, int | None]] = {}
    prefixes: dict[str, str] = {}
    for part in parts:
        quads += part.quads
        for triple, line in zip(triples_from_oxigraph(part.quads), part.lines, strict=True):
            sources.setdefault(triple, (part.source, line))
        for prefix, iri in part.prefixes.items():
            prefixes.setdefault(prefix, iri)
    return LocatedInput(quads, sources, prefixes)


def read_located(paths: Iterable[Path]) -> LocatedInput:
    """Parse files (syntax from the suffix) noting where each triple was written."""
    return located_input(
        parse_located(
            read_bytes(path),
            syntax_for_path(path),
            source=str(path),
            base_iri=path.resolve().as_uri(),
        )
        for path in paths
    )
