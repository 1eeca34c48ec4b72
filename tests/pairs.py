"""Provides a node and a hub wired together in memory (no sockets), for sync-round tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from central_hub.enrollment import issue_code, redeem_code
from central_hub.home import HubHome
from central_hub.home import init_home as init_hub
from central_hub.ingest import Ingestor
from sync_protocol import SUITE_X25519, HubInfo, SignedDocument, enrollment_request, seal_batch
from tests.factories import APPLICANTS, items_by_category
from township_node.casebook import CaseBook
from township_node.catalog import center_level, current_catalog
from township_node.enrollment import registration_of
from township_node.home import NodeHome
from township_node.home import init_home as init_node
from township_node.store import set_setting
from township_node.sync import Outbox


class Clock:
    """A clock that moves one second per reading, from a fixed start."""

    def __init__(self, start: datetime = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Pair:
    hub: HubHome
    node: NodeHome
    book: CaseBook
    ingestor: Ingestor

    @property
    def hub_info(self) -> HubInfo:
        return self.hub.info()

    def accept(self, n: int = 1, *, category: str = "public_service") -> list[str]:
        item = items_by_category()[category]
        numbers = []
        for i in range(n):
            name, id_number, phone = APPLICANTS[i % len(APPLICANTS)]
            numbers.append(
                self.book.accept(
                    item_code=item.code,
                    applicant_name=name,
                    id_number=id_number,
                    phone=phone,
                    clerk_id="clerk-1",
                ).case_no
            )
        return numbers

    def sealed_batches(self, *, max_events: int = 1000) -> list[bytes]:
        outbox = Outbox(self.node)
        outbox.cut(max_events=max_events)
        return [seal_batch(b, self.hub_info.seal_key()) for b in outbox.unacknowledged()]


def make_pair(
    tmp_path: Path, *, center: str = "513431100", suite: str = SUITE_X25519, node_id: str = ""
) -> Pair:
    """A county hub and one node it enrolled; `node_id` renames the node before it enrolls
    (a hostile or broken node may call itself anything)."""
    hub = init_hub(
        tmp_path / "hub",
        tier="county",
        org_code=center[:6],
        name="昭觉县政务服务中心",
        preferred_suite=suite,
    )
    node = init_node(tmp_path / "node", center_code=center, name="新城镇便民服务中心", suite=suite)
    if node_id:
        with node.database.transaction() as conn:
            set_setting(conn, "node_id", node_id)
    code = issue_code(hub, center_code=center)
    answer = redeem_code(hub, enrollment_request(code, registration_of(node).to_dict()))
    with node.database.transaction() as conn:
        set_setting(conn, "hub_url", "http://in-memory")
        set_setting(conn, "hub_info", SignedDocument.from_dict(answer["hub"]).to_dict())
    book = CaseBook(
        node, catalog=current_catalog(node), center_level=center_level(node), clock=Clock()
    )
    return Pair(hub, node, book, Ingestor(hub))
