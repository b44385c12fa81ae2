"""``/data`` (Graph Store Protocol): every method, graph names valid and not, datasets, ``public``,
mutated bodies (multipart too) and every kind of caller."""

from __future__ import annotations

from hypothesis import given

from support.fuzzing import check, fuzz_settings, graph_store_calls


@fuzz_settings()
@given(call=graph_store_calls())
def test_graph_store(harness, call) -> None:
    check(harness.send(call))
