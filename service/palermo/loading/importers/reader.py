"""Reading a CSV file through a mapping into case graphs, one case per row.

Each row is checked against the mapping's value rules. A row that breaks one is rejected whole and
reported with its row number, the column and the reason: it is never changed to fit. Input that
cannot be read at all (a missing file, a header without the mapping's required columns, text that
is not UTF-8) raises :class:`~palermo.errors.InputError`, which the CLI turns into exit code 2.

IRIs (DESIGN.md, "Names and IRIs"): the case is ``{CASE_BASE}{id}``, with ``id`` from the
mapping's identifier column or, without one, ``{id_prefix}-`` and a SHA-256 digest of the file
name and row number, so re-importing the same file replaces the same cases. The affected person is
``{case}/person``, the perpetrator ``{case}/perpetrator`` and an element
``{case}/{property}/{Class}`` (for example ``.../act/Recruitment``).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from palermo.errors import InputError
from palermo.loading.importers.mapping import Mapping, Rule
from palermo.rdf.namespaces import CASE_BASE, PAL

Triple = tuple[Node, Node, Node]

_SAFE_ID = re.compile(r"[A-Za-z0-9._~-]{1,100}")
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class Problem:
    """One broken value rule: the column and why."""

    column: str | None
    reason: str

    def __str__(self) -> str:
        return f"column {self.column}: {self.reason}" if self.column else self.reason


@dataclass(frozen=True)
class Rejection:
    """A row that was skipped, with every problem found in it."""

    row: int
    line: int
    problems: tuple[Problem, ...]

    def __str__(self) -> str:
        return f"row {self.row} (line {self.line}): " + "; ".join(str(p) for p in self.problems)


@dataclass(frozen=True)
class MappedCase:
    """The case graph of one row."""

    row: int
    case: URIRef
    triples: tuple[Triple, ...]


@dataclass
class ImportSummary:
    """How many rows were read, imported and rejected."""

    source: str
    read: int = 0
    imported: int = 0
    rejected: int = 0
    ignored_columns: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        return (
            f"{self.source}: read {self.read} row(s), imported {self.imported}, "
            f"rejected {self.rejected}"
        )


class CsvSource:
    """A CSV file opened through a mapping; iterate it for :class:`MappedCase` and
    :class:`Rejection` items in row order.

    The header is read and checked on construction, so a wrong file fails before any output.
    """

    def __init__(self, path: Path, mapping: Mapping, *, case_base: str = CASE_BASE) -> None:
        self.path = Path(path)
        self.mapping = mapping
        self.case_base = case_base
        self.summary = ImportSummary(source=self.path.name)
        try:
            self._file: BinaryIO = self.path.open("rb")
        except OSError as exc:
            raise InputError(exc.strerror or str(exc), source=str(path)) from None
        try:
            self._reader = csv.reader(self._lines(), delimiter=mapping.delimiter, strict=True)
            header = self._next_row()
            if header is None:
                raise self._error("the file is empty: no header")
            self._header = header
            self._index = self._check_header(header)
        except BaseException:
            self._file.close()
            raise
        self._rule_index = [(rule, self._index.get(rule.column)) for rule in mapping.rules]
        self._file_key = self.path.name

    # -- reading ------------------------------------------------------------------------------

    def _error(self, message: str, line: int | None = None) -> InputError:
        return InputError(message, source=str(self.path), line=line)

    def _lines(self) -> Iterator[str]:
        """The file's lines as text, decoded one by one so that an error names its line."""
        for number, raw in enumerate(self._file, 1):
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise self._error(f"not UTF-8 text ({exc.reason})", line=number) from None

    def _next_row(self) -> list[str] | None:
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise self._error(f"not readable as CSV: {exc}", line=self._reader.line_num) from None

    def _check_header(self, header: list[str]) -> dict[str, int]:
        index: dict[str, int] = {}
        for i, name in enumerate(header):
            if name in index:
                raise self._error(f"the header names column {name!r} twice", line=1)
            index[name] = i
        missing = [c for c in self.mapping.required if c not in index]
        if missing:
            raise self._error(
                f"the header lacks the {self.mapping.name} column(s) {', '.join(missing)}", line=1
            )
        known = set(self.mapping.columns)
        self.summary.ignored_columns = tuple(c for c in header if c not in known)
        return index

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[MappedCase | Rejection]:
        seen_ids: dict[str, int] = {}
        row_number = 0
        while True:
            line = self._reader.line_num + 1
            cells = self._next_row()
            if cells is None:
                return
            if not cells:  # a blank line holds no record
                continue
            row_number += 1
            self.summary.read += 1
            item = self._map_row(row_number, line, cells, seen_ids)
            if isinstance(item, Rejection):
                self.summary.rejected += 1
            else:
                self.summary.imported += 1
            yield item

    # -- mapping one row ----------------------------------------------------------------------

    def case_id(self, row: int) -> str:
        digest = hashlib.sha256(f"{self._file_key}\n{row}".encode()).hexdigest()[:16]
        return f"{self.mapping.id_prefix}-{digest}"

    def _map_row(
        self, row: int, line: int, cells: list[str], seen_ids: dict[str, int]
    ) -> MappedCase | Rejection:
        if len(cells) != len(self._header):
            return Rejection(
                row,
                line,
                (
                    Problem(
                        None, f"the row has {len(cells)} cell(s), the header {len(self._header)}"
                    ),
                ),
            )
        problems: list[Problem] = []
        mapping = self.mapping
        id_index = self._index.get(mapping.id_column) if mapping.id_column else None
        if id_index is None:
            case_id = self.case_id(row)
        else:
            case_id = cells[id_index]
            if case_id in mapping.missing:
                problems.append(Problem(mapping.id_column, "no identifier"))
            elif not _SAFE_ID.fullmatch(case_id):
                problems.append(
                    Problem(
                        mapping.id_column,
                        f"{_show(case_id)} is not usable in an IRI "
                        "(1-100 letters, digits, '.', '_', '~' or '-')",
                    )
                )
            elif case_id in seen_ids:
                problems.append(
                    Problem(mapping.id_column, f"{_show(case_id)} repeats row {seen_ids[case_id]}")
                )
            else:
                seen_ids[case_id] = row
        case = URIRef(self.case_base + case_id)
        nodes = {
            "case": case,
            "person": URIRef(f"{case}/person"),
            "perpetrator": URIRef(f"{case}/perpetrator"),
        }
        triples: list[Triple] = []
        about_perpetrator = False
        for rule, index in self._rule_index:
            if index is None:  # an optional column this file does not have
                continue
            cell = cells[index]
            if cell in mapping.missing:
                continue
            found = self._apply(rule, cell, nodes, triples, problems)
            about_perpetrator = about_perpetrator or (found and rule.subject == "perpetrator")
        if problems:
            return Rejection(row, line, tuple(problems))
        head: list[Triple] = [
            (case, RDF.type, PAL.Case),
            (case, PAL.affectedPerson, nodes["person"]),
            (nodes["person"], RDF.type, PAL.Person),
        ]
        if about_perpetrator:
            head.append((case, PAL.perpetrator, nodes["perpetrator"]))
            head.append((nodes["perpetrator"], RDF.type, PAL.Perpetrator))
        return MappedCase(row, case, tuple(dict.fromkeys([*head, *triples])))

    def _apply(
        self,
        rule: Rule,
        cell: str,
        nodes: dict[str, URIRef],
        triples: list[Triple],
        problems: list[Problem],
    ) -> bool:
        """Add the triples one cell gives under ``rule``; record problems. True if any."""
        subject = nodes[rule.subject]
        parts = cell.split(self.mapping.separator) if rule.split else [cell]
        before = len(triples)
        for value in parts:
            if value in self.mapping.missing:
                problems.append(Problem(rule.column, f"an empty value in {_show(cell)}"))
                continue
            if rule.values is not None:
                targets = rule.values.get(value)
                if targets is None:
                    if rule.unlisted == "literal":
                        triples.append((subject, rule.predicate, Literal(value)))
                        continue
                    problems.append(
                        Problem(
                            rule.column,
                            f"{_show(value)} is not one of {', '.join(map(_show, rule.values))}",
                        )
                    )
                    continue
                for target in targets:
                    if rule.element:
                        element = URIRef(
                            f"{nodes['case']}/{_local(rule.predicate)}/{_local(target)}"
                        )
                        triples.append((subject, rule.predicate, element))
                        triples.append((element, RDF.type, target))
                    else:
                        triples.append((subject, rule.predicate, target))
            elif rule.literal is not None:
                term = self._literal(rule, value, problems)
                if term is not None:
                    triples.append((subject, rule.predicate, term))
            elif rule.iri is not None:
                if rule.pattern is not None and not rule.pattern.fullmatch(value):
                    problems.append(
                        Problem(
                            rule.column, f"{_show(value)} does not match {rule.pattern.pattern}"
                        )
                    )
                    continue
                triples.append((subject, rule.predicate, URIRef(rule.iri.format(value=value))))
        return len(triples) > before

    @staticmethod
    def _literal(rule: Rule, value: str, problems: list[Problem]) -> Literal | None:
        if rule.allowed is not None and value not in rule.allowed:
            problems.append(
                Problem(
                    rule.column,
                    f"{_show(value)} is not one of {', '.join(map(_show, rule.allowed))}",
                )
            )
            return None
        if rule.literal == "integer":
            if not _INTEGER.fullmatch(value):
                problems.append(Problem(rule.column, f"{_show(value)} is not a whole number"))
                return None
            number = int(value)
            low, high = rule.minimum, rule.maximum
            if (low is not None and number < low) or (high is not None and number > high):
                problems.append(
                    Problem(
                        rule.column,
                        f"{number} is outside {low if low is not None else ''}"
                        f"..{high if high is not None else ''}",
                    )
                )
                return None
            return Literal(number, datatype=XSD.integer)
        return Literal(value)


def _local(iri: URIRef) -> str:
    text = str(iri)
    return re.split(r"[#/]", text)[-1] or "element"


def _show(value: str, limit: int = 40) -> str:
    """A cell value for a report: quoted, and cut short."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def to_ntriples(triples: tuple[Triple, ...]) -> str:
    """N-Triples lines for ``triples`` (IRIs and literals only, as the importer makes)."""
    return "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in triples)
