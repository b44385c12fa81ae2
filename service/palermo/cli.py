"""The ``palermo`` command line (DESIGN.md, "Command line and HTTP routes").

Exit codes: 0 success, 1 a finding the caller asked about (validation violations), 2 unreadable
input or bad usage, with a one-line reason naming the file and line.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from palermo import __version__
from palermo.errors import PalermoError

if TYPE_CHECKING:
    from palermo.classification.classifier import Reasoner

log = logging.getLogger(__name__)


class PalermoGroup(click.Group):
    """A click group that turns :class:`PalermoError` into a one-line message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
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
    # The audit trail (one line per write, never content) is written whatever the verbosity.
    from palermo.rdf.terms import keep_case_content_out_of_logs
    from palermo.store.access import AUDIT_LOGGER

    logging.getLogger(AUDIT_LOGGER).setLevel(logging.INFO)
    keep_case_content_out_of_logs()


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "turtle", "text"]),
    default=None,
    help="JSON as DESIGN.md shows it (the default), the pal:Assessment graph in Turtle, or "
    "readable text (the default with --explain).",
)
@click.option(
    "--reasoner",
    type=click.Choice(["fast", "owlrl"]),
    default="fast",
    show_default=True,
    help="The fast path, or owlrl (the reference OWL 2 RL reasoner).",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Give each answer its proof: from the input's lines and the ontology's axioms, rule by "
    "rule (OWL 2 RL names), to the classes the decision rules read and the articles.",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def classify(fmt: str | None, reasoner: str, explain: bool, files: tuple[Path, ...]) -> None:
    """Assess every pal:Case in FILES (TIP Protocol art. 3, SoM Protocol art. 3 and 6)."""
    from palermo.classification.proofs import assessment_proof_triples, proof_text
    from palermo.classification.results import assessments_to_json, assessments_to_rdf
    from palermo.rdf.parsing import read_graph, to_graph
    from palermo.rdf.positions import read_located
    from palermo.rdf.terms import graph_of

    fmt = fmt or ("text" if explain else "json")
    classifier = _classifier()
    if explain:
        located = read_located(files)
        results = classifier.classify(
            to_graph(located.quads),
            cast("Reasoner", reasoner),
            explain=True,
            sources=located.sources,
            prefixes=located.prefixes,
        )
    else:
        results = classifier.classify(read_graph(files), cast("Reasoner", reasoner))
    assessments = [c.assessment for c in results]
    if fmt == "json":
        answer = assessments_to_json(assessments, classifier.ontology.version)
        if explain:
            for item, c in zip(answer["cases"], results, strict=True):
                item["proof"] = c.proof.to_json()
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
    elif fmt == "text":
        click.echo("\n\n".join(proof_text(c.assessment, c.proof) for c in results))
    else:
        graph = assessments_to_rdf(assessments)
        if explain:
            graph += graph_of(
                [t for c in results for t in assessment_proof_triples(c.assessment, c.proof)]
            )
        click.echo(graph.serialize(format="turtle"))


@main.command("validate")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="A plain-text summary, JSON, or the sh:ValidationReport in Turtle.",
)
@click.option(
    "--engine",
    type=click.Choice(["fast", "pyshacl"]),  # palermo.validation.validator.ENGINES
    default="fast",
    show_default=True,
    help="The fast engine (the shapes compiled to SPARQL on Oxigraph) or pySHACL, the "
    "reference. Both give the same report.",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate_command(fmt: str, engine: str, files: tuple[Path, ...]) -> None:
    """SHACL-validate FILES against the shapes (case-graph contract, privacy, partner datasets).

    The files are read into one graph. Exit 0 when it conforms (warnings are printed but
    allowed), 1 when there are violations, 2 when a file cannot be read.
    """
    from palermo.validation.shapes import load_shapes
    from palermo.validation.validator import validate_files

    outcome = validate_files(files, shapes=load_shapes(), engine=engine)
    if fmt == "json":
        click.echo(outcome.to_json())
    elif fmt == "turtle":
        click.echo(outcome.to_turtle())
    else:
        click.echo(outcome.summary(), nl=False)
    if not outcome.conforms:
        click.get_current_context().exit(1)


# ------------------------------------------------------------------------------------------------
# The service: serve, load, query (issue 3). They read PALERMO_DATA_DIR like the service does.


def _service_config(data_dir: Path | None = None, memory: bool = False) -> dict:
    from palermo.config import load_config

    overrides: dict = {}
    if memory:
        overrides["MEMORY"] = True
    elif data_dir is not None:
        overrides["DATA_DIR"] = str(data_dir)
        overrides["MEMORY"] = False
    return load_config(overrides)


def _classifier(config: dict | None = None):
    """The classifier of one command, over the packaged ontology."""
    from palermo.classification.classifier import Classifier
    from palermo.config import load_config
    from palermo.reasoning.ontology import load_ontology

    config = config or load_config()
    return Classifier(load_ontology(), case_base=str(config["CASE_BASE"]))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--data-dir", type=click.Path(path_type=Path), help="Store folder.")
@click.option("--memory", is_flag=True, help="Keep the store in memory (lost on exit).")
@click.option("--examples", is_flag=True, help="Load examples/*.ttl as a public dataset.")
@click.option("--threads", default=32, show_default=True, type=int, help="waitress threads.")
def serve_command(
    host: str, port: int, data_dir: Path | None, memory: bool, examples: bool, threads: int
) -> None:
    """Run the service on waitress (a production WSGI server)."""
    import waitress

    from palermo.app import close_app, create_app

    if data_dir is not None and memory:
        raise click.UsageError("give --data-dir or --memory, not both")
    config = _service_config(data_dir, memory)
    if examples:
        config["LOAD_EXAMPLES"] = True
    app = create_app(config)
    where = config.get("STORE_URL") or ("memory" if config.get("MEMORY") else config["DATA_DIR"])
    click.echo(f"palermo: serving http://{host}:{port}/ (store: {where})", err=True)
    # SIGTERM (a process manager stopping the service) ends it like Ctrl-C: close_app runs, so
    # running validation jobs are put back in the queue and the store is flushed.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    # waitress reads a whole body before the app sees it: no more than the largest the app takes.
    largest = max(int(config["MAX_BODY_BYTES"]), int(config["MAX_VALIDATION_BYTES"]))
    try:
        waitress.serve(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="palermo",
            max_request_body_size=largest,
        )
    finally:
        close_app(app)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@main.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--public", is_flag=True, help="Mark the dataset public (default: private).")
@click.option("--dataset", default=None, help="Dataset name (default: 'public' or 'private').")
@click.option("--reasoner", type=click.Choice(["fast", "owlrl"]), default=None)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Classify in this many processes (helps for large files).",
)
@click.option(
    "--batch-size",
    default=200,
    show_default=True,
    type=click.IntRange(1),
    help="Cases per atomic store write.",
)
def load_command(
    files: tuple[Path, ...],
    public: bool,
    dataset: str | None,
    reasoner: str | None,
    workers: int,
    batch_size: int,
) -> None:
    """Load case data into the store, classified; every case with its assessment.

    If the store fails part-way, the cases not stored are listed on stdout, one IRI a line, and
    the exit code is 1; each case is stored whole or not at all, and loading again finishes.
    """
    from tqdm import tqdm

    from palermo.loading.casegraphs import load_service_graphs
    from palermo.loading.load import load
    from palermo.loading.parallel import LoadIncomplete
    from palermo.store.backends import open_store

    config = _service_config()
    classifier = _classifier(config)
    store = open_store(config)
    name = dataset or ("public" if public else "private")
    try:
        load_service_graphs(store)
        with tqdm(
            unit="case", file=sys.stderr, desc="load", disable=not sys.stderr.isatty()
        ) as bar:
            summary = load(
                store,
                files=list(files),
                dataset=name,
                public=public,
                classifier=classifier,
                reasoner=cast("Reasoner", reasoner or config["REASONER"]),
                workers=workers,
                batch_size=batch_size,
                progress=bar.update,
            )
    except LoadIncomplete as exc:
        _audit_load(
            "load", name, public, cases=exc.stored, notStored=len(exc.not_stored), outcome="partial"
        )
        for case in exc.not_stored:
            click.echo(case)
        raise
    except Exception:
        _audit_load("load", name, public, files=len(files), outcome="failed")
        raise
    finally:
        store.close()
    _audit_load("load", name, public, cases=summary.cases, files=len(files), outcome="ok")
    click.echo(f"palermo: loaded {summary.cases} case(s) from {len(files)} file(s)", err=True)


