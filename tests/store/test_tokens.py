"""``PALERMO_TOKENS`` (store/access.py ``TokenTable``): plain and hashed entries, malformed
entries refused without echoing them, one fingerprint per token however it is configured."""

from __future__ import annotations

import hashlib

import pytest

from palermo.store.access import TokenTable, fingerprint, token_hash

TOKEN = "s3cret-token-value"
HEX = hashlib.sha256(TOKEN.encode("utf-8")).hexdigest()


def test_token_hash_is_the_sha256_of_the_utf8_bytes():
    assert token_hash("abc") == (
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert token_hash("clé") == "sha256:" + hashlib.sha256("clé".encode()).hexdigest()


@pytest.mark.parametrize("scope", ["read", "write", "admin", "read:ds1", "write:ds-2"])
def test_plain_and_hashed_entries_give_the_same_principal(scope):
    plain = TokenTable(f"{TOKEN}:{scope}").lookup(TOKEN.encode())
    hashed = TokenTable(f"sha256:{HEX}:{scope}").lookup(TOKEN.encode())
    assert plain is not None and hashed is not None
    assert plain == hashed
    assert plain.scopes == frozenset({scope})
    assert plain.fingerprint == hashed.fingerprint == fingerprint(TOKEN.encode())


def test_hex_digits_in_either_case_and_entries_mixed():
    table = TokenTable(f"other:read, sha256:{HEX.upper()}:write:ds1 ,{TOKEN}:read:ds2,")
    found = table.lookup(TOKEN.encode())
    assert found is not None
    assert found.scopes == frozenset({"write:ds1", "read:ds2"})
    assert table.lookup(b"other").scopes == frozenset({"read"})
    assert table.lookup(b"nobody") is None
    assert table.lookup(HEX.encode()) is None  # the hash itself is not a token


def test_a_plain_token_named_sha256_stays_a_plain_token():
    assert TokenTable("sha256:read").lookup(b"sha256").scopes == frozenset({"read"})


@pytest.mark.parametrize(
    "entry",
    [
        f"{TOKEN}",
        f"{TOKEN}:superuser",
        f"{TOKEN}:admin:ds1",
        f"{TOKEN}:write:",
        f":{TOKEN}",
        f"sha256:{HEX[:-1]}:read",
        f"sha256:{HEX}z:read",
        f"sha256:{HEX}",
        f"sha256:{HEX}:owner",
        f"sha256:{TOKEN}:read",
    ],
)
def test_a_malformed_entry_is_refused_without_echoing_it(entry):
    with pytest.raises(ValueError) as refused:
        TokenTable(f"fine-token:read,{entry}")
    message = str(refused.value)
    assert "entry 2" in message
    assert TOKEN not in message and HEX not in message and HEX[:-1] not in message


def test_a_wrong_token_of_any_length_is_refused():
    table = TokenTable(f"sha256:{HEX}:read,{TOKEN}:write")
    for presented in (b"", b"x", TOKEN.encode()[:-1], TOKEN.encode() + b"x", b"x" * 10_000):
        assert table.lookup(presented) is None
