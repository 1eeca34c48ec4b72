"""Provides the state's commercial algorithms (国密) the national suite is made of.

SM2 (GB/T 32918) comes from gmssl-pyx, GmSSL 3 linked into a C extension, chosen by measurement
(docs/crypto-suites.md); SM3 (GB/T 32905) and SM4-GCM (GB/T 32907, GCM per GB/T 36624) come from
`cryptography`, i.e. OpenSSL. Nothing here does elliptic-curve arithmetic: it only moves bytes
between the wire's fixed-size forms and the DER forms GmSSL speaks.

Wire forms: a public key is the 65-byte uncompressed point 04 || x || y; a signature is r || s,
32 bytes each; an SM2 ciphertext is C1 || C3 || C2 (GB/T 32918.4-2016 §6.1), C1 the 65-byte point.
"""

from __future__ import annotations

import gmssl_pyx  # type: ignore[import-untyped]
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "DEFAULT_SIGNER_ID",
    "SM2_PUBLIC_SIZE",
    "SM2Failure",
    "sm2_decrypt",
    "sm2_encrypt",
    "sm2_generate",
    "sm2_sign",
    "sm2_verify",
    "sm3",
    "sm4_gcm_open",
    "sm4_gcm_seal",
]

DEFAULT_SIGNER_ID = b"1234567812345678"
"""The signer ID (用户标识 ID_A) of GM/T 0009-2012 §10 when none is agreed; the project uses it for
every signer, so ZA depends only on the public key (docs/protocol.md §5.7)."""
SM2_PUBLIC_SIZE = 65
SM2_PRIVATE_SIZE = 32
SM2_SIGNATURE_SIZE = 64
SM2_CIPHERTEXT_OVERHEAD = 65 + 32
SM4_KEY_SIZE = 16
GCM_NONCE_SIZE = 12
GCM_TAG_SIZE = 16
_COORDINATE = 32


class SM2Failure(ValueError):
    """A key, signature or ciphertext GmSSL refused; the message says which."""


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sm2_generate() -> tuple[bytes, bytes]:
    """Returns a fresh (private d, 32 bytes; public point, 65 bytes)."""
    public, private = gmssl_pyx.sm2_key_generate()
    return bytes(private), b"\x04" + bytes(public)


def _point(public: bytes) -> bytes:
    if len(public) != SM2_PUBLIC_SIZE or public[0] != 4:
        raise SM2Failure(f"an SM2 public key is 65 bytes starting 04, got {len(public)} bytes")
    return public[1:]


def sm2_sign(
    private: bytes, public: bytes, message: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID
) -> bytes:
    """SM2 signature with SM3 over ZA || message (GB/T 32918.2 §6.1), as r || s."""
    try:
        der = gmssl_pyx.sm2_sign(private, _point(public), message, signer_id=signer_id)
    except gmssl_pyx.GmsslInnerError as exc:
        raise SM2Failure(f"SM2 signing failed: {exc}") from exc
    r, s = _der_integers(bytes(der), count=2)
    return r + s


def sm2_verify(
    public: bytes, signature: bytes, message: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID
) -> bool:
    if len(signature) != SM2_SIGNATURE_SIZE:
        return False
    der = _der_sequence(
        _der_integer(signature[:_COORDINATE]), _der_integer(signature[_COORDINATE:])
    )
    try:
        return bool(gmssl_pyx.sm2_verify(_point(public), message, der, signer_id=signer_id))
    except gmssl_pyx.InvalidValueError as exc:  # the signature is ours to form: the key is bad
        raise SM2Failure(f"not a point of the SM2 curve: {exc}") from exc
    except gmssl_pyx.GmsslInnerError:
        return False


