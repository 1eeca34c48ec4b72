"""Checks that docs/protocol.md section 16 and the strict xfails of this suite name each other."""

from __future__ import annotations

import ast
import re
from pathlib import Path

HERE = Path(__file__).parent
PROTOCOL_MD = HERE.parent.parent / "docs" / "protocol.md"
_TEST_NAME = re.compile(r"`(test_\w+)`")


def _is_xfail(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target) == "pytest.mark.xfail"


def _xfail_tests() -> set[str]:
    names = set()
    for path in HERE.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(map(_is_xfail, node.decorator_list)):
                names.add(node.name)
    return names


def _divergences_section() -> str:
    text = PROTOCOL_MD.read_text(encoding="utf-8")
    return text[text.index("## 16 Known divergences") :]


def test_protocol_doc_names_every_xfail_when_listing_known_divergences() -> None:
    assert set(_TEST_NAME.findall(_divergences_section())) == _xfail_tests()
