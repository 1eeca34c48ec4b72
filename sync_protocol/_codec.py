"""Provides the canonical encoding every signed or hashed object uses.

Canonical JSON here is the subset of RFC 8785 (JCS) that our objects need: objects with
ASCII keys sorted, no insignificant whitespace, UTF-8 text without escaping non-ASCII,
integers, strings, booleans, null and arrays. Floats are refused outright: JCS's number
formatting is the one part the standard library cannot reproduce exactly, and no wire
field needs a fraction (money travels as integer fen).
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from ._errors import LocalProtocolError, MalformedInput

__all__ = ["b64decode", "b64encode", "canonical_json", "parse_json"]

_encoder = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


def canonical_json(obj: Any) -> bytes:
    """Encodes `obj` to its one canonical byte form.

    Raises:
        LocalProtocolError: `obj` holds a float or a type JSON cannot carry.
    """
    _reject_floats(obj)
    try:
        return _encoder.encode(obj).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise LocalProtocolError(f"cannot encode canonically: {exc}") from exc


_MAX_SAFE_INTEGER = 2**53 - 1  # beyond it, JSON readers in other languages lose digits


def _reject_floats(obj: Any) -> None:
    """Refuses what would make the encoding differ from RFC 8785: floats, big integers,
    and non-ASCII keys (JCS sorts keys by UTF-16 unit, Python by code point)."""
    if isinstance(obj, float):
        raise LocalProtocolError("floats are not allowed in canonical JSON; use integers")
    if isinstance(obj, int) and not isinstance(obj, bool) and abs(obj) > _MAX_SAFE_INTEGER:
        raise LocalProtocolError(f"integer {obj} is outside ±(2^53 - 1)")
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str) or not key.isascii():
                raise LocalProtocolError(f"object keys must be ASCII strings, got {key!r}")
            _reject_floats(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            _reject_floats(value)


def _refuse_float(text: str) -> Any:
    raise ValueError(f"float {text!r} is not allowed")


def _refuse_constant(text: str) -> Any:
    raise ValueError(f"constant {text} is not allowed")


_decoder = json.JSONDecoder(parse_float=_refuse_float, parse_constant=_refuse_constant)
# An escaped UTF-16 surrogate ("\\ud800"): a pair makes one character, a lone one makes a string
# that UTF-8 cannot hold, so canonical_json could never encode the document again.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(value: Any) -> None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a string escapes a lone UTF-16 surrogate") from None


def parse_json(data: bytes | str, *, what: str) -> Any:
    """Parses JSON from a peer, refusing floats, NaN and lone UTF-16 surrogates.

    Raises:
        MalformedInput: naming `what` was being parsed.
    """
    try:
        if isinstance(data, bytes):
            text = data.decode("utf-8")
        else:
            text = data
            text.encode("utf-8")  # a raw lone surrogate in a str is refused like an escaped one
        value = _decoder.decode(text)
        if _SURROGATE_ESCAPE.search(text):  # rare: only then pay for a second look
            _refuse_lone_surrogates(value)
        return value
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedInput(f"{what} is not valid JSON: {exc}") from exc
    except RecursionError:
        # Nesting deeper than the interpreter's stack (a few kB of "[" do it): no document of
        # ours nests past a handful of levels, so this is hostile or broken input, not a crash.
        raise MalformedInput(f"{what} is nested too deeply") from None


def b64encode(data: bytes) -> str:
    """Encodes bytes as unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64decode(text: str, *, what: str) -> bytes:
    """Decodes unpadded base64url text, accepting only its one canonical spelling.

    Raises:
        MalformedInput: `text` is not canonical base64url.
    """
    if not isinstance(text, str) or not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedInput(f"{what} is not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64encode(data) != text:  # non-zero trailing bits: another spelling of the same bytes
        raise MalformedInput(f"{what} is not canonical base64url")
    return data
