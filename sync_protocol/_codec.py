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


def _reject_floats(obj: Any) -> None:
    if isinstance(obj, float):
        raise LocalProtocolError("floats are not allowed in canonical JSON; use integers")
    if isinstance(obj, dict):
        for value in obj.values():
            _reject_floats(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            _reject_floats(value)


def _refuse_float(text: str) -> Any:
    raise ValueError(f"float {text!r} is not allowed")


def _refuse_constant(text: str) -> Any:
    raise ValueError(f"constant {text} is not allowed")


_decoder = json.JSONDecoder(parse_float=_refuse_float, parse_constant=_refuse_constant)


def parse_json(data: bytes | str, *, what: str) -> Any:
    """Parses JSON from a peer, refusing floats and NaN.

    Raises:
        MalformedInput: naming `what` was being parsed.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return _decoder.decode(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedInput(f"{what} is not valid JSON: {exc}") from exc


def b64encode(data: bytes) -> str:
    """Encodes bytes as unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str, *, what: str) -> bytes:
    """Decodes unpadded base64url text.

    Raises:
        MalformedInput: `text` is not base64url.
    """
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise MalformedInput(f"{what} is not base64url: {exc}") from exc
