"""Provides USB trips at both hops, with the stick's files mangled on the way.

A trip writes the sender's batches to a folder (the stick), imports it at the receiver
in-process beside the serving hub, and carries the receipts back. On the way a file may be
truncated (the receiver refuses it; the next trip's intact copy goes through), the first
file may miss the trip (later ones arrive first and are held), and the whole stick may be
imported twice.
"""

from __future__ import annotations

import contextlib
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from central_hub.usb import export_forward, import_folder, import_forward_receipts
from township_node.home import open_home as open_node
from township_node.sync import Outbox, export_batches, import_receipts

from .chain import Chain
from .schedule import Kind, UsbTrip

__all__ = ["carry_to_county", "carry_to_prefecture"]


def carry_to_county(
    chain: Chain, node: Path, stick: Path, trip: UsbTrip, *, batch_events: int
) -> Counter[str]:
    """One trip township → county by stick, and the county's receipts back."""
    with open_node(node) as home:
        Outbox(home).cut(max_events=batch_events)  # as the failed rounds before it cut them
        export_batches(home, stick)
    with contextlib.closing(chain.open("county")) as county:
        faults = _deliver(stick, trip, lambda: import_folder(county, stick))
    with open_node(node) as home:
        import_receipts(home, stick)
    return faults


def carry_to_prefecture(chain: Chain, stick: Path, trip: UsbTrip) -> Counter[str]:
    """One trip county → prefecture by stick (the county also forwards over its link)."""
    with contextlib.closing(chain.open("county")) as county:
        export_forward(county, stick)
    with contextlib.closing(chain.open("prefecture")) as prefecture:
        faults = _deliver(stick, trip, lambda: import_folder(prefecture, stick))
    with contextlib.closing(chain.open("county")) as county:
        import_forward_receipts(county, stick)
    return faults


def _deliver(stick: Path, trip: UsbTrip, import_stick: Callable[[], object]) -> Counter[str]:
    faults: Counter[str] = Counter()
    files = sorted(stick.glob("township-sync/to-*/*/batch-*.tsb"))
    if not files:
        import_stick()
        return faults
    if trip.truncated:
        victim = files[int(trip.cut_at * len(files)) % len(files)]
        intact = victim.read_bytes()
        victim.write_bytes(intact[: max(1, int(len(intact) * trip.cut_at))])
        import_stick()
        victim.write_bytes(intact)  # the next trip carries an intact copy
        faults[Kind.USB_TRUNCATED] += 1
    if trip.out_of_order and len(files) > 1:
        aside = stick / "aside.tsb"
        shutil.move(files[0], aside)  # the first batch misses this trip
        import_stick()
        shutil.move(aside, files[0])
        faults[Kind.USB_OUT_OF_ORDER] += 1
    import_stick()
    if trip.twice:
        import_stick()
        faults[Kind.USB_TWICE] += 1
    return faults
