"""Imports point one way: the apps depend on the libraries, never on each other; inside each
package no two modules import each other, even through others, and a sub-package is entered
only through its door (its `__init__`).

The import graph comes from grimp: every `import` and `from … import` statement of a module,
relative or absolute, at the top or inside a function, counts. Imports under
`if TYPE_CHECKING:` never run, so they make no circle (they are left out of the cycle check);
they still go through doors like any other import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("township_node", "central_hub", "casework", "sync_protocol")

# package -> packages of ours it must never import
FORBIDDEN = {
    "township_node": {"central_hub"},
    "central_hub": {"township_node"},
    "casework": {"township_node", "central_hub", "sync_protocol"},
    "sync_protocol": {"township_node", "central_hub", "casework"},
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package):
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN[package]
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["township_node", "central_hub"])
def test_apps_use_only_the_public_protocol_namespace(package):
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path)
        if name.startswith("sync_protocol._")
    ]
    assert offenders == []


# --- the graph of imports between modules -------------------------------------------------


def import_graph(*packages: str, type_checking: bool) -> dict[str, set[str]]:
    """Module -> the modules of these packages it imports directly (other packages' left out)."""
    graph = grimp.build_graph(
        *packages, exclude_type_checking_imports=not type_checking, cache_dir=None
    )
    return {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}


def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Each circle of imports, as one path round it (first module repeated at the end).

    One circle per strongly connected component (Tarjan's algorithm), the shortest one
    through its first module by name, so a failure names a circle a person can follow.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.get(module, ())):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1 or module in graph.get(module, ()):
                components.append(component)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(_shortest_circle(graph, component) for component in components)


def _shortest_circle(graph: Mapping[str, Iterable[str]], component: set[str]) -> list[str]:
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for imported in sorted(graph.get(module, ())):
                if imported == start:
                    return [*paths[module], start]
                if imported in component and imported not in paths:
                    paths[imported] = [*paths[module], imported]
                    following.append(imported)
        frontier = following
    raise AssertionError(f"no circle through {start}")  # a component always has one


def door_violations(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Imports that reach into a sub-package past its door.

    A module inside a sub-package (any package below a top one) may be imported directly only
    by modules of that same sub-package; every other module imports the sub-package itself.
    """
    return [
        f"{importer} imports {imported}, not its door {door}"
        for importer, imported_modules in sorted(graph.items())
        for imported in sorted(imported_modules)
        if (door := _door_passed(importer, imported))
    ]


def _door_passed(importer: str, imported: str) -> str | None:
    """The outermost sub-package that holds `imported` (below its door) but not `importer`."""
    parts = imported.split(".")
    for depth in range(2, len(parts)):
        package = ".".join(parts[:depth])
        if not (importer == package or importer.startswith(package + ".")):
            return package
    return None


def test_no_module_imports_itself_through_others():
    assert import_cycles(import_graph(*PACKAGES, type_checking=False)) == []


def test_sub_packages_are_entered_only_through_their_door():
    graph = import_graph(*PACKAGES, type_checking=True)
    assert door_violations(graph) == []


def test_hub_keeps_fewer_than_a_dozen_modules_at_its_top():
    # A new concept becomes a sub-package; the top holds the app, serving, USB and foundation.
    top = sorted(path.name for path in (ROOT / "central_hub").glob("*.py"))
    assert len(top) < 12, top


# --- the checks themselves catch what they are for ------------------------------------------


def _write_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_cycle_check_finds_a_circle_through_a_function_level_import(tmp_path, monkeypatch):
    _write_package(
        tmp_path,
        {
            "circled/__init__.py": "",
            "circled/a.py": "from . import b\n",
            "circled/b.py": "from .c import thing\n",
            "circled/c.py": "def thing():\n    from .a import b\n",
            "circled/d.py": "from .a import b\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    cycles = import_cycles(import_graph("circled", type_checking=False))
    assert cycles == [["circled.a", "circled.b", "circled.c", "circled.a"]]


def test_cycle_check_ignores_an_import_only_for_type_checking(tmp_path, monkeypatch):
    _write_package(
        tmp_path,
        {
            "typed/__init__.py": "",
            "typed/a.py": "from .b import B\n",
            "typed/b.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .a import A\n"
                "class B: ...\n"
            ),
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(import_graph("typed", type_checking=False)) == []
    assert import_cycles(import_graph("typed", type_checking=True)) == [
        ["typed.a", "typed.b", "typed.a"]
    ]


def test_door_check_finds_an_import_past_a_door(tmp_path, monkeypatch):
    _write_package(
        tmp_path,
        {
            "house/__init__.py": "",
            "house/room/__init__.py": "from .bed import Bed\n",
            "house/room/bed.py": "class Bed: ...\n",
            "house/room/lamp.py": "from .bed import Bed\n",
            "house/hall.py": "from .room import Bed\n",
            "house/kitchen.py": "from .room.bed import Bed\n",
            "house/study.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from house.room.lamp import Lamp\n"
            ),
            "street/__init__.py": "",
            "street/shop.py": "from house.room import bed\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = import_graph("house", "street", type_checking=True)
    assert door_violations(graph) == [
        "house.kitchen imports house.room.bed, not its door house.room",
        "house.study imports house.room.lamp, not its door house.room",
        "street.shop imports house.room.bed, not its door house.room",
    ]


def test_cycle_check_names_the_shortest_circle_of_each_tangle():
    graph = {
        "p.a": {"p.b"},
        "p.b": {"p.c", "p.a"},
        "p.c": {"p.a"},
        "p.d": {"p.d"},  # a module importing itself
        "p.e": {"p.a", "p.d"},  # imports into circles without being in one
        "p.f": {"p.e"},
    }
    assert import_cycles(graph) == [["p.a", "p.b", "p.a"], ["p.d", "p.d"]]
    assert import_cycles({"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": set()}) == []


def test_door_check_lets_a_sub_package_use_its_own_modules_and_doors_only():
    graph = {
        "p.room": {"p.room.bed"},  # a door reads its own modules
        "p.room.lamp": {"p.room.bed", "p.room.closet"},
        "p.room.bed": {"p.room.closet.shelf"},  # past the closet's door, from the room
        "p.room.closet": {"p.room.closet.shelf"},
        "p.room.closet.shelf": set(),
        "p.hall": {"p.room", "p.store"},
        "p.attic": {"p.room.closet"},  # the closet's door, but inside the room's
        "q.shop": {"p.room", "p.hall"},
    }
    assert door_violations(graph) == [
        "p.attic imports p.room.closet, not its door p.room",
        "p.room.bed imports p.room.closet.shelf, not its door p.room.closet",
    ]
