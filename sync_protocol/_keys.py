"""Provides key material: signing keys (Ed25519 or SM2) and sealing keys, with their ids.

Key ids are the first 16 hex digits of SHA-256 over the raw public key; they name a key
in headers and receipts without repeating it. The raw public key says its algorithm by its
length: 32 bytes are Ed25519, 65 bytes (04 || x || y) SM2 with SM3 (docs/protocol.md §5.7).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519

from . import _sm
from ._errors import BadSignature, LocalProtocolError, MalformedInput

__all__ = [
    "SIGNATURE_ED25519",
    "SIGNATURE_SM2",
    "SUITES",
    "SUITE_MLKEM768_X25519",
    "SUITE_NATIONAL",
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
SUITE_NATIONAL = "sm2-sm4gcm-sm3"
"""The national suite (国密): the body's fresh SM4-GCM key travels under SM2 public-key encryption
(GB/T 32918.4); its hubs and nodes sign with SM2 and SM3 (docs/protocol.md §5.7)."""
SUITES = (SUITE_X25519, SUITE_MLKEM768_X25519, SUITE_NATIONAL)
SIGNATURE_ED25519 = "ed25519"
SIGNATURE_SM2 = "sm2-sm3"
_SIGNATURE_OF_SUITE = {SUITE_NATIONAL: SIGNATURE_SM2}
_SM2_PUBLIC = _sm.SM2_PUBLIC_SIZE
_SM2_PRIVATE = _sm.SM2_PRIVATE_SIZE
_NATIONAL_OVERHEAD = _SM2_PUBLIC + 32 + _sm.SM4_KEY_SIZE + _sm.GCM_NONCE_SIZE

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


def signature_algorithm(suite: str) -> str:
    """The signature algorithm a hub of `suite` signs with, and wants its nodes to sign with."""
    return _SIGNATURE_OF_SUITE.get(suite, SIGNATURE_ED25519)


def hpke_suite(suite: str) -> Any:
    """Returns cryptography's HPKE suite object for a suite name."""
    try:
        return _HPKE[suite]
    except KeyError:
        if suite in SUITES:
            raise LocalProtocolError(f"{suite} is not an HPKE suite") from None
        known = ", ".join(SUITES)
        raise MalformedInput(f"unknown cipher suite {suite!r}; known: {known}") from None


@dataclass(frozen=True, slots=True)
class VerifyKey:
    """A public key that checks signatures: Ed25519 (32 bytes) or SM2 (65 bytes)."""

    raw: bytes
    _key: ed25519.Ed25519PublicKey | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.raw, bytes) and len(self.raw) == _SM2_PUBLIC:
            _check_sm2_point(self.raw)
            object.__setattr__(self, "_key", None)
            return
        try:
            key = ed25519.Ed25519PublicKey.from_public_bytes(self.raw)
        except (ValueError, TypeError) as exc:
            raise MalformedInput(
                f"not an Ed25519 (32 bytes) or SM2 (65 bytes) public key: {exc}"
            ) from exc
        object.__setattr__(self, "_key", key)

    @property
    def key_id(self) -> str:
        return key_id(self.raw)

    @property
    def algorithm(self) -> str:
        return SIGNATURE_ED25519 if self._key is not None else SIGNATURE_SM2

    def verify(self, signature: bytes, message: bytes, *, what: str) -> None:
        """Checks `signature` over `message`.

        Raises:
            BadSignature: naming `what` was signed, so the reader knows which object failed.
        """
        try:
            if self._key is None:
                if not _sm.sm2_verify(self.raw, signature, message):
                    raise InvalidSignature
            else:
                self._key.verify(signature, message)
        except InvalidSignature:
            raise BadSignature(
                f"the signature on {what} does not verify with key {self.key_id}",
                hint="the data was altered in transit or signed by another key",
            ) from None


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An Ed25519 or SM2 private key. Its repr never shows the secret.

    An SM2 key's raw form is d (32 bytes) followed by its public point (65 bytes): GmSSL signs
    with both and does not derive one from the other, so the pair is kept and checked on load.
    """

    _key: ed25519.Ed25519PrivateKey | None = field(repr=False)
    _sm2: bytes = field(default=b"", repr=False)

    @classmethod
    def generate(cls, algorithm: str = SIGNATURE_ED25519) -> SigningKey:
        if algorithm == SIGNATURE_SM2:
            private, public = _sm.sm2_generate()
            return cls(None, private + public)
        if algorithm != SIGNATURE_ED25519:
            raise LocalProtocolError(f"unknown signature algorithm {algorithm!r}")
        return cls(ed25519.Ed25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, raw: bytes) -> SigningKey:
        if len(raw) == _SM2_PRIVATE + _SM2_PUBLIC:
            key = cls(None, bytes(raw))
            _check_sm2_pair(key)
            return key
        try:
            return cls(ed25519.Ed25519PrivateKey.from_private_bytes(raw))
        except ValueError as exc:
            raise LocalProtocolError(
                f"not an Ed25519 (32 bytes) or SM2 (97 bytes) private key: {exc}"
            ) from exc

    @property
    def algorithm(self) -> str:
        return SIGNATURE_ED25519 if self._key is not None else SIGNATURE_SM2

    def raw(self) -> bytes:
        return self._key.private_bytes_raw() if self._key is not None else self._sm2

    @property
    def public(self) -> VerifyKey:
        if self._key is None:
            return VerifyKey(self._sm2[_SM2_PRIVATE:])
        return VerifyKey(self._key.public_key().public_bytes_raw())

    def sign(self, message: bytes) -> bytes:
        if self._key is None:
            return _sm.sm2_sign(self._sm2[:_SM2_PRIVATE], self._sm2[_SM2_PRIVATE:], message)
        return self._key.sign(message)


def _check_sm2_point(raw: bytes) -> None:
    # GmSSL checks the point lies on the curve when it uses it; encrypting one byte to it makes
    # it check now, so a bad key is refused where it is read (and, unlike a failed verification,
    # prints no GmSSL trace for a good one).
    try:
        _sm.sm2_encrypt(raw, b"\x00")
    except _sm.SM2Failure as exc:
        raise MalformedInput(f"not an SM2 public key: {exc}") from exc


def _check_sm2_pair(key: SigningKey) -> None:
    probe = b"township-sync/v1/key-check"
    try:
        key.public.verify(key.sign(probe), probe, what="the key check")
    except (_sm.SM2Failure, MalformedInput, BadSignature) as exc:
        raise LocalProtocolError(
            "not an SM2 private key: its d and public point do not belong together"
        ) from exc


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
        """Seals `plaintext` to this key, binding `info`: HPKE base mode, one shot, or for the
        national suite a fresh SM4-GCM key under SM2 encryption (docs/protocol.md §5.6)."""
        if self.suite == SUITE_NATIONAL:
            return _national_seal(self.raw, plaintext, info=info)
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
        if suite == SUITE_NATIONAL:
            private, public = _sm.sm2_generate()
            return cls(suite, private + public)
        if suite == SUITE_X25519:
            return cls(suite, x25519.X25519PrivateKey.generate().private_bytes_raw())
        hpke_suite(suite)
        seed = mlkem.MLKEM768PrivateKey.generate().private_bytes_raw()
        return cls(suite, seed + x25519.X25519PrivateKey.generate().private_bytes_raw())

    def raw(self) -> bytes:
        return self._raw

    def open(self, ciphertext: bytes, *, info: bytes) -> bytes:
        """Opens a sealed message; raises cryptography's InvalidTag on any tampering."""
        if self.suite == SUITE_NATIONAL:
            return _national_open(self._raw[:_SM2_PRIVATE], ciphertext, info=info)
        plaintext: bytes = hpke_suite(self.suite).decrypt(ciphertext, self._key, info=info)
        return plaintext