def _audit_load(action: str, dataset: str, public: bool, **facts: object) -> None:
    """The audit line of a load from the command line: who (``cli:USER``), the action, how many
    cases, into which dataset, public or not, and the outcome; never a case IRI or content."""
    from palermo.store.access import audit_write, cli_principal

    audit_write(cli_principal(), action, [], dataset=dataset, public=public, **facts)


@main.command("token-hash")
def token_hash_command() -> None:
    """Print the 'sha256:HEX' form of the token read from stdin, for PALERMO_TOKENS.

    Configure 'sha256:HEX:scope' instead of 'token:scope' so that no configuration file holds
    a usable secret: printf %s "$TOKEN" | palermo token-hash
    """
    from palermo.errors import InputError
    from palermo.store.access import token_hash

    raw = sys.stdin.buffer.read()
    try:
        token = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InputError("the token on stdin is not UTF-8 text", source="stdin") from None
    if not token or any(c.isspace() for c in token):
        raise InputError(
            "give one token on stdin (not empty, no spaces: a bearer token is one word)",
            source="stdin",
        )
    click.echo(token_hash(token))


@main.command("query")
@click.argument("query", required=False)
@click.option("--name", help="Run the named query NAME (queries/NAME.rq).")
@click.option("--param", "params", multiple=True, help="NAME=VALUE for a named query's parameter.")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv", "tsv"]), default="json", show_default=True
)
def query_command(query: str | None, name: str | None, params: tuple[str, ...], fmt: str) -> None:
    """Run a SPARQL query (text, or @FILE) or a named query on the store."""
    import pyoxigraph as ox

    from palermo.errors import InputError
    from palermo.sparql.named import get_named_query, load_named_queries
    from palermo.sparql.runner import QueryRunner
    from palermo.store.backends import open_store

    if (query is None) == (name is None):
        raise click.UsageError("give a QUERY or --name NAME")
    if name is not None:
        values = {}
        for p in params:
            key, sep, value = p.partition("=")
            if not sep:
                raise click.UsageError(f"--param {p!r}: write NAME=VALUE")
            values[key] = value
        text = get_named_query(load_named_queries(), name).bind(values)
    elif query is not None and query.startswith("@"):
        try:
            text = Path(query[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(exc.strerror or str(exc), source=query[1:]) from None
    else:
        text = query or ""
    config = _service_config()
    store = open_store(config)
    runner = QueryRunner(
        timeout=float(config["QUERY_TIMEOUT"]),
        max_rows=int(config["MAX_RESULT_ROWS"]),
        isolation=str(config["QUERY_ISOLATION"]),
        memory_mb=int(config["QUERY_MEMORY_MB"]),
    )
    try:
        result = runner.run(store, text)
    finally:
        runner.close()
        store.close()
    if result.kind == "graph":
        sys.stdout.buffer.write(
            ox.serialize(list(result.triples), format=ox.RdfFormat.N_TRIPLES) or b""
        )
        return
    formats = {
        "json": ox.QueryResultsFormat.JSON,
        "csv": ox.QueryResultsFormat.CSV,
        "tsv": ox.QueryResultsFormat.TSV,
    }
    sys.stdout.buffer.write(result.serialize(formats[fmt]))
    if fmt == "json":
        sys.stdout.write("\n")


# ------------------------------------------------------------------------------------------------
# palermo import: CSV datasets to case graphs, through a mapping file (palermo.loading.importers).


@main.group("import")
def import_group() -> None:
    """Import a CSV dataset as case graphs, through a mapping you can read and change.

    The shipped mappings are palermo/importers/mappings/ctdc.toml and htcds.toml; --mapping FILE
    uses another. Bad rows are reported on stderr with their row number, column and reason, and
    skipped; a summary says how many rows were read, imported and rejected.
    """


def _import_options(command):
    options = [
        click.argument("csv_file", metavar="CSV", type=click.Path(path_type=Path)),
        click.option(
            "-o",
            "--output",
            type=click.Path(path_type=Path),
            help="Write the case graphs as N-Triples to this file ('-' for stdout).",
        ),
        click.option(
            "--load",
            is_flag=True,
            help="Load the cases into the store (PALERMO_DATA_DIR), classified.",
        ),
        click.option("--public", is_flag=True, help="With --load: mark the dataset public."),
        click.option(
            "--dataset",
            default=None,
            help="With --load: dataset name (default: 'public' or 'private').",
        ),
        click.option(
            "--reasoner",
            type=click.Choice(["fast", "owlrl"]),
            default="fast",
            show_default=True,
            help="With --load: the classifier's reasoning path.",
        ),
        click.option(
            "--mapping",
            "mapping_file",
            type=click.Path(path_type=Path),
            help="A mapping file to use instead of the shipped one.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@import_group.command("ctdc")
@_import_options
def import_ctdc(**options) -> None:
    """Import the CTDC condensed victim-perpetrator CSV (DESIGN.md, "CTDC mapping")."""
    _run_import("ctdc", **options)


@import_group.command("htcds")
@_import_options
def import_htcds(**options) -> None:
    """Import an HTCDS-style CSV (IOM Human Trafficking Case Data Standard fields; the expected
    header is written at the top of the htcds mapping file)."""
    _run_import("htcds", **options)


def _count_lines(path: Path) -> int | None:
    try:
        with path.open("rb") as f:
            return max(
                sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1, 0
            )
    except OSError:
        return None


def _run_import(
    kind: str,
    csv_file: Path,
    output: Path | None,
    load: bool,
    public: bool,
    dataset: str | None,
    reasoner: str,
    mapping_file: Path | None,
    quiet: bool,
) -> None:
    import os
    import time

    from tqdm import tqdm

    from palermo.loading.importers import CsvSource, Rejection, load_mapping, to_ntriples

    started = time.perf_counter()
    config = _service_config()
    mapping = load_mapping(mapping_file or kind)
    if output is None and not load:
        output = Path("-")
    quiet = quiet or not sys.stderr.isatty()
    source = CsvSource(csv_file, mapping, case_base=str(config["CASE_BASE"]))
    cases: list = []
    part = None
    sink = None
    try:
        if output is not None:
            if str(output) == "-":
                sink = sys.stdout
            else:
                part = output.with_name(output.name + ".part")
                sink = part.open("w", encoding="utf-8")
        with tqdm(
            total=_count_lines(csv_file), unit="row", file=sys.stderr, disable=quiet, desc="read"
        ) as bar:
            for item in source:
                bar.update(1)
                if isinstance(item, Rejection):
                    tqdm.write(f"palermo: {csv_file.name}: {item}", file=sys.stderr)
                    continue
                if sink is not None:
                    sink.write(to_ntriples(item.triples))
                if load:
                    cases.append(item.triples)
        if part is not None and sink is not None and output is not None:
            sink.close()
            os.replace(part, output)
            part = None
    finally:
        source.close()
        if part is not None and sink is not None:
            sink.close()
            part.unlink(missing_ok=True)
    summary = source.summary
    if summary.ignored_columns:
        # A name with a control character (a form feed, an escape sequence) is quoted, so that
        # the message stays one line and nothing reaches the terminal unescaped.
        names = (c if c.isprintable() else repr(c) for c in summary.ignored_columns)
        click.echo(
            f"palermo: {csv_file.name}: columns not in the {mapping.name} mapping, "
            f"ignored: {', '.join(names)}",
            err=True,
        )
    click.echo(f"palermo: {summary}", err=True)
    if not load:
        return
    from palermo.loading.casegraphs import load_service_graphs
    from palermo.loading.load import load as load_cases
    from palermo.store.backends import open_store

    classifier = _classifier(config)
    store = open_store(config)
    name = dataset or ("public" if public else "private")
    try:
        load_service_graphs(store)
        with tqdm(
            total=len(cases), unit="case", file=sys.stderr, disable=quiet, desc="classify and store"
        ) as bar:
            labels = load_cases(
                store,
                cases=cases,
                dataset=name,
                public=public,
                classifier=classifier,
                reasoner=cast("Reasoner", reasoner),
                batch_size=2000,
                progress=bar.update,
            ).labels
    except Exception:
        _audit_load(f"import-{kind}", name, public, attempted=len(cases), outcome="failed")
        raise
    finally:
        store.close()
    _audit_load(f"import-{kind}", name, public, cases=len(cases), outcome="ok")
    counts = ", ".join(f"{label} {n}" for label, n in sorted(labels.items(), key=lambda x: -x[1]))
    click.echo(
        f"palermo: loaded {len(cases)} case(s) in {time.perf_counter() - started:.1f} s; "
        f"labels: {counts or 'none'}",
        err=True,
    )
