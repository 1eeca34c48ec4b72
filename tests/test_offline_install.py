"""The offline bundle installs the node on a PC with no network, from its folder alone.

The bundle is built for this PC's platform and Python (downloading needs PyPI: without it the
tests skip and say so), then its own install.sh runs in a fresh network namespace with no
interface but loopback, with pip's configuration switched off so that only the bundle's
wheelhouse can supply a package.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "scripts" / "build_bundle.py"

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="the offline install test runs install.sh (Linux)"
)


def _offline_env() -> dict[str, str]:
    """No pip config or find-links of this machine: only the bundle may supply wheels."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_NO_INDEX"] = "1"
    return env


def _no_network_prefix() -> list[str]:
    """`unshare -rn` (a user and network namespace: loopback only) when this kernel allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        return [unshare, "-rn"]
    return []


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    cache = tmp_path_factory.mktemp("wheel-cache")
    done = subprocess.run(
        [sys.executable, str(BUILD), "--current-only", "--out", str(out), "--cache", str(cache)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        pytest.skip(
            "could not build the bundle (downloading wheels needs PyPI): "
            + (done.stderr.strip().splitlines() or ["no output"])[-1]
        )
    return Path(json.loads(done.stdout.strip().splitlines()[-1])["bundle"])


def test_bundle_holds_scripts_checksums_and_our_wheel(bundle: Path) -> None:
    names = {p.name for p in bundle.iterdir()}
    assert {"install.sh", "install.bat", "install.ps1", "README-安装说明.txt"} <= names
    assert {"SHA256SUMS", "VERSION.json", "wheelhouse"} <= names
    info = json.loads((bundle / "VERSION.json").read_text(encoding="utf-8"))
    wheels = sorted(p.name for p in (bundle / "wheelhouse").glob("*.whl"))
    assert info["wheels"] == wheels
    assert any(w.startswith(f"township_sync-{info['version']}-") for w in wheels)
    listed = {}
    for line in (bundle / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    for wheel in wheels:
        data = (bundle / "wheelhouse" / wheel).read_bytes()
        assert listed[f"wheelhouse/{wheel}"] == hashlib.sha256(data).hexdigest()
    assert "python.org" in (bundle / "README-安装说明.txt").read_text(encoding="utf-8")
    assert (bundle / "install.ps1").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: PS 5


def test_bundle_installs_and_runs_with_the_network_cut_off(bundle: Path, tmp_path: Path) -> None:
    target = tmp_path / "township-node"
    env = _offline_env() | {"PYTHON": sys.executable}
    installed = subprocess.run(
        [*_no_network_prefix(), "sh", str(bundle / "install.sh"), str(target)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert "安装完成" in installed.stdout
    node = target / "bin" / "township-node"
    helped = subprocess.run([str(node), "--help"], capture_output=True, text=True, env=env)
    assert helped.returncode == 0 and "init" in helped.stdout
    home = tmp_path / "home"
    made = subprocess.run(
        [*_no_network_prefix(), str(node), "init", "--home", str(home), "--json",
         "--center", "513431101", "--name", "测试乡便民服务中心"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["center"] == "513431101"
    assert (home / "node.db").exists()
    # The installed code is the wheel's, not this checkout's.
    located = subprocess.run(
        [str(target / "venv" / "bin" / "python"), "-c",
         "import township_node; print(township_node.__file__)"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert str(target) in located.stdout


def test_damaged_bundle_is_refused_before_anything_is_installed(
    bundle: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "stick"
    shutil.copytree(bundle, copy)
    wheel = next((copy / "wheelhouse").glob("township_sync-*.whl"))
    wheel.write_bytes(wheel.read_bytes()[:-10])  # a stick pulled out mid-copy
    target = tmp_path / "township-node"
    refused = subprocess.run(
        ["sh", str(copy / "install.sh"), str(target)],
        capture_output=True,
        text=True,
        env=_offline_env() | {"PYTHON": sys.executable},
    )
    assert refused.returncode == 2
    assert "校验不符" in refused.stderr and "SHA256SUMS mismatch" in refused.stderr
    assert not target.exists()


def test_install_without_a_suitable_python_says_what_to_do(bundle: Path, tmp_path: Path) -> None:
    refused = subprocess.run(
        ["sh", str(bundle / "install.sh"), str(tmp_path / "t")],
        capture_output=True,
        text=True,
        env=_offline_env() | {"PYTHON": "/bin/false"},
    )
    assert refused.returncode == 2
    assert "不是 3.11 至 3.13" in refused.stderr and "not Python 3.11-3.13" in refused.stderr
