"""``/sparql``: queries generated from the SPARQL 1.1 grammar and the W3C and named queries
mutated, by GET, form and direct POST, with dataset parameters and every kind of caller; updates
the same way. A refused update changes no quad; no answer to a caller without read access carries
a private marker."""

from __future__ import annotations

from hypothesis import example, given

from support.fuzzing import WRITE_AUTH, Call, check, fuzz_settings, query_calls, update_calls


@fuzz_settings()
@given(call=query_calls())
def test_queries(harness, call) -> None:
    check(harness.send(call))


def _update(text: str) -> Call:
    headers = (("Content-Type", "application/sparql-update"), ("Authorization", WRITE_AUTH))
    return Call("POST", "/sparql", "", headers, text.encode())


#: Found by fuzzing: an update that fails as it runs (CREATE of a graph that exists, DROP of one
#: that does not) was a 500 on the embedded store; it is a 400 and changes nothing, also when an
#: operation before it in the same request had succeeded.
FAILING_UPDATES = (
    "INSERT DATA { GRAPH <http://example.org/g/fuzz> { <urn:a> <urn:b> <urn:c> } } ;\n"
    "CREATE GRAPH <https://example.org/graphs/public-1>",
    "DROP GRAPH <http://example.org/g/never-made>",
)


@fuzz_settings()
@example(call=_update(FAILING_UPDATES[0]))
@example(call=_update(FAILING_UPDATES[1]))
@given(call=update_calls())
def test_updates(harness, call) -> None:
    check(harness.send(call))
