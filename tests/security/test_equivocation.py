"""A node that signs two versions of one batch cannot split the record (issue 24).

The attack of the outside review: a township node (a stolen or copied PC, before its
revocation) sends its genuine batch N to its county and an altered batch N, signed with its
own key, straight to the prefecture. Real hub processes, real HTTP.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from central_hub.home import open_home as open_hub
from central_hub.reconcile import reconcile_table
from sync_protocol import (
    BATCH_MEDIA_TYPE,
    Equivocation,
    Forwarder,
    SignedBatch,
    SigningKey,
    VerifyKey,
    b64decode,
    seal_batch,
)
from tests.conftest import HubProcess, run_cli, run_json
from tests.factories import altered_twin
from tests.security.conftest import accept_cases, build_network, table_counts
from township_node.enrollment import pinned_hub
from township_node.home import open_home
from township_node.sync import Outbox

pytestmark = pytest.mark.e2e


class Chain:
    def __init__(self, prefecture: HubProcess, county: HubProcess, nodes: dict[str, Path]):
        self.prefecture, self.county, self.nodes = prefecture, county, nodes

    def next_batch(self, role: str) -> tuple[SignedBatch, SignedBatch]:
        """The node's next batch (one new case) and an altered twin its key signed too."""
        with open_home(self.nodes[role]) as home:
            accept_cases(home, 1)
            outbox = Outbox(home)
            outbox.cut()
            genuine = outbox.unacknowledged()[-1]
            forged = altered_twin(home, genuine)
        return genuine, forged

    def start(self, role: str) -> None:
        """An honest first batch, forwarded: the county has registered the node upward."""
        first, _ = self.next_batch(role)
        assert self.to_county(role, first).status_code == 200
        assert self.forward()["batches"] == 1

    def to_county(self, role: str, batch: SignedBatch) -> httpx.Response:
        with open_home(self.nodes[role]) as home:
            key = pinned_hub(home)[1].seal_key()
        return _post(self.county.url, seal_batch(batch, key))

    def to_prefecture(self, batch: SignedBatch, *, forwarder: Forwarder | None = None):
        with open_hub(self.prefecture.home) as home:
            key = home.info().seal_key()
        return _post(self.prefecture.url, seal_batch(batch, key, forwarder=forwarder))

    def node_id(self, role: str) -> str:
        with open_home(self.nodes[role]) as home:
            return home.node_id

    def forward(self) -> dict:
        return run_json("central-hub", "forward", "--home", str(self.county.home))


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    prefecture, county, nodes = build_network(tmp_path)
    try:
        yield Chain(prefecture, county, nodes)
    finally:
        county.stop()
        prefecture.stop()


def _post(url: str, blob: bytes) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/batches", content=blob, headers={"content-type": BATCH_MEDIA_TYPE}, timeout=60
    )


def _proofs(hub: Path) -> list[dict]:
    with sqlite3.connect(f"file:{hub / 'hub.db'}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM equivocations ORDER BY batch_seq")]


def _occurred_at(hub: Path, node_id: str, seq: int) -> str:
    with sqlite3.connect(f"file:{hub / 'hub.db'}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT occurred_at FROM events WHERE node_id = ? AND seq = ?", (node_id, seq)
        ).fetchone()[0]


def _node_state(hub: Path, node_id: str) -> dict:
    with open_hub(hub) as home:
        rows = reconcile_table(home).rows
    return next(row for row in rows if row["node_id"] == node_id)


def _node_key(hub: Path, node_id: str) -> VerifyKey:
    with sqlite3.connect(f"file:{hub / 'hub.db'}?mode=ro", uri=True) as conn:
        (key,) = conn.execute("SELECT sign_key FROM nodes WHERE node_id = ?", (node_id,)).fetchone()
    return VerifyKey(b64decode(key, what="node key"))


