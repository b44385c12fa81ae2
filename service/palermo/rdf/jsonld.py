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
from collections.abc import Iterable
from functools import cache
from typing import Any

from palermo import resources
from palermo.rdf.terms import XSD_STRING

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
    # ASCII escapes: a lone surrogate ("\ud800") in the input stays an escape for the parser to
    # judge, where encoding it as UTF-8 would fail.
    return json.dumps(document).encode("ascii")


def _term_index() -> tuple[dict[str, str], dict[str, tuple[str, str | None]], dict[str, str]]:
    """From the context: IRI -> term for classes and individuals, property IRI -> (term, type
    coercion), and prefix -> namespace."""
    context = palermo_context()
    prefixes = {
        k: v
        for k, v in context.items()
        if not k.startswith("@") and isinstance(v, str) and v.endswith(("#", "/"))
    }

    def expand(value: str) -> str:
        prefix, _, rest = value.partition(":")
        return prefixes[prefix] + rest if prefix in prefixes else value

    names: dict[str, str] = {}
    properties: dict[str, tuple[str, str | None]] = {}
    for key, value in context.items():
        if key.startswith("@") or key in prefixes:
            continue
        if isinstance(value, str):
            if not value.startswith("@"):
                names.setdefault(expand(value), key)
        elif isinstance(value, dict) and "@id" in value:
            coercion = value.get("@type")
            if coercion and not coercion.startswith("@"):
                coercion = expand(coercion)
            properties[expand(value["@id"])] = (key, coercion)
    return names, properties, prefixes


def compact(triples: Iterable[Any]) -> dict[str, Any]:
    """A graph as plain JSON under the Palermo context: the form a partner writes by hand.

    Blank nodes used once are nested where they are used; literal values are JSON numbers and
    booleans where the context coerces them. ``triples`` are rdflib ``(s, p, o)`` tuples.
    """
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import RDF

    names, properties, prefixes = _term_index()
    triples = list(triples)
    uses: dict[Any, int] = {}
    for _, _, o in triples:
        if isinstance(o, BNode):
            uses[o] = uses.get(o, 0) + 1
    by_subject: dict[Any, list[tuple[Any, Any]]] = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p, o))

    def iri(value: str) -> str:
        for prefix, ns in prefixes.items():
            if value.startswith(ns) and len(value) > len(ns) and prefix not in ("pal", "rdfs"):
                return f"{prefix}:{value[len(ns) :]}"
        return value

    def node(subject: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if isinstance(subject, URIRef):
            out["id"] = str(subject)
        elif uses.get(subject, 0) != 1:
            out["id"] = f"_:{subject}"
        for p, o in sorted(by_subject.get(subject, ()), key=lambda po: (str(po[0]), str(po[1]))):
            value: Any
            if p == RDF.type:
                key, value = "type", names.get(str(o), str(o))
            else:
                key, coercion = properties.get(str(p), (str(p), None))
                if isinstance(o, BNode):
                    value = node(o) if uses.get(o) == 1 else {"id": f"_:{o}"}
                elif isinstance(o, URIRef):
                    if coercion == "@vocab" and str(o) in names:
                        value = names[str(o)]
                    elif coercion in ("@id", "@vocab"):
                        value = iri(str(o))
                    else:
                        value = {"id": iri(str(o))}
                elif isinstance(o, Literal):
                    dt = str(o.datatype) if o.datatype else None
                    if o.language:
                        value = {"@value": str(o), "@language": o.language}
                    elif dt == coercion and isinstance(o.toPython(), bool | int):
                        value = o.toPython()
                    elif dt in (None, XSD_STRING):
                        value = str(o)
                    else:
                        value = {"@value": str(o), "@type": dt}
                else:  # pragma: no cover - rdflib terms only
                    continue
            if key in out:
                if not isinstance(out[key], list):
                    out[key] = [out[key]]
                out[key].append(value)
            else:
                out[key] = value
        return out

    top = [s for s in by_subject if not (isinstance(s, BNode) and uses.get(s) == 1)]
    top.sort(key=lambda s: (isinstance(s, BNode), str(s)))
    nodes = [node(s) for s in top]
    if len(nodes) == 1:
        return {"@context": CONTEXT_IRI, **nodes[0]}
    return {"@context": CONTEXT_IRI, "@graph": nodes}
