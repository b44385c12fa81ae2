"""The W3C SHACL test suite (https://w3c.github.io/data-shapes/data-shapes-test-suite/), core and
SPARQL parts, read from ``../shared/conformance/``: where it is, and every test file its manifests
include."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from rdflib import Graph, Namespace
from rdflib.term import Node

from support import paths

SHACL_TESTS = paths.SHARED / "conformance" / "data-shapes" / "data-shapes-test-suite" / "tests"
SHACL_SUITES = ("core", "sparql")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")


def file_path(iri: Node) -> Path:
    """The local file a ``file:`` IRI of the suite names."""
    return Path(url2pathname(urlparse(str(iri)).path))


def test_files() -> list[Path]:
    """Every test file the core and SPARQL manifests include, following ``mf:include``; none
    where the suite is absent."""
    files: list[Path] = []
    pending = [
        SHACL_TESTS / suite / "manifest.ttl"
        for suite in SHACL_SUITES
        if (SHACL_TESTS / suite / "manifest.ttl").is_file()
    ]
    while pending:
        graph = Graph().parse(pending.pop(0), format="turtle")
        for path in sorted(file_path(i) for i in graph.objects(None, MF.include)):
            (pending if path.name == "manifest.ttl" else files).append(path)
    return files
