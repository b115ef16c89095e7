"""The house's rules that the code must keep: no import cycles, layers, room sizes, public names.

The layers themselves are an import-linter contract (``[tool.importlinter]`` in pyproject.toml,
run by ``make test``); these tests add what import-linter does not count: imports inside
functions and under ``TYPE_CHECKING`` make cycles too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("planner", "weather")


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of planner/ and weather/."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imported(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every project module ``module`` imports, wherever the statement stands.

    ``from a.b import c`` counts ``a.b.c`` when that is a module, else ``a.b``. A package's own
    parents do not count: importing ``a.b.c`` runs ``a`` and ``a.b`` first anyway.
    """
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                targets.add(name)
    return targets


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of two or more modules (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_hand_made_cycle_and_nothing_else() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_among_planner_and_weather_modules() -> None:
    known = modules()
    graph = {m: imported(m, p, known) for m, p in known.items()}
    assert sum(len(v) for v in graph.values()) > 200, "the import graph looks empty"
    assert cycles(graph) == []


def test_weather_never_imports_planner() -> None:
    known = modules()
    offenders = {
        m: sorted(t for t in imported(m, p, known) if t.split(".")[0] == "planner")
        for m, p in known.items()
        if m.split(".")[0] == "weather"
    }
    assert {m: t for m, t in offenders.items() if t} == {}


def private_imports(path: Path) -> list[str]:
    """Every import in ``path`` of a ``_private`` name or module of planner/ or weather/.

    ``from a.b import _c`` and ``import a._b`` count; dunders (``__version__``) do not, nor do
    imports from outside the project (``from __future__``, ``requests_cache``...).
    """

    def private(name: str) -> bool:
        return any(p.startswith("_") and not p.startswith("__") for p in name.split("."))

    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in PACKAGES:
                continue
            names = [a.name for a in node.names]
            if private(node.module) or any(private(n) for n in names):
                found.append(f"line {node.lineno}: from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            found.extend(
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name.split(".")[0] in PACKAGES and private(a.name)
            )
    return found


def test_private_import_finder_finds_hand_made_ones(tmp_path: Path) -> None:
    code = tmp_path / "m.py"
    code.write_text(
        "from __future__ import annotations\n"
        "import planner.ops.store._codec\n"
        "from planner.ops.report.svg import _HOUR, line_chart_svg\n"
        "from planner import __version__\n"
        "from requests_cache import _utils\n"
        "def f():\n"
        "    from weather.http import _sleep\n"
    )
    assert private_imports(code) == [
        "line 2: import planner.ops.store._codec",
        "line 3: from planner.ops.report.svg import _HOUR, line_chart_svg",
        "line 7: from weather.http import _sleep",
    ]


def test_no_private_name_is_imported_from_another_module() -> None:
    files = [*modules().values(), *(ROOT / "benchmarks").glob("*.py"), ROOT / "app.py"]
    found = {str(p.relative_to(ROOT)): hits for p in files if (hits := private_imports(p))}
    assert found == {}


def test_every_module_of_planner_and_weather_stays_under_600_lines() -> None:
    lines = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in modules().values()
    }
    assert len(lines) > 150, "found too few modules"
    assert {f: n for f, n in lines.items() if n > 600} == {}


def imports_outside(path: Path, allowed: tuple[str, ...]) -> list[str]:
    """Every import in ``path`` of a planner/ or weather/ module that ``allowed`` does not name,
    wherever it stands. ``a.b`` allows that module only, ``a.b.*`` it and every module inside.

    ``from a.b import c`` counts as importing ``a.b``; ``import a.b`` as ``a.b``.
    """

    def fine(name: str) -> bool:
        return any(
            name == a.removesuffix(".*") or (a.endswith(".*") and name.startswith(a[:-1]))
            for a in allowed
        )

    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found.extend(
            f"line {node.lineno}: {name}"
            for name in names
            if name.split(".")[0] in PACKAGES and not fine(name)
        )
    return found


def test_outside_import_finder_finds_hand_made_ones(tmp_path: Path) -> None:
    code = tmp_path / "page.py"
    code.write_text(
        "from typing import TYPE_CHECKING\n"
        "import streamlit as st\n"
        "from planner import Fleet, format_usd\n"
        "from planner.surfaces import app as sup\n"
        "from planner.surfaces.app import notices\n"
        "from planner.ops.report import format_eh_s\n"
        "import planner.engine.compare\n"
        "if TYPE_CHECKING:\n"
        "    from planner.world.feeds import FeedMode\n"
        "def f():\n"
        "    from weather.http import get\n"
    )
    assert imports_outside(code, ("planner", "planner.surfaces.*")) == [
        "line 6: planner.ops.report",
        "line 7: planner.engine.compare",
        "line 9: planner.world.feeds",
        "line 11: weather.http",
    ]
    assert imports_outside(code, ("planner.surfaces",)) == [
        "line 3: planner",
        "line 5: planner.surfaces.app",
        "line 6: planner.ops.report",
        "line 7: planner.engine.compare",
        "line 9: planner.world.feeds",
        "line 11: weather.http",
    ]


#: What a surface may import of the project: the public names, the other surfaces, and the
#: bottom modules below every layer (the input checks, the quiet stdout, the error tree).
SURFACE_IMPORTS = (
    "planner",
    "planner.surfaces.*",
    "planner.inputs",
    "planner.quiet",
    "planner.errors",
)


def test_the_app_page_imports_only_planner_and_its_surfaces() -> None:
    assert imports_outside(ROOT / "app.py", ("planner", "planner.surfaces.*")) == []


def test_surfaces_import_only_the_public_names_other_surfaces_and_the_bottom() -> None:
    # The import-linter contract says so too; this counts every statement, wherever it stands.
    surfaces = {m: p for m, p in modules().items() if m.startswith("planner.surfaces")}
    assert len(surfaces) > 10
    found = {m: hits for m, p in surfaces.items() if (hits := imports_outside(p, SURFACE_IMPORTS))}
    assert found == {}
