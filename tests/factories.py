"""Provides realistic test inputs: valid resident ID numbers, Liangshan applicants, items."""

from __future__ import annotations

from datetime import date

import casework

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(area: str, born: date, serial: int) -> str:
    """A resident ID number with a correct ISO 7064 MOD 11-2 check character."""
    body = f"{area}{born:%Y%m%d}{serial:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


# Names as Liangshan registers them: Yi family names in Han characters, "·" in minority names.
APPLICANTS = (
    ("吉克·阿依", resident_id("513431", date(1988, 3, 14), 22), "13881234567"),
    ("沙马拉且", resident_id("513431", date(1975, 11, 2), 31), "13990871234"),
    ("阿说·木呷", resident_id("513429", date(2001, 6, 30), 17), ""),
    ("王秀英", resident_id("513401", date(1962, 1, 5), 48), "0834-3201234"),
)


def items_by_category(level: str = "township") -> dict[str, casework.Item]:
    """One available item per category from the sample catalog."""
    found: dict[str, casework.Item] = {}
    for item in casework.load_sample_catalog().available_at(level, date.today()):
        found.setdefault(item.category, item)
    return found


# Yi family (家支) names and given names as Liangshan registers them in Han characters, a few
# Han surnames, and the counties' GB/T 2260 codes: enough variety that compression sees
# realistic text, not four applicants repeated.
_YI_FAMILY = (
    "吉克",
    "阿说",
    "沙马",
    "曲比",
    "阿苏",
    "吉伍",
    "马海",
    "俄木",
    "日火",
    "海来",
    "勒格",
    "阿尔",
    "吉木",
    "瓦扎",
    "井曲",
    "木乃",
    "阿约",
    "拉马",
    "苏呷",
    "吉尔",
)
_YI_GIVEN = (
    "阿依",
    "木呷",
    "拉且",
    "伍沙",
    "尔古",
    "阿支",
    "子哈",
    "石布",
    "依莫",
    "布都",
    "小龙",
    "金花",
    "拉铁",
    "伍牛",
    "尔布",
    "日莫",
    "约达",
    "以哈",
    "克惹",
    "阿果",
)
_HAN = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴")
_HAN_GIVEN = ("秀英", "建华", "国强", "丽", "伟", "芳", "军", "敏", "静", "勇", "春梅", "德明")
_COUNTIES = (
    "513401",
    "513402",
    "513422",
    "513423",
    "513424",
    "513426",
    "513427",
    "513428",
    "513429",
    "513430",
    "513431",
    "513432",
    "513433",
    "513434",
    "513435",
    "513436",
    "513437",
)


def applicant_stream(seed: int = 2018):
    """Endless varied applicants (name, ID number, phone), the same for the same seed."""
    import random

    rng = random.Random(seed)
    while True:
        if rng.random() < 0.8:
            family, given = rng.choice(_YI_FAMILY), rng.choice(_YI_GIVEN)
            name = f"{family}·{given}" if rng.random() < 0.3 else family + given
        else:
            name = rng.choice(_HAN) + rng.choice(_HAN_GIVEN)
        born = date(rng.randint(1940, 2008), rng.randint(1, 12), rng.randint(1, 28))
        id_number = resident_id(rng.choice(_COUNTIES), born, rng.randint(1, 999))
        phone = (
            f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}" if rng.random() < 0.85 else ""
        )
        yield name, id_number, phone


def altered_twin(home, batch):
    """What a copied or stolen PC can make: batch `batch` of `home` again, its first event's
    time changed, signed with the node's own key (an equivocation, protocol.md §9.4.1)."""
    from dataclasses import replace

    from sync_protocol import build_batch, decode_event, encode_event

    header = batch.header
    lines = [
        row[0]
        for row in home.conn.execute(
            "SELECT body FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq",
            (header.first_seq, header.last_seq),
        )
    ]
    first = decode_event(lines[0])
    changed = replace(first, occurred_at="2026-01-01T00:00:00.000Z")
    return build_batch(
        [encode_event(changed), *lines[1:]],
        node_id=header.node_id,
        first_seq=header.first_seq,
        batch_seq=header.batch_seq,
        prev_hash=header.prev_hash,
        signing_key=home.keys.signing,
    )
