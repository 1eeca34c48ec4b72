"""Every page a person can reach on the dashboard speaks Chinese: no English subtitle, label,
message or error page reaches them, whatever their role.

Each role signs in and follows every link from its overview (the pages of every unit, case,
reconciliation and compliance view in the `network` fixture), then opens the error pages a
mistyped address or argument gives. Latin words left in the visible text are refused unless
they are codes and ids (with a digit), an export format's name, or a user's own name.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest

from tests.web.conftest import ACCOUNTS, XICHANG, ZHAOJUE

pytestmark = pytest.mark.anyio

ALLOWED_WORDS = {"CSV", "XLSX", "Excel", "JSON", *ACCOUNTS, "pref-viewer"}
"""Export formats by the names people know them by, and the accounts' names (the fixture's
users chose Latin names; a name is the person's data, not the dashboard's language)."""
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/+-]*")
_SAME_KIND = 4
_TABLE_VIEW_ARGS = {"table", "sort", "dir", "page"}
"""Pages of one kind (codes and ids aside) the crawl opens: enough to meet every table, few
enough that the prefecture's hundreds of empty townships do not hide its case pages."""
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+")


class _VisibleText(HTMLParser):
    """Text a person reads (content, and placeholder/aria-label/title/alt/value attributes)
    and the page's links. <code> holds commands to type (a CLI's name), not prose."""

    _HIDDEN = frozenset({"style", "script", "code"})

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in self._HIDDEN:
            self._hidden += 1
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag == "input" and found.get("type") == "hidden":
            return
        for name in ("placeholder", "aria-label", "title", "alt"):
            if found.get(name):
                self.text.append(str(found[name]))
        if tag in ("button", "input") and found.get("type") in ("submit", "button"):
            self.text.append(str(found.get("value") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def english_words(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    words = _TOKEN.findall(" ".join(parser.text))
    return [
        word
        for word in words
        if sum(ch.isalpha() for ch in word) >= 2
        and not any(ch.isdigit() for ch in word)
        and word.strip(".:") not in ALLOWED_WORDS
    ]


def links_of(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.links


def _kind(path: str) -> str:
    """A page with its ids as N and without its table view arguments (sort, order, page):
    every sorting of every table is a link, and a few of them show the page's words."""
    target = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(target.query) if k not in _TABLE_VIEW_ARGS]
    return _ID.sub("N", target.path + "?" + urlencode(query))


async def crawl(client, start: str = "/dash/") -> dict[str, list[str]]:
    """Every dashboard page reachable from `start` by a link -> the English words on it."""
    found: dict[str, list[str]] = {}
    kinds: dict[str, int] = {}
    queue = [start]
    while queue:
        path = queue.pop(0)
        kind = _kind(path)
        if path in found or kinds.get(kind, 0) >= _SAME_KIND:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        answer = await client.get(path, follow_redirects=True)
        found[path] = english_words(answer.text)
        for href in links_of(answer.text):
            target = urlsplit(urljoin(f"http://hub.test{path}", href))
            page = target.path + (f"?{target.query}" if target.query else "")
            inside = target.netloc == "hub.test" and target.path.startswith("/dash/")
            if inside and not any(p in target.path for p in ("/export/", "/static/", "/logout")):
                queue.append(page)
    return found


@pytest.mark.parametrize("username", sorted(ACCOUNTS))
async def test_every_page_a_role_reaches_is_in_chinese(browser, username):
    client = await browser(username)
    pages = await crawl(client)
    assert len(pages) >= 5, sorted(pages)  # the crawl reached the units, not only the overview
    english = {path: words for path, words in pages.items() if words}
    assert not english, english


@pytest.mark.parametrize(
    "path",
    [
        "/dash/no-such-page",
        "/dash/county/999999",
        f"/dash/county/{ZHAOJUE}?since=2026-13-45",
        f"/dash/county/{XICHANG}",  # another county, for a county admin
        "/dash/export/centers.pdf",
        "/dash/case/not-a-case",
    ],
)
async def test_error_pages_say_what_went_wrong_in_chinese(browser, path):
    client = await browser("zj-admin")
    answer = await client.get(path)
    assert answer.status_code >= 400
    assert '<p class="error" role="alert">' in answer.text
    assert re.search(r'role="alert">[^<]*[\u4e00-\u9fff]', answer.text), answer.text
    assert english_words(answer.text) == []


async def test_a_route_that_takes_no_such_method_answers_in_chinese(browser):
    client = await browser("zj-admin")
    answer = await client.put("/dash/compliance")
    assert answer.status_code == 405
    assert english_words(answer.text) == [] and "不支持" in answer.text
