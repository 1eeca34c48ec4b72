"""Provides builders and hypothesis strategies shared by the sync_protocol tests.

Not a conftest: tests import what they use, so each test file reads on its own.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from sync_protocol import (
    GENESIS_HASH,
    SUITE_NATIONAL,
    SUITE_X25519,
    SUITES,
    Event,
    OpenedBatch,
    SealPrivateKey,
    SignedBatch,
    SigningKey,
    VerifyKey,
    build_batch,
    canonical_json,
    encode_event,
    open_batch,
    peek_batch,
    seal_batch,
)

NODE_ID = "513431101-0a1b2c3d"
CREATED_AT = datetime(2026, 11, 28, 3, 5, tzinfo=UTC)
BATCH_SIGNATURE_CONTEXT = b"township-sync/v1/batch\x00"
"""From docs/protocol.md; restated here so the tests check the spec, not the code's constant."""

# Text a township actually records: Han characters, Yi syllables, the middle dot of
# transliterated names, ASCII, and now and then anything else Unicode allows in JSON.
_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_YI = st.characters(min_codepoint=0xA000, max_codepoint=0xA48C)
_ANY = st.characters(blacklist_categories=("Cs",))
township_text = st.text(
    st.one_of(_CJK, _YI, st.sampled_from('·、，。（）\n\t"\\ '), _ANY), max_size=24
)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), township_text
)
payloads = st.dictionaries(
    st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12),
    st.recursive(
        json_scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text("abcdefgh_", min_size=1, max_size=6), inner, max_size=3)
        ),
        max_leaves=8,
    ),
    max_size=6,
)


@functools.cache
def node_key(name: str = "node") -> SigningKey:
    """A fixed signing key per name (derived, so test runs are repeatable)."""
    return SigningKey.from_raw(_seed(name, 32))


@functools.cache
def seal_key(suite: str = SUITE_X25519, name: str = "county") -> SealPrivateKey:
    """A fixed sealing key per suite and name (the national suite's: fixed for the run, since
    GmSSL derives no SM2 key from a seed)."""
    if suite == SUITE_NATIONAL:
        return SealPrivateKey.generate(suite)
    size = 32 if suite == SUITE_X25519 else 96
    return SealPrivateKey(suite, _seed(f"{name}/{suite}", size))


def _seed(label: str, size: int) -> bytes:
    return hashlib.shake_256(b"township-sync tests/" + label.encode()).digest(size)


def make_event(seq: int = 1, **overrides: Any) -> Event:
    id_part = seq if type(seq) is int and 0 < seq < 16**12 else 0
    fields: dict[str, Any] = {
        "event_id": f"01a21fef-5070-7a3c-9d01-{id_part:012x}",
        "node_id": NODE_ID,
        "seq": seq,
        "case_id": "01a21fef-5070-7f00-8a00-0000000000a1",
        "type": "accept",
        "occurred_at": "2026-11-28T02:15:07.120Z",
        "clerk_id": "clerk-01",
        "payload": {"applicant": {"name": "吉克·阿依"}, "fee_fen": 0},
    }
    return Event(**(fields | overrides))


def make_events(count: int, *, first_seq: int = 1) -> list[Event]:
    return [make_event(seq) for seq in range(first_seq, first_seq + count)]


def make_batch(
    events: Sequence[Event] | None = None,
    *,
    signing_key: SigningKey | None = None,
    batch_seq: int = 1,
    prev_hash: str = GENESIS_HASH,
) -> SignedBatch:
    events = list(events or make_events(3))
    return build_batch(
        [encode_event(e) for e in events],
        node_id=events[0].node_id,
        first_seq=events[0].seq,
        batch_seq=batch_seq,
        prev_hash=prev_hash,
        signing_key=signing_key or node_key(),
        created_at=CREATED_AT,
    )


def make_frame(suite: str = SUITE_X25519, events: Sequence[Event] | None = None) -> bytes:
    return seal_batch(make_batch(events), seal_key(suite).public)


def hub_keys(*keys: SealPrivateKey) -> dict[str, SealPrivateKey]:
    """A hub's sealing keys by key id; by default the fixed key of every suite."""
    chosen = keys or tuple(seal_key(suite) for suite in SUITES)
    return {key.public.key_id: key for key in chosen}


def open_frame(
    blob: bytes,
    *,
    recipient_keys: Mapping[str, SealPrivateKey] | None = None,
    sender: VerifyKey | None = None,
) -> OpenedBatch:
    """What a hub does with a frame: peek, then verify, decrypt and decode."""
    return open_batch(
        peek_batch(blob),
        recipient_keys=hub_keys() if recipient_keys is None else recipient_keys,
        sender=sender or node_key().public,
    )


def split_frame(blob: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """(prefix, clear header, signature, sealed body), per the byte layout in the spec."""
    header_len = int.from_bytes(blob[5:7], "big")
    clear_end = 7 + header_len
    return blob[:7], blob[7:clear_end], blob[clear_end : clear_end + 64], blob[clear_end + 64 :]


def join_frame(clear: bytes, signature: bytes, sealed: bytes, *, version: int = 1) -> bytes:
    return b"TSYN" + bytes([version]) + len(clear).to_bytes(2, "big") + clear + signature + sealed


def reseal_with_header(blob: bytes, clear_fields: dict[str, Any], body: bytes) -> bytes:
    """A frame whose clear header is `clear_fields`, with `body` sealed to the key it names.

    This is what an attacker who knows only public keys can build: any header, any body.
    """
    _, _, signature, _ = split_frame(blob)
    clear = canonical_json(clear_fields)
    key = hub_keys()[clear_fields["recipient_key_id"]].public
    return join_frame(clear, signature, key.seal(body, info=clear))
