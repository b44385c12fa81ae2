"""The query runner: queries in processes that can be killed, shares, and whole answers.

The process path must answer exactly what the thread path answers (every query form, every kind
of term), and a query past its deadline must be gone, not merely unanswered.
"""

from __future__ import annotations

import os
import threading

import pyoxigraph as ox
import pytest

from palermo.errors import QuerySyntaxError, QueryTimeout, QueryTooCostly, ResultTooLarge
from palermo.sparql.admission import LOCAL, Admission, Caller, QueriesBusy
from palermo.sparql.runner import QueryRunner
from palermo.store.oxigraph import OxigraphStore

EX = "http://example.org/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@pytest.fixture(scope="module")
def store():
    """A store with every kind of term, in the default graph and two named graphs."""
    s = OxigraphStore()
    n = ox.NamedNode
    quads = []
    for i in range(60):
        g = n(f"{EX}g{i % 2}")
        quads += [
            ox.Quad(n(f"{EX}s{i}"), n(f"{EX}p"), ox.Literal(str(i), datatype=n(XSD_INT)), g),
            ox.Quad(
                n(f"{EX}s{i}"), n(f"{EX}label"), ox.Literal(f'n\u00e9{i}\n\t"', language="fr"), g
            ),
            ox.Quad(n(f"{EX}s{i}"), n(f"{EX}knows"), ox.BlankNode(f"b{i}"), g),
            ox.Quad(ox.BlankNode(f"b{i}"), n(f"{EX}name"), ox.Literal(f"x{i}"), ox.DefaultGraph()),
        ]
    s._store.extend(quads)
    yield s
    s.close()


XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"

