"""Fuzzing (issue 16, part 5): seeds, mutations, grammars, the entry points and their properties.

One module for both users: ``tests/fuzz/`` runs a small sample of every entry point in the normal
test run (the ``ci`` settings profile), ``benchmarks/fuzz.py`` runs 10,000 inputs per entry point.

- **Seeds** are the example case graphs (``examples/``), the case fixtures (``tests/cases/``) and
  the W3C test data under ``../shared/conformance/`` (SPARQL protocol, result-format and SHACL
  suites; read where they are, never copied), re-serialised by pyoxigraph into every syntax
  Palermo reads.
- **Mutations** work on bytes: bit flips, truncation, deletion, duplication, insertion of the
  syntax's own grammar tokens, deep nesting, huge numbers, splices of another seed, and wrong
  encodings (UTF-16, Latin-1, stray and overlong UTF-8 bytes, NUL).
- **Grammars** generate SPARQL queries and updates from the SPARQL 1.1 grammar's productions, and
  headers and query strings from what the routes read.
- **Properties** (:meth:`Harness.send`): never a 500; a 503 only with the problem type
  ``query-timeout`` or ``store-unavailable``; every error is ``application/problem+json``; a
  refused request leaves every quad of the store as it was; no answer to a caller who may not
  read the private case carries one of its markers (``SECRETS``) unless the request itself did.
  The parsers raise only :class:`~palermo.errors.InputError`; the importers exit 0 or 2 with a
  message, never a traceback.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import os
import re
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_plus, urlencode

import pyoxigraph as ox
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from security.conftest import (
    PUBLIC_GRAPH,
    READ_OTHER,
    SECRET_CASE_TTL,
    SECRET_DATASET,
    SECRET_GRAPH,
    SECRETS,
    WRITE_OTHER,
    WRONG,
    security_config,
)
from support import paths
from support.constants import CASE_TRAFFICKING, READ, WRITE

# ------------------------------------------------------------------------------------------------
# Settings profiles

_QUIET = list(HealthCheck)
settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=_QUIET,
)
settings.register_profile(
    "benchmark",
    max_examples=10_000,
    deadline=None,
    database=None,
    print_blob=False,
    suppress_health_check=_QUIET,
)


def fuzz_settings(**overrides: Any) -> settings:
    """The ``ci`` profile (or ``$PALERMO_FUZZ_PROFILE``), for a property test's decorator."""
    return settings(settings.get_profile(os.environ.get("PALERMO_FUZZ_PROFILE", "ci")), **overrides)


# ------------------------------------------------------------------------------------------------
# Seeds

CONFORMANCE = paths.SHARED / "conformance"
SPARQL_TESTS = CONFORMANCE / "rdf-tests" / "sparql" / "sparql11"
SHACL_TESTS = CONFORMANCE / "data-shapes" / "data-shapes-test-suite" / "tests"
CTDC_FILE = paths.SHARED / "data" / "ctdc" / "CTDC_VPsynthetic_condensed.csv"
IMPORTER_FIXTURES = paths.TESTS / "loading" / "importers"
SEED_MAX_BYTES = 12_000
MAX_BODY_BYTES = 100_000
MAX_MUTATED_BYTES = 3 * MAX_BODY_BYTES

#: The syntaxes Palermo reads (palermo.rdf.parsing.SYNTAXES), by name: media type, pyoxigraph.
RDF_SYNTAXES: dict[str, tuple[str, ox.RdfFormat]] = {
    "turtle": ("text/turtle", ox.RdfFormat.TURTLE),
    "n-triples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "json-ld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "rdf-xml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    "n-quads": ("application/n-quads", ox.RdfFormat.N_QUADS),
    "trig": ("application/trig", ox.RdfFormat.TRIG),
}
TRIPLE_SYNTAXES = ("turtle", "n-triples", "json-ld", "rdf-xml")


def w3c_missing() -> str | None:
    """Why the W3C seeds are absent, or None."""
    if not SPARQL_TESTS.is_dir():
        return f"the W3C SPARQL tests are not at {SPARQL_TESTS} (../shared/conformance/)"
    return None


def _small_files(folder: Path, pattern: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob(pattern) if p.is_file() and p.stat().st_size <= SEED_MAX_BYTES
    )


@cache
def rdf_seeds() -> dict[str, tuple[bytes, ...]]:
    """Seed documents by syntax name: the repository's examples and case fixtures and the W3C
    data files, each also re-serialised into every syntax."""
    turtle_files = (
        _small_files(paths.EXAMPLES, "*.ttl")
        + _small_files(paths.CASES, "*.ttl")
        + _small_files(SPARQL_TESTS, "*.ttl")
        + _small_files(SHACL_TESTS, "*.ttl")[:80]
    )
    seeds: dict[str, list[bytes]] = {name: [] for name in RDF_SYNTAXES}
    seeds["turtle"] += [CASE_TRAFFICKING.encode()]
    seeds["json-ld"] += [p.read_bytes() for p in _small_files(paths.EXAMPLES, "*.jsonld")]
    seeds["n-triples"] += [p.read_bytes() for p in _small_files(paths.CASES, "*.nt")]
    seeds["n-triples"] += [p.read_bytes() for p in _small_files(SPARQL_TESTS, "*.nt")]
    for path in turtle_files:
        data = path.read_bytes()
        seeds["turtle"].append(data)
        try:
            quads = list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()))
        except (SyntaxError, ValueError):
            continue  # a W3C file meant to be bad: a seed as it is
        triples = [q.triple for q in quads]
        in_graph = [
            ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(PUBLIC_GRAPH)) for t in triples
        ]
        for name, (_, fmt) in RDF_SYNTAXES.items():
            if name == "turtle":
                continue
            items = in_graph if name in {"n-quads", "trig"} else triples
            try:
                seeds[name].append(ox.serialize(items, format=fmt))
            except (ValueError, OSError):
                continue
    return {name: tuple(dict.fromkeys(values)) for name, values in seeds.items()}


_QUERY_IN_MANIFEST = re.compile(r"(?:[?&]|\")(query|update)=([^\"&]+)")


@cache
def sparql_seeds() -> dict[str, tuple[str, ...]]:
    """Seed queries and updates: the named queries of ``queries/``, the W3C query files and the
    queries and updates of the W3C protocol manifest."""
    queries: list[str] = [
        p.read_text("utf-8") for p in sorted((paths.REPO_ROOT / "queries").rglob("*.rq"))
    ]
    queries += [p.read_text("utf-8") for p in _small_files(SPARQL_TESTS, "*.rq")]
    updates: list[str] = [
        "INSERT DATA { GRAPH <http://example.org/g/fuzz> { <urn:a> <http://example.org/b> 1 } }",
        "DELETE WHERE { GRAPH <http://example.org/g/fuzz> { ?s ?p ?o } }",
        "CLEAR SILENT GRAPH <http://example.org/g/fuzz>",
    ]
    manifest = SPARQL_TESTS / "protocol" / "manifest.ttl"
    if manifest.is_file():
        for kind, value in _QUERY_IN_MANIFEST.findall(manifest.read_text("utf-8")):
            (queries if kind == "query" else updates).append(unquote_plus(value))
    return {
        "query": tuple(dict.fromkeys(queries)),
        "update": tuple(dict.fromkeys(updates)),
    }


