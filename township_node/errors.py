"""Provides the exception tree of township_node.

    NodeError                  base: every error the node raises on purpose
    ├── NotInitialized         no node home at that path (run `township-node init`)
    ├── AlreadyInitialized     a node home already exists there
    ├── NotEnrolled            the node has no hub yet (run `township-node enroll`)
    ├── CaseNotFound           no case with that number
    ├── InvalidInput           a clerk's input broke a rule (wraps casework errors)
    ├── SchemaTooNew           the database was written by newer software (no downgrades)
    ├── MigrationFailed        a schema upgrade failed; the database is left unchanged
    ├── StickFileRefused       a file or folder on a USB stick is not read or written (a link,
    │                          not a regular file, too big, a name that climbs out)
    └── SyncFailed             a round stopped: exit 3 unreachable, 4 refused, 6 byte cap

Messages are English for logs and the CLI; `message_zh` is what the clerk's window shows.
"""

from __future__ import annotations

__all__ = [
    "AlreadyInitialized",
    "CaseNotFound",
    "InvalidInput",
    "MigrationFailed",
    "NodeError",
    "NotEnrolled",
    "NotInitialized",
    "SchemaTooNew",
    "StickFileRefused",
    "SyncFailed",
]


class NodeError(Exception):
    """Base of every township_node error."""

    exit_code = 1

    def __init__(self, message: str, *, message_zh: str = "", field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh or message
        self.field = field


class NotInitialized(NodeError):
    pass


class AlreadyInitialized(NodeError):
    pass


class NotEnrolled(NodeError):
    pass


class CaseNotFound(NodeError):
    pass


class InvalidInput(NodeError):
    exit_code = 2


class SchemaTooNew(NodeError):
    pass


class MigrationFailed(NodeError):
    pass


class StickFileRefused(NodeError):
    """A file on a USB stick that an import does not read (or an export will not write
    through); the import reports it and goes on with the other files."""


class SyncFailed(NodeError):
    """A sync round could not finish. exit_code 3: hub unreachable; 4: hub refused;
    6: the byte cap stopped it with batches left for the next round."""

    def __init__(
        self,
        message: str,
        *,
        exit_code: int,
        message_zh: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, message_zh=message_zh)
        self.exit_code = exit_code
        self.retry_after = retry_after
