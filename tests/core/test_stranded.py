"""Accounts and organisations rooted in a unit that ended are listed for an admin to move, never moved alone."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.accounts import AccountError, list_stranded_scopes, move_organisation_area, move_user_area
from core.areas import find_unit, import_areas
from core.models import AuditEntry, Role
from tests.factories import make_organisation, make_user

# Long Hồ's communes merged into one, directly under a re-formed province (as on 1 July 2025).
REFORM_CSV = "level,code,name,parent_code\nprovince,86,Tỉnh Vĩnh Long,\ncommune,29584,Xã An Bình,86\n"


@pytest.fixture
def reformed(session, areas):
    """Before the reform: an officer of 857, the Front of 29578 with its account, an admin, an analyst."""
    front = make_organisation(session, areas["29578"], name="Ban công tác Mặt trận xã Đồng Phú")
    people = {
        "officer": make_user(session, role=Role.OFFICER, area_code="857", email="officer@longho.vn"),
        "front": make_user(session, role=Role.ORGANISATION, organisation=front, email="mttq@dongphu.vn"),
        "admin": make_user(session, role=Role.ADMIN, email="admin@tinh.vn"),
        "analyst": make_user(session, role=Role.ANALYST, email="analyst@tinh.vn"),
    }
    import_areas(session, REFORM_CSV, valid_from=date(2025, 7, 1))
    session.commit()
    return people | {"organisation": front}


def test_accounts_and_organisations_of_ended_units_are_listed_and_left_where_they_were(session, reformed):
    stranded = list_stranded_scopes(session)
    assert [u.email for u in stranded.users] == ["mttq@dongphu.vn", "officer@longho.vn"]
    assert stranded.organisations == [reformed["organisation"]]
    assert reformed["officer"].area.code == "857" and reformed["officer"].area.valid_to == date(2025, 7, 1)
    assert list_stranded_scopes(session, on=date(2025, 6, 30)).users == []


def test_an_officer_of_the_new_province_is_not_stranded(session, reformed):
    make_user(session, role=Role.OFFICER, area_code="86", email="bcd@vinhlong.vn")
    assert "bcd@vinhlong.vn" not in [u.email for u in list_stranded_scopes(session).users]


def test_moving_an_account_to_a_current_unit_is_audited(session, reformed):
    officer = reformed["officer"]
    move_user_area(session, officer, "86", actor=reformed["admin"])
    assert officer.area == find_unit(session, "86")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.move_area"))
    assert entry.details["old_area"] == "857" and entry.actor_id == reformed["admin"].id
    assert officer not in list_stranded_scopes(session).users


def test_an_organisation_account_moves_after_its_organisation(session, reformed):
    with pytest.raises(AccountError, match="hãy chuyển Ban công tác Mặt trận xã Đồng Phú trước"):
        move_user_area(session, reformed["front"], "29584", actor=reformed["admin"])
    move_organisation_area(session, reformed["organisation"], "29584", actor=reformed["admin"])
    move_user_area(session, reformed["front"], "29584", actor=reformed["admin"])
    stranded = list_stranded_scopes(session)
    assert ([u.email for u in stranded.users], stranded.organisations) == (["officer@longho.vn"], [])


def test_a_unit_that_has_ended_is_not_a_destination(session, reformed):
    with pytest.raises(AccountError, match="Không có địa bàn nào mang mã 858"):
        move_user_area(session, reformed["officer"], "858", actor=reformed["admin"])


def test_cli_lists_what_an_admin_must_move(runner, reformed):
    result = runner.invoke(args=["areas", "orphans"])
    assert result.exit_code == 0, result.output
    assert "user\tofficer@longho.vn\tofficer\t857\tHuyện Long Hồ\tended 2025-07-01" in result.output
    front = "organisation\tBan công tác Mặt trận xã Đồng Phú\tmttq\t29578\tXã Đồng Phú\tended 2025-07-01"
    assert front in result.output
    assert "2 account(s), 1 organisation(s) to move" in result.output


def test_admin_pages_list_and_move_them(client, auth, session, reformed):
    auth.login("admin@tinh.vn")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Tài khoản gắn với địa bàn đã hết hiệu lực" in page
    assert "Huyện Long Hồ (857)" in page and "01/07/2025" in page
    officer = reformed["officer"]
    response = client.post(f"/admin/users/{officer.id}/area", data={"area_code": "29584"})
    assert response.status_code == 302
    session.expire_all()
    assert officer.area.name == "Xã An Bình"
    organisations = client.get("/admin/organisations").get_data(as_text=True)
    assert "Tổ chức gắn với địa bàn đã hết hiệu lực" in organisations and "Xã Đồng Phú (29578)" in organisations


def test_admin_move_without_a_unit_changes_nothing(client, auth, session, reformed):
    auth.login("admin@tinh.vn")
    officer = reformed["officer"]
    client.post(f"/admin/users/{officer.id}/area", data={"area_code": ""})
    assert "Hãy chọn địa bàn mới." in client.get("/admin/users").get_data(as_text=True)
    session.expire_all()
    assert officer.area.code == "857"
