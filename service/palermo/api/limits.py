"""The body size limit for request bodies without a Content-Length (chunked transfer coding).

Flask enforces ``MAX_CONTENT_LENGTH`` (``PALERMO_MAX_BODY_BYTES``) for every body, and since
Werkzeug 2.3 for a streamed one too: with no Content-Length, ``request.stream`` is a
:class:`~werkzeug.wsgi.LimitedStream` capped at the limit. What the framework still gets wrong,
checked with Werkzeug 3.1.9 and Flask 3.1, is the way it stops: ``request.get_data()`` reads up to
the cap and returns those bytes as if they were the whole body (``LimitedStream.readall`` never
reads past the cap, so it never raises ``413``). A chunked body over the limit would be parsed cut
short, and a truncated graph stored. Waitress (``palermo serve``) is not affected: it reads the
whole chunked body itself (up to its own ``max_request_body_size``, 1 GiB by default), then gives
the application a Content-Length, which Flask checks before reading. Werkzeug's development
server, gunicorn and the test client hand the stream on as it comes, and there this check answers
``413`` problem+json where Flask would cut (tests/api/test_limits.py shows both).
"""

from __future__ import annotations

from flask import request

from palermo.errors import PalermoError, PayloadTooLarge


class LengthRequired(PalermoError):
    """A chunked body from a server that does not say where it ends (no ``wsgi.input_terminated``):
    Flask would read it as empty, and an empty graph would replace the stored one."""

    slug = "length-required"
    title = "Content-Length required"
    status = 411
    exit_code = 2


#: Routes that stream their body under a limit of their own (``POST /validations``).
STREAMING_ENDPOINTS = frozenset({"validations.create"})


def refuse_streamed_body_over_limit() -> None:
    """A ``before_request`` hook: read a streamed body up to the limit (Flask's own bounded
    stream, cached for the view) and refuse it if one byte more is waiting."""
    if request.endpoint in STREAMING_ENDPOINTS:
        return
    limit = request.max_content_length
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if chunked and not request.environ.get("wsgi.input_terminated"):
        raise LengthRequired(
            "send the body with a Content-Length, or through a server that "
            "ends chunked bodies (waitress, gunicorn)"
        )
    if (
        limit is not None
        and request.content_length is None
        and request.environ.get("wsgi.input_terminated")
        and len(request.get_data(cache=True)) >= limit
        and request.input_stream.read(1)
    ):
        raise PayloadTooLarge("the request body is larger than the service accepts")
