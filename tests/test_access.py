"""Users, roles, clearance and office scopes (pure; no store)."""
from __future__ import annotations

import doctest

import pytest

from crossaudit.engine import access, offices
from crossaudit.engine.access import (
    AccessDenied, UsersFileError, load_users, mask_id_number, office_scope, parse_users,
)

USERS = {"users": {
    "admin": {"role": "admin", "clearance": "secret"},
    "li": {"role": "analyst", "clearance": "sensitive"},
    "wang": {"role": "inspector", "office": "16401040000", "clearance": "internal"},
}}


def test_roles_grant_actions_and_deny_with_a_reason():
    users = parse_users(USERS, "users.yaml")
    users.get("li").require("rules.run")
    with pytest.raises(AccessDenied, match=r"'wang' \(inspector\) may not rules.run"):
        users.get("wang").require("rules.run")
    users.get("wang").require("findings.verify")
    with pytest.raises(AccessDenied, match="may not findings.verify"):
        users.get("li").require("findings.verify")


def test_clearance_orders_the_grades_and_unknown_grades_fail_closed():
    wang = parse_users(USERS, "users.yaml").get("wang")
    assert wang.can_see("public") and wang.can_see("internal")
    assert not wang.can_see("sensitive") and not wang.can_see("secret")
    assert not wang.can_see(None) and not wang.can_see("top")
    assert parse_users(USERS, "users.yaml").get("admin").can_see("secret")


def test_an_unknown_user_is_denied_naming_the_file():
    with pytest.raises(AccessDenied, match="unknown user 'zhao': declare it in users.yaml"):
        parse_users(USERS, "users.yaml").get("zhao")


@pytest.mark.parametrize("entry, message", [
    ({"role": "boss", "clearance": "secret"}, "role 'boss' is not one of"),
    ({"role": "analyst", "clearance": "top"}, "clearance 'top' is not one of"),
    ({"role": "inspector", "clearance": "internal"}, "an inspector needs an office"),
    ({"role": "analyst", "clearance": "internal", "office": "1"}, "only an inspector has an office"),
    ({"role": "analyst", "clearance": "internal", "desk": "1"}, r"unknown keys \['desk'\]"),
])
def test_a_malformed_users_file_names_the_file_and_user(entry, message):
    with pytest.raises(UsersFileError, match=f"users.yaml: user 'x': {message}"):
        parse_users({"users": {"x": entry}}, "users.yaml")


def test_without_a_users_file_the_single_user_is_a_cleared_admin(monkeypatch):
    monkeypatch.delenv("CROSSAUDIT_USERS", raising=False)
    user = load_users().get(None)
    assert (user.name, user.role, user.clearance) == ("admin", "admin", "secret")


def test_the_users_file_comes_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "users.yaml"
    path.write_text("users:\n  wang: {role: inspector, office: '1640104', clearance: public}\n", encoding="utf-8")
    monkeypatch.setenv("CROSSAUDIT_USERS", str(path))
    assert load_users().get("wang").office == "1640104"


R, C1, C2, K1, K2 = "16400000000", "16401000000", "16402000000", "16401040000", "16402050000"


def test_an_office_sees_itself_and_everything_below():
    offices = [{"code": R, "parent": None}, {"code": C1, "parent": R}, {"code": C2, "parent": R},
               {"code": K1, "parent": C1}, {"code": K2, "parent": C2}]
    assert office_scope(offices, R) == {R, C1, C2, K1, K2}
    assert office_scope(offices, C1) == {C1, K1}
    assert office_scope(offices, K2) == {K2}


def test_a_parent_link_whose_codes_do_not_nest_widens_no_scope():
    # the hostile delivery: the provincial office put under a county office, and a cycle
    offices = [{"code": R, "parent": K1}, {"code": C1, "parent": R}, {"code": K1, "parent": C1},
               {"code": C2, "parent": K1}]
    assert office_scope(offices, K1) == {K1}
    assert office_scope(offices, C1) == {C1, K1}


def test_the_hierarchy_is_checked_whole():
    sound = [{"code": R, "parent": None}, {"code": C1, "parent": R}, {"code": K1, "parent": C1}]
    assert offices.hierarchy_problems(sound) == []
    assert offices.hierarchy_problems(sound + [{"code": C2, "parent": K1}]) == [
        f"office {C2}: its parent {K1} is not a higher office whose code it continues"]
    cycle = offices.hierarchy_problems([{"code": R, "parent": K1}, {"code": C1, "parent": R},
                                        {"code": K1, "parent": C1}])
    assert f"office {R}: its parent {K1} is not a higher office whose code it continues" in cycle
    assert any("form a cycle" in p for p in cycle) and any("exactly one root" in p for p in cycle)
    assert offices.hierarchy_problems(sound + [{"code": C2, "parent": None}]) == [
        f"the hierarchy needs exactly one root (an office without a parent); it has 2: {R}, {C2}"]
    assert offices.hierarchy_problems([{"code": "R", "parent": None}]) == [
        "office 'R': not an 11-digit tax office code (1, then province, city, county, unit)"]
    assert offices.hierarchy_problems(sound + [{"code": "16401050000", "parent": "16401000001"}])[0].endswith(
        "is not a higher office whose code it continues")


def test_with_a_users_file_there_is_no_default_user(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text("users:\n  admin: {role: admin, clearance: secret}\n", encoding="utf-8")
    with pytest.raises(AccessDenied, match=f"no acting user: with the users file {path}, name one with --user"):
        load_users(path).get(None)
    assert load_users(path).get("admin").role == "admin"


def test_the_store_must_record_the_users_file_in_use(tmp_path):
    mine, theirs = tmp_path / "mine.yaml", tmp_path / "users.yaml"
    mine.write_text("users:\n  me: {role: admin, clearance: secret}\n", encoding="utf-8")
    theirs.write_text("users:\n  admin: {role: admin, clearance: secret}\n", encoding="utf-8")
    recorded = {"digest": load_users(theirs).digest, "file": str(theirs)}
    access.require_governing(load_users(theirs), recorded)
    with pytest.raises(AccessDenied, match=f"the users file {mine} .* is not the one that governs this store "
                                           f"\\({theirs}, .*an admin must re-init"):
        access.require_governing(load_users(mine), recorded)
    with pytest.raises(AccessDenied, match=f"governed by the users file {theirs} .*set CROSSAUDIT_USERS"):
        access.require_governing(load_users(None), recorded)
    access.require_governing(load_users(None), None)  # no users file anywhere: the built-in admin
    with pytest.raises(AccessDenied, match="records no users file.*store init --users"):
        access.require_governing(load_users(mine), None)
    access.require_governing(load_users(mine), None, adopting=load_users(mine).digest)


def test_a_command_without_an_entry_is_refused():
    assert access.command_action("rules run") == "rules.run"
    with pytest.raises(AccessDenied, match="`rules drop` has no entry in crossaudit/engine/access.py COMMANDS"):
        access.command_action("rules drop")
    assert set(access.COMMANDS.values()) <= set(access.PERMISSIONS)
    assert access.OFFLINE_COMMANDS <= set(access.COMMANDS)


def test_id_numbers_are_masked_keeping_region_and_last_four():
    assert mask_id_number("640104196311288636") == "6401**********8636"
    assert mask_id_number("6401041963") == "6401**1963"  # an invalid one is still personal data
    assert mask_id_number("1234567") == "*******" and mask_id_number(None) is None


@pytest.mark.parametrize("module", [access, offices])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