def test_batch_posted_past_the_county_is_refused_and_the_county_copy_convicts_it(chain):
    chain.start("rogue")
    genuine, forged = chain.next_batch("rogue")
    rogue = genuine.header.node_id
    before = table_counts(chain.prefecture.home)

    answer = chain.to_prefecture(forged)

    assert answer.status_code == 403, answer.text
    assert answer.json()["error"]["code"] == "not_forwarded"
    after = table_counts(chain.prefecture.home)
    assert (after["events"], after["batches"]) == (before["events"], before["batches"])
    assert after["rejected_batches"] == before["rejected_batches"] + 1  # kept as evidence
    # The genuine batch takes the intended path, and an honest node of the county syncs too.
    assert chain.to_county("rogue", genuine).status_code == 200
    with open_home(chain.nodes["clerk"]) as home:
        accept_cases(home, 1)
    run_cli("township-node", "sync", "--home", str(chain.nodes["clerk"]))

    report = chain.forward()

    assert report["refused"] == {}
    # The county's copy is the record at both hubs; the altered time is nowhere.
    for hub in (chain.county.home, chain.prefecture.home):
        assert _occurred_at(hub, rogue, genuine.header.first_seq) != "2026-01-01T00:00:00.000Z"
    (found,) = _proofs(chain.prefecture.home)
    assert (found["node_id"], found["batch_seq"], found["found_by"]) == (
        rogue,
        genuine.header.batch_seq,
        "not_forwarded",
    )
    assert (found["kept_hash"], found["other_hash"]) == (
        genuine.header.batch_hash,
        forged.header.batch_hash,
    )
    # The county was told, in the answer to its backlog statement, and checked the proof.
    (told,) = _proofs(chain.county.home)
    assert (told["other_hash"], told["found_by"]) == (forged.header.batch_hash, "reported")
    Equivocation.from_dict(json.loads(told["proof"])).verify(_node_key(chain.county.home, rogue))
    for hub in (chain.county.home, chain.prefecture.home):
        row = _node_state(hub, rogue)
        assert (row["state"], row["equivocations"]) == ("一批两版", 1)
    metrics = httpx.get(f"{chain.prefecture.url}/metrics", timeout=30).text
    assert f'township_hub_equivocations{{node_id="{rogue}"}} 1.0' in metrics
    # Meanwhile the honest node's batches reached the prefecture.
    assert _node_state(chain.prefecture.home, chain.node_id("clerk"))["batches_received"] == 1
    assert _node_state(chain.prefecture.home, rogue)["batches_received"] == 2


def test_altered_batch_after_the_county_copy_is_caught_at_once(chain):
    genuine, forged = chain.next_batch("rogue")
    assert chain.to_county("rogue", genuine).status_code == 200
    assert chain.forward()["batches"] == 1

    answer = chain.to_prefecture(forged)

    assert answer.json()["error"]["code"] == "not_forwarded"
    (found,) = _proofs(chain.prefecture.home)
    assert (found["kept_hash"], found["other_hash"]) == (
        genuine.header.batch_hash,
        forged.header.batch_hash,
    )
    chain.forward()  # the next round's backlog answer tells the county
    assert [p["found_by"] for p in _proofs(chain.county.home)] == ["reported"]


def test_second_version_sent_to_the_county_is_kept_as_proof(chain):
    genuine, forged = chain.next_batch("rogue")
    assert chain.to_county("rogue", genuine).status_code == 200

    answer = chain.to_county("rogue", forged)

    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "conflicting_batch")
    (found,) = _proofs(chain.county.home)
    assert (found["found_by"], found["kept_hash"]) == (
        "conflicting_batch",
        genuine.header.batch_hash,
    )
    assert _node_state(chain.county.home, genuine.header.node_id)["state"] == "一批两版"


def test_batch_countersigned_by_another_county_is_refused(chain):
    chain.start("rogue")
    genuine, _ = chain.next_batch("rogue")
    with open_hub(chain.county.home) as home:
        impostor = Forwarder(home.config.hub_id, SigningKey.generate())  # not its key

    answer = chain.to_prefecture(genuine, forwarder=impostor)

    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "bad_signature")


def test_a_refused_node_does_not_stop_the_county_forwarding_the_others(chain):
    for role in ("clerk", "revoked"):
        chain.start(role)
    for role in ("clerk", "revoked"):
        with open_home(chain.nodes[role]) as home:
            accept_cases(home, 1)
        run_cli("township-node", "sync", "--home", str(chain.nodes[role]))
    # The prefecture refuses whichever node the county forwards first.
    first, second = sorted(chain.node_id(role) for role in ("clerk", "revoked"))
    run_cli(
        "central-hub", "revoke", first, "--home", str(chain.prefecture.home), "--reason", "测试"
    )

    report = chain.forward()

    assert list(report["refused"]) == [first]
    assert report["refused"][first].startswith("revoked_node: ")
    assert _node_state(chain.prefecture.home, second)["batches_received"] == 2
    row = _node_state(chain.county.home, first)
    assert row["state"] == "上报被拒"
    assert row["forward_refused"].startswith("revoked_node: ")
    assert _node_state(chain.county.home, second)["forward_refused"] == ""
