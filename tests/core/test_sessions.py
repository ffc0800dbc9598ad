"""Sessions end on the server: a session cookie copied before sign-out, a password change,
a change of role or scope, or a deactivation no longer opens the staff pages."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from core.models import Role, User
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "a brand new long secret"


@pytest.fixture
def officer(session, areas):
    user = make_user(session, role=Role.OFFICER, area_code="857", email="officer@longho.vn")
    session.commit()
    return user


@pytest.fixture
def admin(session, areas):
    user = make_user(session, role=Role.ADMIN, email="admin@tinh.vn")
    session.commit()
    return user


def sign_in(app, email: str) -> FlaskClient:
    browser = app.test_client()
    assert browser.post("/auth/login", data={"email": email, "password": DEFAULT_PASSWORD}).status_code == 302
    return browser


def copy_of(app, browser: FlaskClient) -> FlaskClient:
    """Another browser holding the same session cookie (a shared computer, a stolen cookie)."""
    cookie = browser.get_cookie("session", domain="ntm.test")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain="ntm.test")
    assert thief.get("/dashboard").status_code == 200
    return thief


def is_signed_out(browser: FlaskClient) -> bool:
    response = browser.get("/dashboard")
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_copied_cookie_is_signed_out_with_its_original(app, officer):
    browser = sign_in(app, "officer@longho.vn")
    thief = copy_of(app, browser)
    browser.post("/auth/logout")
    assert is_signed_out(browser)
    assert is_signed_out(thief)


def test_signing_out_ends_the_sessions_of_other_browsers_too(app, officer):
    office, phone = sign_in(app, "officer@longho.vn"), sign_in(app, "officer@longho.vn")
    phone.post("/auth/logout")
    assert is_signed_out(office)


def test_a_password_change_ends_every_other_session_and_keeps_this_one(app, officer):
    browser = sign_in(app, "officer@longho.vn")
    thief = copy_of(app, browser)
    other = sign_in(app, "officer@longho.vn")
    response = browser.post(
        "/auth/password",
        data={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert browser.get("/dashboard").status_code == 200
    assert is_signed_out(thief)
    assert is_signed_out(other)


def test_a_refused_password_change_ends_nothing(app, officer):
    browser = sign_in(app, "officer@longho.vn")
    other = sign_in(app, "officer@longho.vn")
    browser.post(
        "/auth/password", data={"current_password": "wrong", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert other.get("/dashboard").status_code == 200


def test_sign_out_everywhere_else_keeps_this_browser(app, officer):
    browser = sign_in(app, "officer@longho.vn")
    thief = copy_of(app, browser)
    response = browser.post("/auth/sessions/end-others", follow_redirects=True)
    assert "Đã đăng xuất khỏi mọi thiết bị khác." in response.get_data(as_text=True)
    assert browser.get("/dashboard").status_code == 200
    assert is_signed_out(thief)


def test_the_password_page_offers_to_sign_out_everywhere_else(app, officer):
    page = sign_in(app, "officer@longho.vn").get("/auth/password").get_data(as_text=True)
    assert 'action="/auth/sessions/end-others"' in page


def test_deactivation_ends_the_accounts_sessions(app, admin, officer):
    thief = copy_of(app, sign_in(app, "officer@longho.vn"))
    sign_in(app, "admin@tinh.vn").post(f"/admin/users/{officer.id}/status", data={})
    assert is_signed_out(thief)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda user, areas: setattr(user, "role", Role.ANALYST), id="role"),
        pytest.param(lambda user, areas: setattr(user, "area", areas["29578"]), id="area"),
        pytest.param(lambda user, areas: setattr(user, "password_hash", "$argon2id$reset"), id="password reset"),
    ],
)
def test_any_change_to_what_the_account_may_do_ends_its_sessions(app, session, areas, officer, change):
    """Whatever code makes the change (an admin page, a CLI, another feature's reset), the flush ends them."""
    thief = copy_of(app, sign_in(app, "officer@longho.vn"))
    change(session.get(User, officer.id), areas)
    session.commit()
    assert is_signed_out(thief)


def test_an_unrelated_change_keeps_the_sessions(app, session, officer):
    browser = sign_in(app, "officer@longho.vn")
    session.get(User, officer.id).full_name = "Nguyễn Văn A"
    session.commit()
    assert browser.get("/dashboard").status_code == 200


def test_a_tampered_generation_is_not_a_session(app, officer):
    browser = app.test_client()
    with browser.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = f"{officer.id}:x", True
    assert is_signed_out(browser)
