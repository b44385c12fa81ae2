"""The package's layers (DESIGN.md, "Repository layout"): imports point one way, down, and
never in a circle.

Every ``import`` and ``from ... import`` in ``service/palermo`` is read from the source (those
inside functions too: a late import is still a dependency), so that a new arrow pointing up fails
the build here rather than in a newcomer's head.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "service" / "palermo"

#: Each part of the package and its layer: a part may import only parts of a lower layer, or of
#: its own layer when no circle results.
LAYERS: dict[str, int] = {
    "palermo": 0,  # the package root: __version__
    "errors": 0,
    "resources": 0,
    "rdf": 1,
    "config": 1,
    "reasoning": 2,
    "store": 2,
    "classification": 3,
    "validation": 3,
    "sparql": 3,
    "loading": 4,
    "publishing": 4,
    "api": 5,
    "web": 5,
    "app": 6,
    "cli": 7,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The ``palermo`` modules a source file imports (resolving ``from palermo.x import y`` to
    ``palermo.x.y`` when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "palermo"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "palermo":
                continue
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return found


MODULES: dict[str, Path] = {
    _module_name(p): p for p in PACKAGE.rglob("*.py") if "_data" not in p.parts
}
GRAPH: dict[str, set[str]] = {name: _imports(path) & set(MODULES) for name, path in MODULES.items()}


def part(module: str) -> str:
    """The part of the package a module belongs to (``palermo.store.metadata`` -> ``store``)."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "palermo"


def test_every_part_has_a_layer() -> None:
    assert {part(m) for m in MODULES} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str) -> None:
    """No module imports from a higher layer."""
    up = sorted(target for target in GRAPH[module] if LAYERS[part(target)] > LAYERS[part(module)])
    assert not up, f"{module} (layer {LAYERS[part(module)]}) imports a higher layer: {up}"


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` (its nodes in order), or an empty list."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_import_cycle_between_modules() -> None:
    graph = {m: {t for t in targets if t != m} for m, targets in GRAPH.items()}
    assert _cycle(graph) == []


def test_no_import_cycle_between_parts() -> None:
    """Parts of one layer may use each other, but never both ways round."""
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in GRAPH.items():
        graph[part(module)] |= {part(t) for t in targets if part(t) != part(module)}
    assert _cycle(dict(graph)) == []


def test_only_the_api_and_the_app_factory_import_flask() -> None:
    """DESIGN.md: only ``api/`` and the app factory know HTTP frameworks."""
    flaskish = {"flask", "werkzeug", "waitress"}
    offenders = []
    for module, path in MODULES.items():
        if part(module) in {"api", "app", "cli"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0] in flaskish for n in names):
                offenders.append(module)
    assert offenders == []


def test_the_checks_see_a_violation() -> None:
    """The walk really finds arrows: the store imports rdf, and a made-up upward arrow is caught."""
    assert "palermo.rdf.namespaces" in GRAPH["palermo.store.metadata"]
    assert _cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
