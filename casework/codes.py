"""Provides the code sets of the catalog: categories, levels, type codes, power sources, ….

Sources (domain-china.md §1.2–1.3): GB/T 39046-2020 Appendix A.1 (事项类型), the national
platform's ``power_source`` codes (权力来源), the seed's four statistical categories. Labels
are for display; the keys are the stable codes used in data and on the wire.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "CATEGORIES",
    "CERTIFICATE_KINDS",
    "LEVELS",
    "ONLINE_DEPTHS",
    "POWER_SOURCES",
    "TYPE_CODES",
    "WORKFLOWS",
]

CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "licensing": "行政许可",
        "other_admin": "其他行政权力",
        "public_service": "公共服务",
        "convenience": "便民服务",
    }
)
# Highest first; the order is used to check that delegation goes downward.
LEVELS: Mapping[str, str] = MappingProxyType(
    {"prefecture": "州级", "county": "县级", "township": "乡镇（街道）级"}
)
CERTIFICATE_KINDS: Mapping[str, str] = MappingProxyType(
    {"none": "非证明材料", "kept": "保留的证明事项", "cancelled": "已取消的证明事项"}
)
WORKFLOWS: Mapping[str, str] = MappingProxyType(
    {"five_step": "受理→承办→审核→批准→办结", "two_step": "受理兼审查→审核兼审批"}
)
# GB/T 39046-2020 Appendix A.1; 11… and 21… are extensible, so any two digits are accepted.
TYPE_CODES: Mapping[str, str] = MappingProxyType(
    {
        "00": "行政权力事项",
        "01": "行政许可",
        "02": "行政处罚",
        "03": "行政强制",
        "04": "行政征收",
        "05": "行政给付",
        "06": "行政检查",
        "07": "行政确认",
        "08": "行政奖励",
        "09": "行政裁决",
        "10": "其他类别事项",
        "20": "公共服务事项",
    }
)
POWER_SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "1": "法定本级行使",
        "2": "上级下放",
        "3": "上级授权",
        "4": "同级授权",
        "5": "上级委托",
        "6": "同级委托",
    }
)
# 网上办理深度 (common practice, inferred; the official definition was not read).
ONLINE_DEPTHS: Mapping[int, str] = MappingProxyType(
    {
        0: "不可网办",
        1: "Ⅰ级 网上发布办事指南",
        2: "Ⅱ级 网上下载表格、预约",
        3: "Ⅲ级 网上预审受理，到现场一次",
        4: "Ⅳ级 全程网办",
    }
)
