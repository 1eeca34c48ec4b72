"""Clerk accounts: PINs stored hashed, admin-only changes, a wait after wrong PINs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from township_node.clerks import ClerkBook
from township_node.cli import main
from township_node.errors import InvalidInput
from township_node.home import init_home


@pytest.fixture
def home(tmp_path):
    with init_home(tmp_path / "node", center_code="513431100", name="新城镇便民服务中心") as home:
        yield home


def test_admin_pin_is_stored_as_an_argon2_hash_never_as_typed(home):
    ClerkBook(home).create_admin("246810")
    stored = home.conn.execute("SELECT pin_hash FROM clerks").fetchone()[0]
    assert stored.startswith("$argon2id$") and "246810" not in stored


def test_first_run_needs_an_admin_and_a_second_admin_is_refused(home):
    book = ClerkBook(home)
    assert book.needs_admin()
    book.create_admin("246810")
    assert not book.needs_admin()
    with pytest.raises(InvalidInput):
        book.create_admin("135790")


@pytest.mark.parametrize(
    ("pin", "minimum_ok"),
    [
        ("12345", False),  # an admin PIN needs 6 digits
        ("12345a", False),  # digits only
        ("１２３４５６", False),  # full-width digits are not ASCII digits
        ("246810", True),
    ],
)
def test_admin_pin_rules(home, pin, minimum_ok):
    book = ClerkBook(home)
    if minimum_ok:
        assert book.create_admin(pin).is_admin
    else:
        with pytest.raises(InvalidInput) as caught:
            book.create_admin(pin)
        assert caught.value.field == "pin"


def test_only_an_admin_adds_or_disables_clerks(home):
    book = ClerkBook(home)
    admin = book.create_admin("246810")
    clerk = book.add("zhang", "张丽", "1357", authorized_by=admin)
    with pytest.raises(InvalidInput) as caught:
        book.add("li01", "李明", "8642", authorized_by=clerk)
    assert "管理员" in caught.value.message_zh
    book.set_active("zhang", False, authorized_by=admin)
    with pytest.raises(InvalidInput):
        book.sign_in("zhang", "1357")  # a disabled clerk cannot sign in
    assert [c.clerk_id for c in book.list(include_disabled=True)] == ["admin", "zhang"]


def test_five_wrong_pins_make_the_clerk_wait_even_with_the_right_one(home):
    now = [datetime(2026, 11, 27, 2, 0, tzinfo=UTC)]
    book = ClerkBook(home, clock=lambda: now[0])
    admin = book.create_admin("246810")
    book.add("zhang", "张丽", "1357", authorized_by=admin)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            book.sign_in("zhang", "0000")
    with pytest.raises(InvalidInput) as caught:
        book.sign_in("zhang", "1357")
    assert "5分钟" in caught.value.message_zh
    now[0] += timedelta(minutes=6)
    assert book.sign_in("zhang", "1357").name == "张丽"


def test_clerk_commands_set_the_admin_add_list_and_disable(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TOWNSHIP_NODE_HOME", str(tmp_path / "node"))
    assert main(["init", "--center", "513431100", "--name", "新城镇便民服务中心"]) == 0
    assert main(["clerk", "set-admin", "--pin", "246810"]) == 0
    assert main(["clerk", "add", "zhang", "--name", "张丽", "--pin", "1357",
                 "--admin-pin", "246810"]) == 0  # fmt: skip
    assert main(["clerk", "add", "li01", "--name", "李明", "--pin", "8642",
                 "--admin-pin", "000000"]) == 2  # fmt: skip
    assert main(["clerk", "disable", "zhang", "--admin-pin", "246810"]) == 0
    capsys.readouterr()
    assert main(["clerk", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["clerks"]
    assert [(c["clerk_id"], c["active"]) for c in listed] == [("admin", True), ("zhang", False)]
