"""Provides the vector blocks of docs/protocol.md: render them, read them, rewrite them in place.

Each displayed vector is a fenced block behind a `<!-- vector: dotted.path -->` marker, so
tests can compare the document with vectors.json and `make_vectors.py --update-doc` can
rewrite every block without touching the prose around it.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["displayed_paths", "doc_blocks", "is_hex_path", "render_markdown", "update_doc"]

_BLOCK = re.compile(r"<!-- vector: ([\w.]+) -->\n```[\w-]*\n(.*?)\n```\n(\n)?", re.DOTALL)
_HEX_WIDTH = 64


def displayed_paths(vectors: Any, prefix: str = "") -> dict[str, str]:
    """Every string the doc must show, by dotted path; `inputs` and `about` are not shown."""
    if isinstance(vectors, str):
        return {prefix: vectors}
    items = enumerate(vectors) if isinstance(vectors, list) else vectors.items()
    found: dict[str, str] = {}
    for key, value in items:
        if key in ("inputs", "about"):
            continue
        found |= displayed_paths(value, f"{prefix}.{key}" if prefix else str(key))
    return found


def is_hex_path(path: str) -> bool:
    """Whether the vector at `path` is hex (shown wrapped; compared with whitespace removed)."""
    return path.endswith(("_hex", "_sha256", "hash"))


def _fence_language(path: str) -> str:
    if is_hex_path(path):
        return "hex"
    return "json" if path.endswith("_text") else "text"


def _render_block(path: str, value: str) -> str:
    if is_hex_path(path):
        value = "\n".join(value[i : i + _HEX_WIDTH] for i in range(0, len(value), _HEX_WIDTH))
    return f"<!-- vector: {path} -->\n```{_fence_language(path)}\n{value}\n```\n"


def render_markdown(vectors: dict[str, Any], section: str = "") -> str:
    """The vector blocks, each behind its marker, separated by blank lines.

    Args:
        section: only the paths under this top-level key (e.g. "events"); all when empty.
    """
    return "\n".join(
        _render_block(path, value)
        for path, value in displayed_paths(vectors).items()
        if not section or path.split(".")[0] == section
    )


def doc_blocks(text: str) -> list[tuple[str, str]]:
    """(path, block content) for every marked block of `text`, in document order."""
    return [(match[1], match[2]) for match in _BLOCK.finditer(text)]


def update_doc(text: str, vectors: dict[str, Any]) -> str:
    """Rewrites every marked block of `text` from `vectors`.

    A block whose path is no longer a vector is removed; a vector the text does not show yet
    is inserted after the block of the vector before it (or before the block after it).

    Raises:
        ValueError: `text` has no marked block to place a new one next to.
    """
    wanted = displayed_paths(vectors)

    def rewrite(match: re.Match[str]) -> str:
        path = match[1]
        return _render_block(path, wanted[path]) + (match[3] or "") if path in wanted else ""

    text = _BLOCK.sub(rewrite, text)
    order = list(wanted)
    for index, path in enumerate(order):
        if _find(text, path) is None:
            text = _insert(text, path, wanted[path], order[:index], order[index + 1 :])
    return text


def _find(text: str, path: str) -> re.Match[str] | None:
    return next((m for m in _BLOCK.finditer(text) if m[1] == path), None)


def _insert(text: str, path: str, value: str, before: list[str], after: list[str]) -> str:
    block = _render_block(path, value)
    for anchor in reversed(before):
        if (match := _find(text, anchor)) is not None:
            end = match.end(0) - len(match[3] or "")
            return text[:end] + "\n" + block + text[end:]
    for anchor in after:
        if (match := _find(text, anchor)) is not None:
            return text[: match.start()] + block + "\n" + text[match.start() :]
    raise ValueError(f"no vector block to place {path} next to; add its marker by hand")
