"""No side channels (issue 16, part 3), on both store backends.

- ``GET /health`` says status and version to everyone, the quad count to ``admin`` only; it and
  the other service descriptions read the same to an anonymous caller before and after private
  data arrives.
- A ``write:NAME`` token's write to a graph it cannot see gets the same answer (status and body,
  byte for byte) whether that graph exists in another dataset, exists outside any dataset, or
  does not exist, and changes nothing; it writes its own dataset's graphs and its namespace.
- Whole-store updates and writes to the ontology, shapes and metadata graphs need ``admin``,
  by SPARQL Update (however the graph is named) and by the Graph Store Protocol.
- A token configured by its hash works as the plain one does.
"""

from __future__ import annotations

import pytest
from rdflib.compare import to_isomorphic

from security.conftest import (
    ADMIN,
    HASHED_READ,
    PUBLIC_GRAPH,
    READ_OTHER,
    SECRET_CASE_TTL,
    SECRET_DATASET,
    SECRET_GRAPH,
    SECRET_LITERAL,
    WRITE_OTHER,
)
from support.constants import CASE_CHILD, READ, WRITE
from support.graphs import parse_rdf, store_snapshot

ONTOLOGY = "https://w3id.org/palermo/graph/ontology"
SHAPES = "https://w3id.org/palermo/graph/shapes"
METADATA = "https://w3id.org/palermo/graph/service"
OWN_SPACE = "https://w3id.org/palermo/graph/dataset/otherds/"
SECRET_SPACE = f"https://w3id.org/palermo/graph/dataset/{SECRET_DATASET}/"
NEVER_WRITTEN = "https://example.org/graphs/never-written-7q9"
PLAIN_GRAPH = "https://example.org/graphs/plain-7q9"  # no pal:Case: in no dataset
TRIPLE = "<urn:x:a> <urn:x:b> <urn:x:c> ."


def _answer(r) -> tuple[int, str, bytes]:
    return r.status_code, r.mimetype, r.get_data()


# -- /health and the other descriptions ----------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "read", "write", "read-other", "hashed-read"])
def test_health_says_only_status_and_version(secure_client, who):
    headers = {
        "anonymous": {},
        "read": READ,
        "write": WRITE,
        "read-other": READ_OTHER,
        "hashed-read": HASHED_READ,
    }[who]
    r = secure_client.get("/health", headers=headers)
    assert r.status_code == 200
    assert set(r.get_json()) == {"status", "version"}
    assert r.get_json()["status"] == "ok"


def test_health_gives_the_count_to_admin(secure_client):
    body = secure_client.get("/health", headers=ADMIN).get_json()
    assert set(body) == {"status", "version", "quads"}
    assert body["quads"] > 0


def _description(client, path: str) -> object:
    """What ``path`` says to an anonymous caller: the JSON, or the RDF graph up to blank-node
    names (VoID mints fresh blank nodes on each request)."""
    r = client.get(path)
    assert r.status_code == 200
    if r.mimetype == "application/json":
        return r.get_json()
    return to_isomorphic(parse_rdf(r.get_data(), r.mimetype))


@pytest.mark.parametrize("path", ["/health", "/.well-known/void"])
def test_descriptions_do_not_move_when_private_data_arrives(secure_app, path):
    client = secure_app.test_client()
    before = _description(client, path)
    admin_before = client.get("/health", headers=ADMIN).get_json()["quads"]
    r = client.put(
        "/data",
        query_string={"graph": f"{SECRET_GRAPH}-more", "dataset": SECRET_DATASET},
        data=SECRET_CASE_TTL.replace("secret-7q9", "secret-more-7q9"),
        content_type="text/turtle",
        headers=WRITE,
    )
    assert r.status_code == 201
    assert _description(client, path) == before
    assert client.get("/health", headers=ADMIN).get_json()["quads"] > admin_before  # the control


# -- writes to graphs a scoped token cannot see --------------------------------------------------


def _put_plain_graph(client) -> None:
    r = client.put(
        "/data",
        query_string={"graph": PLAIN_GRAPH},
        data=TRIPLE,
        content_type="text/turtle",
        headers=WRITE,
    )
    assert r.status_code == 201