@cache
def csv_seeds(kind: str) -> tuple[str, tuple[str, ...]]:
    """(header, data rows) of the importer ``kind``: the test fixtures, and for CTDC the first
    rows of the synthetic CTDC file where ``../shared/`` has it."""
    lines: list[str] = []
    header = ""
    for path in sorted(IMPORTER_FIXTURES.glob(f"{kind}-*.csv")):
        text = path.read_text("utf-8").splitlines()
        if not text:
            continue
        if "small" in path.name or not header:
            header = text[0]
        lines += [line for line in text[1:] if line]
    if kind == "ctdc" and CTDC_FILE.is_file():
        with CTDC_FILE.open(encoding="utf-8") as f:
            header = f.readline().rstrip("\n")
            lines += [f.readline().rstrip("\n") for _ in range(60)]
    return header, tuple(dict.fromkeys(lines))


# ------------------------------------------------------------------------------------------------
# Mutations

# fmt: off
_COMMON_TOKENS = (
    "\x00", "\n", "\r\n", "\t", " ", "\\", "\\u0000", "\\U0010FFFF", "\\uD800", "\ufeff", "\u202e",
    "9" * 400, "-1e99999", "1e-99999", "0x7fffffffffffffff", "18446744073709551617", "NaN", "-INF",
    "<http://127.0.0.1:9/x>", "<file:///etc/passwd>", "<>", "<#>", "<../../x>", "<a b>",
    "<\\u0020>", '"', "'", '"""', "'''", "#", "%", "%00", "&", "&amp;", "é", "\U0001f600",
)
# fmt: on
# fmt: off
TOKENS: dict[str, tuple[str, ...]] = {
    "turtle": (
        "@prefix p: <http://example.org/> .", "@base <http://example.org/> .", "PREFIX x: <>",
        "BASE <x:>", 'VERSION "1.2"', "<<", ">>", "<<(", ")>>", "{|", "|}", "~", "[", "]", "(",
        ")", ";", ",", ".", "^^", "@en", "@en-US--ltr", "_:b0", "a", "true", "false", ":", "p:x",
        "pal:Case", "rdf:type", '"x"^^<http://www.w3.org/2001/XMLSchema#integer>',
        '"12"^^<http://www.w3.org/2001/XMLSchema#integer>', '"2024-02-30"^^xsd:date',
        "pal:ageAtTimeOfAct", "pal:act [ a pal:Recruitment ]", "[ [ [ [", "] ] ] ]",
    ),
    "n-triples": (
        "<http://example.org/s>", "<http://example.org/p>", '"lit"', '"lit"@en', "_:b1",
        '"1"^^<http://www.w3.org/2001/XMLSchema#integer>', " .", "\n", "<<", ">>", "^^", "@",
    ),
    "json-ld": (
        "{", "}", "[", "]", ":", ",", "null", "true", "1e999", "-0", '"@context"', '"@id"',
        '"@type"', '"@graph"', '"@list"', '"@set"', '"@value"', '"@language"', '"@reverse"',
        '"@included"', '"@nest"', '"@vocab"', '"@base"', '"@import"', '"@version"', '"@protected"',
        '"@json"', '"@direction"', '"_:b"', '"http://127.0.0.1:9/context.jsonld"',
        '"https://w3id.org/palermo/context.jsonld"', '"\\ud800"',
        '{"@context": {"@vocab": "http://example.org/"}}',
    ),
    "rdf-xml": (
        "<rdf:Description>", "</rdf:Description>", '<rdf:Description rdf:about="">',
        '<!DOCTYPE r [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>', "&e;",
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>', "&b;",
        'rdf:parseType="Literal"', 'rdf:parseType="Collection"', 'rdf:parseType="Resource"',
        'xml:base="http://example.org/"', 'xml:lang="en"', 'rdf:nodeID="n1"', 'rdf:resource=""',
        'rdf:datatype="http://www.w3.org/2001/XMLSchema#integer"', "<![CDATA[", "]]>",
        '<?xml version="1.0" encoding="UTF-16"?>', "&#0;", "&#xD800;", "<!--", "-->", "<rdf:li>",
        "<rdf:_1>", "<p:q>", "</p:q>", 'xmlns:p="http://e.org/"', "<rdf:RDF>", "</rdf:RDF>", "<",
        ">", "/>", '="',
    ),
}
# fmt: on
TOKENS["n-quads"] = (*TOKENS["n-triples"], "<http://example.org/g>", "_:g")
TOKENS["trig"] = (*TOKENS["turtle"], "GRAPH <http://example.org/g> {", "{", "}", "<g> {")
# fmt: off
SPARQL_TOKENS = (
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "[", "]", ".", ";", ",",
    "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH ?g", "SERVICE <http://127.0.0.1:9/sparql>",
    "SERVICE SILENT <http://127.0.0.1:9/>", "BIND(1 AS ?z)", "VALUES ?v { 1 2 }", "AS",
    "GROUP BY ?s", "HAVING (COUNT(*) > 1)", "ORDER BY ?s", "LIMIT 99999999999999999999",
    "OFFSET 18446744073709551616", "COUNT(*)", "DISTINCT", "REDUCED", "FROM <http://example.org/g>",
    "FROM NAMED <urn:x>", "BASE <http://example.org/>", "PREFIX p: <http://example.org/>", "?x",
    "$y", "_:b", "[]", '"lit"', "'lit'", '"""', "1e999", "^^", "@en", "a", "|", "/", "^", "*", "+",
    "?", "!", "INSERT DATA", "DELETE DATA", "DELETE WHERE", "LOAD <http://127.0.0.1:9/x>",
    "CLEAR ALL", "DROP ALL", "DROP DEFAULT", "CREATE GRAPH <urn:g>", "ADD DEFAULT TO <urn:g>",
    "MOVE <urn:g> TO DEFAULT", "COPY", "TO", "DEFAULT", "NAMED", "SILENT", "WITH <urn:g>", "USING",
    "EXISTS", "NOT EXISTS", "IN", 'REGEX(?x, "(a+)+$")', "STR(", "LANG(", "CONCAT(", "SHA512(",
    "<<?s ?p ?o>>", "TRIPLE(", "# comment\n", "\\u0041", "?s ?p ?o .",
)
# fmt: on
# fmt: off
_NESTERS = (
    ("(", ")"), ("[", "]"), ("{", "}"), ("{ ", " }"), ("<<", ">>"), ("<p:q>", "</p:q>"),
    ('{"@id":', "}"), ("[", "]"), ("OPTIONAL {", "}"), ("FILTER(", ")"), ("<a>", "</a>"),
)
# fmt: on
# fmt: off
_BAD_BYTES = (
    b"\xff", b"\xfe\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x00",
    b"\xef\xbb\xbf", b"\x80", b"\xe2\x82",
)
# fmt: on


@dataclass(frozen=True)
class Mutation:
    """One change to a byte string; positions are fractions of its length."""

    kind: str
    at: float
    size: float = 0.0
    times: int = 1
    text: bytes = b""

    def apply(self, data: bytes) -> bytes:
        n = len(data)
        i = min(int(self.at * (n + 1)), n)
        j = min(i + max(1, int(self.size * (n - i + 1))), n)
        if self.kind == "flip" and n:
            k = min(i, n - 1)
            return data[:k] + bytes([data[k] ^ (self.times & 0xFF or 1)]) + data[k + 1 :]
        if self.kind == "truncate":
            return data[:i]
        if self.kind == "delete":
            return data[:i] + data[j:]
        if self.kind == "duplicate":
            return data[:j] + data[i:j] * self.times + data[j:]
        if self.kind == "insert":
            return data[:i] + self.text * self.times + data[i:]
        if self.kind == "nest":
            opener, _, closer = self.text.partition(b"\x00\x00")
            return data[:i] + opener * self.times + closer * self.times + data[i:]
        if self.kind == "open":
            return data[:i] + self.text * self.times + data[i:]
        if self.kind == "encode":
            return _reencode(data, self.times)
        return data


