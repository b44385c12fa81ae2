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
    """The folder that holds ``ontology/``, ``shapes/``, ``queries/`` and ``examples/``."""
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
    """Every Turtle file of the ontology, in a stable order."""
    return sorted(ontology_dir().glob("*.ttl"))


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
