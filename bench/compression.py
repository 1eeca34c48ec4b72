"""Benchmark: which compressor for batch bodies (issue 5 asks to measure, then pick).

Fills a node with a realistic day's mix of events (varied applicants, the township items),
cuts the log into 1,000-event bodies and compresses each with zlib and zstandard at several
levels. Prints one JSON line per codec: bytes per event, MB/s to compress and to
decompress (medians over the batches and 5 repetitions), and the machine.

    .venv/bin/python bench/compression.py [--events 10000]
"""

from __future__ import annotations

import argparse
import json
import lzma
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import zstandard

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import machine  # noqa: E402
from bench.sync_throughput import fill  # noqa: E402
from township_node.home import init_home  # noqa: E402

Codec = tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]
CODECS: dict[str, Codec] = {
    "zlib-6": (lambda b: zlib.compress(b, 6), zlib.decompress),
    "zlib-9": (lambda b: zlib.compress(b, 9), zlib.decompress),
    "zstd-3": (zstandard.ZstdCompressor(level=3).compress, zstandard.ZstdDecompressor().decompress),
    "zstd-9": (zstandard.ZstdCompressor(level=9).compress, zstandard.ZstdDecompressor().decompress),
    "zstd-19": (
        zstandard.ZstdCompressor(level=19).compress,
        zstandard.ZstdDecompressor().decompress,
    ),
    "lzma": (lzma.compress, lzma.decompress),
}


def bodies(n_events: int) -> list[bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        home = init_home(Path(tmp) / "node", center_code="513431100", name="新城镇")
        fill(home, n_events)
        lines = [row[0] for row in home.conn.execute("SELECT body FROM events ORDER BY seq")]
        home.close()
    return [b"\n".join(lines[i : i + 1000]) for i in range(0, len(lines), 1000)]


def measure(name: str, codec: Codec, batch_bodies: list[bytes], events: int) -> dict:
    compress, decompress = codec
    packed = [compress(body) for body in batch_bodies]
    raw = sum(len(b) for b in batch_bodies)
    c_times, d_times = [], []
    for _ in range(5):
        start = time.perf_counter()
        for body in batch_bodies:
            compress(body)
        c_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for blob in packed:
            decompress(blob)
        d_times.append(time.perf_counter() - start)
    return {
        "bench": "compression",
        "codec": name,
        "events": events,
        "raw_bytes_per_event": round(raw / events, 1),
        "bytes_per_event": round(sum(len(p) for p in packed) / events, 1),
        "compress_mb_per_s": round(raw / statistics.median(c_times) / 1e6, 1),
        "decompress_mb_per_s": round(raw / statistics.median(d_times) / 1e6, 1),
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    batch_bodies = bodies(args.events)
    for name, codec in CODECS.items():
        print(
            json.dumps(measure(name, codec, batch_bodies, args.events), ensure_ascii=False),
            flush=True,
        )


if __name__ == "__main__":
    main()
