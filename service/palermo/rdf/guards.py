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


# ------------------------------------------------------------------------------------------------
# What a SPARQL Update writes (https://www.w3.org/TR/sparql11-update/, section 3)

#: The update scan's tokens: those of :data:`SPARQL_TOKENS`, IRIs with ``\u``/``\U`` escapes
#: (which Oxigraph decodes: ``<…/graph/\u006Fntology>`` names the ontology graph) and language
#: tags (so that ``"x"@graph`` is not read as the keyword ``GRAPH``).
_UPDATE_TOKENS = re.compile(
    r"(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<uiri><(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)"
    r"|" + SPARQL_TOKENS.pattern,
    re.DOTALL,
)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape_iri(iri: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri)


@dataclass(frozen=True)
class GraphProbe:
    """An ``ASK`` that is true when an update's template would name a guarded graph through a
    variable (``INSERT { GRAPH ?g { … } } WHERE { … }``), with the dataset of the update's
    ``WHERE`` clause: ``USING``/``USING NAMED`` graphs, else the ``WITH`` graph as the default
    graph, else the store's default graph (``default`` None), named graphs all (``named`` None)."""

    query: str
    default: tuple[str, ...] | None
    named: tuple[str, ...] | None


@dataclass(frozen=True)
class _Modify:
    """One ``DELETE``/``INSERT … WHERE`` operation whose templates name graphs by variable."""

    variables: tuple[str, ...]
    prologue: str
    where: tuple[int, int]  # character span of the WHERE group (or of the DELETE WHERE pattern)
    delete_where: int | None  # start of the WHERE keyword of a DELETE WHERE, else None
    using: tuple[str, ...]
    using_named: tuple[str, ...]
    with_graph: str | None


@dataclass(frozen=True)
class UpdateFacts:
    """What an update writes, as far as its text settles it.

    ``graphs``: the IRIs it names as write targets (in ``INSERT``/``DELETE`` templates and
    ``DATA`` blocks, ``WITH`` when a template has triples outside ``GRAPH``, the target of
    ``CREATE``, ``DROP``/``CLEAR GRAPH``, ``ADD``/``COPY``/``MOVE`` and ``LOAD … INTO``, and the
    source of ``MOVE``, which is emptied). ``whole_store``: the operations on ``ALL``, ``NAMED``
    or ``DEFAULT`` that empty graphs wholesale (``DROP ALL``, ``CLEAR DEFAULT``, ``DROP NAMED``,
    …). ``graph_variables``: variables that name a template's graph, settled only when the
    update runs (see :meth:`probes` and :meth:`fenced`). ``unsettled``: the scan lost its way
    (a ``GRAPH`` not followed by a graph name): treat the update as writing anything.
    """

    text: str
    graphs: tuple[str, ...]
    whole_store: tuple[str, ...]
    graph_variables: tuple[str, ...]
    unsettled: bool
    modifies: tuple[_Modify, ...]

    def probes(self, guarded: Iterable[str]) -> list[GraphProbe]:
        """One ``ASK`` per operation with graph variables: true when, on the store as it is, a
        template graph variable would be bound to one of ``guarded``."""
        iris = ", ".join(f"<{g}>" for g in sorted(guarded))
        out = []
        for m in self.modifies:
            cond = " || ".join(f"?{v} IN ({iris})" for v in m.variables)
            group = self.text[m.where[0] : m.where[1]]
            if m.using or m.using_named:
                default, named = m.using, m.using_named
            elif m.with_graph is not None:
                default, named = (m.with_graph,), None
            else:
                default, named = None, None
            query = f"{m.prologue}ASK WHERE {{ {group} FILTER({cond}) }}"
            out.append(GraphProbe(query, default, named))
        return out

    def fenced(self, guarded: Iterable[str]) -> str:
        """The update with every ``WHERE`` whose solutions feed a template graph variable
        filtered so that no such variable is bound to one of ``guarded``: whatever the store
        holds when the update runs, it cannot write those graphs (a ``DELETE WHERE`` becomes the
        equivalent ``DELETE { P } WHERE { { P } FILTER(…) }``)."""
        iris = ", ".join(f"<{g}>" for g in sorted(guarded))
        text = self.text
        for m in sorted(self.modifies, key=lambda m: m.where[0], reverse=True):
            cond = " && ".join(f"(!BOUND(?{v}) || ?{v} NOT IN ({iris}))" for v in m.variables)
            start, end = m.where
            group = text[start:end]
            fenced = f"{{ {group} FILTER({cond}) }}"
            if m.delete_where is None:
                text = text[:start] + fenced + text[end:]
            else:
                text = text[: m.delete_where] + f"{group} WHERE {fenced}" + text[end:]
        return text


