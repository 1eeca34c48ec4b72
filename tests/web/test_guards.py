"""The dashboard's guards: form fields refused in Chinese with nothing changed, POSTs from
another site's page refused, and wrong passwords slowing their address and name down without
ever keeping an account's owner out (issue 15, points 5, 7 and 8)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from central_hub.audit import audit_table
from central_hub.web import create_dashboard
from central_hub.web.errors import FormInvalid
from central_hub.web.forms import batch_seq_field
from central_hub.web.throttle import Backoff, SignInGuard
from tests.web.conftest import PASSWORD, ZHAOJUE_TOWNSHIP, Network, csrf_of

pytestmark = pytest.mark.anyio

# --- form fields ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "请填写起始批次"),
        ("abc", "不是整数"),
        ("1.5", "不是整数"),
        ("-3", "不是整数"),
        ("0", "须在 1 到"),
        ("12345678901234567890", "须在 1 到"),
        ("9" * 5000, "须在 1 到"),  # past Python's int() limit of 4,300 digits
    ],
)
def test_batch_seq_field_refuses_in_chinese_when_it_is_no_seq(typed, says):
    with pytest.raises(FormInvalid) as refused:
        batch_seq_field({"from_seq": typed})
    assert says in refused.value.message_zh
    assert refused.value.field == "from_seq"


def test_batch_seq_field_reads_full_width_digits_as_an_input_method_types_them():
    assert batch_seq_field({"from_seq": " １２ "}) == 12


@pytest.mark.parametrize("typed", ["abc", "12345678901234567890", ""])
async def test_resend_with_a_bad_seq_shows_the_form_again_and_changes_nothing(
    network: Network, browser, typed
):
    client = await browser("zj-admin")
    node = network.nodes[ZHAOJUE_TOWNSHIP]
    audit_before = len(audit_table(network.hub).rows)
    token = csrf_of((await client.get("/dash/nodes")).text)
    answer = await client.post(
        f"/dash/nodes/{node}/resend", data={"csrf": token, "from_seq": typed, "reason": "重发"}
    )
    assert answer.status_code == 422
    assert "起始批次" in answer.text and "未执行" in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert len(audit_table(network.hub).rows) == audit_before
    # the same client goes on working
    assert (await client.get("/dash/nodes")).status_code == 200


async def test_resend_without_a_reason_is_refused_in_chinese(network: Network, browser):
    client = await browser("zj-admin")
    node = network.nodes[ZHAOJUE_TOWNSHIP]
    token = csrf_of((await client.get("/dash/nodes")).text)
    answer = await client.post(
        f"/dash/nodes/{node}/resend", data={"csrf": token, "from_seq": "1", "reason": " "}
    )
    assert answer.status_code in (400, 422)
    assert "未执行" in answer.text and "请写明理由" in answer.text


# --- the same-origin rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://hub.test:8080"},  # another port is another origin
        {"Referer": "https://evil.example/page"},
    ],
)
async def test_post_from_another_sites_page_is_refused_even_with_a_valid_token(
    network: Network, browser, headers
):
    client = await browser("zj-admin")
    node = network.nodes[ZHAOJUE_TOWNSHIP]
    audit_before = len(audit_table(network.hub).rows)
    token = csrf_of((await client.get("/dash/nodes")).text)
    answer = await client.post(
        f"/dash/nodes/{node}/resend",
        data={"csrf": token, "from_seq": "1", "reason": "跨站请求"},
        headers=headers,
    )
    assert answer.status_code == 403
    assert "请求来自本中心以外的网页" in answer.text
    assert len(audit_table(network.hub).rows) == audit_before


async def test_post_from_the_hubs_own_page_is_accepted(browser):
    client = await browser("zj-admin")
    token = csrf_of((await client.get("/dash/nodes")).text)
    answer = await client.post(
        "/dash/logout",
        data={"csrf": token},
        headers={"Origin": "http://hub.test", "Referer": "http://hub.test/dash/nodes"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("/dash/login?done=signed-out")


# --- sign-in throttling --------------------------------------------------------------------


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_the_refusal_window_after_the_free_failures():
    clock = Ticking()
    backoff = Backoff(free_failures=2, clock=clock)
    windows = [backoff.failed("k")[1] for _ in range(6)]
    assert windows == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0]
    assert backoff.wait("k") == 8.0
    clock.now += 8.0
    assert backoff.wait("k") == 0.0


def test_backoff_window_is_capped_and_forgotten_after_a_quiet_hour():
    clock = Ticking()
    backoff = Backoff(free_failures=0, clock=clock)
    for _ in range(40):
        backoff.failed("k")
    assert backoff.wait("k") == 15 * 60
    clock.now += 60 * 60 + 1
    assert backoff.wait("k") == 0.0
    assert backoff.failed("k") == (1, 1.0)  # starts afresh


def test_backoff_keeps_a_bounded_number_of_keys():
    clock = Ticking()
    backoff = Backoff(free_failures=0, max_keys=100, clock=clock)
    for n in range(1000):
        clock.now += 1
        backoff.failed(f"address-{n}")
    assert backoff.wait("address-999") > 0
    assert backoff.wait("address-0") == 0.0  # the longest quiet went first


def test_guard_never_holds_back_a_browser_that_signed_in_to_the_name_before():
    guard = SignInGuard(clock=Ticking())
    for _ in range(8):  # someone guessing from another address
        guard.failed(address="10.0.0.66", username="zj-admin", known_browser=False)
    assert guard.wait(address="10.0.0.66", username="zj-admin", known_browser=False) > 0
    assert guard.wait(address="10.0.0.5", username="zj-admin", known_browser=False) > 0
    assert guard.wait(address="10.0.0.5", username="zj-admin", known_browser=True) == 0


@pytest.fixture
def ticking() -> Ticking:
    return Ticking()


@pytest.fixture
def app(network: Network, ticking: Ticking) -> Starlette:
    """The dashboard on a monotonic clock the test moves."""
    return Starlette(routes=[Mount("/dash", app=create_dashboard(network.hub, monotonic=ticking))])


async def _try(client, username: str, password: str):
    token = csrf_of((await client.get("/dash/login")).text)
    return await client.post(
        "/dash/login", data={"username": username, "password": password, "csrf": token}
    )


async def test_wrong_passwords_slow_the_name_down_but_its_owner_signs_in_from_a_known_browser(
    network: Network, browser, ticking: Ticking
):
    owner = await browser("xc-admin")  # signed in before: this browser is known for the name
    await owner.post("/dash/logout", data={"csrf": csrf_of((await owner.get("/dash/nodes")).text)})
    stranger = await browser()
    answers = [await _try(stranger, "xc-admin", "guess guess!") for _ in range(7)]
    assert [a.status_code for a in answers[:5]] == [401] * 5
    assert answers[6].status_code == 429
    assert "登录尝试过于频繁" in answers[6].text and int(answers[6].headers["retry-after"]) >= 1
    # the right password from the stranger's browser is refused while the window lasts ...
    assert (await _try(stranger, "xc-admin", PASSWORD)).status_code == 429
    # ... the owner's own browser is not held back at all
    assert (await _try(owner, "xc-admin", PASSWORD)).status_code == 303
    # and the window ends by itself: no hard lock
    ticking.now += 15 * 60 + 1
    assert (await _try(stranger, "xc-admin", PASSWORD)).status_code == 303
    slowed = [
        row
        for row in audit_table(network.hub, chinese=True).rows
        if row["actor"] == "登录防护" and "xc-admin" in row["action"]
    ]
    assert slowed, "the slow-down is not in the audit log"


async def test_a_refused_window_checks_no_password(network: Network, browser, ticking: Ticking):
    stranger = await browser()
    for _ in range(6):
        await _try(stranger, "nobody-at-all", "guess guess!")
    refused = await _try(stranger, "nobody-at-all", "guess guess!")
    assert refused.status_code == 429
    ticking.now += 60 * 60 + 1  # a quiet hour forgets the name and the address
    assert (await _try(stranger, "nobody-at-all", "guess guess!")).status_code == 401
