"""Provides the exception tree of central_hub.

    HubError                    base: every error the hub raises on purpose
    ├── NotInitialized          no hub home at that path (run `central-hub init`)
    ├── AlreadyInitialized      a hub home already exists there
    ├── EnrollmentRefused       a bad, used, expired or mismatched enrollment code
    ├── RuleViolation           a batch holds an event the case rules forbid
    ├── NotLinked               a county hub has no prefecture yet (run `central-hub link`)
    └── PersistenceError        the store failed (disk full, locked, corrupt)

Batch-level refusals (bad signature, wrong recipient, broken chain …) are
sync_protocol's RemoteProtocolError subclasses, so their codes are the protocol's.
"""

from __future__ import annotations

__all__ = [
    "AlreadyInitialized",
    "EnrollmentRefused",
    "HubError",
    "NotInitialized",
    "NotLinked",
    "PersistenceError",
    "RuleViolation",
]


class HubError(Exception):
    """Base of every central_hub error; `code` goes on the wire.

    `message` is English, for logs, the wire and the command line; `message_zh`, when given,
    is the sentence the dashboard shows a person (it never goes on the wire).
    """

    code = "hub_error"
    http_status = 400

    def __init__(self, message: str, *, hint: str = "", message_zh: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.message_zh = message_zh

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "hint": self.hint}


class NotInitialized(HubError):
    code = "not_initialized"


class AlreadyInitialized(HubError):
    code = "already_initialized"


class EnrollmentRefused(HubError):
    code = "enrollment_refused"
    http_status = 403


class RuleViolation(HubError):
    code = "rule_violation"
    http_status = 422


class NotLinked(HubError):
    code = "not_linked"


class PersistenceError(HubError):
    code = "persistence_error"
    http_status = 503
