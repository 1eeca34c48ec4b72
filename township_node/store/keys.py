"""Provides the node's key file: written with mode 0600, never logged.

A node's keys follow its hub's suite: Ed25519 and X25519 by default, SM2 for both signing
and sealing when the hub uses the national suite (国密, docs/crypto-suites.md), so a national
deployment makes no other algorithm's key.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sync_protocol import (
    SIGNATURE_SM2,
    SUITE_NATIONAL,
    SUITE_X25519,
    SealPrivateKey,
    SigningKey,
    b64decode,
    b64encode,
    signature_algorithm,
)

__all__ = ["NodeKeys", "load_keys", "replace_keys", "save_keys"]


@dataclass(frozen=True, slots=True)
class NodeKeys:
    """The node's signing key (its identity) and sealing key (for what hubs send down)."""

    signing: SigningKey
    sealing: SealPrivateKey

    @classmethod
    def generate(cls, suite: str = SUITE_X25519) -> NodeKeys:
        """Fresh keys for a node whose hub seals with `suite`."""
        sealing = SUITE_NATIONAL if suite == SUITE_NATIONAL else SUITE_X25519
        return cls(
            SigningKey.generate(signature_algorithm(suite)), SealPrivateKey.generate(sealing)
        )

    def fit(self, suite: str) -> bool:
        """Whether these keys are the kind a hub of `suite` enrolls."""
        national = suite == SUITE_NATIONAL
        return (self.signing.algorithm == SIGNATURE_SM2) == national and (
            self.sealing.suite == SUITE_NATIONAL
        ) == national


def _document(keys: NodeKeys) -> dict[str, str]:
    name = "signing_sm2" if keys.signing.algorithm == SIGNATURE_SM2 else "signing_ed25519"
    return {
        name: b64encode(keys.signing.raw()),
        "sealing_suite": keys.sealing.suite,
        "sealing": b64encode(keys.sealing.raw()),
    }


def _write(path: Path, document: dict[str, str], *, flags: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
        handle.flush()
        os.fsync(handle.fileno())


def save_keys(path: Path, keys: NodeKeys) -> None:
    """Writes the key file readable by its owner only; refuses to overwrite one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write(path, _document(keys), flags=os.O_EXCL)


def replace_keys(path: Path, keys: NodeKeys) -> None:
    """Puts new keys in place of a node's keys that no hub has enrolled yet, atomically: the
    file holds the old keys or the new ones, never half of either."""
    fresh = path.with_name(path.name + ".new")
    _write(fresh, _document(keys), flags=os.O_TRUNC)
    os.replace(fresh, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def load_keys(path: Path) -> NodeKeys:
    document = json.loads(path.read_text(encoding="utf-8"))
    signing = document.get("signing_sm2") or document["signing_ed25519"]
    return NodeKeys(
        SigningKey.from_raw(b64decode(signing, what="signing key")),
        SealPrivateKey(document["sealing_suite"], b64decode(document["sealing"], what="key")),
    )
