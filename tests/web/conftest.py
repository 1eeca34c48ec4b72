"""Shared fixtures of the dashboard tests: a prefecture hub holding real cases from two counties,
synced from real node homes through the hub's own ingest, with one account per role."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from central_hub.enrollment import issue_code, redeem_code
from central_hub.home import HubHome
from central_hub.home import init_home as init_hub
from central_hub.ingest import Ingestor
from central_hub.web import create_dashboard
from central_hub.web.users import add_user
from sync_protocol import SignedDocument, enrollment_request, seal_batch
from tests.conftest import HubProcess, start_hub
from tests.factories import APPLICANTS, items_by_category
from tests.pairs import Clock
from township_node.casebook import CaseBook
from township_node.catalog import center_level, current_catalog
from township_node.enrollment import registration_of
from township_node.home import init_home as init_node
from township_node.outbox import Outbox
from township_node.store import set_setting

ZHAOJUE, ZHAOJUE_TOWNSHIP = "513431", "513431100"  # 昭觉县 新城镇
XICHANG, XICHANG_TOWNSHIP = "513401", "513401001"  # 西昌市 北城街道
PASSWORD = "correct horse battery"
_FORWARD_STEPS = ("handle", "review", "approve", "review_and_approve")

# username -> (role, county)
ACCOUNTS = {
    "pref": ("prefecture", None),
    "zj-admin": ("county_admin", ZHAOJUE),
    "xc-admin": ("county_admin", XICHANG),
    "zj-viewer": ("viewer", ZHAOJUE),
    "pref-viewer": ("viewer", None),
}


@dataclass
class Network:
    """A prefecture hub and the cases each township recorded (case_id by case_no)."""

    hub: HubHome
    cases: dict[str, dict[str, str]] = field(default_factory=dict)
    """township code -> {case_no: case_id}"""
    nodes: dict[str, str] = field(default_factory=dict)
    """township code -> node id"""


def sync_township(
    hub: HubHome, tmp_path: Path, township: str, count: int, *, clock: Clock | None = None
) -> tuple[str, dict[str, str]]:
    """Enrolls a real node home for `township`, accepts `count` cases (refusing the first,
    completing the second through every step), and ingests its sealed batches at the hub as a
    sync round would. Returns the node id and {case_no: case_id}."""
    node = init_node(tmp_path / f"node-{township}", center_code=township, name=f"{township}中心")
    code = issue_code(hub, center_code=township)
    answer = redeem_code(hub, enrollment_request(code, registration_of(node).to_dict()))
    with node.database.transaction() as conn:
        set_setting(conn, "hub_url", "http://in-memory")
        set_setting(conn, "hub_info", SignedDocument.from_dict(answer["hub"]).to_dict())
    book = CaseBook(
        node, catalog=current_catalog(node), center_level=center_level(node), clock=clock or Clock()
    )
    items = items_by_category()
    numbers = []
    for i in range(count):
        name, id_number, phone = APPLICANTS[i % len(APPLICANTS)]
        item = items["licensing" if i % 2 else "public_service"]
        numbers.append(
            book.accept(
                item_code=item.code,
                applicant_name=name,
                id_number=id_number,
                phone=phone,
                clerk_id="clerk-1",
            ).case_no
        )
    book.act(numbers[0], "refuse", clerk_id="clerk-1", payload={"reason": "材料不全"})
    if count > 1:
        complete_every_step(book, numbers[1])
    outbox = Outbox(node)
    outbox.cut(max_events=1000)
    ingestor = Ingestor(hub)
    for batch in outbox.unacknowledged():
        ingestor.ingest(seal_batch(batch, hub.info().seal_key()))
    ids = {number: book.get(number).case_id for number in numbers}
    node_id = node.node_id
    node.close()
    return node_id, ids


def complete_every_step(book: CaseBook, case_no: str) -> None:
    """Moves a case through each step its workflow has, then completes it (准予许可)."""
    while step := next((a for a in book.actions(case_no) if a in _FORWARD_STEPS), None):
        book.act(case_no, step, clerk_id="clerk-1")
    book.act(
        case_no,
        "complete",
        clerk_id="clerk-1",
        payload={"result_code": "granted", "result_label": "准予许可"},
    )


@dataclass
class ServedCounty:
    """A county hub served as a real `central-hub serve` process, with one synced township."""

    hub: HubProcess
    node_id: str
    cases: dict[str, str]
    """case_no -> case_id"""

    @contextlib.contextmanager
    def signed_in(
        self, username: str = "zj-admin", password: str = PASSWORD, **options: Any
    ) -> Iterator[httpx.Client]:
        """A client with its own cookie jar, signed in through the form over real HTTP."""
        with httpx.Client(base_url=self.hub.url, timeout=30, **options) as client:
            answer = sign_in(client, username, password)
            assert answer.status_code == 303, (username, answer.status_code)
            yield client


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    """Posts the sign-in form as a person would; returns the hub's answer."""
    token = csrf_of(client.get("/dash/login").text)
    return client.post(
        "/dash/login", data={"username": username, "password": password, "csrf": token}
    )


COUNTY_ACCOUNTS = {"zj-admin": "county_admin", "zj-viewer": "viewer"}


def serve_county(root: Path, *, accounts: dict[str, str] = COUNTY_ACCOUNTS) -> ServedCounty:
    """昭觉县's hub with 新城镇's node synced (3 cases) and the accounts, then served."""
    home = init_hub(root / "county", tier="county", org_code=ZHAOJUE, name="昭觉县政务服务中心")
    node_id, cases = sync_township(home, root, ZHAOJUE_TOWNSHIP, 3)
    for username, role in accounts.items():
        add_user(
            home.engine, username, role=role, county_code=ZHAOJUE, password=PASSWORD,
            hub_tier="county", hub_org_code=ZHAOJUE,
        )  # fmt: skip
    home.close()
    return ServedCounty(start_hub(root / "county"), node_id, cases)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    """Built once per test module (enrolling, accepting and hashing passwords take a second);
    a test that changes it must change only what it added."""
    tmp_path = tmp_path_factory.mktemp("network")
    hub = init_hub(
        tmp_path / "hub", tier="prefecture", org_code="513400", name="凉山州政务服务中心"
    )
    found = Network(hub)
    for township, count in ((ZHAOJUE_TOWNSHIP, 3), (XICHANG_TOWNSHIP, 2)):
        found.nodes[township], found.cases[township] = sync_township(hub, tmp_path, township, count)
    for username, (role, county) in ACCOUNTS.items():
        add_user(hub.engine, username, role=role, county_code=county, password=PASSWORD)
    yield found
    hub.close()


@pytest.fixture
def app(network: Network) -> Starlette:
    """The dashboard mounted where the hub mounts it."""
    return Starlette(routes=[Mount("/dash", app=create_dashboard(network.hub))])


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found[1]


Browser = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def browser(app: Starlette) -> AsyncIterator[Browser]:
    """Opens clients, each with its own cookie jar, signed in (or not) through the form."""
    opened: list[httpx.AsyncClient] = []

    async def open_client(username: str = "", password: str = PASSWORD) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        )
        opened.append(client)
        if username:
            token = csrf_of((await client.get("/dash/login")).text)
            answer = await client.post(
                "/dash/login", data={"username": username, "password": password, "csrf": token}
            )
            assert answer.status_code == 303, answer.text
        return client

    yield open_client
    for client in opened:
        await client.aclose()