def _load_public(suite: str, raw: bytes) -> Any:
    if suite == SUITE_NATIONAL:
        if len(raw) != _SM2_PUBLIC:
            raise MalformedInput(f"not a {suite} public key: expected 65 bytes, got {len(raw)}")
        _check_sm2_point(raw)
        return None
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
    if suite == SUITE_NATIONAL:
        return None, _national_pair(raw)
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


def _national_seal(public: bytes, plaintext: bytes, *, info: bytes) -> bytes:
    # A fresh key per message, so the random nonce is defence in depth, not what keeps GCM safe.
    key, nonce = os.urandom(_sm.SM4_KEY_SIZE), os.urandom(_sm.GCM_NONCE_SIZE)
    wrapped = _sm.sm2_encrypt(public, key)
    return wrapped + nonce + _sm.sm4_gcm_seal(key, nonce, plaintext, aad=info)


def _national_open(private: bytes, sealed: bytes, *, info: bytes) -> bytes:
    wrapped_size = _SM2_PUBLIC + 32 + _sm.SM4_KEY_SIZE
    if len(sealed) < _NATIONAL_OVERHEAD + _sm.GCM_TAG_SIZE:
        raise InvalidTag
    try:
        key = _sm.sm2_decrypt(private, sealed[:wrapped_size])
    except _sm.SM2Failure:
        raise InvalidTag from None
    nonce = sealed[wrapped_size:_NATIONAL_OVERHEAD]
    return _sm.sm4_gcm_open(key, nonce, sealed[_NATIONAL_OVERHEAD:], aad=info)


def _national_pair(raw: bytes) -> bytes:
    """Checks an SM2 sealing key (d || public point) and returns its public point."""
    if len(raw) != _SM2_PRIVATE + _SM2_PUBLIC:
        raise LocalProtocolError(
            f"not a {SUITE_NATIONAL} private key: expected 97 bytes, got {len(raw)}"
        )
    public = raw[_SM2_PRIVATE:]
    probe = b"township-sync/v1/key-check"
    try:
        _check_sm2_point(public)
        if _sm.sm2_decrypt(raw[:_SM2_PRIVATE], _sm.sm2_encrypt(public, probe)) == probe:
            return public
    except (_sm.SM2Failure, MalformedInput):
        pass
    raise LocalProtocolError(
        f"not a {SUITE_NATIONAL} private key: its d and public point do not belong together"
    )
