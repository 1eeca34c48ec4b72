"""Hypothesis over the USB importers of both ends and the node's catalog bundle loading: a
stick full of garbage (or of documents signed by the right hub whose bodies are garbage) is
refused with the package's documented error or reported file by file, never another
exception, and applies nothing."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import casework
from casework.catalog import COLUMNS
from central_hub.catalogs import import_calendar_layer, import_catalog
from central_hub.errors import HubError
from central_hub.usb import import_folder
from sync_protocol import MAX_FRAME_SIZE, ProtocolError, sign_document
from tests.pairs import Pair, make_pair
from tests.security.test_fuzz_decoders import edited, json_values, signed_shapes
from township_node.catalog import take_catalog_bundle
from township_node.errors import NodeError
from township_node.sync import import_receipts

SHORT = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    found = make_pair(tmp_path_factory.mktemp("imports"))
    found.accept(2)
    yield found
    found.node.close()
    found.hub.close()


@pytest.fixture(scope="module")
def frames(pair: Pair) -> list[bytes]:
    """The node's own sealed batches, never ingested: material to edit."""
    return pair.sealed_batches(max_events=1)


def _node_state(pair: Pair) -> str:
    return hashlib.sha256("\n".join(pair.node.conn.iterdump()).encode()).hexdigest()


def _hub_state(pair: Pair) -> dict[str, int]:
    names = ("events", "cases", "batches", "held_batches", "nodes", "quarantine")
    with pair.hub.engine.connect() as conn:
        return {
            name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in names
        }


def _json_file(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _signed_by(pair: Pair, shape: dict[str, Any]) -> dict[str, Any]:
    """`shape` re-signed with the real hub key when it can be: the signature holds, the body
    is garbage."""
    try:
        return sign_document(shape["kind"], shape["body"], pair.hub.signing).to_dict()
    except ProtocolError:
        return shape


file_contents = st.one_of(
    st.binary(max_size=300),
    json_values.map(_json_file),
    signed_shapes.map(_json_file),
)


@contextlib.contextmanager
def _stick() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="stick-") as folder:
        yield Path(folder)


def _node_case(pair: Pair, files: dict[str, bytes]) -> None:
    hub_id, node_id = pair.hub_info.hub_id, pair.node.node_id
    before = _node_state(pair)
    with _stick() as folder:
        source = folder / "township-sync" / f"from-{hub_id}"
        (source / node_id).mkdir(parents=True)
        for name, data in files.items():
            path = source / name if name == "catalog.json" else source / node_id / name
            path.write_bytes(data)
        try:
            report = import_receipts(pair.node, folder)
        except (NodeError, ProtocolError):
            assert _node_state(pair) == before
            return
    assert report.applied == 0 and not report.catalog_versions
    assert _node_state(pair) == before


node_files = st.dictionaries(
    st.sampled_from(["receipt-1.json", "receipt-2.json", "feed-000000000000.tsf", "catalog.json"]),
    file_contents,
    min_size=1,
)


@SHORT
@given(files=node_files)
def test_node_usb_import_of_garbage_refuses_or_ignores_and_changes_nothing(pair, files):
    _node_case(pair, files)


@SHORT
@given(shape=signed_shapes, slot=st.sampled_from(["receipt-1.json", "catalog.json"]))
def test_node_usb_import_of_hub_signed_garbage_changes_nothing(pair, shape, slot):
    document = _signed_by(pair, shape)
    if slot == "catalog.json":
        document = {"county": document, "revocations": document}
    _node_case(pair, {slot: _json_file(document)})


def _bundle_case(pair: Pair, bundle: Any) -> None:
    before = _node_state(pair)
    try:
        taken = take_catalog_bundle(pair.node, bundle)
    except (NodeError, ProtocolError):
        taken = []
    assert taken == []
    assert _node_state(pair) == before


bundles = st.one_of(
    json_values,
    st.dictionaries(
        st.sampled_from(["prefecture", "county", "upstream", "revocations"]),
        json_values | signed_shapes,
    ),
)


@SHORT
@given(bundle=bundles)
def test_catalog_bundle_of_garbage_is_refused_and_changes_nothing(pair, bundle):
    _bundle_case(pair, bundle)


@SHORT
@given(
    shape=signed_shapes,
    slot=st.sampled_from(["prefecture", "county", "upstream", "revocations"]),
)
def test_catalog_bundle_signed_by_the_hub_with_garbage_bodies_changes_nothing(pair, shape, slot):
    for kind in ("catalog", "revocations", "upstream_hub"):
        _bundle_case(pair, {slot: _signed_by(pair, shape | {"kind": kind})})


