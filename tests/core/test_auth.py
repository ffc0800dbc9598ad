"""Sign-in, sign-out, throttling, password change, CSRF and role scoping."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.extensions import limiter
from core.models import AreaLevel, AuditEntry, Role, User, visible_areas
from core.passwords import verify_password
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user


@pytest.fixture
def officer(session, areas):
    user = make_user(session, role=Role.OFFICER, area_code="857", email="officer@longho.vn")
    session.commit()
    return user


def test_passwords_are_stored_as_argon2_hashes(session, officer):
    assert officer.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in officer.password_hash
    assert verify_password(officer.password_hash, DEFAULT_PASSWORD)


def test_sign_in_opens_the_dashboard_and_sign_out_closes_it(client, auth, officer):
    response = auth.login("officer@longho.vn")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    assert "Trang làm việc" in client.get("/dashboard").get_data(as_text=True)
    auth.logout()
    assert client.get("/dashboard").status_code == 302


def test_email_is_matched_case_insensitively(auth, officer):
    assert auth.login("  Officer@LongHo.vn ").status_code == 302


@pytest.mark.parametrize(
    "email, password",
    [("officer@longho.vn", "wrong password!"), ("nobody@longho.vn", DEFAULT_PASSWORD)],
)
def test_failed_sign_in_never_says_whether_the_account_exists(auth, officer, email, password):
    page = auth.login(email, password).get_data(as_text=True)
    assert "Thư điện tử hoặc mật khẩu không đúng." in page


def test_deactivated_account_cannot_sign_in(session, auth, officer):
    officer.is_active = False
    session.commit()
    page = auth.login("officer@longho.vn").get_data(as_text=True)
    assert "Thư điện tử hoặc mật khẩu không đúng." in page


def test_sign_in_only_follows_local_next_links(client, officer):
    response = client.post(
        "/auth/login?next=https://evil.example/", data={"email": "officer@longho.vn", "password": DEFAULT_PASSWORD}
    )
    assert response.headers["Location"].endswith("/dashboard")


def test_pages_for_staff_redirect_anonymous_visitors_to_sign_in(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


class TestThrottling:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}

    def test_repeated_failures_are_throttled_with_a_friendly_page(self, auth, officer):
        for _ in range(3):
            assert auth.login("officer@longho.vn", "wrong password!").status_code == 200
        response = auth.login("officer@longho.vn", "wrong password!")
        assert response.status_code == 429
        assert "Quá nhiều yêu cầu" in response.get_data(as_text=True)

    def test_even_the_right_password_waits_once_throttled(self, auth, officer):
        for _ in range(3):
            auth.login("officer@longho.vn", "wrong password!")
        assert auth.login("officer@longho.vn").status_code == 429

    def test_successful_sign_ins_are_not_counted(self, auth, officer):
        for _ in range(5):
            assert auth.login("officer@longho.vn").status_code == 302
            auth.logout()
        assert auth.login("officer@longho.vn", "wrong password!").status_code == 200

    def test_keys_hold_no_typed_email_and_stay_short(self, app, client, auth, officer):
        typed = "x" * 490_000 + "@longho.vn"
        assert client.post("/auth/login", data={"email": typed, "password": "wrong"}).status_code == 200
        auth.login("officer@longho.vn", "wrong password!")
        storage = limiter.limiter.storage
        keys = [*storage.storage, *storage.events]
        assert keys, "the failures were counted"
        assert all(len(key) < 200 for key in keys)
        assert not any("longho" in key or "xxxx" in key for key in keys)

    def test_throttling_one_address_does_not_lock_out_another_account(self, session, auth, officer):
        make_user(session, role=Role.ADMIN, email="admin@tinh.vn")
        session.commit()
        for _ in range(4):
            auth.login("officer@longho.vn", "wrong password!")
        assert auth.login("admin@tinh.vn").status_code == 302


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_post_without_token_is_refused_and_changes_nothing(self, client, officer):
        response = client.post("/auth/login", data={"email": "officer@longho.vn", "password": DEFAULT_PASSWORD})
        assert response.status_code == 400
        assert "mã bảo vệ" in response.get_data(as_text=True)
        assert client.get("/dashboard").status_code == 302

    def test_sign_in_form_carries_a_token(self, client):
        assert 'name="csrf_token"' in client.get("/auth/login").get_data(as_text=True)


def test_password_change_needs_the_current_password(client, auth, session, officer):
    auth.login("officer@longho.vn")
    page = client.post(
        "/auth/password",
        data={"current_password": "not it at all", "new_password": "a new long secret", "confirm": "a new long secret"},
    ).get_data(as_text=True)
    assert "Mật khẩu hiện tại không đúng." in page
    response = client.post(
        "/auth/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a new long secret",
            "confirm": "a new long secret",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert verify_password(session.get(User, officer.id).password_hash, "a new long secret")


def test_password_change_refuses_a_short_password(client, auth, officer):
    auth.login("officer@longho.vn")
    page = client.post(
        "/auth/password", data={"current_password": DEFAULT_PASSWORD, "new_password": "short", "confirm": "short"}
    ).get_data(as_text=True)
    assert "ít nhất 10 ký tự" in page


class TestScoping:
    def test_district_officer_sees_only_its_own_subtree(self, session, areas, officer):
        codes = {a.code for a in visible_areas(session, officer)}
        assert codes == {"857", "29578", "29581", "29578-01", "29578-02", "29581-01"}
        assert not officer.can_see(areas["29641"])
        assert officer.can_see(areas["29578-01"])

    def test_commune_officer_cannot_see_its_neighbour(self, session, areas):
        officer = make_user(session, role=Role.OFFICER, area_code="29581")
        assert {a.code for a in visible_areas(session, officer, AreaLevel.COMMUNE)} == {"29581"}
        assert not officer.can_see(areas["29578"])

    def test_admin_and_analyst_see_the_whole_province(self, session, areas):
        analyst = make_user(session, role=Role.ANALYST)
        assert len(visible_areas(session, analyst, AreaLevel.COMMUNE)) == 3
        assert analyst.can_see(areas["29641"])

    def test_officer_is_forbidden_from_admin_pages(self, client, auth, officer):
        auth.login("officer@longho.vn")
        response = client.get("/admin/users")
        assert response.status_code == 403
        assert "Không có quyền truy cập" in response.get_data(as_text=True)


class TestAdminPages:
    @pytest.fixture
    def admin(self, session, areas):
        user = make_user(session, role=Role.ADMIN, email="admin@tinh.vn")
        session.commit()
        return user

    def test_admin_creates_a_scoped_officer(self, client, auth, session, admin):
        auth.login("admin@tinh.vn")
        response = client.post(
            "/admin/users",
            data={"email": "new@longho.vn", "role": "officer", "area_code": "857", "password": "a long password"},
        )
        assert response.status_code == 302
        user = session.scalar(select(User).where(User.email == "new@longho.vn"))
        assert user.area.code == "857"
        assert session.scalar(
            select(AuditEntry).where(AuditEntry.action == "user.create", AuditEntry.object_id == user.id)
        )

    def test_officer_without_area_is_refused_with_a_message(self, client, auth, session, admin):
        auth.login("admin@tinh.vn")
        page = client.post(
            "/admin/users",
            data={"email": "x@longho.vn", "role": "officer", "area_code": "", "password": "a long password"},
        ).get_data(as_text=True)
        assert "cần có địa bàn" in page
        assert session.scalar(select(User).where(User.email == "x@longho.vn")) is None

    def test_a_tampered_select_is_refused_in_vietnamese(self, client, auth, session, admin):
        auth.login("admin@tinh.vn")
        response = client.post(
            "/admin/users",
            data={"email": "x@longho.vn", "role": "superuser", "area_code": "", "password": "a long password"},
        )
        page = response.get_data(as_text=True)
        assert "Lựa chọn không hợp lệ, vui lòng chọn trong danh sách." in page
        assert "Not a valid choice" not in page
        assert session.scalar(select(User).where(User.email == "x@longho.vn")) is None
        client.get("/lang/en")
        page = client.post(
            "/admin/users", data={"email": "x@longho.vn", "role": "superuser", "password": "a long password"}
        ).get_data(as_text=True)
        assert "Not a valid choice; please pick one from the list." in page

    @pytest.mark.parametrize(
        "field, value", [("organisation_id", "abc"), ("organisation_id", "99999"), ("area_code", "x")]
    )
    def test_a_tampered_area_or_organisation_is_refused_with_a_message(
        self, client, auth, session, admin, field, value
    ):
        auth.login("admin@tinh.vn")
        data = {"email": "x@longho.vn", "role": "officer", "area_code": "857", "password": "a long password"}
        response = client.post("/admin/users", data=data | {field: value})
        assert response.status_code == 200
        assert "Lựa chọn không hợp lệ" in response.get_data(as_text=True)
        assert session.scalar(select(User).where(User.email == "x@longho.vn")) is None

    def test_admin_creates_an_organisation_and_its_account(self, client, auth, session, admin, areas):
        auth.login("admin@tinh.vn")
        client.post(
            "/admin/organisations",
            data={"name": "Hội Nông dân xã Đồng Phú", "kind": "hoi_nong_dan", "area_code": "29578"},
        )
        page = client.get("/admin/organisations").get_data(as_text=True)
        assert "Hội Nông dân xã Đồng Phú" in page

    def test_admin_deactivates_an_account_but_not_itself(self, client, auth, session, admin, officer):
        auth.login("admin@tinh.vn")
        client.post(f"/admin/users/{officer.id}/status", data={})
        client.post(f"/admin/users/{admin.id}/status", data={})
        session.expire_all()
        assert session.get(User, officer.id).is_active is False
        assert session.get(User, admin.id).is_active is True


class TestUsersCli:
    def test_creates_a_user_reading_the_password_from_stdin(self, runner, session, areas):
        org = make_organisation(session, areas["29578"], name="Ban công tác Mặt trận ấp Phú Mỹ")
        session.commit()
        result = runner.invoke(
            args=["users", "create", "mttq@dongphu.vn", "--role", "organisation", "--organisation", org.name],
            input="a long password\n",
        )
        assert result.exit_code == 0, result.output
        user = session.scalar(select(User).where(User.email == "mttq@dongphu.vn"))
        assert user.organisation.id == org.id and user.area.code == "29578"
        assert "a long password" not in result.output

    def test_refuses_a_role_that_needs_an_area(self, runner, session, areas):
        result = runner.invoke(args=["users", "create", "o@x.vn", "--role", "officer"], input="a long password\n")
        assert result.exit_code == 1
        assert "cần có địa bàn" in result.output

    def test_refuses_an_unknown_area_code(self, runner, areas):
        result = runner.invoke(
            args=["users", "create", "o@x.vn", "--role", "officer", "--area", "99999"], input="a long password\n"
        )
        assert result.exit_code == 1
        assert "99999" in result.output

    def test_refuses_a_short_password_and_a_duplicate(self, runner, session, areas):
        short = runner.invoke(args=["users", "create", "a@x.vn", "--role", "admin"], input="short\n")
        assert short.exit_code == 1 and "10" in short.output
        runner.invoke(args=["users", "create", "a@x.vn", "--role", "admin"], input="a long password\n")
        again = runner.invoke(args=["users", "create", "A@x.vn", "--role", "admin"], input="a long password\n")
        assert again.exit_code == 1 and "a@x.vn" in again.output

    def test_password_is_not_accepted_as_an_argument(self, runner):
        result = runner.invoke(args=["users", "create", "a@x.vn", "--role", "admin", "--password", "x"])
        assert result.exit_code == 2


def test_empty_sign_in_form_explains_in_vietnamese(client):
    page = client.post("/auth/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "Vui lòng điền mục này." in page
    assert "This field is required" not in page


def test_empty_sign_in_form_explains_in_english_when_chosen(client):
    client.get("/lang/en")
    page = client.post("/auth/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "Please fill in this field." in page
