"""The RDF parsers (palermo.rdf.parsing) on mutated documents in every syntax Palermo reads: they
answer a graph or an InputError, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import example, given

from support.fuzzing import (
    RDF_SYNTAXES,
    check,
    check_parse,
    fuzz_settings,
    parse_inputs,
    rdf_seeds,
    sparql_seeds,
    w3c_missing,
)


def test_every_syntax_has_seeds() -> None:
    seeds = rdf_seeds()
    assert all(seeds[name] for name in RDF_SYNTAXES), {n: len(s) for n, s in seeds.items()}


def test_the_w3c_data_is_among_the_seeds() -> None:
    reason = w3c_missing()
    if reason:
        pytest.skip(reason)
    assert any("kasei.us" in q for q in sparql_seeds()["query"])
    assert any(b"http://example.org" in s for s in rdf_seeds()["n-triples"])


#: Found by fuzzing: a lone surrogate escape in plain JSON (read with the Palermo context) made
#: the context substitution fail to encode the document (a UnicodeEncodeError, a 500).
LONE_SURROGATE = b'{"@id": "http://example.org/a", "http://example.org/p": "\\ud800"}'


@fuzz_settings()
@example(value=("json-ld", LONE_SURROGATE, None, True))
@given(value=parse_inputs())
def test_parsers_raise_only_input_errors(value) -> None:
    check(check_parse(None, value))
