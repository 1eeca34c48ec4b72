"""Role isolation in the dashboard: what each account may read, export and post.

A real prefecture hub store holds cases synced from real nodes in two counties (昭觉县 and
西昌市); requests go through the mounted dashboard app with its real session and CSRF checks.
"""

from __future__ import annotations

import json

import pytest

from central_hub.web.users import add_user, disable_user
from tests.factories import APPLICANTS
from tests.web.conftest import (
    PASSWORD,
    XICHANG,
    XICHANG_TOWNSHIP,
    ZHAOJUE,
    ZHAOJUE_TOWNSHIP,
    csrf_of,
)

pytestmark = pytest.mark.anyio

EXPORTS = ("csv", "xlsx", "json")


async def test_county_admin_reads_own_county_and_its_drill_down(network, browser):
    client = await browser("zj-admin")
    county = await client.get(f"/dash/county/{ZHAOJUE}")
    assert county.status_code == 200
    assert "昭觉县" in county.text and "新城镇" in county.text
    township = await client.get(f"/dash/township/{ZHAOJUE_TOWNSHIP}")
    assert township.status_code == 200
    case_id = next(iter(network.cases[ZHAOJUE_TOWNSHIP].values()))
    assert (await client.get(f"/dash/case/{case_id}")).status_code == 200


async def test_county_admin_cannot_open_another_county_by_typed_url(network, browser):
    client = await browser("zj-admin")
    for path in (f"/dash/county/{XICHANG}", f"/dash/township/{XICHANG_TOWNSHIP}"):
        answer = await client.get(path)
        assert answer.status_code == 403, path
        assert "无权查看" in answer.text
        assert "北城街道" not in answer.text
    other_case = next(iter(network.cases[XICHANG_TOWNSHIP].values()))
    answer = await client.get(f"/dash/case/{other_case}")
    assert answer.status_code == 404
    assert "不在您的权限范围内" in answer.text


@pytest.mark.parametrize("fmt", EXPORTS)
async def test_county_admin_cannot_export_another_county(network, browser, fmt):
    client = await browser("zj-admin")
    other_case = next(iter(network.cases[XICHANG_TOWNSHIP].values()))
    for query in (
        f"centers.{fmt}?county={XICHANG}",
        f"cases.{fmt}?center={XICHANG_TOWNSHIP}",
        f"nodes.{fmt}?county={XICHANG}",
        f"categories.{fmt}?county={XICHANG}",
        f"case_events.{fmt}?case={other_case}",
    ):
        answer = await client.get(f"/dash/export/{query}")
        assert answer.status_code in (403, 404), query
        assert "北城街道" not in answer.text
        assert not any(case_no in answer.text for case_no in network.cases[XICHANG_TOWNSHIP])


async def test_county_admin_json_without_arguments_holds_only_own_county(network, browser):
    client = await browser("zj-admin")
    counties = (await client.get("/dash/export/counties.json")).json()
    assert [row["county_code"] for row in counties["rows"]] == [ZHAOJUE]
    nodes = (await client.get("/dash/export/nodes.json")).json()
    assert [row["node_id"] for row in nodes["rows"]] == [network.nodes[ZHAOJUE_TOWNSHIP]]
    categories = (await client.get("/dash/export/categories.json")).json()
    assert categories["rows"][-1] == {
        "category": "合计",
        "accepted": 3,
        "completed": 1,
        "completion_rate": 1 / 3,
    }


async def test_county_admin_overview_goes_to_own_county(browser):
    client = await browser("zj-admin")
    answer = await client.get("/dash/")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/dash/county/{ZHAOJUE}"


async def test_prefecture_sees_every_county_ranked(network, browser):
    client = await browser("pref")
    counties = (await client.get("/dash/export/counties.json")).json()["rows"]
    ranked = [(row["county_code"], row["accepted"]) for row in counties[:2]]
    assert ranked == [(ZHAOJUE, 3), (XICHANG, 2)]
    assert len(counties) == 17  # every county-level unit in force today
    assert (await client.get(f"/dash/county/{XICHANG}")).status_code == 200


async def test_csv_and_xlsx_export_match_the_page(network, browser):
    client = await browser("zj-admin")
    csv = await client.get(f"/dash/export/cases.csv?center={ZHAOJUE_TOWNSHIP}")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("办件编号,")
    for case_no in network.cases[ZHAOJUE_TOWNSHIP]:
        assert case_no in text
    xlsx = await client.get(f"/dash/export/cases.xlsx?center={ZHAOJUE_TOWNSHIP}")
    assert xlsx.content[:2] == b"PK"  # a zip: the XLSX container


