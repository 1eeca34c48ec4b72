"""The dashboard's pure parts: the scope rule, masking, periods and the SVG charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from central_hub.web.charts import bar_chart, coverage_bar, line_chart, nice_ceiling
from central_hub.web.errors import BadQuery, Forbidden
from central_hub.web.period import Period, parse_period
from central_hub.web.scope import mask_id_number, mask_phone, scope_of
from central_hub.web.users import User

SVG = "{http://www.w3.org/2000/svg}"


def test_scope_rule_by_role_lets_only_a_county_admin_act_in_its_county():
    prefecture = scope_of(User("p", "p", "prefecture", None))
    admin = scope_of(User("a", "a", "county_admin", "513431"))
    viewer = scope_of(User("v", "v", "viewer", None))
    assert prefecture.covers("513401001") and prefecture.sees_identity
    assert not prefecture.can_act  # the prefecture reviews; the county acts
    assert admin.covers("513431100") and admin.covers("513431") and admin.can_act
    assert not admin.covers("513401001")
    assert viewer.covers("513401001") and not viewer.can_act and not viewer.sees_identity
    with pytest.raises(Forbidden):
        admin.require("513401")
    with pytest.raises(Forbidden):
        admin.require_action("513401001")
    admin.require_action("513431100")
    for reviewer in (prefecture, viewer):
        with pytest.raises(Forbidden, match="only a county admin acts"):
            reviewer.require_action("513431100")


def test_masks_keep_only_the_ends():
    assert mask_id_number("513431198503150023") == "5134**********0023"
    assert mask_phone("13908141234") == "139****1234"
    assert mask_phone("0834-3201234") == "083*****1234"
    assert mask_id_number("") == mask_phone("") == ""


def test_period_is_china_days_in_utc_bounds():
    period = parse_period({"since": "2018-01-01", "until": "2018-01-31"})
    assert period == Period(date(2018, 1, 1), date(2018, 1, 31))
    assert period.utc_bounds() == ("2017-12-31T16:00:00.000Z", "2018-01-31T16:00:00.000Z")
    assert parse_period({}).utc_bounds() == ("", "")
    with pytest.raises(BadQuery, match="after"):
        parse_period({"since": "2018-02-01", "until": "2018-01-01"})


def test_bar_chart_is_well_formed_svg_with_escaped_labels():
    svg = ET.fromstring(str(bar_chart([("昭觉县<script>", 37), ("西昌市", 15)], title="排名")))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "昭觉县<script>" in texts and "37" in texts
    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect")]
    assert widths[0] > widths[1] > 0


def test_line_and_coverage_charts_draw_and_say_when_empty():
    line = ET.fromstring(str(line_chart(["2018-01", "2018-02"], [("受理", [3, 5])], title="趋势")))
    assert len(list(line.iter(f"{SVG}circle"))) == 2
    assert "暂无数据" in str(line_chart([], [], title="趋势"))
    assert "3 / 4（75.0%）" in str(coverage_bar(3, 4, title="覆盖"))
    assert nice_ceiling(37) == 50 and nice_ceiling(0) == 1
