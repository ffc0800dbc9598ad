"""Fuzzing core's forms and importer with Hypothesis: whatever is typed or uploaded, the answer is
below 500, and refused input changes no row."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.area_files import AreaImportError
from core.areas import import_areas
from core.models import Area, AuditEntry, Organisation, Role, User
from tests.factories import make_user

# Deterministic (seeded from the test), no example database left in the worktree, and the
# fixtures (app, rolled-back transaction) shared by a test's examples on purpose.
FUZZ = settings(
    max_examples=40, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text, and the values an attack tried: control characters, formulas, huge numbers and dates.
NASTY = st.sampled_from([
    "", " ", "\x00", "a\x0bb", "\x1b[31m", "=1+1", "-5", "²", "9" * 400, "99999999999999999999",
    "0001-01-01T00:00", "<script>alert(1)</script>", "x" * 5000, "Ấp Phú Mỹ", "'; DROP TABLE users; --",
])
FIELD = st.one_of(st.text(max_size=300), NASTY)


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin_browser(app, session, areas):
    admin = make_user(session, role=Role.ADMIN, email="admin@tinh.vn")
    session.commit()
    browser = app.test_client()
    with browser.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = admin.get_id(), True
    return browser


@FUZZ
@given(email=FIELD, password=FIELD)
def test_sign_in_answers_every_input_below_500(client, session, areas, email, password):
    before = count(session, AuditEntry)
    response = client.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code < 500
    assert count(session, AuditEntry) == before


@FUZZ
@given(fields=st.fixed_dictionaries({
    "email": FIELD, "full_name": FIELD, "role": st.one_of(st.sampled_from([r.value for r in Role]), FIELD),
    "area_code": st.one_of(st.sampled_from(["", "857", "29578"]), FIELD),
    "organisation_id": st.one_of(st.just(""), FIELD), "password": FIELD,
}))
def test_account_creation_answers_every_input_below_500_and_a_refusal_creates_nothing(
    admin_browser, session, fields
):
    before = count(session, User), count(session, AuditEntry)
    response = admin_browser.post("/admin/users", data=fields)
    assert response.status_code < 500
    if response.status_code != 302:
        assert (count(session, User), count(session, AuditEntry)) == before


@FUZZ
@given(fields=st.fixed_dictionaries({
    "name": FIELD, "kind": st.one_of(st.just("hoi_nong_dan"), FIELD),
    "area_code": st.one_of(st.sampled_from(["", "857", "29578"]), FIELD),
}))
def test_organisation_creation_answers_every_input_below_500_and_a_refusal_creates_nothing(
    admin_browser, session, fields
):
    before = count(session, Organisation)
    response = admin_browser.post("/admin/organisations", data=fields)
    assert response.status_code < 500
    if response.status_code != 302:
        assert count(session, Organisation) == before


@FUZZ
@given(fields=st.fixed_dictionaries({"current_password": FIELD, "new_password": FIELD, "confirm": FIELD}))
def test_password_change_answers_every_input_below_500(admin_browser, session, fields):
    response = admin_browser.post("/auth/password", data=fields)
    assert response.status_code < 500


ROW = st.lists(FIELD, min_size=0, max_size=8).map(lambda cells: ",".join(c.replace("\n", " ") for c in cells))


@FUZZ
@given(rows=st.lists(st.one_of(ROW, st.sampled_from([
    "province,86,Tỉnh A,,", "district,857,Huyện B,86,12", "commune,29578,Xã C,857,,", "hamlet,29578-01,Ấp D,29578,1,",
])), max_size=6))
def test_the_areas_import_refuses_or_imports_never_fails_otherwise(session, rows):
    text = "level,code,name,parent_code,population,households\n" + "\n".join(rows) + "\n"
    before = count(session, Area)
    savepoint = session.begin_nested()
    try:
        import_areas(session, text)
        session.flush()
    except AreaImportError:
        assert count(session, Area) == before
    finally:
        savepoint.rollback()
