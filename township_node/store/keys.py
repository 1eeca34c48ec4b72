"""Provides the node's key file: written once with mode 0600, never logged."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sync_protocol import SUITE_X25519, SealPrivateKey, SigningKey, b64decode, b64encode

__all__ = ["NodeKeys", "load_keys", "save_keys"]


@dataclass(frozen=True, slots=True)
class NodeKeys:
    """The node's signing key (its identity) and sealing key (for what hubs send down)."""

    signing: SigningKey
    sealing: SealPrivateKey

    @classmethod
    def generate(cls) -> NodeKeys:
        return cls(SigningKey.generate(), SealPrivateKey.generate(SUITE_X25519))


def save_keys(path: Path, keys: NodeKeys) -> None:
    """Writes the key file readable by its owner only; refuses to overwrite one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    document = {
        "signing_ed25519": b64encode(keys.signing.raw()),
        "sealing_suite": keys.sealing.suite,
        "sealing": b64encode(keys.sealing.raw()),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
        handle.flush()
        os.fsync(handle.fileno())


def load_keys(path: Path) -> NodeKeys:
    document = json.loads(path.read_text(encoding="utf-8"))
    return NodeKeys(
        SigningKey.from_raw(b64decode(document["signing_ed25519"], what="signing key")),
        SealPrivateKey(document["sealing_suite"], b64decode(document["sealing"], what="key")),
    )
