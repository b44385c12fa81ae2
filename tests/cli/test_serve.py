"""Real clients against a live ``palermo serve`` (waitress) process, and a restart on the same
data directory. Marked slow: each server start loads the ontology and classifies the cases."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from support.constants import CASE_CHILD, CASE_SMUGGLING, CASE_TRAFFICKING, WRITE_TOKEN
from support.servers import PalermoServer

pytestmark = pytest.mark.slow

COUNT = (
    "PREFIX pal: <https://w3id.org/palermo/ontology#> "
    "SELECT (COUNT(?c) AS ?n) WHERE { ?c a pal:Case }"
)


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PALERMO_DATA_DIR"] = str(data_dir)
    env["PALERMO_TOKENS"] = f"{WRITE_TOKEN}:write"
    env.pop("PALERMO_MEMORY", None)
    return env


def _palermo(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_exe(), *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        check=False,
    )


def _exe() -> str:
    return str(Path(sys.executable).with_name("palermo"))


def _serve(data_dir: Path) -> PalermoServer:
    """``palermo serve`` on the store in ``data_dir``, with the write token."""
    return PalermoServer(
        "--data-dir", str(data_dir), env={"PALERMO_TOKENS": f"{WRITE_TOKEN}:write"}
    )


def _write_cases(folder: Path) -> list[Path]:
    paths = []
    for name, text in (("t", CASE_TRAFFICKING), ("c", CASE_CHILD), ("s", CASE_SMUGGLING)):
        path = folder / f"{name}.ttl"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[PalermoServer]:
    folder = tmp_path_factory.mktemp("live")
    data_dir = folder / "data"
    done = _palermo("load", "--public", *map(str, _write_cases(folder)), data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    with _serve(data_dir) as server:
        yield server


# -- SPARQLWrapper --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml", "csv"])
def test_sparqlwrapper(live_server, fmt):
    from SPARQLWrapper import CSV, JSON, XML, SPARQLWrapper

    sparql = SPARQLWrapper(live_server.url + "/sparql")
    sparql.setQuery(COUNT)
    sparql.setReturnFormat({"json": JSON, "xml": XML, "csv": CSV}[fmt])
    result = sparql.query().convert()
    if fmt == "json":
        assert result["results"]["bindings"][0]["n"]["value"] == "3"
    elif fmt == "xml":
        [binding] = result.getElementsByTagName("literal")
        assert binding.firstChild.data == "3"
    else:
        assert list(csv.reader(io.StringIO(result.decode()))) == [["n"], ["3"]]


def test_sparqlwrapper_post(live_server):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    sparql = SPARQLWrapper(live_server.url + "/sparql")
    sparql.setMethod(POST)
    sparql.setQuery(COUNT)
    sparql.setReturnFormat(JSON)
    assert sparql.query().convert()["results"]["bindings"][0]["n"]["value"] == "3"


# -- rdflib SPARQLStore / SPARQLUpdateStore -------------------------------------------------------


def test_rdflib_sparqlstore_reads(live_server):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(live_server.url + "/sparql", returnFormat="json")
    graph = Graph(store=store)
    [row] = list(graph.query(COUNT))
    assert int(row.n) == 3
    store.close()


def test_rdflib_sparqlupdatestore_writes_with_a_token(live_server):
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    endpoint = live_server.url + "/sparql"
    anonymous = SPARQLUpdateStore(endpoint, endpoint)
    g_anon = Graph(store=anonymous, identifier=URIRef("http://example.org/live/anon"))
    with pytest.raises(urllib.error.HTTPError) as refused:
        g_anon.add((URIRef("http://example.org/a"), URIRef("http://example.org/b"), Literal(1)))
    assert refused.value.code == 401
    refused.value.close()
    anonymous.close()

    store = SPARQLUpdateStore(
        endpoint, endpoint, headers={"Authorization": f"Bearer {WRITE_TOKEN}"}
    )
    graph = Graph(store=store, identifier=URIRef("http://example.org/live/g"))
    graph.add((URIRef("http://example.org/a"), URIRef("http://example.org/b"), Literal("x")))
    assert (URIRef("http://example.org/a"), None, None) in graph
    store.close()


def _authorised(url: str) -> urllib.request.Request:
    """A request with the token: the loaded cases are private, and 3 is below the minimum cell
    size that anonymous counts over private data must reach."""
    return urllib.request.Request(url, headers={"Authorization": f"Bearer {WRITE_TOKEN}"})


def test_named_query_over_http(live_server):
    request = _authorised(live_server.url + "/queries/count-cases-by-label")
    with urllib.request.urlopen(request) as r:
        rows = json.load(r)["results"]["bindings"]
    assert sum(int(b["cases"]["value"]) for b in rows) == 3


def test_private_cases_are_withheld_from_anonymous_counts(live_server):
    with urllib.request.urlopen(live_server.url + "/queries/count-cases-by-label") as r:
        rows = json.load(r)["results"]["bindings"]
    assert sum(int(b["cases"]["value"]) for b in rows if "cases" in b) == 0


# -- restart --------------------------------------------------------------------------------------


def test_everything_is_still_there_after_a_restart(tmp_path):
    data_dir = tmp_path / "data"
    done = _palermo("load", *map(str, _write_cases(tmp_path)), data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    query = (
        "PREFIX pal: <https://w3id.org/palermo/ontology#> "
        "SELECT ?case ?label WHERE { ?a pal:assesses ?case ; pal:assessmentLabel ?label } "
        "ORDER BY ?case"
    )
    url = "/sparql?" + urllib.parse.urlencode({"query": query})
    answers = []
    with _serve(data_dir) as server:
        for restart in (False, True):
            if restart:
                server.restart()
            with urllib.request.urlopen(_authorised(server.url + url)) as r:
                answers.append(json.load(r)["results"]["bindings"])
    assert len(answers[0]) == 3
    assert answers[0] == answers[1]


def test_cli_query_reads_the_same_store(tmp_path):
    data_dir = tmp_path / "data"
    assert _palermo("load", *map(str, _write_cases(tmp_path)), data_dir=data_dir).returncode == 0
    done = _palermo("query", "--name", "count-cases-by-label", "--format", "csv", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    rows = dict(list(csv.reader(io.StringIO(done.stdout)))[1:])
    assert rows == {"trafficking": "2", "smuggling": "1"}
    bad = _palermo("query", "SELECT ?x WHERE {", data_dir=data_dir)
    assert bad.returncode == 2
    assert "palermo:" in bad.stderr


def test_cli_load_of_unreadable_input_exits_2_and_stores_nothing(tmp_path):
    data_dir = tmp_path / "data"
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix pal: <https://w3id.org/palermo/ontology#> .\n<a> pal:act", "utf-8")
    good = _write_cases(tmp_path)[0]
    done = _palermo("load", str(good), str(bad), data_dir=data_dir)
    assert done.returncode == 2
    assert "bad.ttl" in done.stderr
    count = _palermo("query", COUNT, "--format", "csv", data_dir=data_dir)
    assert count.stdout.splitlines()[1] == "0"
