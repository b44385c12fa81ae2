"""The ``palermo`` command line (DESIGN.md, "Command line and HTTP routes").

Exit codes: 0 success, 1 a finding the caller asked about (validation violations), 2 unreadable
input or bad usage, with a one-line reason naming the file and line.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from palermo import __version__
from palermo.errors import PalermoError

log = logging.getLogger(__name__)


class PalermoGroup(click.Group):
    """A click group that turns :class:`PalermoError` into a one-line message and an exit code."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except PalermoError as exc:
            click.echo(f"palermo: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=PalermoGroup)
@click.version_option(__version__, prog_name="palermo")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def main(verbose: int) -> None:
    """Palermo: the UN Palermo Protocols as a knowledge graph."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["json", "turtle"]), default="json", show_default=True,
    help="JSON as DESIGN.md shows it, or the pal:Assessment graph in Turtle.",
)
@click.option(
    "--reasoner", type=click.Choice(["fast", "owlrl"]), default="fast", show_default=True,
    help="The fast path, or owlrl (the reference OWL 2 RL reasoner).",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def classify(fmt: str, reasoner: str, files: tuple[Path, ...]) -> None:
    """Assess every pal:Case in FILES (TIP Protocol art. 3, SoM Protocol art. 3 and 6)."""
    from palermo.classification import assessments_to_json, assessments_to_rdf, classify
    from palermo.parsing import read_graph

    graph = read_graph(files)
    assessments = [c.assessment for c in classify(graph, reasoner=reasoner)]
    if fmt == "json":
        click.echo(json.dumps(assessments_to_json(assessments), indent=2, ensure_ascii=False))
    else:
        click.echo(assessments_to_rdf(assessments).serialize(format="turtle"))


@main.command("validate")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="A plain-text summary, JSON, or the sh:ValidationReport in Turtle.",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate_command(fmt: str, files: tuple[Path, ...]) -> None:
    """SHACL-validate FILES against the shapes (case-graph contract, privacy, partner datasets).

    The files are read into one graph. Exit 0 when it conforms (warnings are printed but
    allowed), 1 when there are violations, 2 when a file cannot be read.
    """
    from palermo.parsing import read_graph
    from palermo.validation import validate

    outcome = validate(read_graph(files))
    if fmt == "json":
        click.echo(outcome.to_json())
    elif fmt == "turtle":
        click.echo(outcome.to_turtle())
    else:
        click.echo(outcome.summary(), nl=False)
    if not outcome.conforms:
        click.get_current_context().exit(1)
