"""Checks that the docs keep up with the code: commands, public names, routes and links.

A CLI subcommand of `township-node` or `central-hub` must appear in README.md or docs/*.md
(docs/cli.md lists them all); every name in `sync_protocol.__all__` must appear in
docs/protocol.md or docs/errors.md; every route of the hub's app must have its row in the
route table of docs/protocol.md; and a relative Markdown link must point at a file that exists.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import sync_protocol

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted([ROOT / "README.md", *DOCS.glob("*.md")])
PROTOCOL_MD = DOCS / "protocol.md"
ERRORS_MD = DOCS / "errors.md"

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.DOTALL | re.MULTILINE)
_INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.MULTILINE)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.IGNORECASE)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _all_docs_text() -> str:
    return "\n".join(_read(path) for path in PAGES)


def _subcommands(parser: argparse.ArgumentParser, prefix: str) -> Iterator[str]:
    """Every command path under `parser`, e.g. "township-node case accept", groups included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                path = f"{prefix} {name}"
                yield path
                yield from _subcommands(child, path)


def _cli_commands() -> list[str]:
    from central_hub.cli.program import _parser as hub_parser
    from township_node.cli.program import _parser as node_parser

    return [
        *_subcommands(node_parser(), "township-node"),
        *_subcommands(hub_parser(), "central-hub"),
    ]


