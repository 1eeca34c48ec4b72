"""The national suite (国密): the standards' own examples, cross-checked against Debian's OpenSSL 3
run as a subprocess, and the suite's sealing as docs/protocol.md §5.6 specifies it."""

from __future__ import annotations

import base64
import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from central_hub.home import KEY_FILE, init_home
from sync_protocol import (
    SIGNATURE_SM2,
    SUITE_NATIONAL,
    SUITE_X25519,
    BadSignature,
    MalformedInput,
    SealPrivateKey,
    SigningKey,
    VerifyKey,
    WrongRecipient,
    b64decode,
    build_batch,
    encode_event,
    open_batch,
    peek_batch,
    seal_batch,
    sign_document,
    verify_document,
)
from sync_protocol._sm import sm2_decrypt, sm2_encrypt, sm3
from tests.national import forbid_other_algorithms

from .syncproto_helpers import CREATED_AT, NODE_ID, make_events

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(
    OPENSSL is None,
    reason="no openssl command: install Debian's openssl (scripts/system_packages.sh)",
)
DEFAULT_ID = "1234567812345678"  # GM/T 0009-2012 §10

# GB/T 32918 examples on the recommended curve (the key of GB/T 32918.5 / GM/T 0003.5).
D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
P = bytes.fromhex(
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
SIGNATURE = bytes.fromhex(
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)
CIPHERTEXT = bytes.fromhex(  # C1 || C3 || C2 of "encryption standard"
    "04"
    "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
    "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
    "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"
    "21886CA989CA9C7D58087307CA93092D651EFA"
)
SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")

# The suite's vector (docs/protocol.md §5.7): a recipient key (d || public point), the info,
# and what sealing the plaintext gave once. Opening it is deterministic.
SUITE_KEY = bytes.fromhex(
    "a5f49e9ef16e721a089a2996609119a456156db3c42389a47fd3da4970a9bb19"
    "04ceebd483fc002a2785454bf1ebac2271ceee86e794eb40f4b7ca17e7baeb07f5"
    "16e9833639c66bba02b232c83d5665b68996e1f85782ce2c5156d140dadb806b"
)
SUITE_INFO = b'{"suite":"sm2-sm4gcm-sm3"}'
SUITE_PLAINTEXT = "乡镇政务服务中心 township-sync".encode()
SUITE_SEALED = bytes.fromhex(
    "04b388c0924a242b513f8735933becbb4e768801ef6df8b621ebc8c64ed932417e"
    "f449690d707719dd84aba5d79556790a0443d984a03a83b94c6cf5859a485509"
    "fdf3b08fbcd3bfaea84dd3ee0e7dd37860a5fecbf1d19b03740f978006ce77f2"
    "bda593233f75450bc3bb73d19ce4775c"  # W ends: C1 || C3 || C2, 113 bytes
    "34b219f798cfce5f3203f755"  # N, 12 bytes
    "76ea2da64d582a52640b74199dfb5535e607861e46e4f346d3b396811021f7addb024cacb3f9e5"
    "bc6f630a233cfddcc7f8ac0df65082"
)

_SM2_OID = bytes.fromhex("2a811ccf5501822d")  # 1.2.156.10197.1.301


def _pem(kind: str, der: bytes) -> str:
    text = base64.b64encode(der).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----\n"


def _private_pem(d: bytes, public: bytes) -> str:  # SEC1 ECPrivateKey on the SM2 curve
    der = bytes.fromhex("30770201010420") + d + bytes.fromhex("a00a0608") + _SM2_OID
    return _pem("EC PRIVATE KEY", der + bytes.fromhex("a144034200") + public)


def _public_pem(public: bytes) -> str:  # SubjectPublicKeyInfo, id-ecPublicKey + SM2 curve
    der = bytes.fromhex("3059301306072a8648ce3d02010608") + _SM2_OID + bytes.fromhex("034200")
    return _pem("PUBLIC KEY", der + public)


def _der_int(value: bytes) -> bytes:
    body = value.lstrip(b"\x00") or b"\x00"
    body = b"\x00" + body if body[0] & 0x80 else body
    return b"\x02" + bytes([len(body)]) + body


def _der_seq(*parts: bytes) -> bytes:
    body = b"".join(parts)
    return (
        b"\x30" + (bytes([len(body)]) if len(body) < 128 else b"\x81" + bytes([len(body)])) + body
    )


def _signature_der(raw: bytes) -> bytes:
    return _der_seq(_der_int(raw[:32]), _der_int(raw[32:]))


def _signature_raw(der: bytes) -> bytes:
    body = der[2:] if der[1] < 128 else der[3:]
    r_len = body[1]
    r, rest = body[2 : 2 + r_len], body[2 + r_len :]
    s = rest[2 : 2 + rest[1]]
    return r.lstrip(b"\x00").rjust(32, b"\x00") + s.lstrip(b"\x00").rjust(32, b"\x00")


def _cipher_der(raw: bytes) -> bytes:  # GM/T 0009 SM2Cipher: x, y, hash C3, ciphertext C2
    octets = b"\x04\x20" + raw[65:97] + b"\x04" + bytes([len(raw) - 97]) + raw[97:]
    return _der_seq(_der_int(raw[1:33]), _der_int(raw[33:65]), octets)


def _openssl(tmp: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], input=stdin, capture_output=True, cwd=tmp, check=False)


