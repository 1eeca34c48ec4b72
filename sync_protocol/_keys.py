"""Provides key material: Ed25519 signing keys and HPKE sealing keys, with their ids.

Key ids are the first 16 hex digits of SHA-256 over the raw public key; they name a key
in headers and receipts without repeating it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519

from ._errors import BadSignature, LocalProtocolError, MalformedInput

__all__ = [
    "SUITES",
    "SUITE_MLKEM768_X25519",
    "SUITE_X25519",
    "SealPrivateKey",
    "SealPublicKey",
    "SigningKey",
    "VerifyKey",
    "key_id",
]

SUITE_X25519 = "hpke-x25519-sha256-chacha20poly1305"
"""HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305 (RFC 9180)."""
SUITE_MLKEM768_X25519 = "hpke-mlkem768x25519-sha256-chacha20poly1305"
"""The same with the hybrid post-quantum KEM ML-KEM-768 + X25519."""
SUITES = (SUITE_X25519, SUITE_MLKEM768_X25519)

_HPKE = {
    SUITE_X25519: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305),
    SUITE_MLKEM768_X25519: hpke.Suite(
        hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305
    ),
}
_MLKEM_SEED = 64
_MLKEM_PUBLIC = 1184
_X25519 = 32


def key_id(public_raw: bytes) -> str:
    """Returns the id of a raw public key."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def hpke_suite(suite: str) -> Any:
    """Returns cryptography's HPKE suite object for a suite name."""
    try:
        return _HPKE[suite]
    except KeyError:
        known = ", ".join(SUITES)
        raise MalformedInput(f"unknown cipher suite {suite!r}; known: {known}") from None


@dataclass(frozen=True, slots=True)
class VerifyKey:
    """An Ed25519 public key that checks signatures."""

    raw: bytes
    _key: ed25519.Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            key = ed25519.Ed25519PublicKey.from_public_bytes(self.raw)
        except ValueError as exc:
            raise MalformedInput(f"not an Ed25519 public key: {exc}") from exc
        object.__setattr__(self, "_key", key)

    @property
    def key_id(self) -> str:
        return key_id(self.raw)

    def verify(self, signature: bytes, message: bytes, *, what: str) -> None:
        """Checks `signature` over `message`.

        Raises:
            BadSignature: naming `what` was signed, so the reader knows which object failed.
        """
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            raise BadSignature(
                f"the signature on {what} does not verify with key {self.key_id}",
                hint="the data was altered in transit or signed by another key",
            ) from None


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An Ed25519 private key. Its repr never shows the secret."""

    _key: ed25519.Ed25519PrivateKey = field(repr=False)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(ed25519.Ed25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, raw: bytes) -> SigningKey:
        try:
            return cls(ed25519.Ed25519PrivateKey.from_private_bytes(raw))
        except ValueError as exc:
            raise LocalProtocolError(f"not an Ed25519 private key: {exc}") from exc

    def raw(self) -> bytes:
        return self._key.private_bytes_raw()

    @property
    def public(self) -> VerifyKey:
        return VerifyKey(self._key.public_key().public_bytes_raw())

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


@dataclass(frozen=True, slots=True)
class SealPublicKey:
    """A recipient's HPKE public key for one suite."""

    suite: str
    raw: bytes
    _key: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_key", _load_public(self.suite, self.raw))

    @property
    def key_id(self) -> str:
        return key_id(self.raw)

    def seal(self, plaintext: bytes, *, info: bytes) -> bytes:
        """Seals `plaintext` to this key, binding `info` (HPKE base mode, one shot)."""
        ciphertext: bytes = hpke_suite(self.suite).encrypt(plaintext, self._key, info=info)
        return ciphertext


@dataclass(frozen=True, slots=True)
class SealPrivateKey:
    """A recipient's HPKE private key for one suite. Its repr never shows the secret."""

    suite: str
    _raw: bytes = field(repr=False)
    _key: Any = field(init=False, repr=False, compare=False)
    public: SealPublicKey = field(init=False, compare=False)

    def __post_init__(self) -> None:
        key, public_raw = _load_private(self.suite, self._raw)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "public", SealPublicKey(self.suite, public_raw))

    @classmethod
    def generate(cls, suite: str = SUITE_X25519) -> SealPrivateKey:
        if suite == SUITE_X25519:
            return cls(suite, x25519.X25519PrivateKey.generate().private_bytes_raw())
        hpke_suite(suite)
        seed = mlkem.MLKEM768PrivateKey.generate().private_bytes_raw()
        return cls(suite, seed + x25519.X25519PrivateKey.generate().private_bytes_raw())

    def raw(self) -> bytes:
        return self._raw

    def open(self, ciphertext: bytes, *, info: bytes) -> bytes:
        """Opens a sealed message; raises cryptography's InvalidTag on any tampering."""
        plaintext: bytes = hpke_suite(self.suite).decrypt(ciphertext, self._key, info=info)
        return plaintext


def _load_public(suite: str, raw: bytes) -> Any:
    hpke_suite(suite)
    try:
        if suite == SUITE_X25519:
            return x25519.X25519PublicKey.from_public_bytes(raw)
        if len(raw) != _MLKEM_PUBLIC + _X25519:
            raise ValueError(f"expected {_MLKEM_PUBLIC + _X25519} bytes, got {len(raw)}")
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(raw[:_MLKEM_PUBLIC]),
            x25519.X25519PublicKey.from_public_bytes(raw[_MLKEM_PUBLIC:]),
        )
    except ValueError as exc:
        raise MalformedInput(f"not a {suite} public key: {exc}") from exc


def _load_private(suite: str, raw: bytes) -> tuple[Any, bytes]:
    hpke_suite(suite)
    try:
        if suite == SUITE_X25519:
            key = x25519.X25519PrivateKey.from_private_bytes(raw)
            return key, key.public_key().public_bytes_raw()
        if len(raw) != _MLKEM_SEED + _X25519:
            raise ValueError(f"expected {_MLKEM_SEED + _X25519} bytes, got {len(raw)}")
        pq = mlkem.MLKEM768PrivateKey.from_seed_bytes(raw[:_MLKEM_SEED])
        classic = x25519.X25519PrivateKey.from_private_bytes(raw[_MLKEM_SEED:])
        public_raw = pq.public_key().public_bytes_raw() + classic.public_key().public_bytes_raw()
        return hpke.MLKEM768X25519PrivateKey(pq, classic), public_raw
    except ValueError as exc:
        raise LocalProtocolError(f"not a {suite} private key: {exc}") from exc
