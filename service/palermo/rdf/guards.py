"""Guards on hostile input, applied before a parser or the query engine sees it.

Measured on pyoxigraph 0.5 (the engine and parsers Palermo uses):

- a SPARQL query nested 100,000 groups or parentheses deep, and a JSON-LD document nested
  10,000 objects deep, crash the process (stack overflow, SIGSEGV);
- an RDF/XML document nested 100,000 elements deep takes minutes, and an XML "billion laughs"
  (https://en.wikipedia.org/wiki/Billion_laughs_attack) entity bomb does not finish;
- ``SERVICE <http://...>`` in a query makes the server open a connection to that address and send
  the query there (server-side request forgery), and ``LOAD <iri>`` in an update fetches the IRI.

So every RDF document is scanned for its nesting depth (strings, IRIs and comments skipped) and
RDF/XML with a document type declaration (``<!DOCTYPE``, hence any entity) is refused; every SPARQL
text is tokenised once to find its nesting depth, its ``SERVICE`` and ``LOAD`` targets and its
``FROM``/``FROM NAMED`` graphs (which access control intersects with what the caller may see).
Outbound requests are refused unless the endpoint is in ``OUTBOUND_ALLOW`` (empty by default).

The scans are linear in the input and use only regular expressions without backtracking traps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

from palermo.errors import InputError, PalermoError

#: Deepest nesting of brackets, groups or elements accepted in a query or an RDF document.
MAX_NESTING = 64


class TooDeeplyNested(InputError):
    slug = "too-deeply-nested"
    title = "Input nested too deeply"


class DoctypeRefused(InputError):
    slug = "doctype-refused"
    title = "XML document type declarations are not accepted"


class OutboundRefused(PalermoError):
    """A query or update that would make the server fetch something from the network."""

    slug = "outbound-request-refused"
    title = "The service does not fetch remote resources"
    status = 400
    exit_code = 2


# ------------------------------------------------------------------------------------------------
# RDF documents

_TURTLE_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n\r]*"
    r"|[\[\](){}]",
    re.DOTALL,
)
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_XML_TOKENS = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE|<!ENTITY|</[^>]*>|<[^>]*?/>|<[^>]*>",
    re.DOTALL | re.IGNORECASE,
)
_OPEN = frozenset("[({")


def _bracket_depth(tokens: Iterable[re.Match[str]]) -> int:
    depth = deepest = 0
    for m in tokens:
        tok = m.group()
        if len(tok) != 1:
            continue
        if tok in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_NESTING:
                    return deepest
        else:
            depth -= 1
    return deepest


def _xml_depth(text: str, source: str) -> int:
    depth = deepest = 0
    for m in _XML_TOKENS.finditer(text):
        tok = m.group()
        upper = tok[:9].upper()
        if upper.startswith(("<!DOCTYPE", "<!ENTITY")):
            raise DoctypeRefused(
                "RDF/XML with a document type declaration (<!DOCTYPE>, entities) is not "
                "accepted: entities can expand without bound or read local files",
                source=source,
            )
        if tok.startswith(("<!--", "<![CDATA[", "<?")) or tok.endswith("/>"):
            continue
        if tok.startswith("</"):
            depth -= 1
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_NESTING:
                return deepest
    return deepest


def check_rdf(text: str, syntax_name: str, *, source: str = "input") -> None:
    """Refuse a document nested deeper than :data:`MAX_NESTING`, and RDF/XML with a DTD.

    ``syntax_name`` is a :class:`palermo.rdf.parsing.RdfSyntax` name. N-Triples and N-Quads cannot
    nest and are not scanned.
    """
    if syntax_name in {"turtle", "trig"}:
        depth = _bracket_depth(_TURTLE_TOKENS.finditer(text))
    elif syntax_name == "json-ld":
        depth = _bracket_depth(_JSON_TOKENS.finditer(text))
    elif syntax_name == "rdf-xml":
        depth = _xml_depth(text, source)
    else:
        return
    if depth > MAX_NESTING:
        raise TooDeeplyNested(
            f"the document nests more than {MAX_NESTING} levels deep; flatten it",
            source=source,
            limit=MAX_NESTING,
        )


# ------------------------------------------------------------------------------------------------
# SPARQL text

#: The tokens of SPARQL text that matter to a scan: strings, IRIs, comments, variables, prefixed
#: names, words and brackets (shared with the SHACL compiler, palermo.validation.plan_compiler).
SPARQL_TOKENS = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*')"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)"
    r"|(?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:"
    r"(?:[\w\-\u00b7\u00c0-\uffff:%]|\\.|\.(?=[\w\-:%]))*)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<bracket>[\[\](){}])",
    re.DOTALL,
)


@dataclass(frozen=True)
class SparqlFacts:
    """What access control and the outbound guard need to know about a query or update."""

    depth: int
    from_graphs: tuple[str, ...]
    from_named: tuple[str, ...]
    services: tuple[str | None, ...]  # None: SERVICE ?var
    loads: tuple[str | None, ...]

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named)


def _resolve(token: re.Match[str], prefixes: dict[str, str], base: str | None) -> str | None:
    kind = token.lastgroup
    text = token.group()
    if kind == "iri":
        iri = text[1:-1]
        return urljoin(base, iri) if base and ":" not in iri.split("/", 1)[0] else iri
    if kind == "pname":
        prefix, _, local = text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def inspect_sparql(text: str, *, base_iri: str | None = None) -> SparqlFacts:
    """Tokenise a SPARQL query or update: nesting depth, dataset clauses, SERVICE and LOAD.

    Raises :class:`TooDeeplyNested` beyond :data:`MAX_NESTING`. Keywords are found as bare words
    only, so a string, an IRI, a comment, a variable or a prefixed name never counts as one.
    """
    tokens = [m for m in SPARQL_TOKENS.finditer(text) if m.lastgroup not in {"comment", "string"}]
    depth = deepest = 0
    prefixes: dict[str, str] = {}
    base = base_iri
    froms: list[str] = []
    named: list[str] = []
    services: list[str | None] = []
    loads: list[str | None] = []

    def after(i: int, skip: tuple[str, ...] = ()) -> tuple[int, re.Match[str] | None]:
        j = i + 1
        while j < len(tokens) and tokens[j].lastgroup == "word":
            if tokens[j].group().upper() not in skip:
                break
            j += 1
        return j, tokens[j] if j < len(tokens) else None

    for i, tok in enumerate(tokens):
        kind = tok.lastgroup
        if kind == "bracket":
            if tok.group() in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
                if deepest > MAX_NESTING:
                    raise TooDeeplyNested(
                        f"the query nests more than {MAX_NESTING} levels deep",
                        limit=MAX_NESTING,
                    )
            else:
                depth -= 1
            continue
        if kind != "word":
            continue
        word = tok.group().upper()
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2].lastgroup == "iri":
            name = tokens[i + 1].group()
            if name.endswith(":"):
                prefixes[name[:-1]] = tokens[i + 2].group()[1:-1]
        elif word == "BASE" and i + 1 < len(tokens) and tokens[i + 1].lastgroup == "iri":
            base = _resolve(tokens[i + 1], prefixes, base)
        elif word == "FROM":
            j, nxt = after(i)
            is_named = (
                nxt is not None and nxt.lastgroup == "word" and nxt.group().upper() == "NAMED"
            )
            if is_named:
                nxt = tokens[j + 1] if j + 1 < len(tokens) else None
            iri = _resolve(nxt, prefixes, base) if nxt is not None else None
            if iri is None:
                raise InputError("FROM must name a graph by IRI or prefixed name")
            (named if is_named else froms).append(iri)
        elif word == "SERVICE":
            _, nxt = after(i, ("SILENT",))
            target = nxt if nxt is not None and nxt.lastgroup != "var" else None
            services.append(_resolve(target, prefixes, base) if target is not None else None)
        elif word == "LOAD":
            _, nxt = after(i, ("SILENT",))
            loads.append(_resolve(nxt, prefixes, base) if nxt is not None else None)
    return SparqlFacts(deepest, tuple(froms), tuple(named), tuple(services), tuple(loads))


def check_outbound(facts: SparqlFacts, allow: Iterable[str] = ()) -> None:
    """Refuse ``SERVICE`` and ``LOAD`` unless their IRI starts with an allowed prefix."""
    allowed = tuple(a for a in allow if a)
    for what, targets in (("SERVICE", facts.services), ("LOAD", facts.loads)):
        for target in targets:
            if target is None or not target.startswith(allowed) or not allowed:
                raise OutboundRefused(
                    f"{what} would make the service fetch from the network; it is not allowed "
                    "here (the allow-list PALERMO_OUTBOUND_ALLOW is "
                    f"{'empty' if not allowed else 'without this address'})"
                )


def allow_list(value: object) -> tuple[str, ...]:
    """The configured ``OUTBOUND_ALLOW``: a comma-separated string or a sequence of IRI prefixes."""
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    if isinstance(value, Iterable):
        return tuple(str(p) for p in value)
    raise TypeError(f"OUTBOUND_ALLOW must be a string or a list of IRI prefixes, not {value!r}")