def _reencode(data: bytes, how: int) -> bytes:
    text = data.decode("utf-8", "replace")
    choice = how % 5
    if choice == 0:
        return text.encode("utf-16")
    if choice == 1:
        return text.encode("latin-1", "replace")
    if choice == 2:
        return b"\xef\xbb\xbf" + data
    if choice == 3:
        return text.encode("utf-32-le")
    return data.replace(b"e", b"\xe9")


def mutations(tokens: Iterable[str]) -> st.SearchStrategy[Mutation]:
    """One mutation, inserting ``tokens`` (a syntax's grammar) among the common ones."""
    at = st.floats(0, 1, allow_nan=False)
    size = st.floats(0, 1, allow_nan=False)
    token = st.sampled_from(tuple(tokens) + _COMMON_TOKENS).map(lambda t: t.encode("utf-8"))
    nester = st.sampled_from(_NESTERS).map(lambda p: f"{p[0]}\x00\x00{p[1]}".encode())
    return st.one_of(
        st.builds(Mutation, st.just("flip"), at, times=st.integers(1, 255)),
        st.builds(Mutation, st.just("truncate"), at),
        st.builds(Mutation, st.just("delete"), at, size),
        st.builds(Mutation, st.just("duplicate"), at, size, times=st.integers(1, 40)),
        st.builds(Mutation, st.just("insert"), at, times=st.integers(1, 3), text=token),
        st.builds(Mutation, st.just("insert"), at, text=st.sampled_from(_BAD_BYTES)),
        st.builds(Mutation, st.just("insert"), at, text=st.binary(min_size=1, max_size=12)),
        st.builds(Mutation, st.just("nest"), at, times=st.integers(1, 300), text=nester),
        st.builds(Mutation, st.just("open"), at, times=st.integers(1, 3000), text=token),
        st.builds(Mutation, st.just("encode"), at, times=st.integers(0, 4)),
    )


def mutated(seeds: st.SearchStrategy[bytes], tokens: Iterable[str]) -> st.SearchStrategy[bytes]:
    """A seed with up to four mutations applied (none for a share of the examples), cut at
    :data:`MAX_MUTATED_BYTES` (four duplications of a whole seed would otherwise make gigabytes:
    a slow fuzzer, not a finding; bodies over the service's limit are still made)."""

    def apply(args: tuple[bytes, list[Mutation]]) -> bytes:
        data, changes = args
        for change in changes:
            data = change.apply(data)[:MAX_MUTATED_BYTES]
        return data

    return st.tuples(seeds, st.lists(mutations(tokens), max_size=4)).map(apply)


def rdf_documents(
    syntaxes: Iterable[str] = tuple(RDF_SYNTAXES),
) -> st.SearchStrategy[tuple[str, bytes]]:
    """(syntax name, document): a seed of that syntax, mutated with its grammar tokens."""
    seeds = rdf_seeds()
    options = [
        st.tuples(st.just(name), mutated(st.sampled_from(seeds[name]), TOKENS[name]))
        for name in syntaxes
        if seeds[name]
    ]
    if "json-ld" in syntaxes:
        options.append(st.tuples(st.just("json-ld"), jsonld_documents()))
    return st.one_of(options)


_JSON_STRINGS = (
    "http://example.org/a",
    "https://example.org/case/x",
    "_:b0",
    "pal:Case",
    "Case",
    "act",
    "Recruitment",
    "@id",
    "@type",
    "@vocab",
    "@json",
    "@none",
    "",
    "\\ud800",
    "\\udfff\\ud800",
    "\\u0000",
    "x" * 300,
    "2024-02-30",
    "relative",
    "#frag",
    "http://127.0.0.1:9/context.jsonld",
    "https://w3id.org/palermo/context.jsonld",
    "en",
    "en-US--ltr",
    "rtl",
)
_JSON_KEYS = (
    "@context",
    "@id",
    "@type",
    "@graph",
    "@list",
    "@set",
    "@value",
    "@language",
    "@reverse",
    "@included",
    "@nest",
    "@index",
    "@direction",
    "@vocab",
    "@base",
    "@import",
    "@version",
    "@protected",
    "@propagate",
    "@container",
    "act",
    "means",
    "purpose",
    "affectedPerson",
    "ageAtTimeOfAct",
    "http://example.org/p",
    "pal:act",
    "",
    "@",
)


def jsonld_documents() -> st.SearchStrategy[bytes]:
    """JSON-LD built from its keywords and the Palermo context's terms, with tricky values (lone
    surrogate escapes, remote and Palermo contexts, huge numbers), serialised by hand so that the
    escapes reach the service as they are."""
    scalar = st.one_of(
        st.sampled_from(_JSON_STRINGS).map(lambda v: f'"{v}"'),
        st.sampled_from(("null", "true", "false", "0", "-1", "1e999", "1.5", "9" * 400, "-0.0")),
    )

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        pair = st.tuples(st.sampled_from(_JSON_KEYS), inner).map(lambda kv: f'"{kv[0]}": {kv[1]}')
        return st.one_of(
            st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
            st.lists(pair, max_size=4).map(lambda items: "{" + ", ".join(items) + "}"),
        )

    body = st.recursive(scalar, extend, max_leaves=12)
    context = st.sampled_from(
        (
            "",
            '"@context": "https://w3id.org/palermo/context.jsonld", ',
            '"@context": ["https://w3id.org/palermo/context.jsonld", {"ex": "urn:ex:"}], ',
            '"@context": {"@vocab": "http://example.org/"}, ',
            '"@context": "http://127.0.0.1:9/c", ',
            '"@context": null, ',
            '"@context": {"@version": 1.1, "@protected": true}, ',
        )
    )
    return st.builds(lambda c, b: ("{" + c + '"@graph": ' + b + "}").encode("utf-8"), context, body)


# ------------------------------------------------------------------------------------------------
# SPARQL from the grammar (https://www.w3.org/TR/sparql11-query/#grammar)

PREFIXES = (
    "PREFIX pal: <https://w3id.org/palermo/ontology#>\n"
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
)
GRAPHS = (
    PUBLIC_GRAPH,
    SECRET_GRAPH,
    "https://w3id.org/palermo/graph/ontology",
    "https://w3id.org/palermo/graph/shapes",
    "https://w3id.org/palermo/graph/metadata",
    "https://w3id.org/palermo/graph/case/svc1",
    "https://w3id.org/palermo/graph/case/secret-7q9",
    "http://example.org/g/fuzz",
)
_VARS = ("?s", "?o", "?x", "?case", "?g")
# fmt: off
_IRIS = (
    "pal:Case", "pal:Recruitment", "pal:Person", "pal:TraffickingCase", "rdfs:Class",
    "<https://example.org/case/svc1>", "<http://example.org/a>", "<>", "<relative>",
)
# fmt: on
# fmt: off
_PREDICATES = (
    "a", "pal:act", "pal:means", "pal:purpose", "pal:affectedPerson", "pal:perpetrator",
    "pal:ageAtTimeOfAct", "rdfs:label", "rdfs:comment", "rdfs:subClassOf", "pal:act/a", "^pal:act",
    "(pal:act|pal:means)", "rdfs:subClassOf*", "rdfs:subClassOf+", "pal:act?", "!rdf:type",
    "!(a|^a)", "?p",
)
# fmt: on
# fmt: off
_LITERALS = (
    "1", "-0", "0.5", "1e3", '"x"', '"x"@en', "'y'", '"""z"""', "true", '"12"^^xsd:integer',
    '"abc"^^xsd:integer', '"2024-02-30"^^xsd:date', "99999999999999999999999999", '"\\u0000"',
    '""^^xsd:boolean',
)
# fmt: on


