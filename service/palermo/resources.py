"""The one module that knows where the ontology, shapes, queries and examples live.

In a wheel they are installed as ``palermo/_data/...``; in a source checkout (editable install)
they are the top-level folders of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DATA = Path(__file__).resolve().parent / "_data"
_SOURCE_ROOT = Path(__file__).resolve().parents[2]


@cache
def data_root() -> Path:
    """The folder holding ``ontology/``, ``shapes/``, ``queries/``, ``contexts/``, ``examples/``."""
    if (_PACKAGE_DATA / "ontology").is_dir():
        return _PACKAGE_DATA
    return _SOURCE_ROOT


def ontology_dir() -> Path:
    return data_root() / "ontology"


def shapes_dir() -> Path:
    return data_root() / "shapes"


def queries_dir() -> Path:
    return data_root() / "queries"


def examples_dir() -> Path:
    return data_root() / "examples"


def ontology_files() -> list[Path]:
    """Every Turtle file of the ontology, in a stable order: the files the reasoner loads.

    Only the top level of ``ontology/``: the optional alignments in ``ontology/alignments/``
    (mappings to Wikidata, schema.org, PROV-O, FOAF, ORG...) are published but never reasoned
    with, so that they cannot change how a case is classified.
    """
    return sorted(ontology_dir().glob("*.ttl"))


def alignment_files() -> list[Path]:
    """The optional alignments (``ontology/alignments/*.ttl``), outside the reasoning set."""
    return sorted((ontology_dir() / "alignments").glob("*.ttl"))


def jsonld_context_file() -> Path:
    """The JSON-LD context for case graphs (``contexts/palermo.jsonld``)."""
    return data_root() / "contexts" / "palermo.jsonld"


_PACKAGE = Path(__file__).resolve().parent


def template_dir() -> Path:
    """The Jinja templates of the generated documentation (shipped inside the package)."""
    return _PACKAGE / "publishing" / "templates"


def web_dir() -> Path:
    """The web page's templates and static files (``web/templates``, ``web/static``)."""
    return _PACKAGE / "web"


def mappings_dir() -> Path:
    """The importers' shipped mapping files (``loading/importers/mappings/*.toml``)."""
    return _PACKAGE / "loading" / "importers" / "mappings"


def shapes_files() -> list[Path]:
    """Every Turtle file of the shapes, in a stable order."""
    return sorted(shapes_dir().glob("*.ttl"))


def query_file(name: str, folder: str = "") -> Path:
    """The path of the named query ``name`` (without ``.rq``), in ``queries/`` or a subfolder."""
    return queries_dir() / folder / f"{name}.rq"


def query_files(folder: str = "") -> list[Path]:
    """The ``.rq`` files of ``queries/`` (or of one subfolder), in a stable order."""
    return sorted((queries_dir() / folder).glob("*.rq"))


def example_files() -> list[Path]:
    """The example case graphs."""
    return sorted(examples_dir().glob("*.ttl"))