def _hub_case(pair: Pair, files: dict[str, bytes]) -> None:
    hub_id, node_id = pair.hub_info.hub_id, pair.node.node_id
    before = _hub_state(pair)
    with _stick() as folder:
        inbox = folder / "township-sync" / f"to-{hub_id}"
        for name, data in files.items():
            path = inbox / name.replace("NODE", node_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            summary = import_folder(pair.hub, folder)
        except (HubError, ProtocolError):
            summary = None
    assert _hub_state(pair) == before
    if summary is not None:
        assert summary.applied == summary.held == summary.registrations == 0
        assert len(summary.reasons) == summary.rejected


hub_names = st.sampled_from(
    [
        "NODE/batch-00000001.tsb",
        "513431100-stranger/batch-00000001.tsb",
        "registrations/x.json",
        "backlog.json",
        "NODE/feed-request.json",
    ]
)


@SHORT
@given(files=st.dictionaries(hub_names, file_contents, min_size=1))
def test_hub_usb_import_of_garbage_reports_each_file_and_applies_nothing(pair, files):
    _hub_case(pair, files)


@SHORT
@given(data=st.data())
def test_hub_usb_import_of_edited_batches_applies_nothing(pair, frames, data):
    blob = data.draw(st.sampled_from(frames).flatmap(edited))
    if blob in frames:
        return
    _hub_case(pair, {"NODE/batch-00000001.tsb": blob})


@pytest.mark.slow
@LONG
@given(files=node_files)
def test_campaign_node_usb_import_of_garbage_changes_nothing(pair, files):
    _node_case(pair, files)


@pytest.mark.slow
@LONG
@given(bundle=bundles)
def test_campaign_catalog_bundle_of_garbage_changes_nothing(pair, bundle):
    _bundle_case(pair, bundle)


@pytest.mark.slow
@LONG
@given(files=st.dictionaries(hub_names, file_contents, min_size=1))
def test_campaign_hub_usb_import_of_garbage_applies_nothing(pair, files):
    _hub_case(pair, files)


def _hub_meta(pair: Pair) -> list[tuple[str, str]]:
    with pair.hub.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM hub_meta ORDER BY 1"))]


_HEADER = [headers[0] for headers in COLUMNS.values()]
csv_files = st.one_of(
    st.binary(max_size=400),
    st.lists(
        st.lists(
            st.text(max_size=12) | st.sampled_from(["", "0", "-1", "township", "县级"]), max_size=8
        ),
        max_size=6,
    ).map(lambda rows: "\n".join(",".join(row) for row in [_HEADER, *rows]).encode("utf-8")),
)


def _catalog_file_case(pair: Pair, suffix: str, data: bytes) -> None:
    before = _hub_meta(pair)
    with _stick() as folder:
        path = folder / f"catalog{suffix}"
        path.write_bytes(data)
        try:
            if suffix == ".json":
                import_calendar_layer(pair.hub, path)
            else:
                import_catalog(pair.hub, path)
        except (casework.CaseworkError, HubError):
            assert _hub_meta(pair) == before
            return
    # Accepted: only a well-formed file gets here; put the draft back for the next example.
    with pair.hub.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM hub_meta"))
        for key, value in before:
            conn.execute(sa.text("INSERT INTO hub_meta VALUES (:k, :v)"), {"k": key, "v": value})


@SHORT
@given(data=csv_files, suffix=st.sampled_from([".csv", ".xlsx"]))
def test_hub_catalog_import_of_garbage_is_refused_and_keeps_the_draft(pair, data, suffix):
    _catalog_file_case(pair, suffix, data)


@SHORT
@given(data=st.binary(max_size=200) | json_values.map(_json_file))
def test_hub_calendar_import_of_garbage_is_refused_and_keeps_the_draft(pair, data):
    _catalog_file_case(pair, ".json", data)


@pytest.mark.slow
@LONG
@given(data=csv_files, suffix=st.sampled_from([".csv", ".xlsx"]))
def test_campaign_hub_catalog_import_of_garbage_keeps_the_draft(pair, data, suffix):
    _catalog_file_case(pair, suffix, data)


# --- whole stick folders (issue 24, item 5) ------------------------------------------------
# Names (with `..`, `.`, nested folders), links out of the stick (to a real frame, a folder, a
# device), named pipes, sparse files past the limits, truncated frames and deep JSON: the
# importers raise only their package's errors, write nothing outside the stick, and apply
# nothing.

_PARTS = [
    "to-HUB", "from-HUB", "to-prefecture-513400", "NODE", "registrations", "..", ".", "x",
    "batch-00000001.tsb", "batch-00000002.tsb", "receipt-00000001.json", "feed-request.json",
    "feed-000000000000.tsf", "backlog.json", "catalog.json", "x.json", "manifest.json",
]  # fmt: skip
_KINDS = ["file", "file", "file", "folder", "link-frame", "link-folder", "link-device", "huge"]
if hasattr(os, "mkfifo"):
    _KINDS.append("pipe")

stick_entries = st.lists(
    st.tuples(
        st.lists(st.sampled_from(_PARTS) | st.text("ab.-_/\\", min_size=1, max_size=6), max_size=5),
        st.sampled_from(_KINDS),
        st.one_of(
            file_contents,
            st.integers(1, 4000).map(lambda depth: b"[" * depth * 50),
            st.integers(0, 2000).map(lambda cut: (cut, b"frame")),
        ),
    ),
    min_size=1,
    max_size=8,
)


def _place(stick: Path, outside: Path, names: dict[str, str], entry: Any, frame: bytes) -> None:
    """Puts one entry on the stick (never outside it: a name that climbs out is dropped)."""
    parts, kind, content = entry
    relative = os.path.normpath("/".join(["township-sync", *(names.get(p, p) for p in parts)]))
    path = stick / relative
    if os.path.isabs(relative) or relative.startswith("..") or relative == "township-sync":
        return
    if os.path.lexists(path) or not path.resolve().is_relative_to(stick.resolve()):
        return  # taken already (writing to a pipe placed there would block), or via a link
    if isinstance(content, tuple):  # a real frame of the enrolled node, cut short
        content = frame[: min(content[0], len(frame) - 1)]
    with contextlib.suppress(OSError):  # a name already taken by a file or folder
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "file":
            path.write_bytes(content)
        elif kind == "folder":
            path.mkdir()
        elif kind == "link-frame":
            path.symlink_to(outside / "frame.tsb")
        elif kind == "link-folder":
            path.symlink_to(outside, target_is_directory=True)
        elif kind == "link-device":
            path.symlink_to(os.devnull if not os.path.exists("/dev/zero") else "/dev/zero")
        elif kind == "pipe":
            os.mkfifo(path)
        else:  # sparse, past both limits
            path.write_bytes(content[:8])
            os.truncate(path, MAX_FRAME_SIZE + 1)


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    }


