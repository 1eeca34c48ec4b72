"""Provides the proof that a node equivocated: two batches it signed for one number.

A node signs each batch once (§5.10); two different signed headers with one node id and one
`batch_seq` cannot both be honest. The two headers and their signatures are the whole proof:
anyone holding the node's key checks it, no body needed (each header hashes its body), so a
prefecture can hand it to the county and the county can check it without trusting anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._batch import BatchHeader, SignedBatch
from ._codec import b64decode, b64encode
from ._errors import BadSignature, MalformedInput
from ._keys import VerifyKey

__all__ = ["Equivocation"]


@dataclass(frozen=True, slots=True)
class Equivocation:
    """`kept` is the batch the hub applied (its county's copy); `other` the one it refused."""

    kept: SignedBatch
    other: SignedBatch

    def __post_init__(self) -> None:
        kept, other = self.kept.header, self.other.header
        if (kept.node_id, kept.batch_seq) != (other.node_id, other.batch_seq):
            raise MalformedInput(
                f"an equivocation pairs two batches of one node and number, not batch "
                f"{kept.batch_seq} of {kept.node_id} and {other.batch_seq} of {other.node_id}"
            )
        if kept.batch_hash == other.batch_hash:
            raise MalformedInput(f"batch {kept.batch_seq} of {kept.node_id} twice is no proof")

    @property
    def node_id(self) -> str:
        return self.kept.header.node_id

    @property
    def batch_seq(self) -> int:
        return self.kept.header.batch_seq

    def verify(self, node_key: VerifyKey) -> None:
        """Checks that the node really signed both.

        Raises:
            BadSignature: either header is not signed by `node_key`.
        """
        for batch in (self.kept, self.other):
            if batch.header.sender_key_id != node_key.key_id:
                raise BadSignature(
                    f"batch {batch.header.batch_seq} names signing key "
                    f"{batch.header.sender_key_id}, not {node_key.key_id} of {self.node_id}"
                )
            batch.verify(node_key)

    def to_dict(self) -> dict[str, Any]:
        return {
            name: {
                "header": b64encode(batch.header.encode()),
                "signature": b64encode(batch.signature),
            }
            for name, batch in (("kept", self.kept), ("other", self.other))
        }

    @classmethod
    def from_dict(cls, obj: Any) -> Equivocation:
        """Reads the JSON form (signatures not checked: call `verify`).

        Raises:
            MalformedInput: not an equivocation proof.
        """
        if not isinstance(obj, dict) or set(obj) != {"kept", "other"}:
            raise MalformedInput("an equivocation proof has exactly kept and other")
        halves = []
        for name in ("kept", "other"):
            half = obj[name]
            if not isinstance(half, dict) or set(half) != {"header", "signature"}:
                raise MalformedInput(f"equivocation proof's {name} needs header and signature")
            header = BatchHeader.decode(b64decode(half["header"], what=f"{name} header"))
            signature = b64decode(half["signature"], what=f"{name} signature")
            halves.append(SignedBatch(header, signature, b""))
        return cls(*halves)
