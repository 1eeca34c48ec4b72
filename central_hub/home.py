"""Provides the hub home: its configuration, its keys and its store, in one folder.

The home is private to the account that runs the hub (issue 24): its folders are 0700 and
its files 0600 (hub.json, keys, hub.db with its -wal and -shm files, partial uploads, locks),
whatever the umask. New ones are made with that mode, which a umask can only narrow; SQLite
gives -wal and -shm the mode of their database file, so hub.db is made 0600 before SQLite
opens it. `open_home` tightens a home made looser (by a release before issue 24), logging
each change, and warns with the `chmod` to run for what another account owns.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import stat
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from sync_protocol import (
    SIGNATURE_SM2,
    SUITE_MLKEM768_X25519,
    SUITE_NATIONAL,
    SUITE_X25519,
    HubInfo,
    SealPrivateKey,
    SigningKey,
    b64decode,
    b64encode,
    format_timestamp,
)

from .errors import AlreadyInitialized, HubError, NotInitialized
from .store import create_database, create_engine_for, hub_meta, is_sqlite_url

__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "HubConfig",
    "HubHome",
    "init_home",
    "make_private_dir",
    "open_home",
    "rotate_sealing_keys",
    "tighten_home",
    "write_private_file",
]

CONFIG_FILE = "hub.json"
KEY_FILE = "keys/hub-keys.json"
POSTGRES_SERVER_VARIABLE = "CENTRAL_HUB_POSTGRES_SERVER"
_OWNER_KEY = "hub_home"  # in hub_meta: the home folder whose store this is
TIERS = ("county", "prefecture")
FOLDER_MODE = 0o700
FILE_MODE = 0o600

log = logging.getLogger("central_hub.home")


@dataclass(frozen=True, slots=True)
class HubConfig:
    """The hub's settings, from hub.json."""

    hub_id: str
    tier: str
    """"county" or "prefecture"."""
    org_code: str
    name: str
    database_url: str
    created_at: str
    preferred_suite: str = SUITE_X25519
    """The suite nodes seal to; a prefecture may choose the post-quantum hybrid."""
    min_node_version: str = ""
    """Batches from township-node software older than this (e.g. "0.2.0") are refused with
    `node_too_old` and stay queued on the node; "" accepts every version."""


@dataclass(slots=True)
class HubHome:
    path: Path
    config: HubConfig
    signing: SigningKey
    sealing: dict[str, SealPrivateKey]
    """Our sealing private keys by key id (every suite, and rotated keys still in use)."""
    engine: sa.Engine = field(repr=False)

    def info(self) -> HubInfo:
        current = {key.suite: b64encode(key.public.raw) for key in self.sealing.values()}
        return HubInfo(
            hub_id=self.config.hub_id,
            tier=self.config.tier,
            org_code=self.config.org_code,
            name=self.config.name,
            sign_key=b64encode(self.signing.public.raw),
            seal_keys=current,
            preferred_suite=self.config.preferred_suite,
        )

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> HubHome:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def init_home(
    path: Path,
    *,
    tier: str,
    org_code: str,
    name: str,
    database_url: str = "",
    preferred_suite: str = SUITE_X25519,
) -> HubHome:
    """Creates a hub home with fresh keys and an empty store.

    Raises:
        AlreadyInitialized: a hub home is already there.
        HubError: a bad tier or org code.
    """
    if tier not in TIERS:
        raise HubError(f"tier must be one of {', '.join(TIERS)}, not {tier!r}")
    if not (org_code.isdigit() and len(org_code) == 6):
        raise HubError(f"org code {org_code!r} must be a 6-digit GB/T 2260 code, e.g. 513431")
    if (path / CONFIG_FILE).exists():
        raise AlreadyInitialized(f"a hub home already exists at {path}")
    make_private_dir(path)
    config = HubConfig(
        hub_id=f"{tier}-{org_code}",
        tier=tier,
        org_code=org_code,
        name=name,
        database_url=database_url or _default_database_url(path, tier, org_code),
        created_at=format_timestamp(datetime.now(UTC)),
        preferred_suite=preferred_suite,
    )
    _make_sqlite_file_private(config.database_url)
    _claim_store(config.database_url, path)
    _write_keys(path / KEY_FILE, national=preferred_suite == SUITE_NATIONAL)
    # 0600 too: a database URL may carry a password.
    write_private_file(path / CONFIG_FILE, json.dumps(asdict(config), indent=2).encode("utf-8"))
    return open_home(path)