def _sparql_expressions() -> st.SearchStrategy[str]:
    leaf = st.sampled_from(_VARS + _LITERALS + ("pal:Case", "NOW()", "RAND()", "STRUUID()"))
    unary = (
        "STR",
        "LANG",
        "DATATYPE",
        "isIRI",
        "isLiteral",
        "STRLEN",
        "UCASE",
        "ABS",
        "ROUND",
        "xsd:integer",
        "xsd:dateTime",
        "SHA256",
        "ENCODE_FOR_URI",
        "IRI",
        "BNODE",
        "BOUND",
        "YEAR",
        "!",
        "-",
    )
    binary = ("=", "!=", "<", ">=", "+", "-", "*", "/", "&&", "||")

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds(lambda f, a: f"{f}({a})", st.sampled_from(unary), inner),
            st.builds(lambda a, o, b: f"({a} {o} {b})", inner, st.sampled_from(binary), inner),
            st.builds(lambda a, b: f"IF({a}, {b}, {a})", inner, inner),
            st.builds(lambda a, b: f"COALESCE({a}, {b})", inner, inner),
            st.builds(lambda a, b: f"CONCAT({a}, {b})", inner, inner),
            st.builds(lambda a, b: f"SUBSTR({a}, {b})", inner, inner),
            st.builds(
                lambda a, p: f"REGEX(STR({a}), {p})",
                inner,
                st.sampled_from(('"^a"', '"(a+)+$"', '"["', '"\\\\"', '"x", "i"')),
            ),
            st.builds(lambda a, b: f"{a} IN ({b}, 1)", inner, inner),
        )

    return st.recursive(leaf, extend, max_leaves=6)


def _triples(terms: tuple[str, ...] = _VARS + _IRIS) -> st.SearchStrategy[str]:
    obj = st.sampled_from(terms + _LITERALS[:6] + ("[]", "[ a pal:Act ]", "(1 2)"))
    return st.builds(
        lambda s, p, o: f"{s} {p} {o} .", st.sampled_from(terms), st.sampled_from(_PREDICATES), obj
    )


def _group_patterns() -> st.SearchStrategy[str]:
    expr = _sparql_expressions()
    graph = st.sampled_from(("?g", *tuple(f"<{g}>" for g in GRAPHS)))
    base = st.lists(_triples(), min_size=1, max_size=3).map(" ".join)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds(lambda a, b: f"{{ {a} }} UNION {{ {b} }}", inner, inner),
            st.builds(lambda a, b: f"{a} OPTIONAL {{ {b} }}", inner, inner),
            st.builds(lambda a, b: f"{a} MINUS {{ {b} }}", inner, inner),
            st.builds(lambda a, e: f"{a} FILTER ({e})", inner, expr),
            st.builds(lambda a, b: f"{a} FILTER NOT EXISTS {{ {b} }}", inner, inner),
            st.builds(lambda g, a: f"GRAPH {g} {{ {a} }}", graph, inner),
            st.builds(lambda a, e: f"{a} BIND ({e} AS ?bound)", inner, expr),
            st.builds(lambda a: f'VALUES ?x {{ 1 "a" pal:Case UNDEF }} {a}', inner),
            st.builds(lambda a: f"{{ SELECT ?s WHERE {{ {a} }} LIMIT 5 }}", inner),
            st.builds(lambda a: f"SERVICE <http://127.0.0.1:9/sparql> {{ {a} }}", inner),
            st.builds(lambda a, b: f"{a} {b}", inner, inner),
        )

    return st.recursive(base, extend, max_leaves=5)


@cache
def sparql_queries() -> st.SearchStrategy[str]:
    """A query from the grammar: prologue, dataset clause, one of the four forms, modifiers."""
    where = _group_patterns()
    projection = st.sampled_from(
        (
            "*",
            "?s",
            "?s ?o",
            "DISTINCT ?s",
            "REDUCED ?o",
            "(COUNT(*) AS ?n)",
            "?s (COUNT(DISTINCT ?o) AS ?n)",
            "(SAMPLE(?o) AS ?x)",
            "(GROUP_CONCAT(?o) AS ?all)",
            "(MAX(?o) AS ?m) (SUM(?o) AS ?t)",
            "(STR(?s) AS ?s)",
        )
    )
    dataset = st.sampled_from(
        (
            "",
            "",
            "",
            f"FROM <{SECRET_GRAPH}>",
            f"FROM <{PUBLIC_GRAPH}>",
            f"FROM NAMED <{PUBLIC_GRAPH}>",
            "FROM <urn:nothing>",
        )
    )
    modifiers = st.tuples(
        st.sampled_from(("", "", "GROUP BY ?s", "GROUP BY ?s HAVING (COUNT(*) > 0)")),
        st.sampled_from(("", "", "ORDER BY ?s", "ORDER BY DESC(?o) ?s", "ORDER BY RAND()")),
        st.sampled_from(("", "LIMIT 10", "LIMIT 0", "LIMIT 99999999999999999999", "OFFSET 3")),
    ).map(" ".join)
    form = st.one_of(
        st.builds(
            lambda p, d, w, m: f"SELECT {p} {d} WHERE {{ {w} }} {m}",
            projection,
            dataset,
            where,
            modifiers,
        ),
        st.builds(lambda d, w: f"ASK {d} {{ {w} }}", dataset, where),
        st.builds(
            lambda t, d, w: f"CONSTRUCT {{ {t} }} {d} WHERE {{ {w} }} LIMIT 50",
            _triples(_VARS),
            dataset,
            where,
        ),
        st.builds(
            lambda w: f"CONSTRUCT WHERE {{ {w} }} LIMIT 50",
            st.lists(_triples(), min_size=1, max_size=2).map(" ".join),
        ),
        st.builds(
            lambda t, d, w: f"DESCRIBE {t} {d} WHERE {{ {w} }} LIMIT 5",
            st.sampled_from(("?s", "*", "pal:Case")),
            dataset,
            where,
        ),
        st.builds(lambda t: f"DESCRIBE {t}", st.sampled_from(_IRIS)),
    )
    base = st.sampled_from(("", "", "BASE <http://example.org/>\n", "BASE <relative>\n"))
    return st.builds(lambda b, f: b + PREFIXES + f, base, form)


@cache
def sparql_updates() -> st.SearchStrategy[str]:
    """An update request from the grammar: one to three operations joined by ``;``."""
    graph_ref = st.sampled_from(GRAPHS).map(lambda g: f"<{g}>")
    ground = st.lists(
        st.sampled_from(
            (
                '<http://example.org/a> <http://example.org/b> "fuzz" .',
                "<http://example.org/a> a pal:Case .",
                '<https://example.org/case/secret-7q9> rdfs:label "x" .',
                "_:b <http://example.org/p> 1 .",
            )
        ),
        min_size=1,
        max_size=3,
    ).map(" ".join)
    where = _group_patterns()
    template = st.lists(
        _triples((*_VARS[:3], "<http://example.org/a>")), min_size=1, max_size=2
    ).map(" ".join)
    target = st.one_of(
        st.sampled_from(("DEFAULT", "NAMED", "ALL")), graph_ref.map(lambda g: f"GRAPH {g}")
    )
    silent = st.sampled_from(("", "SILENT "))
    operation = st.one_of(
        st.builds(lambda d: f"INSERT DATA {{ {d} }}", ground),
        st.builds(lambda g, d: f"INSERT DATA {{ GRAPH {g} {{ {d} }} }}", graph_ref, ground),
        st.builds(lambda g, d: f"DELETE DATA {{ GRAPH {g} {{ {d} }} }}", graph_ref, ground),
        st.builds(lambda g, w: f"DELETE WHERE {{ GRAPH {g} {{ {w} }} }}", graph_ref, _triples()),
        st.builds(lambda t, w: f"DELETE {{ {t} }} WHERE {{ {w} }}", template, where),
        st.builds(
            lambda g, t, w: f"WITH {g} INSERT {{ {t} }} WHERE {{ {w} }}", graph_ref, template, where
        ),
        st.builds(
            lambda t, g, w: f"INSERT {{ {t} }} USING {g} WHERE {{ {w} }}",
            template,
            graph_ref,
            where,
        ),
        st.builds(
            lambda s, g: f"LOAD {s}<http://127.0.0.1:9/data.ttl> INTO GRAPH {g}", silent, graph_ref
        ),
        st.builds(
            lambda k, s, t: f"{k} {s}{t}", st.sampled_from(("CLEAR", "DROP")), silent, target
        ),
        st.builds(lambda s, g: f"CREATE {s}GRAPH {g}", silent, graph_ref),
        st.builds(
            lambda k, s, a, b: f"{k} {s}{a} TO {b}",
            st.sampled_from(("ADD", "MOVE", "COPY")),
            silent,
            st.one_of(st.just("DEFAULT"), graph_ref),
            st.one_of(st.just("DEFAULT"), graph_ref),
        ),
    )
    return st.lists(operation, min_size=1, max_size=3).map(lambda ops: PREFIXES + " ;\n".join(ops))


