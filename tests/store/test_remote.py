"""The remote store (issue 8) against real ``oxigraph serve`` processes: dataset restriction,
retries and their limit, a store killed and restarted during ``palermo load``, two ``palermo
serve`` workers on one store, and ``--workers`` classification."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, URIRef

from palermo.rdf.terms import to_triples
from palermo.store.metadata import METADATA_GRAPH
from palermo.store.oxigraph import OxigraphStore
from palermo.store.remote import Endpoints, RemoteStore
from support import synthetic
from support.constants import CASE_CHILD, CASE_TRAFFICKING, WRITE_TOKEN
from support.servers import OxigraphServer, PalermoServer, oxigraph_binary_missing

pytestmark = pytest.mark.skipif(
    oxigraph_binary_missing() is not None, reason=str(oxigraph_binary_missing())
)

PAL = "https://w3id.org/palermo/ontology#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
CASE_GRAPHS = "https://w3id.org/palermo/graph/case/"


def _exe() -> str:
    return str(Path(sys.executable).with_name("palermo"))


def _select(url: str, query: str) -> list[dict]:
    body = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(
        url + "/query", data=body, headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.load(r)["results"]["bindings"]


def _half_stored(url: str) -> list[str]:
    """Graphs that break "a case is stored whole": a recorded case graph that is empty, a recorded
    inference graph without its assessment, a case-area graph the metadata does not record."""
    rows = _select(
        url,
        f"""SELECT DISTINCT ?g WHERE {{
          {{ GRAPH <{METADATA_GRAPH}> {{ ?g <{DCT}isPartOf> ?ds }}
             FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }}
          UNION
          {{ GRAPH <{METADATA_GRAPH}> {{ ?g <{PROV}wasDerivedFrom> ?c }}
             FILTER NOT EXISTS {{ GRAPH ?g {{ ?a a <{PAL}Assessment> }} }} }}
          UNION
          {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), "{CASE_GRAPHS}"))
             FILTER NOT EXISTS {{ GRAPH <{METADATA_GRAPH}> {{
                 {{ ?g <{DCT}isPartOf> ?d }} UNION {{ ?g <{PROV}wasDerivedFrom> ?x }} }} }} }}
        }}""",
    )
    return [r["g"]["value"] for r in rows]


def _stored_cases(url: str) -> set[str]:
    rows = _select(
        url,
        f"SELECT DISTINCT ?c WHERE {{ GRAPH <{METADATA_GRAPH}> {{ ?g <{DCT}isPartOf> ?d ; "
        f"<{DCT}subject> ?c }} }}",
    )
    return {r["c"]["value"] for r in rows}


@pytest.fixture(scope="module")
def many_cases(tmp_path_factory) -> tuple[Path, set[str]]:
    """1,500 synthetic cases in one N-Triples file, and their IRIs."""
    graph = Graph()
    for triple in synthetic.generate(1500, seed=3, prefix="k"):
        graph.add(triple)
    path = tmp_path_factory.mktemp("many") / "cases.nt"
    path.write_bytes(ox.serialize(list(to_triples(graph)), format=ox.RdfFormat.N_TRIPLES))
    cases = {str(c) for c in graph.subjects(RDF.type, URIRef(PAL + "Case"))}
    assert len(cases) == 1500
    return path, cases


def _load(url: str, path: Path, *extra: str, retries: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(PALERMO_STORE_URL=url, PALERMO_STORE_RETRIES=str(retries))
    return subprocess.Popen(
        [_exe(), "load", "--reasoner", "fast", "--batch-size", "10", *extra, str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_writes(url: str, process: subprocess.Popen) -> None:
    """Block until the load has stored some cases (the store is then mid-load)."""
    query = f"SELECT ?g WHERE {{ GRAPH <{METADATA_GRAPH}> {{ ?g <{DCT}isPartOf> ?d }} }} LIMIT 1"
    while not _select(url, query):
        assert process.poll() is None, process.communicate()


# -- the dataset of a query, as access control restricts it --------------------------------------


@pytest.fixture(params=["embedded", "remote"])
def any_store(request):
    if request.param == "embedded":
        store = OxigraphStore()
    else:
        server = request.getfixturevalue("oxigraph_server")
        server.clear()
        store = RemoteStore(Endpoints.under(server.url), retries=1)
    a, b = "http://example.org/g/a", "http://example.org/g/b"
    p = ox.NamedNode("http://example.org/p")
    store.replace_graph(a, [ox.Triple(ox.NamedNode("http://example.org/x"), p, ox.Literal("a"))])
    store.replace_graph(b, [ox.Triple(ox.NamedNode("http://example.org/y"), p, ox.Literal("b"))])
    yield store
    store.close()


def _values(result) -> list[str]:
    return sorted(row[0].value for row in result)


def test_the_dataset_of_a_query_is_what_the_caller_may_see(any_store):
    a, b = "http://example.org/g/a", "http://example.org/g/b"
    q = "SELECT ?o WHERE { ?s ?p ?o }"
    assert _values(any_store.query(q)) == ["a", "b"]
    assert _values(any_store.query(q, default_graphs=[a], named_graphs=[a])) == ["a"]
    # FROM in the query cannot widen a dataset the caller was given (SPARQL Protocol 2.1.4).
    widen = "SELECT ?o FROM <http://example.org/g/b> WHERE { ?s ?p ?o }"
    assert _values(any_store.query(widen, default_graphs=[a], named_graphs=[a])) == ["a"]
    named = "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert _values(any_store.query(named, default_graphs=[a], named_graphs=[a])) == ["a"]
    assert _values(any_store.query(named, default_graphs=[], named_graphs=[b])) == ["b"]
    assert _values(any_store.query(q, default_graphs=[], named_graphs=[])) == []
    assert _values(any_store.query(named, default_graphs=[a])) == ["a", "b"]


# -- retries and their limit ----------------------------------------------------------------------


def test_a_store_that_stays_down_is_a_503_store_unavailable(make_app, tmp_path):
    server = OxigraphServer(tmp_path / "down")
    app = make_app(STORE_URL=server.url, STORE_RETRIES=1)
    server.kill()
    r = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert r.status_code == 503
    assert r.mimetype == "application/problem+json"
    assert r.get_json()["type"].endswith("/store-unavailable")
    assert "attempt" in r.get_json()["detail"]


def test_a_read_waits_for_a_store_that_comes_back(tmp_path):
    server = OxigraphServer(tmp_path / "back")
    store = RemoteStore(Endpoints.under(server.url), retries=10)
    store.replace_graph("http://example.org/g", [])
    server.kill()
    threading.Timer(0.5, server.start).start()
    try:
        assert store.has_graph("http://example.org/g")  # retried until the restart answered
    finally:
        store.close()
        server.stop()


# -- kill -9 the store during a load --------------------------------------------------------------


@pytest.mark.slow
def test_a_load_resumes_across_a_store_killed_and_restarted(tmp_path, many_cases):
    path, cases = many_cases
    server = OxigraphServer(tmp_path / "store")
    try:
        load = _load(server.url, path, retries=12)
        _wait_for_writes(server.url, load)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        server.start()  # same folder, same port
        _out, err = load.communicate(timeout=300)
        assert load.returncode == 0, err
        assert "retry" in err  # the load did meet the outage
        assert _half_stored(server.url) == []
        assert _stored_cases(server.url) == cases
    finally:
        server.stop()


@pytest.mark.slow
def test_a_load_names_exactly_the_cases_a_dead_store_did_not_take(tmp_path, many_cases):
    path, cases = many_cases
    server = OxigraphServer(tmp_path / "store")
    try:
        load = _load(server.url, path, retries=1)
        _wait_for_writes(server.url, load)
        server.kill()
        out, err = load.communicate(timeout=300)
        assert load.returncode == 1, err
        reported = set(out.split())
        assert reported and reported <= cases
        server.start()
        stored = _stored_cases(server.url)
        assert _half_stored(server.url) == []
        assert stored | reported == cases
        # Only the batch in flight at the kill may have landed although reported (its answer was
        # lost with the server); a batch is 10 cases.
        assert len(stored & reported) <= 10
        rerun = _load(server.url, path, retries=1)
        rerun.communicate(timeout=300)
        assert rerun.returncode == 0
        assert _stored_cases(server.url) == cases
        assert _half_stored(server.url) == []
    finally:
        server.stop()


# -- stateless workers ----------------------------------------------------------------------------


def _serve(store_url: str) -> PalermoServer:
    """A ``palermo serve`` worker on a remote store."""
    return PalermoServer(
        env={"PALERMO_STORE_URL": store_url, "PALERMO_TOKENS": f"{WRITE_TOKEN}:write"}
    )


def _put(url: str, graph: str, turtle: str) -> int:
    request = urllib.request.Request(
        f"{url}/data?graph={urllib.parse.quote(graph, safe='')}",
        data=turtle.encode(),
        method="PUT",
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {WRITE_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=60) as r:
        return r.status


def _labels(url: str) -> dict[str, str]:
    q = (
        f"SELECT ?c ?l WHERE {{ ?a a <{PAL}Assessment> ; <{PAL}assesses> ?c ; "
        f"<{PAL}assessmentLabel> ?l }}"
    )
    request = urllib.request.Request(
        f"{url}/sparql?{urllib.parse.urlencode({'query': q})}",
        headers={
            "Accept": "application/sparql-results+json",
            "Authorization": f"Bearer {WRITE_TOKEN}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        rows = json.load(r)["results"]["bindings"]
    return {row["c"]["value"]: row["l"]["value"] for row in rows}


@pytest.mark.slow
def test_two_workers_on_one_store_give_the_same_answers(tmp_path):
    with (
        OxigraphServer(tmp_path / "shared") as server,
        _serve(server.url) as one,
        _serve(server.url) as two,
    ):
        assert _put(one.url, "http://example.org/g/t", CASE_TRAFFICKING) in {201, 204}
        assert _labels(two.url) == _labels(one.url) != {}
        assert _put(two.url, "http://example.org/g/c", CASE_CHILD) in {201, 204}
        assert len(_labels(one.url)) == 2
        assert _labels(one.url) == _labels(two.url)


# -- classification over processes ----------------------------------------------------------------


def test_classification_over_processes_gives_the_same_writes(tmp_path, classifier):
    from palermo.loading.parallel import classify_files

    graph = Graph()
    for triple in synthetic.generate(240, seed=5):
        graph.add(triple)
    path = tmp_path / "cases.nt"
    path.write_bytes(ox.serialize(list(to_triples(graph)), format=ox.RdfFormat.N_TRIPLES))

    def answers(workers: int) -> dict[str, tuple[str, ...]]:
        writes = classify_files([path], classifier=classifier, reasoner="fast", workers=workers)
        return {case: w.labels for w in writes for case in w.cases}

    single = answers(1)
    assert len(single) == 240
    assert answers(2) == single


# -- HTTP behaviour, against a server whose answers each test scripts -----------------------------


class ScriptedStore:
    """A loopback HTTP/1.1 server that answers each request with the next scripted action.

    ``ok`` answers (keeping the connection open), ``stale`` answers and then closes the connection
    without saying so (a keep-alive connection the server dropped while idle), ``drop`` reads the
    request and closes without answering (the outcome is unknown to the client), ``cut`` closes in
    the middle of the answer, ``503`` and ``502`` answer so, ``stream`` sends a result that never
    ends until the client goes away. The last action repeats. ``seen`` lists the requests that
    arrived, whole.
    """

    def __init__(self, *actions: str, port: int = 0, start: bool = True) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.actions = list(actions)
        self.seen: list[tuple[str, str]] = []
        self.stream_ended = threading.Event()
        self.closed_after_answer = threading.Event()
        store = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                store.answer(self)

            do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

        self._server_class = ThreadingHTTPServer
        self._handler = Handler
        self.port = port
        self._server = None
        if start:
            self.start()

    def start(self) -> None:
        self._server = self._server_class(("127.0.0.1", self.port), self._handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        handler.rfile.read(length)
        self.seen.append((handler.command, handler.path))
        action = self.actions.pop(0) if len(self.actions) > 1 else self.actions[0]
        if action == "drop":
            handler.close_connection = True
            return
        if action == "stream":
            self._stream(handler)
            return
        status = int(action) if action.isdigit() else 200
        body = b"" if status != 200 else b'{"head": {}, "boolean": true}'
        handler.send_response(status)
        handler.send_header("Content-Type", "application/sparql-results+json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body[: len(body) // 2] if action == "cut" else body)
        handler.wfile.flush()
        if action == "cut":
            handler.close_connection = True
        if action == "stale":
            import socket

            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_WR)  # FIN now, without a Connection header
            self.closed_after_answer.set()

    def _stream(self, handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/sparql-results+json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()

        def chunk(data: bytes) -> bytes:
            return b"%x\r\n%s\r\n" % (len(data), data)

        rows = b'{"x": {"type": "literal", "value": "a row of a runaway query"}},' * 50
        try:
            handler.wfile.write(chunk(b'{"head": {"vars": ["x"]}, "results": {"bindings": ['))
            while True:
                handler.wfile.write(chunk(rows))
                handler.wfile.flush()
        except OSError:
            self.stream_ended.set()
        handler.close_connection = True


@pytest.fixture
def scripted():
    made: list[ScriptedStore] = []

    def factory(*actions: str, **kwargs) -> ScriptedStore:
        made.append(ScriptedStore(*actions, **kwargs))
        return made[-1]

    yield factory
    for server in made:
        server.stop()


def _remote(server: ScriptedStore, **kwargs) -> RemoteStore:
    return RemoteStore(Endpoints.under(server.url), backoff=0.01, **kwargs)


INSERT = "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }"


def test_an_idempotent_request_is_retried_through_transient_failures(scripted):
    """A query is a POST, idempotent all the same: retried when the connection closes before an
    answer or in the middle of one, and on 503 and 502."""
    server = scripted("drop", "cut", "503", "502", "ok")
    store = _remote(server, retries=4)
    try:
        assert bool(store.query("ASK {}"))
    finally:
        store.close()
    assert server.seen == [("POST", "/query")] * 5


def test_retries_are_bounded_and_reported(scripted):
    from palermo.errors import StoreError

    server = scripted("503")
    store = _remote(server, retries=2)
    try:
        with pytest.raises(StoreError) as failed:
            store.replace_graph("http://example.org/g", [])
    finally:
        store.close()
    assert len(server.seen) == 3
    assert failed.value.extensions["attempts"] == 3
    assert "HTTP 503" in failed.value.detail


@pytest.mark.parametrize("action", ["drop", "503"])
def test_a_non_idempotent_request_that_reached_the_server_is_never_sent_again(scripted, action):
    from palermo.errors import StoreError

    server = scripted(action, "ok")
    store = _remote(server, retries=3)
    try:
        with pytest.raises(StoreError):
            store.update(INSERT)
    finally:
        store.close()
    assert server.seen == [("POST", "/update")]


def test_a_non_idempotent_request_is_retried_while_the_connection_is_refused(scripted):
    from support.servers import free_port

    server = scripted("ok", port=free_port(), start=False)
    store = RemoteStore(Endpoints.under(server.url), retries=10)
    threading.Timer(0.5, server.start).start()
    try:
        store.update(INSERT)  # refused until the server listens, then sent once
    finally:
        store.close()
    assert server.seen == [("POST", "/update")]


def test_a_keep_alive_connection_the_server_dropped_does_not_fail_a_write(scripted):
    server = scripted("stale", "ok")
    store = _remote(server, retries=3)
    try:
        assert store.has_graph("http://example.org/g")
        assert server.closed_after_answer.wait(30)
        store.update(INSERT)  # on a new connection: sent once, answered
        assert store.has_graph("http://example.org/g")
    finally:
        store.close()
    assert [method for method, _path in server.seen] == ["HEAD", "POST", "HEAD"]


def test_a_read_deadline_stops_a_runaway_result_stream(scripted):
    from palermo.errors import StoreError

    server = scripted("stream")
    store = _remote(server, retries=3, query_timeout=0.5)
    try:
        with pytest.raises(StoreError) as failed:
            store.query("SELECT ?x WHERE { ?x ?p ?o }")
    finally:
        store.close()
    assert "did not answer within" in failed.value.detail
    assert len(server.seen) == 1  # a timeout is not retried
    assert server.stream_ended.wait(30)  # the connection was closed: the server stops sending
