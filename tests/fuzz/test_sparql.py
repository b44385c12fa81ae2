"""``/sparql``: queries generated from the SPARQL 1.1 grammar and the W3C and named queries
mutated, by GET, form and direct POST, with dataset parameters and every kind of caller; updates
the same way. A refused update changes no quad; no answer to a caller without read access carries
a private marker."""

from __future__ import annotations

from hypothesis import given

from support.fuzzing import check, fuzz_settings, query_calls, update_calls


@fuzz_settings()
@given(call=query_calls())
def test_queries(harness, call) -> None:
    check(harness.send(call))


@fuzz_settings()
@given(call=update_calls())
def test_updates(harness, call) -> None:
    check(harness.send(call))