def _mentions(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs as a whole: not as part of a longer word or command name."""
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None


def _hub_routes(tmp_path: Path) -> list[tuple[str, str]]:
    from starlette.routing import Route

    from central_hub.app import create_app
    from central_hub.home import init_home

    home = init_home(tmp_path / "hub", tier="county", org_code="513431", name="昭觉县政务服务中心")
    try:
        app = create_app(home, forward_interval=0)
        routes = [
            (method, route.path)
            for route in app.routes
            if isinstance(route, Route)
            for method in sorted(route.methods or ())
            if method != "HEAD"  # Starlette adds HEAD to every GET route
        ]
    finally:
        home.close()
    return routes


def _relative_links(path: Path) -> Iterator[str]:
    text = _FENCE.sub("", _read(path))
    for pattern in (_INLINE_LINK, _REFERENCE_LINK):
        for match in pattern.finditer(text):
            target = match[1]
            if not _EXTERNAL.match(target):
                yield target


def test_cli_walk_finds_nested_subcommands_when_reading_the_parsers() -> None:
    commands = _cli_commands()
    for expected in ("township-node case accept", "central-hub catalog import", "central-hub init"):
        assert expected in commands


@pytest.mark.parametrize("command", _cli_commands())
def test_docs_mention_cli_command_when_the_parser_defines_it(command: str) -> None:
    assert _mentions(_all_docs_text(), command), (
        f"`{command}` is not mentioned in README.md or docs/*.md; add it to docs/cli.md"
    )


@pytest.mark.parametrize("name", sorted(sync_protocol.__all__))
def test_protocol_or_errors_doc_mentions_public_name_when_sync_protocol_exports_it(
    name: str,
) -> None:
    text = _read(PROTOCOL_MD) + "\n" + _read(ERRORS_MD)
    assert re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text), (
        f"sync_protocol.{name} is in __all__ but not mentioned in docs/protocol.md or "
        "docs/errors.md"
    )


def test_protocol_doc_has_a_route_row_when_the_hub_app_serves_the_route(tmp_path: Path) -> None:
    routes = _hub_routes(tmp_path)
    assert routes, "the hub app has no routes: the test no longer reads them"
    rows = {
        line.replace(" ", "") for line in _read(PROTOCOL_MD).splitlines() if line.startswith("|")
    }
    missing = [
        f"{method} {path}"
        for method, path in routes
        if not any(row.startswith(f"|`{method}`|`{path}`|") for row in rows)
    ]
    assert missing == [], "routes without a row in the route table of docs/protocol.md §8.1"


def test_protocol_doc_lists_only_served_routes_when_reading_its_route_table(
    tmp_path: Path,
) -> None:
    served = set(_hub_routes(tmp_path))
    row = re.compile(r"^\|\s*`(GET|POST|PUT|DELETE|PATCH)`\s*\|\s*`(/[^`]*)`\s*\|", re.MULTILINE)
    documented = {(match[1], match[2]) for match in row.finditer(_read(PROTOCOL_MD))}
    assert documented - served == set(), "docs/protocol.md documents routes the hub does not serve"


def test_link_check_finds_relative_links_when_reading_markdown(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        'See [a](a.md#x), ![img](images/b.svg "t"), [web](https://example.org), [top](#top).\n'
        "```\n[not a link](inside-a-fence.md)\n```\n[ref]: c.md\n",
        encoding="utf-8",
    )
    assert list(_relative_links(page)) == ["a.md#x", "images/b.svg", "c.md"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_link_points_at_an_existing_file_when_relative(page: Path) -> None:
    broken = [
        target
        for target in _relative_links(page)
        if not (page.parent / target.split("#", 1)[0].split("?", 1)[0]).exists()
    ]
    assert broken == [], f"{page.relative_to(ROOT)} links to files that do not exist"


# --- the layering pictures of docs/architecture.md ------------------------------------------

ARCHITECTURE_MD = DOCS / "architecture.md"
_FOUNDATION = {
    "central_hub": {"home", "store", "errors", "tables", "logs", "reports"},
    "township_node": {"home", "store", "errors", "logs", "permissions"},
}


def _picture(text: str, package: str) -> list[dict[str, set[str]]]:
    """The rows of the layering picture under '## Inside <package>': per row, each part with
    the parts it is drawn importing."""
    section = text.split(f"## Inside {package}\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```\n", 2)[1]
    rows = []
    for line in block.splitlines():
        if not line.strip() or line.strip().startswith("──"):
            continue
        row = {}
        for entry in line.split("│"):
            name, _, targets = entry.partition("→")
            row[name.strip()] = {t.strip() for t in targets.split(",") if t.strip()}
        rows.append(row)
    return rows


def _part_imports(package: str) -> dict[str, set[str]]:
    """Part (sub-package or top module) -> the other parts of `package` it imports at run time."""
    import grimp

    graph = grimp.build_graph(package, exclude_type_checking_imports=True, cache_dir=None)
    parts: dict[str, set[str]] = {}
    for module in graph.modules:
        if module == package:
            continue  # the door of the package: SOFTWARE and __version__
        part = module.split(".")[1]
        parts.setdefault(part, set())
        for imported in graph.find_modules_directly_imported_by(module):
            target = imported.split(".")[1] if "." in imported else None
            if target and target != part:
                parts[part].add(target)
    return parts


def picture_mismatches(text: str, package: str) -> list[str]:
    """Where the picture of `package` differs from its import graph, or draws an arrow that
    does not point to a lower row; the foundation may import only the foundation."""
    foundation = _FOUNDATION[package]
    real = _part_imports(package)
    rows = _picture(text, package)
    row_of = {name: index for index, row in enumerate(rows) for name in row}
    drawn = {name: targets for row in rows for name, targets in row.items()}
    wrong = [
        f"{part} imports {sorted(real[part] - foundation)}, drawn {sorted(drawn.get(part, []))}"
        for part in sorted(set(real) - foundation)
        if drawn.get(part) != real[part] - foundation
    ]
    wrong += [f"{part} is drawn but is no part of {package}" for part in set(drawn) - set(real)]
    wrong += [
        f"{part} → {target} points to a row not below it"
        for part, targets in drawn.items()
        for target in targets
        if row_of.get(target, len(rows)) <= row_of[part]
    ]
    wrong += [
        f"foundation {part} imports {sorted(real[part] - foundation)}"
        for part in sorted(foundation & set(real))
        if real[part] - foundation
    ]
    return wrong


@pytest.mark.parametrize("package", sorted(_FOUNDATION))
def test_architecture_picture_draws_the_import_graph_when_reading_the_package(package) -> None:
    assert picture_mismatches(_read(ARCHITECTURE_MD), package) == []


def test_architecture_picture_check_finds_a_missing_and_an_upward_arrow() -> None:
    text = _read(ARCHITECTURE_MD)
    assert " reconcile → ingest\n" in text
    missing = text.replace(" reconcile → ingest\n", " reconcile\n")
    assert picture_mismatches(missing, "central_hub") == ["reconcile imports ['ingest'], drawn []"]
    upward = text.replace(" enrollment → reconcile\n", " enrollment → reconcile, web\n")
    assert picture_mismatches(upward, "central_hub") == [
        "enrollment imports ['reconcile'], drawn ['reconcile', 'web']",
        "enrollment → web points to a row not below it",
    ]
