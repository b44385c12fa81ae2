"""A runner for the W3C SPARQL 1.1 Protocol and Graph Store Protocol test manifests.

The manifests (https://github.com/w3c/rdf-tests, sparql/sparql11/) encode each test as a
sequence of HTTP requests (``ht:Request``) with expected responses (``mf:expectedStatus``,
``mf:expectedBoolean``, ``mf:expectedFormat``, a body to compare, ``mf:expectedLocation``).
This module reads them and replays them against the Flask test client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

REPO_ROOT = Path(__file__).resolve().parents[2]
RDF_TESTS = REPO_ROOT.parent / "shared" / "conformance" / "rdf-tests" / "sparql" / "sparql11"
PROTOCOL_MANIFEST = RDF_TESTS / "protocol" / "manifest.ttl"
GSP_MANIFESTS = [
    RDF_TESTS / "graph-store-protocol" / "manifest-indirect.ttl",
    RDF_TESTS / "graph-store-protocol" / "manifest-direct.ttl",
]

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

_STATUS = {
    "OK": {200},
    "Created": {201},
    "NoContent": {204},
    "NotFound": {404},
    "BadRequest": {400},
}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    statuses: set[int]
    boolean: bool | None = None
    result_format: str | None = None
    response_body: str | None = None
    response_type: str | None = None
    location_variable: str | None = None
    encoding: str = "utf-8"


@dataclass
class ManifestTest:
    id: str
    name: str
    requests: list[Request]
    graph_data: list[tuple[Path, str]] = field(default_factory=list)
    requires: set[str] = field(default_factory=set)


def _statuses(graph: Graph, resp) -> set[int]:
    codes: set[int] = set()
    for node in graph.objects(resp, MF.expectedStatus):
        name = str(node).rsplit("#", 1)[-1]
        if name.startswith("StatusCode") and name.endswith("xx"):
            base = int(name[len("StatusCode")]) * 100
            codes |= set(range(base, base + 100))
        else:
            codes |= _STATUS[name]
    return codes


def _headers(graph: Graph, node) -> dict[str, str]:
    out: dict[str, str] = {}
    lst = graph.value(node, HT.headers)
    if lst is None:
        return out
    for h in Collection(graph, lst):
        out[str(graph.value(h, HT.fieldName)).lower()] = str(graph.value(h, HT.fieldValue))
    return out


def _encoding(graph: Graph, node) -> str:
    body = graph.value(node, HT.body)
    enc = None if body is None else graph.value(body, CNT.characterEncoding)
    return "utf-8" if enc is None else str(enc)


def _body(graph: Graph, node) -> str | None:
    body = graph.value(node, HT.body)
    return None if body is None else str(graph.value(body, CNT.chars))


def read_manifest(path: Path) -> list[ManifestTest]:
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        requests = []
        for req in Collection(graph, graph.value(action, HT.requests)):
            resp = graph.value(req, HT.resp)
            boolean = graph.value(resp, MF.expectedBoolean)
            fmt = graph.value(resp, MF.expectedFormat)
            loc = graph.value(resp, MF.expectedLocation)
            resp_headers = _headers(graph, resp)
            requests.append(
                Request(
                    method=str(graph.value(req, HT.methodName)),
                    path=str(graph.value(req, HT.absolutePath)),
                    headers=_headers(graph, req),
                    body=_body(graph, req),
                    statuses=_statuses(graph, resp),
                    boolean=None if boolean is None else boolean.toPython(),
                    result_format=None if fmt is None else str(fmt),
                    response_body=_body(graph, resp),
                    response_type=resp_headers.get("content-type"),
                    location_variable=None if loc is None else str(loc),
                    encoding=_encoding(graph, req),
                )
            )
        data = []
        for gd in graph.objects(entry, UT.graphData):
            data.append(
                (
                    Path(str(graph.value(gd, UT.graph)).removeprefix("file://")),
                    str(graph.value(gd, RDFS.label)),
                )
            )
        requires = {str(r).rsplit("#", 1)[-1] for r in graph.objects(entry, MF.requires)}
        name = str(graph.value(entry, MF.name))
        tests.append(ManifestTest(str(entry).rsplit("#", 1)[-1], name, requests, data, requires))
    return tests


def _rewrite(path: str, endpoint_prefix: str, target: str) -> str:
    if path.startswith(endpoint_prefix + "/"):
        return target + path[len(endpoint_prefix) + 1 :]
    if path.startswith(endpoint_prefix):
        return target + path[len(endpoint_prefix) :]
    return path


def run(client, test: ManifestTest, *, prefix: str, target: str, auth: dict[str, str]) -> None:
    """Replay every request of ``test``; an AssertionError names the request that failed."""
    variables: dict[str, str] = {}
    for n, req in enumerate(test.requests, 1):
        path = req.path
        body = req.body
        for var, value in variables.items():
            path = path.replace(var, quote(value, safe=":/"))
            body = body.replace(var, value) if body else body
        path = _rewrite(path, prefix, target)
        headers = dict(req.headers)
        content_type = headers.pop("content-type", None)
        headers.update(auth)
        data = body.encode(req.encoding) if body is not None else None
        response = client.open(
            path, method=req.method, data=data, content_type=content_type, headers=headers
        )
        where = f"request {n} ({req.method} {path})"
        assert response.status_code in req.statuses, (
            f"{where}: status {response.status_code}, expected one of "
            f"{sorted(req.statuses)[:5]}...: {response.get_data(as_text=True)[:300]}"
        )
        if req.boolean is not None:
            assert response.get_json()["boolean"] is req.boolean, where
        if req.result_format == "tabular":
            assert response.mimetype in {
                "application/sparql-results+json",
                "application/sparql-results+xml",
                "text/csv",
                "text/tab-separated-values",
            }, where
        if req.result_format == "RDF":
            assert response.mimetype in {
                "text/turtle",
                "application/n-triples",
                "application/rdf+xml",
                "application/ld+json",
            }, where
        if req.location_variable:
            variables[req.location_variable] = response.headers["Location"]
        if req.response_body is not None and req.method != "HEAD":
            expected = Graph().parse(
                data=req.response_body, format="turtle", publicID="http://www.example/"
            )
            got = Graph().parse(data=response.data, format="turtle")
            assert isomorphic(expected, got), f"{where}: graph differs"
        if req.response_type and req.method in {"GET", "HEAD"}:
            want = req.response_type.split(";")[0].strip()
            assert response.mimetype == want, f"{where}: {response.mimetype} != {want}"


def graph_iri(label: str) -> URIRef:
    return URIRef(label)
