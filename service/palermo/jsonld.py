"""The Palermo JSON-LD context, substituted locally so that no context is ever fetched.

A partner may send a case graph as JSON-LD (or plain JSON) that names the Palermo context by its
IRI, ``https://w3id.org/palermo/context.jsonld``. pyoxigraph refuses remote contexts (it never
fetches anything), so before parsing, every ``@context`` that is exactly that IRI is replaced by
the context shipped with the package (``contexts/palermo.jsonld``). Any other remote context
stays as it is, and parsing refuses it. A plain JSON document (``application/json``) without any
``@context`` gets the Palermo context, as JSON-LD 1.1 section 6.1 allows for a context given out
of band (https://www.w3.org/TR/json-ld11/#interpreting-json-as-json-ld).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from palermo import resources

CONTEXT_IRI = "https://w3id.org/palermo/context.jsonld"


@cache
def palermo_context() -> dict[str, Any]:
    """The value of ``@context`` in the shipped context document."""
    document = json.loads(resources.jsonld_context_file().read_text(encoding="utf-8"))
    return document["@context"]


def _substitute(node: Any) -> tuple[Any, bool]:
    changed = False
    if isinstance(node, list):
        out = []
        for item in node:
            new, c = _substitute(item)
            out.append(new)
            changed |= c
        return out, changed
    if not isinstance(node, dict):
        return node, False
    out_dict: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            value, c = _context_value(value)
        else:
            value, c = _substitute(value)
        out_dict[key] = value
        changed |= c
    return out_dict, changed


def _context_value(value: Any) -> tuple[Any, bool]:
    if value == CONTEXT_IRI:
        return palermo_context(), True
    if isinstance(value, list):
        items = [palermo_context() if v == CONTEXT_IRI else v for v in value]
        return items, items != value
    if isinstance(value, dict):
        # Scoped contexts inside term definitions.
        return _substitute(value)
    return value, False


def _has_context(document: Any) -> bool:
    if isinstance(document, dict):
        return "@context" in document
    if isinstance(document, list):
        return any(isinstance(d, dict) and "@context" in d for d in document)
    return False


def inline_palermo_context(data: bytes, *, default: bool = False) -> bytes:
    """``data`` with every reference to the Palermo context replaced by the context itself.

    With ``default=True`` (plain ``application/json``), a document with no ``@context`` at all is
    read with the Palermo context. Bytes that are not JSON are returned unchanged, so that the
    parser reports the syntax error with its line.
    """
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return data
    document, changed = _substitute(document)
    if default and not _has_context(document):
        if isinstance(document, list):
            document = {"@context": palermo_context(), "@graph": document}
        elif isinstance(document, dict):
            document = {"@context": palermo_context(), **document}
        changed = True
    if not changed:
        return data
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
