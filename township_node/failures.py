"""Provides the mapping from protocol failures to the node's exit codes and messages."""

from __future__ import annotations

from sync_protocol import HubUnreachable, ProtocolError

from .errors import SyncFailed

__all__ = ["as_sync_failure"]


def as_sync_failure(exc: ProtocolError) -> SyncFailed:
    """Turns a protocol or transport error into the CLI's exit codes and a clerk's message."""
    if isinstance(exc, HubUnreachable):
        return SyncFailed(
            exc.message,
            exit_code=3,
            message_zh="无法连接县级中心，数据已保存在本机，联网后会自动同步",
            retry_after=exc.retry_after,
        )
    reason = f"{getattr(exc, 'remote_code', exc.code)}: {exc.message}"
    return SyncFailed(
        f"hub rejected: {reason}", exit_code=4, message_zh=f"县级中心拒收：{exc.message}"
    )