@pytest.mark.parametrize("username", ["zj-viewer", "pref", "pref-viewer"])
async def test_viewers_and_the_prefecture_reviewer_cannot_post_an_action(
    network, browser, username
):
    client = await browser(username)
    token = csrf_of((await client.get("/dash/nodes")).text)
    for node in network.nodes.values():
        for action in ("resend", "accept-gap", "revoke"):
            answer = await client.post(
                f"/dash/nodes/{node}/{action}",
                data={"csrf": token, "from_seq": "1", "reason": "x"},
            )
            assert answer.status_code == 403, action
            assert "只有县级管理员可以对本县终端执行操作" in answer.text
    assert "终端操作" not in (await client.get("/dash/nodes")).text  # no forms offered


async def test_county_admin_cannot_act_on_another_countys_node(network, browser):
    client = await browser("zj-admin")
    token = csrf_of((await client.get(f"/dash/county/{ZHAOJUE}")).text)
    node = network.nodes[XICHANG_TOWNSHIP]
    answer = await client.post(f"/dash/nodes/{node}/revoke", data={"csrf": token, "reason": "x"})
    assert answer.status_code == 403
    own = network.nodes[ZHAOJUE_TOWNSHIP]
    answer = await client.post(
        f"/dash/nodes/{own}/revoke", data={"csrf": token, "reason": "电脑被盗"}
    )
    assert answer.status_code == 200
    assert "已吊销终端" in answer.text
    audit = await client.get("/dash/export/audit_log.json")
    rows = audit.json()["rows"]
    assert [(e["action"], e["actor"]) for e in rows] == [("吊销终端密钥", "zj-admin")]


async def test_post_without_csrf_token_is_refused(network, browser):
    client = await browser("zj-admin")
    node = network.nodes[ZHAOJUE_TOWNSHIP]
    answer = await client.post(f"/dash/nodes/{node}/revoke", data={"reason": "x"})
    assert answer.status_code == 403
    assert "表单已过期或来源不明" in answer.text
    answer = await client.post("/dash/logout", data={"csrf": "forged"})
    assert answer.status_code == 403
    assert (await client.get(f"/dash/county/{ZHAOJUE}")).status_code == 200  # still signed in
    anonymous = await browser()
    answer = await anonymous.post(
        "/dash/login", data={"username": "zj-admin", "password": "correct horse battery"}
    )
    assert answer.status_code == 403


async def test_wrong_password_is_refused_in_chinese(browser):
    client = await browser()
    token = csrf_of((await client.get("/dash/login")).text)
    answer = await client.post(
        "/dash/login", data={"username": "zj-admin", "password": "wrong password!", "csrf": token}
    )
    assert answer.status_code == 401
    assert "用户名或密码不正确" in answer.text
    assert (await client.get(f"/dash/county/{ZHAOJUE}")).status_code == 303  # to sign-in


async def test_signed_out_visitor_is_sent_to_sign_in_and_back(browser):
    client = await browser()
    answer = await client.get(f"/dash/export/centers.json?county={ZHAOJUE}")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/dash/login?next=%2Fdash%2Fexport")


async def test_disabled_account_loses_its_open_session(network, browser):
    add_user(
        network.hub.engine, "leaving", role="county_admin", county_code=ZHAOJUE, password=PASSWORD
    )
    client = await browser("leaving")
    assert (await client.get(f"/dash/county/{ZHAOJUE}")).status_code == 200
    disable_user(network.hub.engine, "leaving")
    assert (await client.get(f"/dash/county/{ZHAOJUE}")).status_code == 303


async def test_id_numbers_and_phones_are_masked_except_on_the_case_page_for_admins(
    network, browser
):
    _name, id_number, phone = APPLICANTS[0]
    masked_id = id_number[:4] + "*" * 10 + id_number[-4:]
    masked_phone = phone[:3] + "****" + phone[-4:]
    first_case = next(iter(network.cases[ZHAOJUE_TOWNSHIP].values()))
    admin, viewer = await browser("zj-admin"), await browser("zj-viewer")
    for client in (admin, viewer):
        listing = (await client.get(f"/dash/township/{ZHAOJUE_TOWNSHIP}")).text
        assert masked_id in listing and id_number not in listing
        assert masked_phone in listing and phone not in listing
    admin_case = (await admin.get(f"/dash/case/{first_case}")).text
    assert id_number in admin_case and phone in admin_case
    viewer_case = (await viewer.get(f"/dash/case/{first_case}")).text
    assert id_number not in viewer_case and masked_id in viewer_case
    exported = await viewer.get(f"/dash/export/case_applicant.json?case={first_case}")
    assert json.loads(exported.text)["rows"][0]["id_number"] == masked_id


async def test_period_filters_pages_and_exports_alike(browser):
    client = await browser("pref")
    future = (await client.get("/dash/export/counties.json?since=2099-01-01")).json()
    assert future["period"] == {"since": "2099-01-01"}
    assert sum(row["accepted"] for row in future["rows"]) == 0
    bad = await client.get(f"/dash/county/{ZHAOJUE}?since=2018-13-01")
    assert bad.status_code == 400
    assert "开始日期“2018-13-01”不存在" in bad.text
