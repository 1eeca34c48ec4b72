"""Measures what signing and sealing cost per 1,000-event batch for each cipher suite.

Prints one JSON line of machine info, then one JSON line per suite: median and [min, max] of
`--runs` timings (milliseconds) for building the batch (sign and compress, with the signature
algorithm that goes with the suite: SM2 for the national one), seal_batch, the open of the
sealed body alone, and peek+open_batch (verify, open, decompress, decode), and the frame size.
The suites are timed in turn within each round, so load from elsewhere hits them alike. The
baseline is the first suite (X25519 HPKE with Ed25519), and each line gives its ratio to it.
Timings are measurements to report, never test assertions.

    .venv/bin/python bench/suite_cost.py [--events 1000] [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import cryptography
from cryptography.hazmat.backends.openssl import backend

from sync_protocol import (
    GENESIS_HASH,
    SUITES,
    Event,
    SealPrivateKey,
    SignedBatch,
    SigningKey,
    build_batch,
    encode_event,
    format_timestamp,
    open_batch,
    peek_batch,
    seal_batch,
    signature_algorithm,
)

NODE_ID = "513431101-5f3a9c2e"
SURNAMES = ["吉克", "阿西", "沙马", "曲比", "马海", "王", "李", "杨"]
GIVEN = ["阿依", "拉则", "木呷", "秀英", "子石", "尔古", "建华", "曲布"]
ITEMS = [
    ("SB-0007", "城乡居民基本养老保险参保登记", "public_service"),
    ("MZ-0031", "临时救助申请", "public_service"),
    ("NY-0102", "农村土地承包经营权流转备案", "other_admin"),
    ("JS-0210", "农村村民宅基地建房审批", "licensing"),
]
TYPES = ["accept", "handle", "review", "approve", "complete"]


def _event(seq: int, start: datetime, rng: random.Random) -> Event:
    """A realistic window event: random ids and people, so compression is not flattered."""
    case = seq // len(TYPES)
    kind = TYPES[seq % len(TYPES)]
    code, name, category = ITEMS[case % len(ITEMS)]
    surname, given = rng.choice(SURNAMES), rng.choice(GIVEN) + rng.choice(GIVEN)[-1]
    sep = "·" if len(surname) == 2 else ""
    payload: dict[str, Any] = {"note": f"第{seq}步，材料已核对，{rng.choice(GIVEN)}经办"}
    if kind == "accept":
        payload = {
            "case_no": f"513431101-20261128-{case:04d}",
            "center_code": "513431101",
            "item_code": code,
            "item_name": name,
            "category": category,
            "applicant": {
                "name": f"{surname}{sep}{given}",
                "id_type": "resident_id",
                "id_number": f"513431{rng.randrange(1950, 2008)}{rng.randrange(10**8):08d}",
                "phone": f"1{rng.randrange(3 * 10**9, 10**10)}",
            },
            "fee_fen": 0,
        }
    return Event(
        event_id=_uuid7ish(start + timedelta(seconds=seq * 17), rng),
        node_id=NODE_ID,
        seq=seq,
        case_id=f"01a21fef-5070-7f00-8a00-{case * 7919 % 16**12:012x}",
        type=kind,
        occurred_at=format_timestamp(start + timedelta(seconds=seq * 17)),
        clerk_id=f"clerk-{case % 3 + 1:02d}",
        payload=payload,
    )


def _uuid7ish(moment: datetime, rng: random.Random) -> str:
    """A UUIDv7 text: 48-bit millisecond time, then seeded random bits."""
    value = (int(moment.timestamp() * 1000) << 80) | (0x7 << 76) | rng.getrandbits(76)
    value = (value & ~(0b11 << 62)) | (0b10 << 62)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _summary(samples: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(samples), 3),
        "range_ms": [round(min(samples), 3), round(max(samples), 3)],
    }


def _machine() -> dict[str, Any]:
    return {
        "kind": "machine",
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "cryptography": cryptography.__version__,
        "openssl": backend.openssl_version_text(),
    }


class _Suite:
    """One suite's keys, batch and frame, and the timings taken of it."""

    def __init__(self, suite: str, lines: list[bytes]) -> None:
        self.suite = suite
        self.lines = lines
        self.signing = SigningKey.generate(signature_algorithm(suite))
        self.key = SealPrivateKey.generate(suite)
        self.batch = self.build()
        self.blob = seal_batch(self.batch, self.key.public)
        self.samples: dict[str, list[float]] = {
            "sign_and_compress": [], "seal": [], "unseal": [], "peek_open_decode": []
        }  # fmt: skip

    def build(self) -> SignedBatch:
        return build_batch(
            self.lines,
            node_id=NODE_ID,
            first_seq=1,
            batch_seq=1,
            prev_hash=GENESIS_HASH,
            signing_key=self.signing,
        )

    def time_once(self) -> None:
        keys = {self.key.public.key_id: self.key}
        sealed = peek_batch(self.blob)
        self.samples["sign_and_compress"].append(_timed(self.build))
        self.samples["seal"].append(_timed(lambda: seal_batch(self.batch, self.key.public)))
        self.samples["unseal"].append(
            _timed(lambda: self.key.open(sealed.sealed_body, info=sealed.clear_header))
        )
        self.samples["peek_open_decode"].append(
            _timed(
                lambda: open_batch(
                    peek_batch(self.blob), recipient_keys=keys, sender=self.signing.public
                )
            )
        )

    def line(self, baseline: _Suite) -> dict[str, Any]:
        figures: dict[str, Any] = {"kind": "suite", "suite": self.suite}
        figures["signature"] = self.signing.algorithm
        figures["events"] = self.batch.header.event_count
        for name, samples in self.samples.items():
            ratio = statistics.median(samples) / statistics.median(baseline.samples[name])
            figures[name] = _summary(samples) | {"ratio_to_baseline": round(ratio, 2)}
        return figures | {
            "baseline": baseline.suite,
            "body_bytes": self.batch.header.body_size,
            "compressed_bytes": len(self.batch.body),
            "frame_bytes": len(self.blob),
            "frame_overhead_bytes": len(self.blob) - len(self.batch.body),
            "frame_bytes_per_event": round(len(self.blob) / self.batch.header.event_count, 1),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    runs = max(args.runs, 5)
    start = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    rng = random.Random(20261128)
    lines = [encode_event(_event(seq, start, rng)) for seq in range(1, args.events + 1)]
    suites = [_Suite(suite, lines) for suite in SUITES]
    for _ in range(runs):
        for suite in suites:
            suite.time_once()
    print(json.dumps(_machine() | {"runs": runs}, ensure_ascii=False))
    for suite in suites:
        print(json.dumps(suite.line(suites[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
