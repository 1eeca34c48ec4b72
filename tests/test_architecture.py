"""Imports point one way: the apps depend on the libraries, never on each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

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
