"""SQL and markup typed at a township window travel to the county dashboard as text: shown
escaped on every page, exported as plain cells (never formulas), and the tables intact."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator

import httpx
import pytest

from central_hub.enrollment import issue_code
from central_hub.home import init_home as init_hub
from central_hub.web import add_user
from sync_protocol import HubClient
from tests.conftest import HubProcess, run_cli, start_hub
from tests.factories import APPLICANTS, items_by_category
from tests.pairs import Clock
from tests.security.conftest import COUNTY, TOWNSHIP, table_counts
from township_node.casebook import CaseBook
from township_node.catalog import center_level, current_catalog
from township_node.enrollment import enroll
from township_node.home import init_home as init_node

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
SQL = "吉克'); DROP TABLE cases;--"
FORMULA = '=HYPERLINK("http://evil.example","点击")'
HOSTILE_NAMES = (SCRIPT + "阿依", IMG + "木呷", SQL, FORMULA)
CENTER_NAME = f"新城镇{SCRIPT}"
CLERK = f"clerk{IMG}"
REASON = f"材料不全{SCRIPT}'; DELETE FROM events;--"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubProcess, dict]]:
    root = tmp_path_factory.mktemp("markup")
    hub_home = init_hub(root / "county", tier="county", org_code=COUNTY, name="昭觉县政务服务中心")
    add_user(hub_home.engine, "admin", role="county_admin", county_code=COUNTY, password=PASSWORD)
    code = issue_code(hub_home, center_code=TOWNSHIP)
    hub_home.close()
    hub = start_hub(root / "county")
    try:
        with init_node(root / "node", center_code=TOWNSHIP, name=CENTER_NAME) as node:
            with HubClient(hub.url) as client:
                enroll(node, client, code)
            book = CaseBook(
                node, catalog=current_catalog(node), center_level=center_level(node), clock=Clock()
            )
            item = items_by_category()["public_service"]
            numbers = [
                book.accept(
                    item_code=item.code,
                    applicant_name=name,
                    id_number=APPLICANTS[0][1],
                    phone=APPLICANTS[0][2],
                    clerk_id=CLERK,
                ).case_no
                for name in HOSTILE_NAMES
            ]
            book.act(numbers[0], "refuse", clerk_id=CLERK, payload={"reason": REASON})
            case_ids = {book.get(n).case_id for n in numbers}
        run_cli("township-node", "sync", "--home", str(root / "node"))
        yield hub, {"case_ids": sorted(case_ids)}
    finally:
        hub.stop()


@contextlib.contextmanager
def _signed_in(hub: HubProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hub.url, timeout=30) as client:
        yield _sign_in(client)


def _sign_in(client: httpx.Client) -> httpx.Client:
    form = client.get("/dash/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token, form[:500]
    answer = client.post(
        "/dash/login", data={"username": "admin", "password": PASSWORD, "csrf": token[1]}
    )
    assert answer.status_code == 303, answer.text[:500]
    return client


def _assert_inert(html: str) -> None:
    for raw in (SCRIPT, IMG, "<script>", "<img src=x", 'onerror="'):
        assert raw not in html


def test_hostile_text_is_stored_verbatim_and_breaks_no_table(hostile):
    hub, found = hostile
    counts = table_counts(hub.home)
    assert counts["cases"] == len(HOSTILE_NAMES)
    assert counts["events"] == len(HOSTILE_NAMES) + 1  # the refusal
    assert counts["quarantine"] == 0
    assert len(found["case_ids"]) == len(HOSTILE_NAMES)


def test_pages_show_markup_escaped(hostile):
    hub, found = hostile
    with _signed_in(hub) as client:
        pages = [f"/dash/county/{COUNTY}", f"/dash/township/{TOWNSHIP}", "/dash/nodes"]
        pages += [f"/dash/case/{case_id}" for case_id in found["case_ids"]]
        shown = ""
        for page in pages:
            answer = client.get(page)
            assert answer.status_code == 200, (page, answer.status_code)
            _assert_inert(answer.text)
            shown += answer.text
    assert "&lt;script&gt;" in shown  # the text is there, as text
    assert "DROP TABLE cases;--" in shown.replace("&#39;", "'").replace("&#x27;", "'")


def test_exports_keep_hostile_text_as_plain_cells(hostile):
    hub, found = hostile
    with _signed_in(hub) as client:
        answer = client.get(f"/dash/export/cases.csv?center={TOWNSHIP}")
        assert answer.status_code == 200, answer.text[:300]
        cells = [c for row in csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))) for c in row]
        names = [c for c in cells if any(n.lstrip("=") in c for n in HOSTILE_NAMES)]
        assert names, cells[:40]
        assert all(not c.startswith(("=", "+", "-", "@")) for c in cells)
        assert "'" + FORMULA in cells
        case_page = client.get(f"/dash/export/case_applicant.json?case={found['case_ids'][0]}")
        assert case_page.status_code == 200
