"""Provides the log format both ends share: one JSON object a line, personal data masked.

Hubs and nodes write `{"ts", "level", "logger", "message", ...extra}` lines, so an operator
can grep and a log shipper can parse them without a pattern per program. Before a record is
formatted, `PersonalDataFilter` masks 18-character resident ID numbers and 11-digit mobile
numbers in its message, its extra fields and its traceback: a log is copied, mailed and
pasted into tickets, and must not carry what the wire itself never reveals (protocol.md §1).
The mask keeps the ends (5134**********0023, 138****4567), as the dashboard does for roles
that need no identity, enough to tell two people apart in a support call.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "JsonLogFormatter",
    "PersonalDataFilter",
    "install_log_handler",
    "mask_personal_data",
]

# Not preceded or followed by a letter or digit: an ID inside a hex hash or a longer number
# is not an ID. The 18th character of an ID may be X (ISO 7064 check character).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)(\d{4})(\d{4})(?![0-9A-Za-z])")

# The attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}


def mask_personal_data(text: str) -> str:
    """Masks resident ID numbers and mobile numbers in free text."""
    text = _ID_NUMBER.sub(lambda m: m[1][:4] + "*" * 10 + m[3][-4:], text)
    return _MOBILE.sub(lambda m: m[1] + "****" + m[3], text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return mask_personal_data(str(value))


class PersonalDataFilter(logging.Filter):
    """Masks personal data in a record in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_personal_data(record.getMessage())
        record.args = None
        for name in set(vars(record)) - _STANDARD:
            setattr(record, name, _mask_value(getattr(record, name)))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        return True


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line: ts (UTC, ms), level, logger, message, then any extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in sorted(set(vars(record)) - _STANDARD):
            line.setdefault(name, _jsonable(getattr(record, name)))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever sys.stderr is at the time (tests swap it), like logging.lastResort."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


_MARK = "_township_sync_handler"


def install_log_handler(
    loggers: Iterable[str],
    *,
    path: Path | None = None,
    level: int = logging.INFO,
) -> logging.Handler:
    """Sends `loggers` to stderr (or to `path`, created 0600) as masked JSON lines.

    Calling it again replaces the handler it installed before, so a CLI run in-process
    many times (tests) never writes each line twice.
    """
    handler: logging.Handler
    if path is None:
        handler = _StderrHandler()
    else:
        path.touch(mode=0o600, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    handler.addFilter(PersonalDataFilter())
    handler.setFormatter(JsonLogFormatter())
    setattr(handler, _MARK, True)
    for name in loggers:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, _MARK, False)]:
            logger.removeHandler(old)
            old.close()
        logger.addHandler(handler)
        logger.setLevel(level)
    return handler
