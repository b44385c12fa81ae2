"""Errors as RFC 9457 ``application/problem+json`` (https://www.rfc-editor.org/rfc/rfc9457)."""

from __future__ import annotations

import logging

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from palermo.errors import (
    PROBLEM_BASE,
    PalermoError,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem_response(problem: dict, status: int) -> Response:
    response = Response(json.dumps(problem), status=status, mimetype=PROBLEM_JSON)
    return response


def _palermo_error(exc: PalermoError) -> Response:
    response = problem_response(exc.to_problem(), exc.status)
    if isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="palermo"'
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _http_error(exc: HTTPException) -> Response:
    if exc.code == 413:
        return _palermo_error(
            PayloadTooLarge("the request body is larger than the service accepts")
        )
    slug = (exc.name or "error").lower().replace(" ", "-")
    problem = {
        "type": PROBLEM_BASE + slug,
        "title": exc.name,
        "status": exc.code,
        "detail": exc.description,
    }
    response = problem_response(problem, exc.code or 500)
    for key in ("Allow",):
        if exc.get_headers() and key in dict(exc.get_headers()):
            response.headers[key] = dict(exc.get_headers())[key]
    return response


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unexpected error")
    problem = {
        "type": PROBLEM_BASE + "internal-error",
        "title": "Internal error",
        "status": 500,
        "detail": "the service failed to answer; the error has been logged",
    }
    return problem_response(problem, 500)


def register(app: Flask) -> None:
    app.register_error_handler(PalermoError, _palermo_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