@contextlib.contextmanager
def _stick_and_outside(frame: bytes) -> Iterator[tuple[Path, Path]]:
    """A stick and, beside it, a folder standing for the rest of this PC (it holds a real frame
    of the enrolled node, which a link on the stick must not get applied)."""
    with tempfile.TemporaryDirectory(prefix="stickfuzz-") as top:
        stick, outside = Path(top) / "stick", Path(top) / "outside"
        stick.mkdir()
        (outside / "folder").mkdir(parents=True)
        (outside / "frame.tsb").write_bytes(frame)
        (outside / "doc.json").write_bytes(b"{}")
        yield stick, outside


def _stick_case(pair: Pair, frame: bytes, entries: list[Any], *, side: str) -> None:
    names = {
        "HUB": pair.hub_info.hub_id,
        "to-HUB": f"to-{pair.hub_info.hub_id}",
        "from-HUB": f"from-{pair.hub_info.hub_id}",
        "NODE": pair.node.node_id,
    }
    hub_before, node_before = _hub_state(pair), _node_state(pair)
    with _stick_and_outside(frame) as (stick, outside):
        for entry in entries:
            _place(stick, outside, names, entry, frame)
        around = _snapshot(outside)
        try:
            if side == "hub":
                summary = import_folder(pair.hub, stick)
                assert len(summary.reasons) == summary.rejected
            else:
                report = import_receipts(pair.node, stick)
                assert len(report.reasons) == len(report.reasons_zh) == report.ignored
        except (HubError, NodeError, ProtocolError):
            pass
        assert _snapshot(outside) == around  # nothing written through a link
        assert sorted(p.name for p in Path(stick).parent.iterdir()) == ["outside", "stick"]
    assert _hub_state(pair) == hub_before
    assert _node_state(pair) == node_before


@SHORT
@given(entries=stick_entries)
def test_hub_usb_import_of_a_hostile_stick_raises_nothing_foreign_and_writes_only_on_it(
    pair, frames, entries
):
    _stick_case(pair, frames[0], entries, side="hub")


@SHORT
@given(entries=stick_entries)
def test_node_usb_import_of_a_hostile_stick_raises_nothing_foreign_and_changes_nothing(
    pair, frames, entries
):
    _stick_case(pair, frames[0], entries, side="node")


@pytest.mark.slow
@LONG
@given(entries=stick_entries)
def test_campaign_hub_usb_import_of_hostile_sticks(pair, frames, entries):
    _stick_case(pair, frames[0], entries, side="hub")


@pytest.mark.slow
@LONG
@given(entries=stick_entries)
def test_campaign_node_usb_import_of_hostile_sticks(pair, frames, entries):
    _stick_case(pair, frames[0], entries, side="node")