def _write(tmp: Path, name: str, data: str | bytes) -> str:
    path = tmp / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def _sm4_ecb(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


# SM3, GB/T 32905-2016 appendix A


@pytest.mark.parametrize(
    ("message", "digest"),
    [
        (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
        (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    ],
)
def test_sm3_gives_the_standards_digest_when_hashing_its_examples(
    message: bytes, digest: str
) -> None:
    assert sm3(message).hex() == digest


@needs_openssl
@pytest.mark.parametrize("message", [b"abc", b"abcd" * 16, "凉山彝族自治州".encode()])
def test_sm3_agrees_with_openssl_when_hashing(tmp_path: Path, message: bytes) -> None:
    out = _openssl(tmp_path, "dgst", "-sm3", "-r", stdin=message)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0].decode() == sm3(message).hex()


# SM4, GB/T 32907-2016 appendix A


def test_sm4_gives_the_standards_ciphertext_when_encrypting_its_example() -> None:
    assert _sm4_ecb(SM4_KEY, SM4_KEY).hex() == "681edf34d206965e86b3e94f536e4246"


@pytest.mark.slow
def test_sm4_gives_the_standards_ciphertext_when_encrypting_a_million_times() -> None:
    encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    block = SM4_KEY
    for _ in range(1_000_000):
        block = encryptor.update(block)
    assert block.hex() == "595298c7c6fd271f0402f804c33d3f66"


@needs_openssl
def test_sm4_agrees_with_openssl_when_encrypting_the_example(tmp_path: Path) -> None:
    out = _openssl(tmp_path, "enc", "-sm4-ecb", "-nopad", "-K", SM4_KEY.hex(), stdin=SM4_KEY)
    assert out.returncode == 0, out.stderr
    assert out.stdout == _sm4_ecb(SM4_KEY, SM4_KEY)


# SM2, GB/T 32918 examples on the recommended curve, signer ID per GM/T 0009


def test_sm2_verify_accepts_the_standards_signature_when_checking_its_example() -> None:
    VerifyKey(P).verify(SIGNATURE, b"message digest", what="the example")


def test_sm2_verify_refuses_the_standards_signature_when_the_message_changes() -> None:
    with pytest.raises(BadSignature):
        VerifyKey(P).verify(SIGNATURE, b"message digesT", what="the example")


def test_sm2_decrypt_gives_the_standards_plaintext_when_opening_its_example() -> None:
    assert sm2_decrypt(D, CIPHERTEXT) == b"encryption standard"


def test_sm2_signing_key_signs_verifiably_when_loaded_from_the_standards_key() -> None:
    key = SigningKey.from_raw(D + P)
    assert key.public.raw == P
    key.public.verify(key.sign(b"message digest"), b"message digest", what="t")


def test_sm2_signing_key_refuses_a_pair_when_its_point_is_another_keys() -> None:
    other = SigningKey.generate(SIGNATURE_SM2).public.raw
    with pytest.raises(Exception, match="do not belong together"):
        SigningKey.from_raw(D + other)


def test_sm2_verify_key_refuses_a_point_when_it_is_off_the_curve() -> None:
    with pytest.raises(MalformedInput, match="SM2"):
        VerifyKey(b"\x04" + b"\x01" * 64)


@needs_openssl
def test_openssl_accepts_the_standards_examples_when_checking_them(tmp_path: Path) -> None:
    public = _write(tmp_path, "p.pem", _public_pem(P))
    message = _write(tmp_path, "m", b"message digest")
    signature = _write(tmp_path, "s", _signature_der(SIGNATURE))
    out = _openssl(
        tmp_path, "pkeyutl", "-verify", "-pubin", "-inkey", public, "-rawin", "-digest", "sm3",
        "-pkeyopt", f"distid:{DEFAULT_ID}", "-in", message, "-sigfile", signature,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    private = _write(tmp_path, "k.pem", _private_pem(D, P))
    cipher = _write(tmp_path, "c", _cipher_der(CIPHERTEXT))
    out = _openssl(tmp_path, "pkeyutl", "-decrypt", "-inkey", private, "-in", cipher)
    assert out.stdout == b"encryption standard", out.stderr


@needs_openssl
@pytest.mark.parametrize("signer_id", [DEFAULT_ID])
def test_sm2_signatures_verify_across_openssl_when_made_on_either_side(
    tmp_path: Path, signer_id: str
) -> None:
    key = SigningKey.generate(SIGNATURE_SM2)
    d, public = key.raw()[:32], key.public.raw
    private_pem = _write(tmp_path, "k.pem", _private_pem(d, public))
    public_pem = _write(tmp_path, "p.pem", _public_pem(public))
    message = b'township-sync/v1/batch\x00{"node_id":"513431101"}'
    message_file = _write(tmp_path, "m", message)
    ours = _write(tmp_path, "ours", _signature_der(key.sign(message)))
    verified = _openssl(
        tmp_path, "pkeyutl", "-verify", "-pubin", "-inkey", public_pem, "-rawin",
        "-digest", "sm3", "-pkeyopt", f"distid:{signer_id}", "-in", message_file,
        "-sigfile", ours,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    theirs = _openssl(
        tmp_path, "pkeyutl", "-sign", "-inkey", private_pem, "-rawin", "-digest", "sm3",
        "-pkeyopt", f"distid:{signer_id}", "-in", message_file,
    )  # fmt: skip
    assert theirs.returncode == 0, theirs.stderr
    key.public.verify(_signature_raw(theirs.stdout), message, what="OpenSSL's signature")


@needs_openssl
def test_sm2_encryption_opens_across_openssl_when_made_on_either_side(tmp_path: Path) -> None:
    key = SealPrivateKey.generate(SUITE_NATIONAL)
    d, public = key.raw()[:32], key.public.raw
    private_pem = _write(tmp_path, "k.pem", _private_pem(d, public))
    public_pem = _write(tmp_path, "p.pem", _public_pem(public))
    secret = bytes(range(16))
    ours = _write(tmp_path, "ours", _cipher_der(sm2_encrypt(public, secret)))
    out = _openssl(tmp_path, "pkeyutl", "-decrypt", "-inkey", private_pem, "-in", ours)
    assert out.stdout == secret, out.stderr
    secret_file = _write(tmp_path, "secret", secret)
    out = _openssl(
        tmp_path, "pkeyutl", "-encrypt", "-pubin", "-inkey", public_pem, "-in", secret_file
    )
    assert out.returncode == 0, out.stderr
    der = out.stdout
    # back from SM2Cipher DER to C1 || C3 || C2
    body = der[2:] if der[1] < 128 else der[3:]
    parts = []
    while body:
        size = body[1]
        parts.append(body[2 : 2 + size])
        body = body[2 + size :]
    x, y, c3, c2 = parts
    raw = b"\x04" + x.lstrip(b"\x00").rjust(32, b"\x00") + y.lstrip(b"\x00").rjust(32, b"\x00")
    assert sm2_decrypt(d, raw + c3 + c2) == secret


# The suite: a fresh SM4-GCM key under SM2 encryption (docs/protocol.md §5.6)


def test_national_seal_opens_the_protocols_vector_when_given_its_key() -> None:
    key = SealPrivateKey(SUITE_NATIONAL, SUITE_KEY)
    assert key.open(SUITE_SEALED, info=SUITE_INFO) == SUITE_PLAINTEXT


@needs_openssl
def test_national_seal_vector_opens_by_hand_when_following_the_byte_layout(
    tmp_path: Path,
) -> None:
    """OpenSSL unwraps the SM4 key, cryptography's SM4-GCM opens the rest: the layout is what
    docs/protocol.md says, independently of sync_protocol's code."""
    d, public = SUITE_KEY[:32], SUITE_KEY[32:]
    wrapped, nonce, body = SUITE_SEALED[:113], SUITE_SEALED[113:125], SUITE_SEALED[125:]
    private_pem = _write(tmp_path, "k.pem", _private_pem(d, public))
    cipher = _write(tmp_path, "c", _cipher_der(wrapped))
    out = _openssl(tmp_path, "pkeyutl", "-decrypt", "-inkey", private_pem, "-in", cipher)
    sm4_key = out.stdout
    assert len(sm4_key) == 16, out.stderr
    decryptor = Cipher(algorithms.SM4(sm4_key), modes.GCM(nonce, body[-16:])).decryptor()
    decryptor.authenticate_additional_data(SUITE_INFO)
    assert decryptor.update(body[:-16]) + decryptor.finalize() == SUITE_PLAINTEXT


def test_national_seal_fails_authentication_when_info_or_a_byte_changes() -> None:
    from cryptography.exceptions import InvalidTag

    key = SealPrivateKey(SUITE_NATIONAL, SUITE_KEY)
    with pytest.raises(InvalidTag):
        key.open(SUITE_SEALED, info=SUITE_INFO + b" ")
    for offset in (0, 70, 113, 125, len(SUITE_SEALED) - 1):
        tampered = bytearray(SUITE_SEALED)
        tampered[offset] ^= 1
        with pytest.raises(InvalidTag):
            key.open(bytes(tampered), info=SUITE_INFO)


def _national_batch_frame(recipient: SealPrivateKey) -> tuple[bytes, SigningKey]:
    signer = SigningKey.generate(SIGNATURE_SM2)
    lines = [encode_event(event) for event in make_events(3)]
    batch = build_batch(
        lines, node_id=NODE_ID, first_seq=1, batch_seq=1, prev_hash="0" * 64,
        signing_key=signer, created_at=CREATED_AT,
    )  # fmt: skip
    return seal_batch(batch, recipient.public), signer


def test_open_batch_gives_events_when_signed_and_sealed_with_the_national_suite() -> None:
    hub = SealPrivateKey.generate(SUITE_NATIONAL)
    blob, signer = _national_batch_frame(hub)
    sealed = peek_batch(blob)
    assert sealed.suite == SUITE_NATIONAL
    opened = open_batch(sealed, recipient_keys={hub.public.key_id: hub}, sender=signer.public)
    assert [event.seq for event in opened.events] == [1, 2, 3]


def test_open_batch_refuses_a_batch_when_the_hub_is_configured_for_another_suite() -> None:
    national_hub = SealPrivateKey.generate(SUITE_NATIONAL)
    other = SealPrivateKey.generate(SUITE_X25519)
    blob, signer = _national_batch_frame(other)
    with pytest.raises(WrongRecipient, match=f"configured for {SUITE_NATIONAL} only"):
        open_batch(
            peek_batch(blob),
            recipient_keys={national_hub.public.key_id: national_hub},
            sender=signer.public,
        )


# central-hub init --suite sm2-sm4gcm-sm3


def test_init_home_makes_only_national_keys_when_the_suite_is_national(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forbid_other_algorithms(monkeypatch)
    home = init_home(
        tmp_path / "hub", tier="prefecture", org_code="513400", name="凉山州政务服务中心",
        preferred_suite=SUITE_NATIONAL,
    )  # fmt: skip
    try:
        info = home.info()
        assert info.preferred_suite == SUITE_NATIONAL
        assert list(info.seal_keys) == [SUITE_NATIONAL]
        assert home.signing.algorithm == SIGNATURE_SM2
        assert info.verify_key().algorithm == SIGNATURE_SM2
        assert {key.suite for key in home.sealing.values()} == {SUITE_NATIONAL}
        stored = json.loads((tmp_path / "hub" / KEY_FILE).read_text(encoding="utf-8"))
        assert "signing_ed25519" not in stored
        document = info.sign(home.signing)
        verify_document(document, info.verify_key(), kind="hub_info")
        receipt = sign_document("receipt", {"status": "applied"}, home.signing)
        assert len(receipt.signature) == 64
        verify_document(receipt, info.verify_key(), kind="receipt")
        altered = dataclasses.replace(receipt, body={"status": "held"})
        with pytest.raises(BadSignature):
            verify_document(altered, info.verify_key(), kind="receipt")
    finally:
        home.close()


def test_national_hub_key_survives_reopening_when_read_back(tmp_path: Path) -> None:
    from central_hub.home import open_home

    home = init_home(
        tmp_path / "hub", tier="county", org_code="513431", name="昭觉县政务服务中心",
        preferred_suite=SUITE_NATIONAL,
    )  # fmt: skip
    key_id = home.signing.public.key_id
    home.close()
    again = open_home(tmp_path / "hub")
    try:
        assert again.signing.public.key_id == key_id
        stored = json.loads((tmp_path / "hub" / KEY_FILE).read_text(encoding="utf-8"))
        assert len(b64decode(stored["signing_sm2"], what="key")) == 97
    finally:
        again.close()
