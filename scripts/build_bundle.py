"""Builds the offline install bundle for township PCs: a wheelhouse plus install scripts.

    python scripts/build_bundle.py                      # every target platform and Python
    python scripts/build_bundle.py --current-only       # this PC's platform and Python only

The bundle goes to a USB stick; the PC that installs it has no network and nothing to compile
with, so every dependency must be a binary wheel for its platform and Python. The dependency
closure is computed here, per target, with environment markers evaluated for the *target*
(pip evaluates `sys_platform` markers against the build machine, so a Windows-only dependency
such as click's colorama would otherwise be silently left out). Each wheel is pinned to the
version installed in the build environment, i.e. the version the test suite ran against.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import Parser
from pathlib import Path
from zipfile import ZipFile

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "bundle_files"
PYTHONS = ("3.11", "3.12", "3.13")


@dataclass(frozen=True, slots=True)
class Target:
    """One platform the bundle installs on."""

    name: str
    pip_platforms: tuple[str, ...]
    """Every tag the target's pip accepts: pip does not widen a given manylinux tag to the
    older ones, so each must be named (cffi and zstandard ship only manylinux_2_17 wheels)."""
    markers: dict[str, str]


# glibc 2.28: UOS 20 (Debian 10 based) and Kylin V10 ship it; newer manylinux wheels would not load.
LINUX = Target(
    "linux-x86_64",
    ("manylinux2014_x86_64", *(f"manylinux_2_{minor}_x86_64" for minor in range(17, 29))),
    {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "x86_64",
    },
)
WINDOWS = Target(
    "win-amd64",
    ("win_amd64",),
    {
        "sys_platform": "win32",
        "platform_system": "Windows",
        "os_name": "nt",
        "platform_machine": "AMD64",
    },
)
TARGETS = {t.name: t for t in (LINUX, WINDOWS)}


class BundleError(Exception):
    """The bundle cannot be built as asked (a dependency without a binary wheel, say)."""


def project() -> dict[str, object]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return dict(data["project"])


def marker_env(target: Target, python: str) -> dict[str, str]:
    env = {key: str(value) for key, value in default_environment().items()}
    env.update(target.markers)
    env.update(
        python_version=python,
        python_full_version=f"{python}.0",
        implementation_name="cpython",
        platform_python_implementation="CPython",
    )
    return env


def closure(roots: list[str], env: dict[str, str]) -> dict[str, str]:
    """Every distribution `roots` need on a target, pinned to the installed version ("" when
    this build environment does not have it: a dependency of another platform only)."""
    pins: dict[str, str] = {}
    todo = [(Requirement(r), frozenset[str]()) for r in roots]
    seen_extras: set[tuple[str, frozenset[str]]] = set()
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        key = (name, extras | frozenset(req.extras))
        if key in seen_extras:
            continue
        seen_extras.add(key)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            pins.setdefault(name, "")
            continue
        pins[name] = dist.version
        wanted = {""} | set(req.extras)
        for line in dist.requires or []:
            sub = Requirement(line)
            if sub.marker is None or any(
                sub.marker.evaluate(env | {"extra": extra}) for extra in wanted
            ):
                todo.append((sub, frozenset()))
    return pins


def requirements_of(roots: list[str], env: dict[str, str]) -> list[str]:
    root_names = {canonicalize_name(Requirement(r).name) for r in roots}
    pins = closure(roots, env)
    return sorted(f"{n}=={v}" if v else n for n, v in pins.items() if n not in root_names or v)


def pip(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args], cwd=cwd, capture_output=True, text=True
    )


def download(requirements: list[str], target: Target, python: str, dest: Path) -> list[str]:
    """Downloads binary wheels; returns the requirements that have none for this target."""
    if not requirements:
        return []
    options = [
        "download", "--no-deps", "--only-binary=:all:",
        *(arg for tag in target.pip_platforms for arg in ("--platform", tag)),
        "--python-version", python, "--implementation", "cp", "--dest", str(dest),
    ]  # fmt: skip
    if pip(*options, *requirements).returncode == 0:
        return []
    # One failed: ask one by one, to name every requirement without a wheel.
    return [
        f"{requirement} ({target.name}, CPython {python})"
        for requirement in requirements
        if pip(*options, requirement).returncode != 0
    ]


def unpinned_closure(names: Sequence[str], wheelhouse: Path, env: dict[str, str]) -> list[str]:
    """The dependencies of wheels downloaded without a local install to read them from."""
    more: list[str] = []
    for wheel in wheelhouse.glob("*.whl"):
        dist_name = canonicalize_name(parse_wheel_filename(wheel.name)[0])
        if dist_name not in names:
            continue
        with ZipFile(wheel) as archive:
            meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            headers = Parser().parsestr(archive.read(meta).decode("utf-8"))
        for line in headers.get_all("Requires-Dist") or []:
            sub = Requirement(line)
            if sub.marker is None or sub.marker.evaluate(env | {"extra": ""}):
                more.append(str(sub))
    return more


def build_own_wheel(dest: Path) -> Path:
    done = pip("wheel", "--no-deps", "--wheel-dir", str(dest), str(ROOT))
    if done.returncode != 0:
        raise BundleError(f"building township-sync's wheel failed:\n{done.stderr[-2000:]}")
    return next(dest.glob("township_sync-*.whl"))


def current_target() -> tuple[list[Target], list[str]]:
    platform = sysconfig.get_platform()
    if platform == "linux-x86_64":
        target = LINUX
    elif platform == "win-amd64":
        target = WINDOWS
    else:
        raise BundleError(f"no bundle target for this platform ({platform})")
    return [target], [f"{sys.version_info.major}.{sys.version_info.minor}"]


def build(
    out: Path, targets: list[Target], pythons: list[str], *, cache: Path | None = None
) -> Path:
    """Builds dist/township-node-bundle-<version>/ and returns its path.

    Args:
        cache: a wheelhouse to reuse (tests keep one per session): wheels found there are
            copied instead of downloaded again.
    """
    meta = project()
    version = str(meta["version"])
    roots = [str(r) for r in meta["dependencies"]]  # type: ignore[attr-defined]
    bundle = out / f"township-node-bundle-{version}"
    if bundle.exists():
        shutil.rmtree(bundle)
    wheelhouse = bundle / "wheelhouse"
    wheelhouse.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        own = build_own_wheel(Path(tmp))
        shutil.copy2(own, wheelhouse / own.name)
    fetch = cache or wheelhouse
    fetch.mkdir(parents=True, exist_ok=True)
    missing: list[str] = []
    needed: set[str] = set()
    for target in targets:
        for python in pythons:
            env = marker_env(target, python)
            reqs = requirements_of(roots, env)
            missing += download(reqs, target, python, fetch)
            unpinned = [canonicalize_name(r) for r in reqs if "==" not in r]
            extra = unpinned_closure(unpinned, fetch, env)
            missing += download(extra, target, python, fetch)
            needed |= {canonicalize_name(Requirement(r).name) for r in reqs + extra}
    if missing:
        raise BundleError("no binary wheel for: " + "; ".join(sorted(set(missing))))
    if cache is not None:
        for wheel in cache.glob("*.whl"):
            if canonicalize_name(parse_wheel_filename(wheel.name)[0]) in needed:
                shutil.copy2(wheel, wheelhouse / wheel.name)
    _write_files(bundle, version, targets, pythons)
    return bundle


def _write_files(bundle: Path, version: str, targets: list[Target], pythons: list[str]) -> None:
    for template in TEMPLATES.iterdir():
        text = template.read_text(encoding="utf-8").replace("@VERSION@", version)
        newline = "\r\n" if template.suffix in {".bat", ".ps1", ".txt"} else "\n"
        # PowerShell 5 reads a BOM-less script as the ANSI code page and garbles Chinese.
        encoding = "utf-8-sig" if template.suffix == ".ps1" else "utf-8"
        (bundle / template.name).write_text(text, encoding=encoding, newline=newline)
    (bundle / "install.sh").chmod(0o755)
    info = {
        "name": "township-sync",
        "version": version,
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platforms": [t.name for t in targets],
        "pythons": pythons,
        "wheels": sorted(p.name for p in (bundle / "wheelhouse").glob("*.whl")),
    }
    (bundle / "VERSION.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    sums = [
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(bundle).as_posix()}"
        for path in sorted(bundle.rglob("*"))
        if path.is_file() and path.name != "SHA256SUMS"
    ]
    (bundle / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument(
        "--current-only", action="store_true", help="only this PC's platform and Python (tests)"
    )
    parser.add_argument("--platform", action="append", choices=sorted(TARGETS))
    parser.add_argument("--python", action="append", choices=PYTHONS)
    parser.add_argument("--cache", type=Path, help="a wheelhouse kept between builds")
    args = parser.parse_args(argv)
    if args.current_only:
        targets, pythons = current_target()
    else:
        targets = [TARGETS[name] for name in args.platform or sorted(TARGETS)]
        pythons = args.python or list(PYTHONS)
    try:
        bundle = build(args.out, targets, pythons, cache=args.cache)
    except BundleError as exc:
        print(f"bundle not built: {exc}", file=sys.stderr)
        return 2
    wheels = len(list((bundle / "wheelhouse").glob("*.whl")))
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    print(json.dumps({"bundle": str(bundle), "wheels": wheels, "bytes": size}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
