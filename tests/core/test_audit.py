"""The audit log: every privileged action readable by admins in plain Vietnamese, never changed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.audit import PAGE_SIZE, add_audit_phrases
from core.models import AuditEntry, AuditLogIsAppendOnly, Role, record_audit
from tests.factories import make_user


@pytest.fixture
def admin(session, areas):
    user = make_user(session, role=Role.ADMIN, email="admin@tinh.vn", full_name="Nguyễn Văn A")
    session.commit()
    return user


@pytest.fixture
def officer(session, areas):
    user = make_user(session, role=Role.OFFICER, area_code="857", email="officer@longho.vn")
    session.commit()
    return user


def audit_page(client, **params) -> str:
    return re.sub(r"\s+", " ", client.get("/admin/audit", query_string=params).get_data(as_text=True))


def test_an_admins_action_reads_as_a_sentence(client, auth, admin, officer):
    auth.login("admin@tinh.vn")
    client.post(f"/admin/users/{officer.id}/status", data={})
    page = audit_page(client)
    assert re.search(rf"Nguyễn Văn A đã khóa tài khoản #{officer.id} lúc \d\d:\d\d \d\d/\d\d/\d{{4}}", page)
    assert "user.deactivate" not in page


def test_an_action_from_the_command_line_names_the_system(client, auth, admin, officer):
    auth.login("admin@tinh.vn")
    assert f"Hệ thống (dòng lệnh) đã tạo tài khoản #{officer.id}" in audit_page(client)


def test_a_feature_names_its_own_actions_and_an_unnamed_one_still_shows(app, client, auth, session, admin):
    add_audit_phrases(app, actions={"survey.closed": "đã đóng"}, objects={"surveys": "khảo sát"})
    record_audit(session, admin, "survey.closed", admin, reason="hết hạn")
    entry = record_audit(session, admin, "survey.something_new", admin)
    session.commit()
    auth.login("admin@tinh.vn")
    page = audit_page(client)
    assert f"Nguyễn Văn A đã đóng tài khoản #{admin.id}" in page and "lý do: hết hạn" in page
    assert f"Nguyễn Văn A: survey.something_new, tài khoản #{entry.object_id}" in page


def test_the_page_is_english_for_an_english_reader(client, auth, admin, officer):
    auth.login("admin@tinh.vn")
    client.get("/lang/en")
    assert f"Nguyễn Văn A deactivated account #{officer.id}" not in audit_page(client)  # nothing deactivated yet
    client.post(f"/admin/users/{officer.id}/status", data={})
    assert f"Nguyễn Văn A deactivated account #{officer.id}" in audit_page(client)


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999999999999999999999", "2"])
def test_any_page_number_shows_a_page(client, auth, session, admin, page):
    for _ in range(PAGE_SIZE + 1):
        record_audit(session, admin, "user.create", admin)
    session.commit()
    auth.login("admin@tinh.vn")
    response = client.get("/admin/audit", query_string={"page": page})
    assert response.status_code == 200
    assert "Trang 1 / 2" in response.get_data(as_text=True) or "Trang 2 / 2" in response.get_data(as_text=True)


def test_an_entry_cannot_be_changed(session, admin):
    entry = record_audit(session, admin, "user.create", admin)
    entry.reason = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()
    session.rollback()


def test_an_entry_cannot_be_deleted(session, admin):
    entry = session.scalar(select(AuditEntry))
    session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()
    session.rollback()