def _make_sqlite_file_private(url: str) -> None:
    """Creates a new SQLite store's file 0600 before SQLite does (its -wal and -shm copy it)."""
    if not is_sqlite_url(url):
        return
    database = sa.make_url(url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    os.close(os.open(database, os.O_WRONLY | os.O_CREAT, FILE_MODE))


def make_private_dir(path: Path) -> Path:
    """Makes the folder `path` and any missing parents, each new one with mode 0700.

    An existing folder keeps its mode: it may be a USB stick's, which is not ours to change.
    """
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):  # mkdir(parents=True) gives parents the umask's mode
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
    return path


def write_private_file(path: Path, data: bytes) -> None:
    """Writes `data` to `path` (replacing what is there) readable by this account only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        # A file that was there keeps its mode through O_CREAT; a FAT stick has no modes.
        with contextlib.suppress(PermissionError):
            os.fchmod(handle.fileno(), FILE_MODE)
        handle.write(data)


def _claim_store(url: str, path: Path) -> None:
    """Marks the store as this home's, refusing a database another hub home already uses
    (one pasted URL would otherwise mix two hubs' nodes and cases in one set of tables)."""
    engine = create_engine_for(url)
    home = str(path.resolve())
    try:
        with engine.begin() as conn:
            owner = conn.execute(
                sa.select(hub_meta.c.value).where(hub_meta.c.key == _OWNER_KEY)
            ).scalar()
            if owner is None:
                conn.execute(hub_meta.insert().values(key=_OWNER_KEY, value=home))
    finally:
        engine.dispose()
    if owner is not None and owner != home:
        raise AlreadyInitialized(
            f"database {sa.make_url(url).render_as_string(hide_password=True)} already holds "
            f"the store of the hub home at {owner}; give each hub its own database"
        )


def open_home(path: Path) -> HubHome:
    """Opens a hub home and its store.

    A home that group or others may read is tightened first (`tighten_home`).

    Raises:
        NotInitialized: no hub home at `path`.
    """
    if not (path / CONFIG_FILE).exists():
        raise NotInitialized(
            f"no hub home at {path}; run `central-hub init --tier county --org-code CODE "
            "--name NAME` first"
        )
    tighten_home(path)
    config = HubConfig(**json.loads((path / CONFIG_FILE).read_text(encoding="utf-8")))
    signing, sealing = _read_keys(path / KEY_FILE)
    return HubHome(path, config, signing, sealing, create_engine_for(config.database_url))


def _default_database_url(path: Path, tier: str, org_code: str) -> str:
    """The embedded SQLite file, unless a PostgreSQL server is named for new hubs.

    With CENTRAL_HUB_POSTGRES_SERVER set (a URL of any database there, the role allowed to
    create databases), each new hub home gets a fresh database of its own on that server.
    """
    server = os.environ.get(POSTGRES_SERVER_VARIABLE, "")
    if not server:
        return f"sqlite:///{(path / 'hub.db').resolve()}"
    name = f"hub_{tier}_{org_code}_{secrets.token_hex(4)}"
    try:
        return create_database(server, name)
    except sa.exc.SQLAlchemyError as exc:
        raise HubError(
            f"cannot create database {name} on the server of {POSTGRES_SERVER_VARIABLE} "
            f"({exc.__class__.__name__}: {exc}); check that the server runs and the role "
            "may create databases, or pass --database-url"
        ) from exc


def _new_sealing_keys(*, national: bool) -> list[dict[str, str]]:
    # A national-suite hub holds SM2 keys only: an assessor must find no other algorithm there,
    # and a batch sealed to another suite is refused by name (sync_protocol.open_batch).
    suites = (SUITE_NATIONAL,) if national else (SUITE_X25519, SUITE_MLKEM768_X25519)
    return [
        {"suite": suite, "key": b64encode(SealPrivateKey.generate(suite).raw())} for suite in suites
    ]


def _write_keys(path: Path, *, national: bool) -> None:
    make_private_dir(path.parent)
    signing: dict[str, str | list[dict[str, str]]] = (
        {"signing_sm2": b64encode(SigningKey.generate(SIGNATURE_SM2).raw())}
        if national
        else {"signing_ed25519": b64encode(SigningKey.generate().raw())}
    )
    document = {**signing, "sealing": _new_sealing_keys(national=national)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
        handle.flush()
        os.fsync(handle.fileno())


def rotate_sealing_keys(home_path: Path, *, retire_old: bool) -> list[str]:
    """Adds fresh sealing keys (the newest are the ones published); returns their ids.

    Old keys still open batches sealed before nodes learned the new ones, unless
    `retire_old`: then only the new keys remain, and a node that seals to an old one is
    told `wrong_recipient`, fetches the hub's description again and seals anew. The
    signing key, the hub's identity, never changes here. The file is replaced atomically.
    """
    path = home_path / KEY_FILE
    document = json.loads(path.read_text(encoding="utf-8"))
    fresh = _new_sealing_keys(national="signing_sm2" in document)
    document["sealing"] = fresh if retire_old else [*document["sealing"], *fresh]
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return [
        SealPrivateKey(entry["suite"], b64decode(entry["key"], what="key")).public.key_id
        for entry in fresh
    ]


def _read_keys(path: Path) -> tuple[SigningKey, dict[str, SealPrivateKey]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    name = "signing_sm2" if "signing_sm2" in document else "signing_ed25519"
    signing = SigningKey.from_raw(b64decode(document[name], what="key"))
    sealing = [
        SealPrivateKey(entry["suite"], b64decode(entry["key"], what="key"))
        for entry in document["sealing"]
    ]
    return signing, {key.public.key_id: key for key in sealing}


def tighten_home(home: Path) -> list[Path]:
    """Takes group and other bits off the hub home and each path in it this account owns.

    Each change is logged (a warning: the file was readable by other accounts until now);
    a path another account owns is logged with the `chmod` to run. Symbolic links are not
    followed; Windows has no such modes.

    Returns:
        The paths still readable by other accounts.
    """
    if os.name != "posix":
        return []
    left = []
    for path in [home, *_walk(home)]:
        try:
            info = path.lstat()
        except OSError:
            continue  # removed meanwhile (a finished upload)
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISLNK(info.st_mode) or not mode & 0o077:
            continue
        # Only group and other bits go (0644 → 0600, 0755 → 0700), as `chmod go-rwx` does.
        if not _tighten(path, mode, mode & ~0o077, owned=info.st_uid == os.geteuid()):
            left.append(path)
    return left


def _walk(home: Path) -> list[Path]:
    return [Path(folder) / name for folder, dirs, files in os.walk(home) for name in dirs + files]


def _tighten(path: Path, mode: int, wanted: int, *, owned: bool) -> bool:
    try:
        if not owned:
            raise PermissionError("owned by another account")
        os.chmod(path, wanted)
    except OSError as exc:
        log.warning(
            "%s is mode %04o, readable by other accounts, and cannot be tightened (%s): "
            "run chmod %o %s",
            path,
            mode,
            exc.strerror or exc,
            wanted,
            path,
        )
        return False
    log.warning(
        "tightened %s from mode %04o to %04o: it was readable by other accounts",
        path,
        mode,
        wanted,
    )
    return True
