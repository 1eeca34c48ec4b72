"""Sessions end on the server: a cookie saved before sign-out, a password change, `central-hub
user disable` or "sign out everywhere" opens nothing afterwards.

Real parts: a county hub served by `central-hub serve`, browsers as httpx clients with their
own cookie jars over real HTTP, the CLI as a real process. A saved cookie is replayed in a
fresh client, as someone who copied it would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from central_hub.web import create_dashboard
from tests.conftest import run_cli, run_json
from tests.web.conftest import (
    PASSWORD,
    ZHAOJUE,
    ServedCounty,
    csrf_of,
    serve_county,
    sign_in,
)

NEW_PASSWORD = "a new password, long enough"
ACCOUNTS = {
    name: "county_admin"
    for name in ("leaves", "changes", "disabled", "everywhere", "reset", "checks")
}


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedCounty]:
    served = serve_county(tmp_path_factory.mktemp("sessions"), accounts=ACCOUNTS)
    yield served
    served.hub.stop()


def _replayed(county: ServedCounty, cookies: httpx.Cookies) -> httpx.Response:
    with httpx.Client(base_url=county.hub.url, timeout=30, cookies=cookies) as client:
        return client.get("/dash/nodes")


def _saved(client: httpx.Client) -> httpx.Cookies:
    saved = httpx.Cookies()
    for cookie in client.cookies.jar:
        saved.set(cookie.name, cookie.value or "", domain=cookie.domain, path=cookie.path)
    return saved


def _signed_out(answer: httpx.Response) -> bool:
    return answer.status_code == 303 and answer.headers["location"].startswith("/dash/login")


def _open_sessions(county: ServedCounty, username: str) -> int:
    with sqlite3.connect(f"file:{county.hub.home / 'hub.db'}?mode=ro", uri=True) as conn:
        query = "SELECT count(*) FROM dashboard_sessions WHERE username = ?"
        return int(conn.execute(query, (username,)).fetchone()[0])


pytestmark = pytest.mark.e2e


def test_saved_cookie_opens_nothing_after_sign_out(county):
    with county.signed_in("leaves") as browser:
        saved = _saved(browser)
        assert _replayed(county, saved).status_code == 200
        token = csrf_of(browser.get("/dash/nodes").text)
        answer = browser.post("/dash/logout", data={"csrf": token})
        assert answer.headers["location"] == "/dash/login?done=signed-out"
        assert "已退出登录" in browser.get(answer.headers["location"]).text
    assert _signed_out(_replayed(county, saved))
    assert _open_sessions(county, "leaves") == 0


def test_password_change_ends_the_sessions_of_every_browser(county):
    with county.signed_in("changes") as first, county.signed_in("changes") as second:
        saved_first, saved_second = _saved(first), _saved(second)
        page = first.get("/dash/account")
        assert "修改密码" in page.text and "退出所有设备" in page.text
        answer = first.post(
            "/dash/account/password",
            data={
                "csrf": csrf_of(page.text),
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_again": NEW_PASSWORD,
            },
        )
        assert answer.status_code == 303
        assert "密码已修改" in first.get(answer.headers["location"]).text
        assert _signed_out(second.get("/dash/nodes"))
    for saved in (saved_first, saved_second):
        assert _signed_out(_replayed(county, saved))
    with httpx.Client(base_url=county.hub.url, timeout=30) as stranger:
        assert sign_in(stranger, "changes", PASSWORD).status_code == 401
    with county.signed_in("changes", NEW_PASSWORD) as again:
        assert again.get("/dash/nodes").status_code == 200


def test_user_disable_on_the_command_line_ends_the_open_sessions(county):
    with county.signed_in("disabled") as browser:
        saved = _saved(browser)
        assert browser.get("/dash/nodes").status_code == 200
        assert _open_sessions(county, "disabled") == 1
        run_cli("central-hub", "user", "disable", "disabled", "--home", str(county.hub.home))
        assert _signed_out(browser.get("/dash/nodes"))
    assert _signed_out(_replayed(county, saved))
    assert _open_sessions(county, "disabled") == 0


def test_sign_out_everywhere_ends_the_sessions_of_every_browser(county):
    with county.signed_in("everywhere") as first, county.signed_in("everywhere") as second:
        saved_second = _saved(second)
        token = csrf_of(first.get("/dash/account").text)
        answer = first.post("/dash/account/sign-out-everywhere", data={"csrf": token})
        assert answer.headers["location"] == "/dash/login?done=everywhere"
        assert "已在所有设备上退出登录" in first.get(answer.headers["location"]).text
        assert _signed_out(first.get("/dash/nodes"))
        assert _signed_out(second.get("/dash/nodes"))
    assert _signed_out(_replayed(county, saved_second))
    with county.signed_in("everywhere") as again:  # the account itself is fine
        assert again.get("/dash/nodes").status_code == 200


def test_password_set_on_the_command_line_ends_the_open_sessions(county):
    with county.signed_in("reset") as browser:
        saved = _saved(browser)
        home = str(county.hub.home)
        done = run_json("central-hub", "user", "password", "reset", "--password", NEW_PASSWORD,
                        "--home", home)  # fmt: skip
        assert done["sessions"] == "ended"
        assert _signed_out(browser.get("/dash/nodes"))
    assert _signed_out(_replayed(county, saved))
    with county.signed_in("reset", NEW_PASSWORD) as again:
        saved = _saved(again)
    assert run_json("central-hub", "user", "sign-out", "reset", "--home", home) == {
        "username": "reset",
        "display_name": "reset",
        "role": "county_admin",
        "role_label": "县级管理员",
        "county": ZHAOJUE,
        "disabled": False,
        "sessions_ended": 1,
    }
    assert _signed_out(_replayed(county, saved))


@pytest.mark.parametrize(
    ("fields", "says", "field"),
    [
        ({"current_password": ""}, "请输入当前密码", "current_password"),
        ({"current_password": "not the password"}, "当前密码不正确", "current_password"),
        ({"new_password_again": "something else"}, "两次输入的新密码不一致", "new_password_again"),
        ({"new_password": "short", "new_password_again": "short"}, "密码至少 10 位",
         "new_password"),
        ({"new_password": PASSWORD, "new_password_again": PASSWORD}, "不能与当前密码相同",
         "new_password"),
        ({"new_password": "x" * 300, "new_password_again": "x" * 300}, "密码最多 256 位",
         "new_password"),
        ({"new_password": "tab\there12345", "new_password_again": "tab\there12345"},
         "不能有换行、制表符", "new_password"),
    ],
)  # fmt: skip
def test_bad_password_change_is_shown_again_in_chinese_and_changes_nothing(
    county, fields, says, field
):
    with county.signed_in("checks") as browser:
        hash_before = _password_hash(county, "checks")
        form = {
            "csrf": csrf_of(browser.get("/dash/account").text),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        } | fields
        answer = browser.post("/dash/account/password", data=form)
        assert answer.status_code == 422
        assert says in answer.text
        assert f'name="{field}" type="password"' in answer.text
        assert 'aria-invalid="true"' in answer.text
        assert _password_hash(county, "checks") == hash_before
        assert browser.get("/dash/nodes").status_code == 200  # still signed in


def _password_hash(county: ServedCounty, username: str) -> str:
    with sqlite3.connect(f"file:{county.hub.home / 'hub.db'}?mode=ro", uri=True) as conn:
        query = "SELECT password_hash FROM dashboard_users WHERE username = ?"
        return str(conn.execute(query, (username,)).fetchone()[0])


class WallClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.mark.anyio
async def test_session_expires_on_the_server_after_its_working_day(network):
    clock = WallClock()
    app = Starlette(routes=[Mount("/dash", app=create_dashboard(network.hub, clock=clock))])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        token = csrf_of((await client.get("/dash/login")).text)
        answer = await client.post(
            "/dash/login", data={"username": "zj-admin", "password": PASSWORD, "csrf": token}
        )
        assert answer.status_code == 303
        clock.now += timedelta(hours=11, minutes=59)
        assert (await client.get("/dash/nodes")).status_code == 200
        clock.now += timedelta(minutes=2)
        answer = await client.get("/dash/nodes")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/dash/login")


def test_store_keeps_only_a_hash_of_the_session_id(county):
    with county.signed_in("leaves") as browser:
        # Starlette's cookie: base64(JSON of the session) "." timestamp "." signature.
        payload = browser.cookies["hub_dashboard"].split(".")[0]
        session_id = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"]
        with sqlite3.connect(f"file:{county.hub.home / 'hub.db'}?mode=ro", uri=True) as conn:
            keys = {row[0] for row in conn.execute("SELECT session_key FROM dashboard_sessions")}
    assert hashlib.sha256(session_id.encode()).hexdigest() in keys
    assert session_id not in keys