@pytest.mark.parametrize("method", ["PUT", "POST"])
@pytest.mark.parametrize("body", ["case", "plain"])
def test_a_write_to_an_unseen_graph_reads_the_same_whether_it_exists_or_not(
    secure_app, method, body
):
    """A private case graph of another dataset, a graph in no dataset, and a graph that was never
    written: one answer, byte for byte, and the store unchanged."""
    client = secure_app.test_client()
    _put_plain_graph(client)
    data = CASE_CHILD if body == "case" else TRIPLE
    before = store_snapshot(secure_app)
    answers = {}
    for graph in (SECRET_GRAPH, PLAIN_GRAPH, NEVER_WRITTEN):
        for extra in ({}, {"dataset": "otherds"}, {"dataset": SECRET_DATASET}):
            r = client.open(
                "/data",
                method=method,
                query_string={"graph": graph, **extra},
                data=data,
                content_type="text/turtle",
                headers=WRITE_OTHER,
            )
            answers[(graph, tuple(extra.items()))] = _answer(r)
    assert len(set(answers.values())) == 1, answers
    status, mimetype, text = next(iter(answers.values()))
    assert (status, mimetype) == (403, "application/problem+json")
    assert SECRET_DATASET.encode() not in text and b"secret" not in text
    assert store_snapshot(secure_app) == before


def test_delete_of_an_unseen_graph_reads_as_missing(secure_app):
    client = secure_app.test_client()
    _put_plain_graph(client)
    before = store_snapshot(secure_app)
    answers = set()
    for graph in (SECRET_GRAPH, PLAIN_GRAPH, NEVER_WRITTEN):
        r = client.delete("/data", query_string={"graph": graph}, headers=WRITE_OTHER)
        answers.add((r.status_code, r.get_data().replace(graph.encode(), b"IRI")))
    assert len(answers) == 1, answers
    assert next(iter(answers))[0] == 404
    assert store_snapshot(secure_app) == before


def test_a_visible_graph_of_another_dataset_is_refused_the_same_way(secure_app):
    """The public case of another dataset can be read, not written; the refusal is the same one
    a hidden graph gets."""
    client = secure_app.test_client()
    hidden = client.put(
        "/data",
        query_string={"graph": SECRET_GRAPH},
        data=CASE_CHILD,
        content_type="text/turtle",
        headers=WRITE_OTHER,
    )
    public = client.put(
        "/data",
        query_string={"graph": PUBLIC_GRAPH},
        data=CASE_CHILD,
        content_type="text/turtle",
        headers=WRITE_OTHER,
    )
    assert _answer(public) == _answer(hidden)
    assert (
        client.get("/data", query_string={"graph": PUBLIC_GRAPH}, headers=WRITE_OTHER).status_code
        == 200
    )


def test_a_scoped_token_writes_its_own_namespace_and_its_own_graphs(secure_app):
    client = secure_app.test_client()
    mine = OWN_SPACE + "case-1"
    put = dict(content_type="text/turtle", headers=WRITE_OTHER)
    assert (
        client.put("/data", query_string={"graph": mine}, data=CASE_CHILD, **put).status_code == 201
    )
    assert (
        client.put("/data", query_string={"graph": mine}, data=CASE_CHILD, **put).status_code == 204
    )
    r = client.get("/data", query_string={"graph": mine}, headers=READ_OTHER)
    assert r.status_code == 200 and b"svc2" in r.get_data()
    record = secure_app.extensions["palermo"].store.case_record(mine)
    assert record is not None and record.dataset == "otherds"
    # a graph of its dataset outside the namespace, written by a full writer, is its own too
    theirs = "https://example.org/graphs/otherds-by-writer"
    r = client.put(
        "/data",
        query_string={"graph": theirs, "dataset": "otherds"},
        data=CASE_CHILD,
        content_type="text/turtle",
        headers=WRITE,
    )
    assert r.status_code == 201
    assert (
        client.post("/data", query_string={"graph": theirs}, data=CASE_CHILD, **put).status_code
        == 204
    )
    assert (
        client.delete("/data", query_string={"graph": theirs}, headers=WRITE_OTHER).status_code
        == 204
    )
    # a graph the service mints is its own
    r = client.post("/data", data=CASE_CHILD, **put)
    assert r.status_code == 201
    assert (
        client.get(
            "/data", query_string={"graph": r.headers["Location"]}, headers=READ_OTHER
        ).status_code
        == 200
    )