QUERIES = [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT ?s ?o ?m WHERE { ?s <http://example.org/label> ?o OPTIONAL { ?s <urn:x> ?m } }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT * WHERE { GRAPH ?g { ?s <http://example.org/knows> ?b } ?b ?p ?name }",
    "SELECT * WHERE { } ",
    "SELECT * WHERE { ?s ?p ?o FILTER(false) }",
    "ASK { ?s <http://example.org/p> 3 }",
    "ASK { ?s <http://example.org/p> -1 }",
    "CONSTRUCT { ?s <urn:has> ?b . ?b <urn:n> ?o } WHERE { ?s <urn:x>* ?s ; ?q ?b . ?b ?p ?o }",
    "DESCRIBE <http://example.org/s1>",
    'SELECT (TRIPLE(<urn:a>, <urn:b>, ?o) AS ?t) WHERE { VALUES ?o { 1 "x"@en } }',
]


def _answer(runner: QueryRunner, store: OxigraphStore, query: str, **dataset):
    result = runner.run(store, query, **dataset)
    return (
        result.kind,
        result.variables,
        result.rows,
        result.boolean,
        sorted(map(str, result.triples)),
    )


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(
    "dataset",
    [{}, {"default_graphs": [f"{EX}g0", None], "named_graphs": [f"{EX}g1"]}],
    ids=["union", "restricted"],
)
def test_a_query_in_a_process_answers_what_a_thread_answers(store, query, dataset):
    by_process = QueryRunner(timeout=30, max_rows=10_000, isolation="process")
    by_thread = QueryRunner(timeout=30, max_rows=10_000, isolation="thread")
    assert _answer(by_process, store, query, **dataset) == _answer(
        by_thread, store, query, **dataset
    )
    assert by_process.running_processes() == 0


def test_a_runaway_aggregate_is_killed_at_its_deadline(store, monkeypatch):
    """The process the runner forked for the query is gone once the caller has its 503."""
    runner = QueryRunner(timeout=0.5, max_rows=10, isolation="process")
    forked: list[int] = []
    real_fork = OxigraphStore.fork

    def observed(self: OxigraphStore) -> int:
        pid = real_fork(self)
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(OxigraphStore, "fork", observed)
    with pytest.raises(QueryTimeout):
        runner.run(store, RUNAWAY)
    # The first fork evaluated the query (a spare for the next query may follow it).
    with pytest.raises(ProcessLookupError):
        os.kill(forked[0], 0)
    assert runner.running_processes() == 0
    runner.close()


def test_limits_and_errors_come_back_from_the_process(store):
    runner = QueryRunner(timeout=30, max_rows=5, isolation="process")
    with pytest.raises(ResultTooLarge):
        runner.run(store, "SELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(ResultTooLarge):
        runner.run(store, "CONSTRUCT WHERE { ?s ?p ?o }")
    with pytest.raises(QuerySyntaxError):
        runner.run(store, "SELECT * WHERE { ?s ?p }")
    assert runner.run(store, "SELECT * WHERE { ?s ?p ?o } LIMIT 5").rows


def test_a_query_past_its_memory_limit_is_stopped(store):
    """A sort over a cross product needs far more than 64 MB: the process is stopped, the service
    answers and goes on."""
    runner = QueryRunner(timeout=60, max_rows=10**9, isolation="process", memory_mb=64)
    big = (
        "SELECT ?a ?c ?d ?f WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } "
        "ORDER BY DESC(CONCAT(STR(?a), STR(?c), STR(?d), STR(?f), STR(?i)))"
    )
    with pytest.raises(QueryTooCostly):
        runner.run(store, big)
    assert runner.run(store, "ASK { ?s ?p ?o }").boolean is True
    assert runner.running_processes() == 0


def test_queries_answer_while_another_thread_writes(store):
    """A fork waits for a write in progress, so no child starts with a writer's lock held:
    every query answers, and sees the writes made before it started."""
    runner = QueryRunner(timeout=30, max_rows=100_000, isolation="process")
    stop = threading.Event()
    written = []

    def write() -> None:
        i = 0
        while not stop.is_set():
            graph = f"{EX}written/{i}"
            store.replace_graph(
                graph, [ox.Triple(ox.NamedNode(graph), ox.NamedNode(f"{EX}n"), ox.Literal(str(i)))]
            )
            written.append(graph)
            i += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for _ in range(25):
            before = len(written)
            n = runner.run(
                store, "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/n> ?o }"
            ).rows[0][0]
            assert int(n.value) >= before
    finally:
        stop.set()
        writer.join()
    for graph in written:
        store.drop_graph(graph)


# -- shares ---------------------------------------------------------------------------------------


def test_anonymous_clients_have_a_share_each_and_a_pool_together():
    admission = Admission(anonymous_slots=3, per_anonymous_client=2, per_token=1, retry_after=7.2)
    a, b = Caller.anonymous_client("192.0.2.1"), Caller.anonymous_client("192.0.2.2")
    with admission.slot(a), admission.slot(a):
        with pytest.raises(QueriesBusy) as refused, admission.slot(a):
            pass
        assert refused.value.retry_after == 8
        assert refused.value.status == 429
        with admission.slot(b):
            with pytest.raises(QueriesBusy, match="without a token"), admission.slot(b):
                pass
            # A token is outside the anonymous pool: never refused because of anonymous callers.
            with admission.slot(Caller.token("tok-1")):
                assert admission.in_flight() == 4
    assert admission.in_flight() == 0


def test_a_token_has_its_own_share_and_local_work_is_never_refused():
    admission = Admission(anonymous_slots=1, per_anonymous_client=1, per_token=1, retry_after=1)
    token, other = Caller.token("tok-1"), Caller.token("tok-2")
    with admission.slot(token):
        with pytest.raises(QueriesBusy), admission.slot(token):
            pass
        with admission.slot(other), admission.slot(LOCAL), admission.slot(LOCAL):
            pass


def test_a_slot_is_given_back_when_the_query_fails(store):
    admission = Admission(anonymous_slots=1, per_anonymous_client=1, per_token=1, retry_after=1)
    runner = QueryRunner(timeout=0.3, max_rows=10, isolation="process", admission=admission)
    caller = Caller.anonymous_client("192.0.2.9")
    for query, error in ((RUNAWAY, QueryTimeout), ("SELECT * {", QuerySyntaxError)):
        with pytest.raises(error):
            runner.run(store, query, caller=caller)
        assert admission.in_flight() == 0
    assert runner.run(store, "ASK {}", caller=caller).boolean is True


def test_a_spare_process_never_answers_from_before_a_write(store):
    """The next query's process is forked ahead of time; a write makes it stale, so a query
    after a write reads the write."""
    runner = QueryRunner(timeout=30, max_rows=100, isolation="process")
    ask = "ASK { <http://example.org/spare> ?p ?o }"
    graph = f"{EX}spare-graph"
    try:
        for _ in range(3):
            assert runner.run(store, ask).boolean is False
            triple = ox.Triple(ox.NamedNode(f"{EX}spare"), ox.NamedNode(f"{EX}p"), ox.Literal("1"))
            store.replace_graph(graph, [triple])
            assert runner.run(store, ask).boolean is True
            store.drop_graph(graph)
    finally:
        runner.close()