def queries() -> st.SearchStrategy[bytes]:
    """Queries from the grammar, and the seed and generated queries mutated with SPARQL tokens
    (as bytes: a mutation may leave them invalid UTF-8)."""
    seeds = [q.encode() for q in sparql_seeds()["query"]]
    generated = sparql_queries().map(str.encode)
    return st.one_of(
        generated,
        mutated(st.sampled_from(seeds), SPARQL_TOKENS),
        mutated(generated, SPARQL_TOKENS),
    )


def updates() -> st.SearchStrategy[bytes]:
    """Updates from the grammar, and the seed and generated updates mutated."""
    seeds = [u.encode() for u in sparql_seeds()["update"]]
    generated = sparql_updates().map(str.encode)
    return st.one_of(
        generated,
        mutated(st.sampled_from(seeds), SPARQL_TOKENS),
        mutated(generated, SPARQL_TOKENS),
    )


# ------------------------------------------------------------------------------------------------
# Headers and query strings

WRITE_AUTH = WRITE["Authorization"]
READ_AUTH = READ["Authorization"]
# fmt: off
CALLER_HEADERS = (
    None,
    None,
    None,
    WRITE_AUTH,
    READ_AUTH,
    READ_OTHER["Authorization"],
    WRITE_OTHER["Authorization"],
    WRONG["Authorization"],
)
# fmt: on
_LATIN1 = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60
)


def authorizations() -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.sampled_from(CALLER_HEADERS),
        st.sampled_from(
            (
                "Bearer",
                "Bearer ",
                "Bearer  ",
                "bearer test-writer-token",
                "BEARER test-reader-token",
                "Basic dGVzdDp0ZXN0",
                "Bearer test-writer-token extra",
                "Bearer test-writer-tokenX",
                "Bearer " + "A" * 5000,
                "Digest x",
                "Bearer test-writer-token, Bearer x",
                "Bearer \xe9\xff",
                "Bearer\ttest-writer-token",
            )
        ),
        _LATIN1.map(lambda s: "Bearer " + s),
        _LATIN1,
    )


# fmt: off
MEDIA_TYPES = (
    "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
    "application/n-quads", "application/trig", "application/json", "text/plain", "application/xml",
    "text/xml", "application/x-turtle", "application/sparql-query", "application/sparql-update",
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "text/html", "text/csv",
    "application/sparql-results+json", "application/problem+json", "*/*", "",
)
# fmt: on


def media_types() -> st.SearchStrategy[str]:
    params = st.sampled_from(
        (
            "",
            "; charset=utf-8",
            "; charset=latin-1",
            "; charset=utf-16",
            ";",
            "; q=0",
            '; profile="http://www.w3.org/ns/json-ld#expanded"',
            "; boundary=",
            ";;;",
            "; a=b; a=c",
        )
    )
    return st.one_of(
        st.builds(lambda m, p: m + p, st.sampled_from(MEDIA_TYPES), params),
        st.sampled_from(MEDIA_TYPES).map(str.upper),
        _LATIN1,
    )


def accepts() -> st.SearchStrategy[str | None]:
    one = st.builds(
        lambda m, q: m + q,
        st.sampled_from(
            (*MEDIA_TYPES, "text/*", "*/json", "application/*", "*", "/", "text/html;level=1")
        ),
        st.sampled_from(
            (
                "",
                ";q=0",
                ";q=1",
                ";q=0.5",
                ";q=1.5",
                ";q=-1",
                ";q=abc",
                ";q=1e9",
                ";q=",
                ";q=0.0001",
                ";charset=utf-8",
            )
        ),
    )
    return st.one_of(
        st.none(),
        st.lists(one, min_size=1, max_size=6).map(", ".join),
        st.lists(one, min_size=100, max_size=200).map(",".join),
        _LATIN1,
    )


def content_encodings() -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.none(),
        st.sampled_from(
            (
                "gzip",
                "identity",
                "br",
                "deflate",
                "gzip, gzip",
                "GZIP",
                "x-gzip",
                "",
                "compress",
                "gzip, identity",
                "zstd",
                "*",
            )
        ),
        _LATIN1,
    )


def _encoded(pairs: Iterable[tuple[str, str | bytes]]) -> str:
    """A query string (or form body): each value percent-encoded, bytes as they are."""
    return urlencode(list(pairs), quote_via=quote)


def raw_query_strings() -> st.SearchStrategy[str]:
    """Query strings as sent on the wire: encoded pairs, and raw junk (stray %, bad UTF-8)."""
    junk = st.sampled_from(
        (
            "%",
            "%zz",
            "%ff%fe",
            "%c3",
            "&&&",
            "=",
            "a=%00",
            "graph",
            "default=",
            "query=%ED%A0%80",
            "a=1;b=2",
            "+",
            "%2B",
            "%%",
            "?",
            "#",
        )
    )
    key = st.sampled_from(
        (
            "query",
            "update",
            "graph",
            "default",
            "dataset",
            "public",
            "engine",
            "explain",
            "format",
            "default-graph-uri",
            "named-graph-uri",
            "using-graph-uri",
            "country",
            "label",
            "limit",
            "x",
            "",
        )
    )
    value = st.one_of(
        st.sampled_from(
            (
                *GRAPHS,
                "",
                "true",
                "false",
                "1",
                "9" * 40,
                "not an iri",
                "fast",
                "pyshacl",
                "json",
                "turtle",
                "ASK {}",
                "PHL",
                SECRET_DATASET,
                "opends",
                "otherds",
                "../etc",
                "a" * 300,
            )
        ),
        st.text(max_size=20),
        st.binary(max_size=10),
    )
    pairs = st.lists(st.tuples(key, value), max_size=5).map(_encoded)
    return st.one_of(pairs, st.lists(st.one_of(junk, pairs), max_size=4).map("&".join))


# ------------------------------------------------------------------------------------------------
# Calls and outcomes