def test_another_namespace_is_refused_and_namespaces_bind_every_writer(secure_app):
    client = secure_app.test_client()
    before = store_snapshot(secure_app)
    refused = client.put(
        "/data",
        query_string={"graph": SECRET_SPACE + "x"},
        data=CASE_CHILD,
        content_type="text/turtle",
        headers=WRITE_OTHER,
    )
    never = client.put(
        "/data",
        query_string={"graph": NEVER_WRITTEN},
        data=CASE_CHILD,
        content_type="text/turtle",
        headers=WRITE_OTHER,
    )
    assert _answer(refused) == _answer(never)
    # a full writer may not file a graph of one dataset's namespace under another dataset
    r = client.put(
        "/data",
        query_string={"graph": OWN_SPACE + "y", "dataset": SECRET_DATASET},
        data=CASE_CHILD,
        content_type="text/turtle",
        headers=WRITE,
    )
    assert r.status_code == 400
    assert store_snapshot(secure_app) == before
    r = client.put(
        "/data",
        query_string={"graph": OWN_SPACE + "y"},
        data=CASE_CHILD,
        content_type="text/turtle",
        headers=WRITE,
    )
    assert r.status_code == 201
    assert secure_app.extensions["palermo"].store.case_record(OWN_SPACE + "y").dataset == "otherds"


def test_a_hidden_graph_in_its_namespace_is_neither_seen_nor_merged(secure_app):
    """A graph in the token's namespace that it cannot see (a full writer put triples there, no
    case) reads as missing: PUT answers 201, and POST does not merge what it could not see."""
    client = secure_app.test_client()
    hidden = OWN_SPACE + "hidden"
    r = client.put(
        "/data",
        query_string={"graph": hidden},
        data=f'<urn:x:a> <urn:x:b> "{SECRET_LITERAL}" .',
        content_type="text/turtle",
        headers=WRITE,
    )
    assert r.status_code == 201
    assert (
        client.get("/data", query_string={"graph": hidden}, headers=WRITE_OTHER).status_code == 404
    )
    r = client.post(
        "/data",
        query_string={"graph": hidden},
        data=CASE_CHILD,
        content_type="text/turtle",
        headers=WRITE_OTHER,
    )
    assert r.status_code == 201
    r = client.get("/data", query_string={"graph": hidden}, headers=WRITE_OTHER)
    assert r.status_code == 200
    assert SECRET_LITERAL not in r.get_data(as_text=True)


# -- whole-store updates and the service's graphs need admin ---------------------------------------

REFUSED_UPDATES = {
    "drop-all": "DROP ALL",
    "clear-all": "CLEAR ALL",
    "drop-default": "DROP SILENT DEFAULT",
    "clear-default": "CLEAR DEFAULT",
    "drop-named": "DROP NAMED",
    "clear-named-lowercase": "clear silent named",
    "drop-all-after-comment": "# a comment\nDROP\n# another\nALL",
    "insert-ontology": f"INSERT DATA {{ GRAPH <{ONTOLOGY}> {{ {TRIPLE} }} }}",
    "delete-shapes": f"DELETE WHERE {{ GRAPH <{SHAPES}> {{ ?s ?p ?o }} }}",
    "prefixed": f"PREFIX g: <https://w3id.org/palermo/graph/> "
    f"INSERT DATA {{ GRAPH g:service {{ {TRIPLE} }} }}",
    "relative": "BASE <https://w3id.org/palermo/graph/> PREFIX g: <> "
    f"INSERT DATA {{ GRAPH <ontology> {{ {TRIPLE} }} GRAPH g:shapes {{ {TRIPLE} }} }}",
    "escaped": r"INSERT DATA { GRAPH <https://w3id.org/palermo/graph/\u006Fntology> { "
    + TRIPLE
    + " } }",
    "langtag-decoy": f'INSERT DATA {{ <urn:x:a> <urn:x:b> "x"@graph GRAPH <{METADATA}> '
    f"{{ {TRIPLE} }} }}",
    "with": f"WITH <{METADATA}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "drop-graph": f"DROP GRAPH <{METADATA}>",
    "move-from": f"MOVE <{SHAPES}> TO <urn:x:copy>",
    "copy-to": f"COPY DEFAULT TO <{ONTOLOGY}>",
    "variable-delete-where": "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    "variable-values": f"INSERT {{ GRAPH ?g {{ {TRIPLE} }} }} "
    f"WHERE {{ VALUES ?g {{ <{METADATA}> }} }}",
    "variable-publishes-a-dataset": (
        "DELETE { GRAPH ?g { ?d <http://purl.org/dc/terms/accessRights> ?r } } "
        "WHERE { GRAPH ?g { ?d <http://purl.org/dc/terms/accessRights> ?r } }"
    ),
}


