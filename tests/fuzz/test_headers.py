"""Every route with fuzzed Accept, Content-Type, Content-Encoding and Authorization headers, and
named queries and other routes with fuzzed query parameters."""

from __future__ import annotations

from hypothesis import given

from support.fuzzing import check, fuzz_settings, header_calls, parameter_calls


@fuzz_settings()
@given(call=header_calls())
def test_headers(harness, call) -> None:
    check(harness.send(call))


@fuzz_settings()
@given(call=parameter_calls())
def test_query_parameters(harness, call) -> None:
    check(harness.send(call))
