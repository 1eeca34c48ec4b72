"""Provides a catalog item's material (申请材料): key or not, certificate kept or cancelled.

Sources (domain-china.md §1.8): 证明事项清理 and 告知承诺制 (国办发〔2020〕42号): a cancelled
certificate must never be demanded again; some materials may be replaced by a written promise.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.codes import CERTIFICATE_KINDS
from casework.errors import InvalidCatalog

__all__ = ["Material"]


def _bad(message: str, message_zh: str, fld: str) -> InvalidCatalog:
    return InvalidCatalog(message, message_zh=message_zh, field=fld)


@dataclass(frozen=True, slots=True)
class Material:
    """A material (申请材料) an item asks for.

    Attributes:
        name: Material name, e.g. ``"居民身份证"``.
        key: A key material (不可容缺): 容缺受理 is not allowed while it is missing.
        certificate: ``"none"`` (ordinary material), ``"kept"`` (a 证明 still required) or
            ``"cancelled"`` (a 证明 cancelled by 证明事项清理; it must never be demanded).
        promise_allowed: May be replaced by a written promise (告知承诺, 国办发〔2020〕42号).
    """

    name: str
    key: bool = False
    certificate: str = "none"
    promise_allowed: bool = False

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise _bad("material name is empty", "材料名称不能为空", "materials.name")
        if self.certificate not in CERTIFICATE_KINDS:
            raise _bad(
                f"material {self.name!r}: certificate must be none, kept or cancelled",
                f"材料“{self.name}”的证明类型无效",
                "materials.certificate",
            )
        if self.key and self.certificate == "cancelled":
            raise _bad(
                f"material {self.name!r} is a cancelled certificate and cannot be key",
                f"材料“{self.name}”为已取消的证明事项，不能设为关键材料",
                "materials.key",
            )
