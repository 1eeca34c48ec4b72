"""`make test` brings the Debian packages its tests need (issue 15): scripts/system_packages.sh.

The real script and the real `make` run with fake `dpkg-query`, `id` and `apt-get` first on
PATH, so a test can say which packages are installed and whether it runs as root, and see what
would have been installed, without touching this machine's packages. `make test` runs with BIN
pointing at fake `ruff` and `python` that only leave a mark: it never starts the suite itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "system_packages.sh"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make and sh")


@dataclass
class FakeSystem:
    """A folder of fake system commands and what they recorded."""

    bin: Path
    apt_log: Path
    suite_log: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "CHROMIUM_PATH"}
        env["PATH"] = f"{self.bin}{os.pathsep}{env['PATH']}"
        return env

    def apt_calls(self) -> list[str]:
        return self.apt_log.read_text().splitlines() if self.apt_log.exists() else []


def _executable(path: Path, text: str) -> None:
    path.write_text("#!/bin/sh\n" + text)
    path.chmod(0o755)


def fake_system(tmp_path: Path, *, installed: set[str], uid: int) -> FakeSystem:
    fake = FakeSystem(tmp_path / "bin", tmp_path / "apt.log", tmp_path / "suite.log")
    fake.bin.mkdir()
    answer = 'echo "install ok installed"; exit 0'
    cases = "".join(f'    *" {name}") {answer} ;;\n' for name in installed)
    # dpkg-query -W -f='${Status}' NAME: "install ok installed" for the installed ones only
    _executable(
        fake.bin / "dpkg-query",
        f'case " $*" in\n{cases}esac\necho "dpkg-query: no packages found matching" >&2\nexit 1\n',
    )
    _executable(fake.bin / "id", f'[ "$1" = -u ] && {{ echo {uid}; exit 0; }}\nexit 1\n')
    _executable(fake.bin / "apt-get", f'echo "$*" >> "{fake.apt_log}"\n')
    for tool in ("ruff", "python"):
        _executable(fake.bin / tool, f'echo "{tool} $*" >> "{fake.suite_log}"\n')
    return fake


def run_script(fake: FakeSystem, *sets: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT), *sets], capture_output=True, text=True, env=fake.env(), timeout=60
    )


def run_make_test(fake: FakeSystem, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    stamp = tmp_path / "installed"  # newer than pyproject.toml: make never builds a venv here
    stamp.touch()
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "test", f"BIN={fake.bin}",
         f"STAMP={stamp}"],
        capture_output=True, text=True, env=fake.env(), timeout=60,
    )  # fmt: skip


def test_make_test_stops_at_once_with_the_install_command_when_packages_are_missing_and_not_root(
    tmp_path: Path,
) -> None:
    fake = fake_system(tmp_path, installed={"chromium", "openssl"}, uid=1000)
    result = run_make_test(fake, tmp_path)
    assert result.returncode != 0
    command = "sudo apt-get update && sudo apt-get install -y --no-install-recommends"
    assert f"    {command} fonts-noto-cjk\n" in result.stderr
    assert "Debian packages are missing: fonts-noto-cjk" in result.stderr
    assert fake.apt_calls() == []
    assert not fake.suite_log.exists()  # neither ruff nor pytest started


def test_make_test_installs_the_missing_packages_then_runs_the_suite_when_root(
    tmp_path: Path,
) -> None:
    fake = fake_system(tmp_path, installed=set(), uid=0)
    result = run_make_test(fake, tmp_path)
    assert result.returncode == 0, result.stderr
    assert fake.apt_calls() == [
        "update",
        "install -y --no-install-recommends chromium fonts-noto-cjk openssl",
    ]
    assert fake.suite_log.read_text().splitlines() == [
        "ruff check .",
        "python -m pytest -q -m not slow",
    ]


def test_make_test_runs_the_suite_without_apt_when_the_packages_are_installed(
    tmp_path: Path,
) -> None:
    fake = fake_system(tmp_path, installed={"chromium", "fonts-noto-cjk", "openssl"}, uid=1000)
    result = run_make_test(fake, tmp_path)
    assert result.returncode == 0, result.stderr
    assert fake.apt_calls() == []
    assert fake.suite_log.exists()


def test_script_asks_for_every_set_in_one_command_when_ci_needs_postgres_too(
    tmp_path: Path,
) -> None:
    fake = fake_system(tmp_path, installed={"fonts-noto-cjk", "openssl"}, uid=1000)
    result = run_script(fake, "test", "postgres")
    assert result.returncode == 1
    assert "sudo apt-get install -y --no-install-recommends chromium postgresql\n" in result.stderr


def test_script_takes_chromium_path_for_the_browser_when_it_names_an_executable(
    tmp_path: Path,
) -> None:
    fake = fake_system(tmp_path, installed={"fonts-noto-cjk", "openssl"}, uid=1000)
    browser = tmp_path / "my-chromium"
    _executable(browser, "exit 0\n")
    result = subprocess.run(
        ["sh", str(SCRIPT), "test"],
        capture_output=True, text=True, env=fake.env() | {"CHROMIUM_PATH": str(browser)},
        timeout=60,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")


def test_script_refuses_an_unknown_set_and_installs_nothing(tmp_path: Path) -> None:
    fake = fake_system(tmp_path, installed=set(), uid=0)
    result = run_script(fake, "tset")
    assert result.returncode == 2
    assert "unknown set 'tset' (known: test, postgres)" in result.stderr
    assert fake.apt_calls() == []


def test_ci_calls_the_same_script_before_make_test() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get" not in ci  # one place installs packages: the script
    assert ci.index("sh scripts/system_packages.sh test postgres") < ci.index("\nmake test\n")
