"""The ``palermo`` command line (DESIGN.md, "Command line and HTTP routes").

Exit codes: 0 success, 1 a finding the caller asked about (validation violations), 2 unreadable
input or bad usage, with a one-line reason naming the file and line.
"""

from __future__ import annotations

import logging
import sys

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