@dataclass(frozen=True)
class Call:
    """One HTTP request: the method, path, raw query string, headers and body."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": [list(h) for h in self.headers],
            "body_base64": None if self.body is None else base64.b64encode(self.body).decode(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Call:
        body = data.get("body_base64")
        return cls(
            data["method"],
            data["path"],
            data.get("query", ""),
            tuple((k, v) for k, v in data.get("headers", [])),
            None if body is None else base64.b64decode(body),
        )

    def text(self) -> str:
        """Everything the caller sent, decoded, to tell a marker echoed back from a leak."""
        body = (self.body or b"").decode("utf-8", "replace")
        return " ".join([self.path, unquote_plus(self.query), body, *(v for _, v in self.headers)])


def headers(**values: str | None) -> tuple[tuple[str, str], ...]:
    """Headers without the ones that are None (names with '_' become '-')."""
    return tuple((k.replace("_", "-"), v) for k, v in values.items() if v is not None)


@dataclass
class Outcome:
    """What one input got: a status (an HTTP status, an exit code, or a word) and the properties
    it broke."""

    status: str
    failures: list[str] = field(default_factory=list)


class FuzzFailure(AssertionError):
    """A property broken by one input."""


def check(outcome: Outcome) -> Outcome:
    """Raise :class:`FuzzFailure` when ``outcome`` broke a property (for the tests)."""
    if outcome.failures:
        raise FuzzFailure("; ".join(outcome.failures))
    return outcome


class _LastError(logging.Handler):
    """Keeps the last exception the app logged, to name it in a failure (a 500 hides it)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            tb = traceback.extract_tb(record.exc_info[2])
            where = f" at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
            self.last = f"{type(exc).__name__}: {str(exc)[:200]}{where}"


ALLOWED_503 = {"query-timeout", "store-unavailable"}
PROBLEM_BASE = "https://w3id.org/palermo/problems/"


class Harness:
    """An app from ``create_app`` holding one private case (with the secret markers of
    tests/security/conftest.py) and one public case, and the properties every answer keeps."""

    def __init__(self, **overrides: object) -> None:
        self.overrides = {"MAX_BODY_BYTES": MAX_BODY_BYTES, "QUERY_TIMEOUT": 5.0, **overrides}
        self.errors = _LastError()
        logging.getLogger("palermo").addHandler(self.errors)
        self.rebuilds = 0
        self._build()

    def _build(self) -> None:
        from palermo.app import create_app

        self.app = create_app(security_config(**self.overrides))
        self.app.config["TESTING"] = True
        self.client = self.app.test_client()
        for query, body in (
            ({"graph": SECRET_GRAPH, "dataset": SECRET_DATASET}, SECRET_CASE_TTL),
            ({"graph": PUBLIC_GRAPH, "dataset": "opends", "public": "true"}, CASE_TRAFFICKING),
        ):
            r = self.client.put(
                "/data", query_string=query, data=body, content_type="text/turtle", headers=WRITE
            )
            assert r.status_code == 201, r.text
        self.secret_quads = self._marked(self.snapshot())

    def close(self) -> None:
        from palermo.app import close_app

        close_app(self.app)
        logging.getLogger("palermo").removeHandler(self.errors)

    def snapshot(self) -> frozenset:
        """Every quad in the store."""
        return frozenset(self.app.extensions["palermo"].store)

    @staticmethod
    def _marked(quads: frozenset) -> frozenset:
        return frozenset(q for q in quads if any(m in str(q) for m in SECRETS))

    def may_read_secrets(self, authorization: str | None) -> bool:
        from palermo.errors import PalermoError

        try:
            return self.app.extensions["palermo"].tokens.principal(authorization).reads_everything
        except PalermoError:
            return False

    def send(self, call: Call) -> Outcome:
        """Send ``call`` and check every property of its answer."""
        writes = call.method not in {"GET", "HEAD", "OPTIONS"}
        before = self.snapshot() if writes else None
        self.errors.last = None
        try:
            response = self.client.open(
                call.path,
                method=call.method,
                query_string=call.query,
                headers=list(call.headers),
                data=call.body,
            )
            body = response.get_data()
        except Exception as exc:  # a crash of the app or of the answer's generator
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return Outcome(
                "crash",
                [f"crash: {type(exc).__name__}: {str(exc)[:200]} at {where.name}:{where.lineno}"],
            )
        status = response.status_code
        failures: list[str] = []
        problem_type = ""
        if status >= 400:
            if response.mimetype != "application/problem+json":
                failures.append(f"{status} answered as {response.mimetype!r}, not problem+json")
            elif call.method != "HEAD":
                try:
                    problem_type = str(json.loads(body).get("type", ""))
                except (ValueError, AttributeError):
                    failures.append(f"{status} problem body is not a JSON object")
        if status == 500 or status > 503:
            failures.append(f"{status} ({self.errors.last or 'no logged exception'})")
        if status == 503 and problem_type.removeprefix(PROBLEM_BASE) not in ALLOWED_503:
            failures.append(f"503 of type {problem_type!r} ({self.errors.last or ''})")
        after = self.snapshot() if writes else None
        if before is not None and status >= 400 and after != before:
            failures.append(f"{status} but the store changed: {len(before ^ after)} quad(s)")
        authorization = dict(call.headers).get("Authorization")
        if not self.may_read_secrets(authorization):
            sent = call.text()
            answer = (
                body.decode("utf-8", "replace")
                + " "
                + " ".join(f"{k}: {v}" for k, v in response.headers.items())
            )
            leaked = [m for m in SECRETS if m in answer and m not in sent]
            if leaked:
                failures.append(f"{status} to a caller who may not read them carries {leaked}")
        if after is not None and after != before and self._marked(after) != self.secret_quads:
            self.close()  # a writer changed the private case: start again from a clean store
            self.rebuilds += 1
            self._build()
        return Outcome(str(status), failures)


# ------------------------------------------------------------------------------------------------
# Entry points: a strategy of inputs and a check of one input


def _gzip(data: bytes, how: int) -> bytes:
    packed = gzip.compress(data)
    return packed if how == 0 else packed[: max(1, len(packed) - how)]


@st.composite
def classify_calls(draw: st.DrawFn, path: str) -> Call:
    syntax, body = draw(rdf_documents())
    media = RDF_SYNTAXES[syntax][0] if draw(st.integers(0, 4)) else draw(media_types())
    params = draw(
        st.sampled_from(
            (
                "",
                "",
                "engine=fast",
                "engine=pyshacl",
                "engine=nope",
                "explain=true",
                "explain=maybe",
                "engine=",
                "engine=fast&engine=pyshacl",
            )
        )
    )
    if params.startswith("engine=pyshacl") and len(body) > 3000:
        params = ""  # pySHACL on a large graph is the slow reference: keep the sample quick
    return Call(
        "POST",
        path,
        params,
        headers(
            Content_Type=media,
            Accept=draw(
                st.one_of(
                    st.none(),
                    st.sampled_from(
                        ("application/json", "text/turtle", "application/ld+json", "text/html")
                    ),
                )
            ),
            Authorization=draw(st.sampled_from(CALLER_HEADERS)),
        ),
        body,
    )


# fmt: off
_RESULT_ACCEPTS = (
    None,
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values", "text/turtle", "application/ld+json", "application/rdf+xml",
    "application/n-triples", "text/html", "*/*",
)
# fmt: on


@st.composite
def query_calls(draw: st.DrawFn) -> Call:
    query = draw(queries())
    how = draw(st.sampled_from(("get", "form", "direct", "direct")))
    params = draw(
        st.lists(
            st.tuples(
                st.sampled_from(("default-graph-uri", "named-graph-uri")),
                st.sampled_from((*GRAPHS, "not an iri", "urn:x", "")),
            ),
            max_size=2,
        )
    )
    auth = draw(st.sampled_from(CALLER_HEADERS))
    accept = draw(st.sampled_from(_RESULT_ACCEPTS))
    if how == "get":
        return Call(
            "GET",
            "/sparql",
            _encoded([("query", query), *params]),
            headers(Accept=accept, Authorization=auth),
        )
    if how == "form":
        return Call(
            "POST",
            "/sparql",
            _encoded(params),
            headers(
                Content_Type="application/x-www-form-urlencoded", Accept=accept, Authorization=auth
            ),
            _encoded([("query", query)]).encode("ascii"),
        )
    return Call(
        "POST",
        "/sparql",
        _encoded(params),
        headers(Content_Type="application/sparql-query", Accept=accept, Authorization=auth),
        query,
    )


