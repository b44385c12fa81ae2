"""The body size limit for requests without a Content-Length (chunked transfer coding).

Flask enforces ``MAX_CONTENT_LENGTH`` (``PALERMO_MAX_BODY_BYTES``) from the Content-Length header;
a chunked body has none, and Werkzeug then reads the stream without a bound
(``wsgi.input_terminated``). This WSGI middleware reads such a body up to the limit, answers
``413`` problem+json beyond it, and otherwise hands the application a body with a length.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from palermo.errors import PayloadTooLarge

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ChunkedBodyLimit:
    """Wrap a WSGI app so that a body without Content-Length is bounded like one with it."""

    def __init__(self, app: WSGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked or (
            environ.get("CONTENT_LENGTH") in (None, "") and environ.get("wsgi.input_terminated")
        ):
            stream = environ["wsgi.input"]
            data = bytearray()
            while len(data) <= self.limit:
                chunk = stream.read(min(65536, self.limit + 1 - len(data)))
                if not chunk:
                    break
                data += chunk
            if len(data) > self.limit:
                problem = PayloadTooLarge(
                    "the request body is larger than the service accepts"
                ).to_problem()
                body = json.dumps(problem).encode("utf-8")
                start_response(
                    "413 Request Entity Too Large",
                    [
                        ("Content-Type", "application/problem+json"),
                        ("Content-Length", str(len(body))),
                        ("Connection", "close"),
                    ],
                )
                return [body]
            environ["wsgi.input"] = io.BytesIO(bytes(data))
            environ["CONTENT_LENGTH"] = str(len(data))
            environ.pop("wsgi.input_terminated", None)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)
