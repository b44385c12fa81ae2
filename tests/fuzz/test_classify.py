"""``POST /classify`` and ``POST /validate`` with mutated case graphs in every syntax, wrong media
types, Accept headers and ``?engine=``: never a 500, errors as problem+json, nothing stored, no
private marker in any answer."""

from __future__ import annotations

from hypothesis import given

from support.fuzzing import check, classify_calls, fuzz_settings


@fuzz_settings()
@given(call=classify_calls("/classify"))
def test_classify(harness, call) -> None:
    check(harness.send(call))


@fuzz_settings()
@given(call=classify_calls("/validate"))
def test_validate(harness, call) -> None:
    check(harness.send(call))
