"""Bearer tokens from ``PALERMO_TOKENS`` (DESIGN.md, "Confidentiality").

``PALERMO_TOKENS`` is ``token:scope,token:scope``, or ``sha256:HEX:scope`` so that no
configuration file holds a usable secret (``palermo token-hash``); a scope is ``read``, ``write``,
``admin``, ``read:NAME`` or ``write:NAME`` (one dataset). Tokens are compared in constant time
(in :class:`palermo.store.access.TokenTable`) and never logged: the audit log names a token by its
fingerprint. What each scope may read and write is :mod:`palermo.store.access`.
"""

from __future__ import annotations

from flask import g, request

from palermo.api.context import palermo
from palermo.errors import Forbidden, Unauthorized
from palermo.sparql.admission import Caller
from palermo.store.access import Principal

__all__ = ["current_caller", "current_principal", "require_write"]


def current_principal() -> Principal:
    """The caller of this request (resolved once per request)."""
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


def current_caller() -> Caller:
    """Whom this request's queries count against (:mod:`palermo.sparql.admission`): the token,
    or, without one, the client's address."""
    principal = current_principal()
    if principal.anonymous:
        return Caller.anonymous_client(request.remote_addr)
    return Caller.token(principal.fingerprint)
