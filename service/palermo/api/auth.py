"""Bearer tokens from ``PALERMO_TOKENS`` (DESIGN.md, "Confidentiality").

``PALERMO_TOKENS`` is ``token:scope,token:scope``; a scope is ``read``, ``write``, ``admin``,
``read:NAME`` or ``write:NAME`` (one dataset). Tokens are compared in constant time
(:func:`hmac.compare_digest`, in :class:`palermo.access.TokenTable`) and never logged: the audit
log names a token by its fingerprint. What each scope may read is :mod:`palermo.access`.
"""

from __future__ import annotations

from flask import g, request

from palermo.access import ANONYMOUS, Principal, TokenTable
from palermo.errors import Forbidden, Unauthorized

__all__ = ["ANONYMOUS", "Principal", "Tokens", "current_principal", "require_write"]


class Tokens(TokenTable):
    """The configured tokens; :meth:`principal` resolves an ``Authorization`` header."""

    def principal(self, authorization: str | None) -> Principal:
        if not authorization:
            return ANONYMOUS
        kind, _, presented = authorization.partition(" ")
        if kind.lower() != "bearer" or not presented.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        found = self.lookup(presented.strip().encode("utf-8", "surrogateescape"))
        if found is None:
            raise Unauthorized("the token is not valid")
        return found


def current_principal() -> Principal:
    """The caller of this request (resolved once per request)."""
    from palermo.api.context import palermo

    if "palermo_principal" not in g:
        g.palermo_principal = palermo().tokens.principal(request.headers.get("Authorization"))
    return g.palermo_principal


def require_write(dataset: str | None = None) -> Principal:
    """The caller, who must hold a write scope; 401 for anonymous callers, 403 for others."""
    principal = current_principal()
    if principal.anonymous:
        raise Unauthorized("writing needs a bearer token with write scope")
    if not principal.can_write(dataset):
        raise Forbidden(
            "the token does not grant writes"
            + (f" to dataset {dataset!r}" if dataset is not None else "")
        )
    return principal
