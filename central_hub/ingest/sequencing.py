"""Provides the pure rule that orders a node's batches at a hub: `decide`.

From what the hub holds of a node (its cursor) and an incoming batch header, it says
whether to apply, answer as a duplicate, refuse as a conflict or a broken chain, or hold
the batch until the gap before it closes. No I/O: the ingest shell acts on the answer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sync_protocol import GENESIS_HASH, BatchHeader

__all__ = ["Decision", "NodeCursor", "decide"]


class Decision(enum.Enum):
    APPLY = "apply"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    HOLD = "hold"
    BROKEN_CHAIN = "broken_chain"


@dataclass(frozen=True, slots=True)
class NodeCursor:
    next_batch_seq: int = 1
    last_event_seq: int = 0
    last_batch_hash: str = GENESIS_HASH


def decide(cursor: NodeCursor, header: BatchHeader, stored_hash: str | None) -> Decision:
    """What to do with a batch, given what the hub holds of its node.

    Args:
        stored_hash: the hash of the batch the hub already applied at this seq, if any.
    """
    if header.batch_seq < cursor.next_batch_seq:
        return Decision.DUPLICATE if stored_hash == header.batch_hash else Decision.CONFLICT
    if header.batch_seq > cursor.next_batch_seq:
        return Decision.HOLD
    if header.prev_hash != cursor.last_batch_hash or header.first_seq != cursor.last_event_seq + 1:
        return Decision.BROKEN_CHAIN
    return Decision.APPLY
