"""Bearer tokens from ``PALERMO_TOKENS`` (DESIGN.md, "Confidentiality").

``PALERMO_TOKENS`` is ``token:scope,token:scope``; a scope is ``read``, ``write``, ``admin``,
``read:NAME`` or ``write:NAME`` (one dataset). Tokens are compared in constant time
(:func:`hmac.compare_digest`) and never logged. Per-dataset enforcement is issue 4; here a
write needs a ``write`` or ``admin`` scope (``write:NAME`` allows writes to dataset NAME).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import request

from palermo.errors import Forbidden, Unauthorized

SCOPES = ("read", "write", "admin")


@dataclass(frozen=True)
class Principal:
    """Who made a request: the scopes their token grants (none for anonymous)."""

    scopes: frozenset[str]

    @property
    def anonymous(self) -> bool:
        return not self.scopes

    def can_write(self, dataset: str | None = None) -> bool:
        if "admin" in self.scopes or "write" in self.scopes:
            return True
        return dataset is not None and f"write:{dataset}" in self.scopes


ANONYMOUS = Principal(frozenset())


class Tokens:
    """The configured tokens; :meth:`principal` resolves an ``Authorization`` header."""

    def __init__(self, spec: str) -> None:
        self._tokens: list[tuple[bytes, str]] = []
        for pair in (p.strip() for p in spec.split(",")):
            if not pair:
                continue
            token, sep, scope = pair.partition(":")
            base = scope.partition(":")[0]
            if not sep or not token or base not in SCOPES:
                # The message names the position, never the token.
                raise ValueError(
                    "PALERMO_TOKENS must be 'token:scope' pairs with scope read, write, admin, "
                    "read:NAME or write:NAME"
                )
            self._tokens.append((token.encode("utf-8"), scope))

    def principal(self, authorization: str | None) -> Principal:
        if not authorization:
            return ANONYMOUS
        kind, _, presented = authorization.partition(" ")
        if kind.lower() != "bearer" or not presented.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        given = presented.strip().encode("utf-8")
        scopes = set()
        for token, scope in self._tokens:  # every token is compared: constant time overall
            if hmac.compare_digest(token, given):
                scopes.add(scope)
        if not scopes:
            raise Unauthorized("the token is not valid")
        return Principal(frozenset(scopes))


def current_principal() -> Principal:
    from palermo.api.context import palermo

    return palermo().tokens.principal(request.headers.get("Authorization"))


def require_write(dataset: str | None = None) -> Principal:
    """The caller, who must hold a write scope; 401 for anonymous callers, 403 for read-only."""
    principal = current_principal()
    if principal.anonymous:
        raise Unauthorized("writing needs a bearer token with write scope")
    if not principal.can_write(dataset):
        raise Forbidden("the token does not grant writes")
    return principal