def inspect_update(text: str, *, base_iri: str | None = None) -> UpdateFacts:
    """Find what a SPARQL Update writes (see :class:`UpdateFacts`).

    Operations, ``WITH``, ``USING`` and templates are found at brace depth 0 and 1 only: braces
    never occur inside an IRI, a prefixed name or a variable, and strings, comments and language
    tags are tokens of their own, so nothing inside an expression can hide a keyword or a brace.
    """
    toks = [m for m in _UPDATE_TOKENS.finditer(text) if m.lastgroup not in {"comment", "string"}]
    n = len(toks)
    prefixes: dict[str, str] = {}
    base = base_iri
    graphs: list[str] = []
    whole: list[str] = []
    variables: list[str] = []
    modifies: list[_Modify] = []
    unsettled = False

    def word(i: int) -> str:
        return toks[i].group().upper() if i < n and toks[i].lastgroup == "word" else ""

    def is_brace(i: int, brace: str) -> bool:
        return i < n and toks[i].group() == brace

    def resolve(i: int) -> str | None:
        if i >= n:
            return None
        tok = toks[i]
        if tok.lastgroup == "uiri":
            iri = _unescape_iri(tok.group()[1:-1])
            return urljoin(base, iri) if base and ":" not in iri.split("/", 1)[0] else iri
        return _resolve(tok, prefixes, base)

    def block_end(i: int) -> int:
        """The index of the ``}`` that closes the ``{`` at ``i`` (braces only)."""
        depth = 0
        for j in range(i, n):
            if toks[j].group() == "{":
                depth += 1
            elif toks[j].group() == "}":
                depth -= 1
                if depth == 0:
                    return j
        return n - 1

    def template(i: int) -> tuple[int, bool, list[str]]:
        """Scan the template block at ``i``: (index after it, whether it has triples outside
        GRAPH, the graph variables)."""
        nonlocal unsettled
        end = block_end(i)
        depth = 0
        outside = False
        found: list[str] = []
        j = i
        while j <= end:
            tok = toks[j]
            text_ = tok.group()
            if text_ == "{":
                depth += 1
            elif text_ == "}":
                depth -= 1
            elif depth == 1 and word(j) == "GRAPH":
                j += 1
                target = toks[j] if j < n else None
                if target is not None and target.lastgroup == "var":
                    found.append(target.group()[1:])
                elif target is not None and target.lastgroup in {"uiri", "pname"}:
                    iri = resolve(j)
                    if iri is not None:
                        graphs.append(iri)
                else:
                    unsettled = True
            elif depth == 1 and tok.lastgroup != "langtag":
                outside = True
            j += 1
        return end + 1, outside, found

    def graph_ref(i: int) -> tuple[int, str | None]:
        """``DEFAULT`` or ``[GRAPH] iri`` at ``i``: (index after, IRI or None for DEFAULT)."""
        if word(i) == "DEFAULT":
            return i + 1, None
        if word(i) == "GRAPH":
            i += 1
        return i + 1, resolve(i) or ""

    def prologue() -> str:
        lines = [f"BASE <{base}>\n"] if base else []
        lines += [f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items()]
        return "".join(lines)

    i = 0
    with_graph: str | None = None
    using: list[str] = []
    using_named: list[str] = []
    pending_vars: list[str] = []
    pending_outside = False
    while i < n:
        w = word(i)
        if is_brace(i, "{"):  # a block outside any operation the scan knows: skip it
            i = block_end(i) + 1
        elif w == "PREFIX" and i + 2 < n and toks[i + 1].lastgroup == "pname":
            name = toks[i + 1].group()
            iri = resolve(i + 2)
            if name.endswith(":") and iri is not None:
                prefixes[name[:-1]] = iri
            i += 3
        elif w == "BASE":
            base = resolve(i + 1) or base
            i += 2
        elif w in {"DROP", "CLEAR", "CREATE"}:
            i += 2 if word(i + 1) == "SILENT" else 1
            if word(i) in {"ALL", "NAMED", "DEFAULT"}:
                whole.append(f"{w} {word(i)}")
                i += 1
            else:
                i, iri = graph_ref(i)
                if iri:
                    graphs.append(iri)
        elif w in {"ADD", "MOVE", "COPY"}:
            i += 2 if word(i + 1) == "SILENT" else 1
            i, source = graph_ref(i)
            if word(i) == "TO":
                i += 1
            i, target = graph_ref(i)
            if target:
                graphs.append(target)
            if w == "MOVE" and source:
                graphs.append(source)
        elif w == "LOAD":
            i += 2 if word(i + 1) == "SILENT" else 1
            i += 1
            if word(i) == "INTO":
                i, target = graph_ref(i + 1)
                if target:
                    graphs.append(target)
        elif w == "WITH":
            with_graph = resolve(i + 1)
            i += 2
        elif w in {"INSERT", "DELETE"} and word(i + 1) == "DATA":
            i, _, _ = template(i + 2)
        elif w == "DELETE" and word(i + 1) == "WHERE":
            start = i + 2
            i, outside, found = template(start)
            if outside and with_graph:
                graphs.append(with_graph)
            if found:
                modifies.append(
                    _Modify(
                        tuple(dict.fromkeys(found)),
                        prologue(),
                        (toks[start].start(), toks[i - 1].end()),
                        toks[start - 1].start(),
                        (),
                        (),
                        with_graph,
                    )
                )
                variables.extend(found)
            with_graph = None
        elif w in {"INSERT", "DELETE"}:
            i, outside, found = template(i + 1)
            pending_vars += found
            pending_outside = pending_outside or outside
        elif w == "USING":
            if word(i + 1) == "NAMED":
                using_named.append(resolve(i + 2) or "")
                i += 3
            else:
                using.append(resolve(i + 1) or "")
                i += 2
        elif w == "WHERE" and is_brace(i + 1, "{"):
            end = block_end(i + 1)
            if pending_outside and with_graph:
                graphs.append(with_graph)
            if pending_vars:
                modifies.append(
                    _Modify(
                        tuple(dict.fromkeys(pending_vars)),
                        prologue(),
                        (toks[i + 1].start(), toks[end].end()),
                        None,
                        tuple(using),
                        tuple(using_named),
                        with_graph,
                    )
                )
                variables.extend(pending_vars)
            with_graph, using, using_named = None, [], []
            pending_vars, pending_outside = [], False
            i = end + 1
        else:
            i += 1
    return UpdateFacts(
        text,
        tuple(dict.fromkeys(graphs)),
        tuple(dict.fromkeys(whole)),
        tuple(dict.fromkeys(variables)),
        unsettled,
        tuple(modifies),
    )
