"""`make simulate` in short: a small prefecture-in-a-box run reconciles every event once.

The short run is real: a prefecture hub and two county hubs as uvicorn processes, four
township node homes (one USB-only) in worker processes, ten simulated days with outages.
"""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from bench.simulate import Outcome, parse_args, simulate
from bench.simulation.verify import verify
from bench.simulation.world import SEED_CASES_PER_YEAR, build_world
from sync_protocol import SUITE_NATIONAL
from tests.faults.network import assert_exactly_once, assert_nothing_left_over

pytestmark = pytest.mark.e2e


def _simulate(workdir: Path, *argv: str) -> Outcome:
    """A short run kept in `workdir`, quiet, writing no results, forwarding every second."""
    args = parse_args(
        [*argv, "--scale", "0.2", "--workdir", str(workdir), "--no-results",
         "--forward-interval", "1"]
    )  # fmt: skip
    return simulate(args, Console(file=io.StringIO(), width=120))


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    return _simulate(
        tmp_path_factory.mktemp("sim"),
        "--townships", "4", "--counties", "2", "--days", "10", "--seed", "7",
    )  # fmt: skip


@pytest.fixture(scope="module")
def national_run(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    return _simulate(
        tmp_path_factory.mktemp("sim-national"),
        "--townships", "2", "--counties", "1", "--days", "5", "--seed", "11",
        "--suite", SUITE_NATIONAL,
    )  # fmt: skip


def test_a_national_suite_prefecture_reconciles_its_short_year_with_sm2_keys_only(national_run):
    assert national_run.clean and national_run.figures["events"] > 0
    node_keys = list((national_run.root / "nodes").glob("*/keys/node-keys.json"))
    hub_keys = list(national_run.root.glob("*/keys/hub-keys.json"))
    assert (len(node_keys), len(hub_keys)) == (2, 2)
    for keys in node_keys:
        assert set(json.loads(keys.read_text())) == {"signing_sm2", "sealing_suite", "sealing"}
    for keys in hub_keys:
        assert "signing_sm2" in json.loads(keys.read_text())


def _townships(outcome: Outcome) -> dict[str, str]:
    """Township code -> county code, from the node homes the run left."""
    return {path.name: path.name[:6] for path in (outcome.root / "nodes").iterdir()}


def test_short_run_delivers_every_event_once_to_county_and_prefecture(short_run: Outcome):
    figures = short_run.figures
    assert short_run.clean, figures
    assert figures["townships"] == 4 and figures["counties"] == 2 and figures["usb_only"] == 1
    assert figures["events_http"] > 0 and figures["events_usb"] > 0
    assert figures["cases"] > 0 and figures["events"] > figures["cases"]
    assert figures["county_events"] == figures["prefecture_events"] == figures["events"]
    assert figures["prefecture_cases"] == figures["cases"] == figures["prefecture_accepted"]
    assert figures["prefecture_nodes_normal"] == 4


def test_short_run_agrees_byte_for_byte_with_the_fault_suite_checks(short_run: Outcome):
    root = short_run.root
    for code, county in _townships(short_run).items():
        node = root / "nodes" / code
        with sqlite3.connect(node / "node.db") as conn:
            node_id = conn.execute("SELECT value FROM settings WHERE key = 'node_id'").fetchone()
        conn.close()
        for hub in (root / f"county-{county}", root / "prefecture"):
            assert_exactly_once(node, hub)
            assert_nothing_left_over(node_id[0], hub)


def test_verification_reports_an_event_lost_at_the_prefecture(short_run: Outcome):
    root = short_run.root
    hub_db = root / "prefecture" / "hub.db"
    with sqlite3.connect(hub_db) as conn:
        conn.execute("DELETE FROM events WHERE rowid = (SELECT max(rowid) FROM events)")
    conn.close()
    verdict = verify(root, _townships(short_run))
    assert not verdict.clean
    assert (verdict.prefecture.missing, verdict.county.missing) == (1, 0)


def test_world_of_548_spreads_the_extra_townships_over_all_counties():
    world = build_world(townships=548, days=365, start=date(2025, 1, 1), scale=1.0, seed=3)
    codes = [t.code for t in world.townships]
    assert len(set(codes)) == 548 and len(world.counties) == 17
    synthesized = [c for c in codes if c[6] == "3"]
    assert len(synthesized) == 548 - 304
    assert {c[:6] for c in synthesized} == set(world.counties)
    assert 0 < sum(t.usb_only for t in world.townships) <= 0.06 * 548
    year = sum(world.daily_mean(t, d) for t in world.townships for d in world.days)
    assert year == pytest.approx(SEED_CASES_PER_YEAR, rel=1e-6)


def test_world_outages_last_hours_to_days_and_never_overlap():
    world = build_world(townships=304, days=365, start=date(2025, 1, 1), scale=0.01, seed=5)
    outages = [o for t in world.townships for o in t.outages]
    hours = [(o.end - o.start).total_seconds() / 3600 for o in outages]
    assert len(outages) > 304 * 5 and min(hours) >= 1 and max(hours) > 48
    for township in world.townships:
        for before, after in zip(township.outages, township.outages[1:], strict=False):
            assert before.end <= after.start


@pytest.mark.parametrize(
    "argv", [["--townships", "0"], ["--townships", "600"], ["--scale", "0"], ["--days", "0"]]
)
def test_bad_flags_are_refused_before_anything_starts(argv: list[str], capsys):
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2
    assert "--townships must be 1..548" in capsys.readouterr().err
