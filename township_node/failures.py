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
    if getattr(exc, "remote_code", "") == "node_too_old":
        # Not a refusal of any batch: they stay queued and go out after the upgrade.
        return SyncFailed(
            f"hub refused this node's version: {reason}",
            exit_code=4,
            message_zh="本机软件版本过低，县级中心暂不接收。办件都保存在本机，不会丢失；"
            "请向县级管理员要新的安装包升级，升级后会自动补发。",
        )
    return SyncFailed(
        f"hub rejected: {reason}", exit_code=4, message_zh=f"县级中心拒收：{exc.message}"
    )