def sm2_encrypt(public: bytes, plaintext: bytes) -> bytes:
    """SM2 public-key encryption (GB/T 32918.4), as C1 || C3 || C2."""
    try:
        der = bytes(gmssl_pyx.sm2_encrypt(_point(public), plaintext))
    except gmssl_pyx.GmsslInnerError as exc:  # InvalidValueError: not a point of the curve
        raise SM2Failure(f"SM2 encryption failed: {exc}") from exc
    body = _der_contents(der, 0x30)
    x, rest = _der_take(body, 0x02)
    y, rest = _der_take(rest, 0x02)
    c3, rest = _der_take(rest, 0x04)
    c2, rest = _der_take(rest, 0x04)
    return b"\x04" + _fixed(x) + _fixed(y) + c3 + c2


def sm2_decrypt(private: bytes, ciphertext: bytes) -> bytes:
    """Opens C1 || C3 || C2; raises SM2Failure when it is not one (or not to this key)."""
    if len(ciphertext) <= SM2_CIPHERTEXT_OVERHEAD or ciphertext[0] != 4:
        raise SM2Failure("an SM2 ciphertext is C1 (65 bytes, 04 first) || C3 (32) || C2")
    x, y = ciphertext[1:33], ciphertext[33:65]
    c3, c2 = ciphertext[65:97], ciphertext[97:]
    der = _der_sequence(_der_integer(x), _der_integer(y), _der_tlv(0x04, c3), _der_tlv(0x04, c2))
    try:
        return bytes(gmssl_pyx.sm2_decrypt(private, der))
    except gmssl_pyx.GmsslInnerError as exc:
        raise SM2Failure("the SM2 ciphertext does not decrypt with this key") from exc


def sm4_gcm_seal(key: bytes, nonce: bytes, plaintext: bytes, *, aad: bytes) -> bytes:
    """SM4-GCM: ciphertext || 16-byte tag."""
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    sealed = encryptor.update(plaintext) + encryptor.finalize()
    return sealed + encryptor.tag


def sm4_gcm_open(key: bytes, nonce: bytes, sealed: bytes, *, aad: bytes) -> bytes:
    """Raises cryptography's InvalidTag on any change to the bytes or the aad."""
    if len(sealed) < GCM_TAG_SIZE:
        raise InvalidTag
    body, tag = sealed[:-GCM_TAG_SIZE], sealed[-GCM_TAG_SIZE:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


# DER, only the shapes GmSSL exchanges: SEQUENCE of INTEGERs and OCTET STRINGs, definite lengths.


def _der_length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def _der_tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


def _der_integer(unsigned: bytes) -> bytes:
    stripped = unsigned.lstrip(b"\x00") or b"\x00"
    return _der_tlv(0x02, b"\x00" + stripped if stripped[0] & 0x80 else stripped)


def _der_sequence(*items: bytes) -> bytes:
    return _der_tlv(0x30, b"".join(items))


def _der_take(data: bytes, tag: int) -> tuple[bytes, bytes]:
    if len(data) < 2 or data[0] != tag:
        raise SM2Failure("GmSSL returned DER of an unexpected shape")
    size, offset = data[1], 2
    if size & 0x80:
        count = size & 0x7F
        size, offset = int.from_bytes(data[2 : 2 + count], "big"), 2 + count
    if len(data) < offset + size:
        raise SM2Failure("GmSSL returned truncated DER")
    return data[offset : offset + size], data[offset + size :]


def _der_contents(data: bytes, tag: int) -> bytes:
    content, rest = _der_take(data, tag)
    if rest:
        raise SM2Failure("GmSSL returned DER with trailing bytes")
    return content


def _der_integers(der: bytes, *, count: int) -> list[bytes]:
    rest = _der_contents(der, 0x30)
    out = []
    for _ in range(count):
        value, rest = _der_take(rest, 0x02)
        out.append(_fixed(value))
    return out


def _fixed(integer: bytes) -> bytes:
    value = integer.lstrip(b"\x00")
    if len(value) > _COORDINATE:
        raise SM2Failure("GmSSL returned an integer longer than 32 bytes")
    return value.rjust(_COORDINATE, b"\x00")
