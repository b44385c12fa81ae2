"""``POST /classify`` and ``POST /validate`` with mutated case graphs in every syntax, wrong media
types, Accept headers and ``?engine=``: never a 500, errors as problem+json, nothing stored, no
private marker in any answer."""

from __future__ import annotations

from hypothesis import example, given

from support.fuzzing import Call, check, classify_calls, fuzz_settings

#: Found by fuzzing: a lone surrogate escape in JSON that names the Palermo context, or in plain
#: JSON, was a 500 (the substituted context could not be encoded); now a 400.
LONE_SURROGATE = b'{"@id": "http://example.org/a", "http://example.org/p": "\\ud800"}'
LONE_SURROGATE_LD = (
    b'{"@context": "https://w3id.org/palermo/context.jsonld", "@id": "http://example.org/a", '
    b'"http://example.org/p": "\\ud800"}'
)


@fuzz_settings()
@example(
    call=Call("POST", "/classify", "", (("Content-Type", "application/json"),), LONE_SURROGATE)
)
@example(
    call=Call(
        "POST", "/classify", "", (("Content-Type", "application/ld+json"),), LONE_SURROGATE_LD
    )
)
@given(call=classify_calls("/classify"))
def test_classify(harness, call) -> None:
    check(harness.send(call))


@fuzz_settings()
@example(
    call=Call("POST", "/validate", "", (("Content-Type", "application/json"),), LONE_SURROGATE)
)
@given(call=classify_calls("/validate"))
def test_validate(harness, call) -> None:
    check(harness.send(call))
