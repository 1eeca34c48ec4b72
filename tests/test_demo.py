"""`make demo` tells what really happened and prints commands that can be copied whole
(issue 22, point 9): run for real, with its homes in a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from demo_stop import stop_hubs  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    # A long folder name: a command that wraps at the console's 100 columns shows it.
    folder = tmp_path_factory.mktemp("a-rather-long-folder-name-for-the-demo-homes") / "demo"
    env = os.environ | {"TOWNSHIP_DEMO_DIR": str(folder), "COLUMNS": "100"}
    try:
        done = subprocess.run(
            [sys.executable, "scripts/demo.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
    finally:
        stop_hubs(folder)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.replace(str(folder), "<demo>")


def test_the_demo_says_how_much_the_county_forwarded_and_what_is_left(demo_output):
    assert "县中心尚未转发的批次 batches not yet at the prefecture: 0" in demo_output
    assert "0 批 batches, 0 条事件" not in demo_output  # the old line that read as a failure


def test_the_demo_prints_each_command_on_a_line_of_its_own(demo_output):
    lines = [line.strip() for line in demo_output.splitlines()]
    for command in (
        "export TOWNSHIP_NODE_HOME=<demo>/node-513431100",
        ".venv/bin/township-node",
        ".venv/bin/central-hub forward --home <demo>/county-513431",
        ".venv/bin/central-hub report --home <demo>/prefecture",
        "make demo-stop",
    ):
        assert command in lines, command


def test_the_demo_runs_on_the_national_suite_unless_told_otherwise(demo_output):
    assert "密码套件：国密 SM2/SM3/SM4" in demo_output
