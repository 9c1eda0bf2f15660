"""Imports only point down the layers: ``routing`` -> ``geomap`` -> ``api``.

* ``routing/`` imports nothing from ``geomap`` or ``api`` (the engine knows nothing of the
  registry or HTTP), and its modules form no import cycle;
* ``geomap/`` imports nothing from ``api`` except where the CLI starts the server
  (:data:`ALLOWED_UP`).

Every ``import`` and ``from … import`` is read with :mod:`ast`, at module level and inside
functions alike, so a lazy import that points up fails too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT

LAYERS = {"routing": 0, "geomap": 1, "api": 2}

#: (importing module, imported package) pairs that may point up, and why.
ALLOWED_UP = {
    ("geomap.cli.serve", "api"): "the CLI starts the HTTP server (geomap serve)",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes inside ``if TYPE_CHECKING:`` blocks (never run)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                found.update(id(n) for n in ast.walk(inner))
    return found


def imports(path: Path, *, runtime_only: bool = False) -> Iterator[tuple[str, int]]:
    """Every absolute module name ``path`` imports, with its line.

    With ``runtime_only``, imports for type checkers only (under ``if TYPE_CHECKING:``) are
    left out: they make no import cycle when the code runs.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _type_only(tree) if runtime_only else set()
    package = (
        module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else (module_name(path))
    )
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the package
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield name, node.lineno
            for alias in node.names:  # "from routing import errors" names a module too
                yield f"{name}.{alias.name}", node.lineno


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def upward(path: Path) -> list[str]:
    here = module_name(path)
    layer = LAYERS[here.split(".")[0]]
    found = []
    for name, line in imports(path):
        top = name.split(".")[0]
        if top in LAYERS and LAYERS[top] > layer and (here, top) not in ALLOWED_UP:
            found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return sorted(set(found))


@pytest.mark.parametrize("package", ["routing", "geomap", "api"])
def test_imports_only_point_down(package: str) -> None:
    bad = [line for path in sources(package) for line in upward(path)]
    assert not bad, "imports pointing up the layers:\n" + "\n".join(bad)


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: a routing module importing geomap is caught."""
    probe = ROOT / "routing" / "_layer_probe.py"
    probe.write_text("def f():\n    from geomap.errors import GeomapError\n", encoding="utf-8")
    try:
        assert upward(probe) == [
            "routing/_layer_probe.py:2 imports geomap.errors",
            "routing/_layer_probe.py:2 imports geomap.errors.GeomapError",
        ]
    finally:
        probe.unlink()


def test_no_import_cycle_inside_routing() -> None:
    modules = {module_name(p): p for p in sources("routing")}
    graph = {
        name: {
            target
            for imported, _ in imports(path, runtime_only=True)
            for target in (imported, imported.rsplit(".", 1)[0])
            if target in modules and target != name
        }
        for name, path in modules.items()
    }
    graph["routing"] = set()  # the package's __init__ re-exports; modules never import it
    for targets in graph.values():
        targets.discard("routing")
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                pytest.fail("import cycle in routing: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