def test_whole_store_updates_and_service_graph_writes_need_admin(secure_app):
    client = secure_app.test_client()
    before = store_snapshot(secure_app)
    wrong = {}
    for name, update in REFUSED_UPDATES.items():
        r = client.post("/sparql", data={"update": update}, headers=WRITE)
        if r.status_code != 403 or not r.get_json()["type"].endswith("/forbidden"):
            wrong[name] = (r.status_code, r.get_data(as_text=True)[:200])
    assert wrong == {}
    assert store_snapshot(secure_app) == before


def test_admin_may_clear_and_write_the_service_graphs(secure_app):
    client = secure_app.test_client()
    update = f"INSERT DATA {{ GRAPH <{SHAPES}> {{ {TRIPLE} }} }}"
    assert client.post("/sparql", data={"update": update}, headers=ADMIN).status_code == 204
    assert client.post("/sparql", data={"update": "DROP ALL"}, headers=ADMIN).status_code == 204
    assert secure_app.extensions["palermo"].store.graph_names() == []


def test_a_variable_graph_update_that_stays_off_the_service_graphs_runs(secure_app):
    """A write token's update over every case graph is allowed when, run, it would not touch the
    ontology, shapes or metadata graphs; the stored inferences follow it."""
    client = secure_app.test_client()
    update = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "DELETE { GRAPH ?g { ?s rdfs:comment ?c } } WHERE { GRAPH ?g { ?s rdfs:comment ?c "
        f'FILTER(STR(?c) = "{SECRET_LITERAL}") }} }}'
    )
    assert client.post("/sparql", data={"update": update}, headers=WRITE).status_code == 204
    r = client.get("/data", query_string={"graph": SECRET_GRAPH}, headers=READ)
    assert "rdfs:comment" not in r.get_data(as_text=True)
    assert (
        client.post(
            "/sparql", data={"update": f"DROP GRAPH <{PUBLIC_GRAPH}>"}, headers=WRITE
        ).status_code
        == 204
    )


@pytest.mark.parametrize("graph", [ONTOLOGY, SHAPES, METADATA])
def test_graph_store_writes_to_service_graphs_need_admin(secure_app, graph):
    client = secure_app.test_client()
    before = store_snapshot(secure_app)
    for method in ("PUT", "POST", "DELETE"):
        for headers in (WRITE, WRITE_OTHER):
            r = client.open(
                "/data",
                method=method,
                query_string={"graph": graph},
                data=TRIPLE,
                content_type="text/turtle",
                headers=headers,
            )
            # (the metadata graph is hidden from a scoped token: its DELETE reads as missing)
            hidden = method == "DELETE" and graph == METADATA and headers is WRITE_OTHER
            assert r.status_code == (404 if hidden else 403), (method, r.get_data(as_text=True))
            assert r.mimetype == "application/problem+json"
    assert store_snapshot(secure_app) == before
    r = client.post(
        "/data",
        query_string={"graph": graph},
        data=TRIPLE,
        content_type="text/turtle",
        headers=ADMIN,
    )
    assert r.status_code == 204
    assert client.delete("/data", query_string={"graph": graph}, headers=ADMIN).status_code == 204


def test_deleting_the_default_graph_needs_admin(secure_app):
    client = secure_app.test_client()
    assert (
        client.put(
            "/data?default", data=TRIPLE, content_type="text/turtle", headers=WRITE
        ).status_code
        == 204
    )
    r = client.delete("/data?default", headers=WRITE)
    assert r.status_code == 403
    assert client.get("/data?default", headers=READ).get_data(as_text=True).strip()
    assert client.delete("/data?default", headers=ADMIN).status_code == 204


# -- hashed tokens ---------------------------------------------------------------------------------


def test_a_hashed_read_token_reads_private_data(secure_client):
    q = "SELECT * WHERE { ?s ?p ?o }"
    r = secure_client.get("/sparql", query_string={"query": q}, headers=HASHED_READ)
    assert r.status_code == 200
    assert SECRET_LITERAL in r.get_data(as_text=True)
