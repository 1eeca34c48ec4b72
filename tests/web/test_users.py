"""Dashboard accounts and the `central-hub user …` commands, on a real hub home."""

from __future__ import annotations

import argparse

import pytest
import sqlalchemy as sa

from central_hub.cli.user import add_user_commands
from central_hub.home import init_home
from central_hub.web import UserAdminError
from central_hub.web.users import add_user, authenticate, users

PASSWORD = "correct horse battery"


def _run(*argv: str):
    parser = argparse.ArgumentParser(prog="central-hub")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home")
    add_user_commands(parser.add_subparsers(), common)
    args = parser.parse_args(argv)
    return args.handler(args)


@pytest.fixture
def county_home(tmp_path):
    home = init_home(tmp_path / "hub", tier="county", org_code="513431", name="昭觉县政务服务中心")
    yield home
    home.close()


def test_user_add_list_disable_through_the_commands(county_home):
    home = str(county_home.path)
    added = _run(
        "user", "add", "jike", "--role", "county_admin", "--county", "513431",
        "--name", "吉克·阿依", "--password", PASSWORD, "--home", home,
    )  # fmt: skip
    assert added == {
        "username": "jike",
        "display_name": "吉克·阿依",
        "role": "county_admin",
        "role_label": "县级管理员",
        "county": "513431",
        "disabled": False,
    }
    listed = _run("user", "list", "--home", home)["users"]
    assert [u["username"] for u in listed] == ["jike"]
    assert _run("user", "disable", "jike", "--home", home)["disabled"] is True
    assert authenticate(county_home.engine, "jike", PASSWORD) is None


def test_password_is_kept_only_as_an_argon2id_hash(county_home):
    add_user(county_home.engine, "viewer1", role="viewer", password=PASSWORD)
    with county_home.engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert authenticate(county_home.engine, "VIEWER1", PASSWORD).role == "viewer"
    assert authenticate(county_home.engine, "viewer1", "wrong password") is None
    assert authenticate(county_home.engine, "nobody", PASSWORD) is None


@pytest.mark.parametrize(
    ("username", "role", "county", "password", "says"),
    [
        ("Bad Name", "viewer", None, PASSWORD, "lowercase"),
        ("admin", "county_admin", None, PASSWORD, "needs --county"),
        ("admin", "prefecture", "513431", PASSWORD, "leave out --county"),
        ("admin", "county_admin", "513401", PASSWORD, "this hub serves county 513431"),
        ("admin", "county_admin", "513431100", PASSWORD, "not a county-level code"),
        ("admin", "county_admin", "999999", PASSWORD, "not in the Liangshan org tree"),
        ("admin", "root", None, PASSWORD, "role must be one of"),
        ("admin", "viewer", None, "short", "at least 10 characters"),
    ],
)
def test_bad_account_is_refused_with_the_reason(
    county_home, username, role, county, password, says
):
    with pytest.raises(UserAdminError, match=says):
        add_user(
            county_home.engine, username, role=role, county_code=county, password=password,
            hub_tier="county", hub_org_code="513431",
        )  # fmt: skip


def test_taken_name_is_refused(county_home):
    add_user(county_home.engine, "admin", role="prefecture", password=PASSWORD)
    with pytest.raises(UserAdminError, match="already exists"):
        add_user(county_home.engine, "admin", role="viewer", password=PASSWORD)
