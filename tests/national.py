"""Provides the check that the national path makes no key of another algorithm."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519


def forbid_other_algorithms(monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes every way to build an Ed25519, X25519 or ML-KEM key fail the test that runs."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a non-national key object was made on the national path")

    for cls, names in [
        (ed25519.Ed25519PrivateKey, ("generate", "from_private_bytes")),
        (ed25519.Ed25519PublicKey, ("from_public_bytes",)),
        (x25519.X25519PrivateKey, ("generate", "from_private_bytes")),
        (x25519.X25519PublicKey, ("from_public_bytes",)),
        (mlkem.MLKEM768PrivateKey, ("generate", "from_seed_bytes")),
    ]:
        for name in names:
            monkeypatch.setattr(cls, name, refuse)