@st.composite
def update_calls(draw: st.DrawFn) -> Call:
    update = draw(updates())
    auth = draw(st.sampled_from((*CALLER_HEADERS, WRITE_AUTH)))
    how = draw(st.sampled_from(("form", "direct", "get")))
    extra = draw(
        st.sampled_from(("", "", "using-graph-uri=urn%3Ag", "using-named-graph-uri=urn%3Ag"))
    )
    if how == "get":
        return Call("GET", "/sparql", _encoded([("update", update)]), headers(Authorization=auth))
    if how == "form":
        return Call(
            "POST",
            "/sparql",
            extra,
            headers(Content_Type="application/x-www-form-urlencoded", Authorization=auth),
            _encoded([("update", update)]).encode("ascii"),
        )
    return Call(
        "POST",
        "/sparql",
        extra,
        headers(Content_Type="application/sparql-update", Authorization=auth),
        update,
    )


def _multipart(parts: list[tuple[str, bytes]]) -> bytes:
    out = b""
    for i, (media, data) in enumerate(parts):
        out += (
            (
                f'--b\r\nContent-Disposition: form-data; name="f{i}"; filename="f{i}"\r\n'
                f"Content-Type: {media}\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    return out + b"--b--\r\n"


@st.composite
def graph_store_calls(draw: st.DrawFn) -> Call:
    method = draw(st.sampled_from(("GET", "HEAD", "PUT", "POST", "POST", "PUT", "DELETE")))
    target = draw(
        st.one_of(
            st.sampled_from(GRAPHS).map(lambda g: [("graph", g)]),
            st.sampled_from(
                (
                    [("default", "")],
                    [],
                    [("graph", "not an iri")],
                    [("graph", "")],
                    [("graph", PUBLIC_GRAPH), ("graph", SECRET_GRAPH)],
                    [("graph", PUBLIC_GRAPH), ("default", "")],
                    [("graph", "urn:x#y")],
                    [("graph", "http://example.org/g/" + "x" * 3000)],
                )
            ),
        )
    )
    extra = draw(
        st.lists(
            st.sampled_from(
                (
                    ("dataset", SECRET_DATASET),
                    ("dataset", "opends"),
                    ("dataset", "otherds"),
                    ("dataset", "newds"),
                    ("dataset", "../x"),
                    ("dataset", ""),
                    ("dataset", "a" * 80),
                    ("public", "true"),
                    ("public", "false"),
                    ("public", "maybe"),
                    ("public", ""),
                )
            ),
            max_size=2,
        )
    )
    auth = draw(st.sampled_from((*CALLER_HEADERS, WRITE_AUTH, WRITE_OTHER["Authorization"])))
    body: bytes | None = None
    media: str | None = None
    if method in {"PUT", "POST"}:
        if draw(st.integers(0, 6)) == 0:
            parts = draw(st.lists(rdf_documents(TRIPLE_SYNTAXES), min_size=1, max_size=2))
            body = draw(
                mutated(
                    st.just(_multipart([(RDF_SYNTAXES[s][0], d) for s, d in parts])),
                    ("--b", "\r\n"),
                )
            )
            media = "multipart/form-data; boundary=b"
        else:
            syntax, body = draw(rdf_documents())
            media = RDF_SYNTAXES[syntax][0] if draw(st.integers(0, 4)) else draw(media_types())
    accept = draw(
        st.sampled_from(
            (
                None,
                "text/turtle",
                "application/n-triples",
                "application/ld+json",
                "application/rdf+xml",
                "text/html",
                "application/json",
            )
        )
    )
    return Call(
        method,
        "/data",
        _encoded(target + extra),
        headers(Content_Type=media, Accept=accept, Authorization=auth),
        body,
    )


# fmt: off
_ROUTES = (
    ("GET", "/sparql", "query=ASK%20%7B%7D", None), ("GET", "/sparql", "", None),
    ("POST", "/sparql", "", b"SELECT * WHERE { ?s ?p ?o } LIMIT 3"),
    ("POST", "/classify", "", CASE_TRAFFICKING.encode()),
    ("POST", "/validate", "", CASE_TRAFFICKING.encode()),
    ("POST", "/validations", "", CASE_TRAFFICKING.encode()),
    ("GET", "/validations/unknown-job", "", None),
    ("GET", "/data", f"graph={quote(PUBLIC_GRAPH, safe='')}", None),
    ("PUT", "/data", "graph=http%3A%2F%2Fexample.org%2Fg%2Ffuzz", CASE_TRAFFICKING.encode()),
    ("DELETE", "/data", "graph=http%3A%2F%2Fexample.org%2Fg%2Ffuzz", None),
    ("GET", "/ontology", "", None), ("GET", "/shapes", "", None), ("GET", "/queries", "", None),
    ("GET", "/queries/list-cases", "", None), ("GET", "/queries/count-cases-by-label", "", None),
    ("GET", "/.well-known/void", "", None), ("GET", "/health", "", None), ("GET", "/", "", None),
)
# fmt: on


@st.composite
def header_calls(draw: st.DrawFn) -> Call:
    method, path, query, body = draw(st.sampled_from(_ROUTES))
    encoding = draw(content_encodings())
    if body is not None and encoding and "gzip" in encoding.lower() and draw(st.booleans()):
        body = _gzip(body, draw(st.integers(0, 30)))
    return Call(
        method,
        path,
        query,
        headers(
            Accept=draw(accepts()),
            Content_Type=draw(st.one_of(st.just("text/turtle"), media_types()))
            if body is not None
            else None,
            Content_Encoding=encoding,
            Authorization=draw(authorizations()),
        ),
        body,
    )


@cache
def _named_queries() -> dict[str, list[tuple[str, str]]]:
    from palermo.sparql.named import load_named_queries

    return {
        name: [(p.name.lstrip("?"), p.type) for p in q.parameters]
        for name, q in load_named_queries().items()
    }


# fmt: off
_PARAMETER_VALUES = (
    "PHL", "phl", "XXX", "http://publications.europa.eu/resource/authority/country/PHL", "1", "-1",
    "0", "9" * 60, "1e999", "1.5", "true", "yes", "2024-02-29", "2024-02-30", "", " ", "\x00",
    '"> } SELECT * WHERE { ?s ?p ?o } #', "<https://example.org/case/secret-7q9>", "trafficking",
    "a" * 2000, "https://example.org/case/svc1", "not an iri", "%", "é",
)
# fmt: on


@st.composite
def parameter_calls(draw: st.DrawFn) -> Call:
    named = _named_queries()
    name = draw(
        st.one_of(
            st.sampled_from(sorted(named)),
            st.sampled_from(("no-such-query", "..", "%2e%2e", "list-cases.rq", "LIST-CASES")),
        )
    )
    declared = [p for p, _ in named.get(name, [])]
    keys = (
        st.sampled_from((*tuple(declared), "x", "limit", "country", ""))
        if declared
        else st.sampled_from(("x", "country", ""))
    )
    pairs = draw(
        st.lists(
            st.tuples(keys, st.one_of(st.sampled_from(_PARAMETER_VALUES), st.text(max_size=20))),
            max_size=3,
        )
    )
    if draw(st.integers(0, 3)) == 0:
        return Call(
            "GET",
            draw(
                st.sampled_from(
                    ("/sparql", "/data", "/ontology", "/validate", "/queries", "/.well-known/void")
                )
            ),
            draw(raw_query_strings()),
            headers(Authorization=draw(st.sampled_from(CALLER_HEADERS))),
        )
    return Call(
        "GET",
        f"/queries/{quote(name, safe='')}",
        _encoded(pairs),
        headers(
            Accept=draw(st.sampled_from(_RESULT_ACCEPTS)),
            Authorization=draw(st.sampled_from(CALLER_HEADERS)),
        ),
    )


# -- the parsers (no HTTP) -----------------------------------------------------------------------


def parse_inputs() -> st.SearchStrategy[tuple[str, bytes, str | None, bool]]:
    """(syntax, document, base IRI, plain-JSON default context) for :func:`check_parse`."""
    return st.tuples(
        st.sampled_from(tuple(RDF_SYNTAXES)),
        rdf_documents().map(lambda d: d[1]),
        st.sampled_from((None, "http://example.org/", "not an iri", "", "file:///tmp/x")),
        st.booleans(),
    )


def check_parse(_: object, value: tuple[str, bytes, str | None, bool]) -> Outcome:
    """The parsers raise :class:`~palermo.errors.InputError` and nothing else on bad input."""
    from palermo.errors import InputError
    from palermo.rdf.parsing import parse_quads, syntax_for_media_type, to_graph

    name, data, base, plain_json = value
    syntax = syntax_for_media_type(RDF_SYNTAXES[name][0])
    try:
        quads = parse_quads(data, syntax, base_iri=base, default_context=plain_json)
        to_graph(quads)
    except InputError:
        return Outcome("input-error")
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Outcome(
            "crash", [f"{type(exc).__name__}: {str(exc)[:200]} at {where.filename}:{where.lineno}"]
        )
    return Outcome("parsed")


# -- the importers (the CLI) ---------------------------------------------------------------------


class ImportTarget:
    """A folder for the CSV file ``palermo import KIND`` reads."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="palermo-fuzz-"))

    def close(self) -> None:
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


# fmt: off
_CSV_VALUES = (
    "", "1", "0", "2", "-1", "1.0", " 1", "Yes", "No;Yes", "Minor", "Adult", "Teenager", "Female",
    "Male", "Europe", "Mars", '"', '""', '"a,b"', "a\nb", '"a\nb"', ";", ",", "9" * 400, "1e999",
    "\x00", "é", "\ufeff", "=cmd|' /C calc'!A0", "<http://x>", "\\", '"> .', "x" * 5000,
)
# fmt: on


@st.composite
def csv_files(draw: st.DrawFn, kind: str) -> bytes:
    """A CSV file for ``palermo import KIND``: the seed header and rows, with fields replaced,
    rows shortened or lengthened, and bytes mutated."""
    header, rows = csv_seeds(kind)
    chosen = draw(st.lists(st.sampled_from(rows), min_size=0, max_size=6))
    lines = [header]
    for row in chosen:
        fields = row.split(",")
        for _ in range(draw(st.integers(0, 3))):
            i = draw(st.integers(0, max(0, len(fields) - 1)))
            action = draw(st.integers(0, 3))
            value = draw(st.one_of(st.sampled_from(_CSV_VALUES), st.text(max_size=12)))
            if action == 0 and fields:
                fields[i] = value
            elif action == 1:
                fields.insert(i, value)
            elif action == 2 and fields:
                del fields[i]
            else:
                fields = fields[: i + 1]
        lines.append(",".join(fields))
    if draw(st.integers(0, 5)) == 0:
        lines[0] = draw(
            st.sampled_from(
                (
                    header.lower(),
                    header.replace(",", ";"),
                    header + ",extra",
                    ",".join(reversed(header.split(","))),
                    "",
                    "\ufeff" + header,
                    header + "," + header.split(",")[0],
                )
            )
        )
    data = ("\r\n" if draw(st.booleans()) else "\n").join(lines).encode("utf-8", "surrogatepass")
    return draw(mutated(st.just(data), (",", '"', "\n", "\r", ";", "1", "\ufeff")))


def check_import(target: ImportTarget, value: tuple[str, bytes]) -> Outcome:
    """``palermo import KIND FILE``: exit 0 (rejected rows reported, one ``palermo:`` line each,
    N-Triples that parse) or 2 (the rows rejected so far, then one line naming the file and the
    reason), never a traceback."""
    from click.testing import CliRunner

    from palermo.cli import main

    kind, data = value
    path = target.folder / f"{kind}.csv"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["import", kind, str(path), "-q"])
    failures: list[str] = []
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        exc = result.exception
        where = traceback.extract_tb(exc.__traceback__)[-1]
        failures.append(
            f"exception {type(exc).__name__}: {str(exc)[:200]} at {where.filename}:{where.lineno}"
        )
    elif result.exit_code not in (0, 2):
        failures.append(f"exit code {result.exit_code}")
    stderr = result.stderr
    if "Traceback" in stderr or "Traceback" in result.stdout:
        failures.append("a traceback on the output")
    lines = stderr.splitlines()
    if result.exit_code == 2 and (not lines or path.name not in lines[-1]):
        failures.append("exit 2 without a last line naming the file")
    if any(not line.startswith("palermo: ") for line in lines):
        failures.append("a stderr line without the 'palermo: ' prefix")
    if result.exit_code == 0 and result.stdout:
        try:
            list(ox.parse(result.stdout_bytes, format=ox.RdfFormat.N_TRIPLES))
        except (SyntaxError, ValueError) as exc:
            failures.append(f"the N-Triples written do not parse: {exc}")
    return Outcome(f"exit {result.exit_code}", failures)


# -- the registry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryPoint:
    """One entry point: its inputs, how to set up what receives them, and the check of one."""

    name: str
    inputs: Callable[[], st.SearchStrategy[Any]]
    setup: Callable[[], Any]
    check: Callable[[Any, Any], Outcome]
    encode: Callable[[Any], bytes] = field(default=lambda value: repr(value).encode())


def _http(strategy: Callable[[], st.SearchStrategy[Call]]) -> dict[str, Any]:
    return {
        "inputs": strategy,
        "setup": Harness,
        "check": lambda harness, call: harness.send(call),
        "encode": lambda call: json.dumps(call.to_json(), indent=1).encode(),
    }


ENTRY_POINTS: dict[str, EntryPoint] = {
    e.name: e
    for e in (
        EntryPoint("rdf parsers", parse_inputs, lambda: None, check_parse),
        EntryPoint("POST /classify", **_http(lambda: classify_calls("/classify"))),
        EntryPoint("POST /validate", **_http(lambda: classify_calls("/validate"))),
        EntryPoint("/sparql query", **_http(query_calls)),
        EntryPoint("/sparql update", **_http(update_calls)),
        EntryPoint("/data (Graph Store)", **_http(graph_store_calls)),
        EntryPoint("headers", **_http(header_calls)),
        EntryPoint("query parameters", **_http(parameter_calls)),
        EntryPoint(
            "palermo import ctdc",
            lambda: csv_files("ctdc").map(lambda d: ("ctdc", d)),
            ImportTarget,
            check_import,
            lambda value: value[1],
        ),
        EntryPoint(
            "palermo import htcds",
            lambda: csv_files("htcds").map(lambda d: ("htcds", d)),
            ImportTarget,
            check_import,
            lambda value: value[1],
        ),
    )
}


def close(target: Any) -> None:
    if target is not None and hasattr(target, "close"):
        target.close()


def tally(outcomes: Iterable[Outcome]) -> Counter[str]:
    return Counter(o.status for o in outcomes)
