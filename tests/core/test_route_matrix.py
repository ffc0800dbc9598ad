"""Route × role matrix: every route of ``app.url_map`` declares who passes its role gate, and every
actor is checked against it; a route added without a declaration fails here.

Keyed by URL rule and method, not by endpoint name, so that moving a view between modules
changes nothing here; a new or renamed URL needs its line. Objects in the URLs do not exist
(id 999, code "x"): the matrix proves the role gates (who is sent to sign in, who is refused
with 403, who gets through to the object lookup); the scope of an area or organisation over
real objects is proved by each feature's own tests.
"""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter, PathConverter

from core.models import Role, User
from tests.factories import make_organisation, make_user

ROLES = ("admin", "officer", "organisation", "analyst")
# An ended session (an older generation) and a deactivated account must fare as anonymous does.
AS_ANONYMOUS = ("anonymous", "ended_session", "deactivated")

# Who passes each gate.
EVERYONE = frozenset(("anonymous", *ROLES))
SIGNED_IN = frozenset(ROLES)
ADMIN = frozenset(("admin",))
BUILDERS = frozenset(("admin", "officer"))  # build surveys, manage drafts
FEEDBACK_STAFF = frozenset(("admin", "officer", "analyst"))  # follow the comments on a draft
ENTRY = frozenset(("admin", "officer", "organisation"))  # type in and import paper sheets

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("/", "GET"): EVERYONE,
    ("/admin/organisations", "GET"): ADMIN,
    ("/admin/organisations", "POST"): ADMIN,
    ("/admin/users", "GET"): ADMIN,
    ("/admin/users", "POST"): ADMIN,
    ("/admin/audit", "GET"): ADMIN,
    ("/admin/users/<int:user_id>/status", "POST"): ADMIN,
    ("/admin/users/<int:user_id>/area", "POST"): ADMIN,
    ("/admin/organisations/<int:organisation_id>/area", "POST"): ADMIN,
    ("/auth/login", "GET"): EVERYONE,
    ("/auth/login", "POST"): EVERYONE,
    ("/auth/logout", "POST"): EVERYONE,
    ("/auth/password", "GET"): SIGNED_IN,
    ("/auth/password", "POST"): SIGNED_IN,
    ("/auth/sessions/end-others", "POST"): SIGNED_IN,
    ("/d/<code>", "GET"): EVERYONE,
    ("/dashboard", "GET"): SIGNED_IN,
    ("/feedback/", "GET"): EVERYONE,
    ("/feedback/<code>", "GET"): EVERYONE,
    ("/feedback/<code>/<int:number>/<anchor>", "GET"): EVERYONE,
    ("/feedback/<code>/<int:number>/<anchor>", "POST"): EVERYONE,
    ("/feedback/<code>/answers", "GET"): EVERYONE,
    ("/feedback/privacy", "GET"): EVERYONE,
    ("/feedback/comment", "GET"): EVERYONE,
    ("/feedback/comment/<reference>", "GET"): EVERYONE,
    ("/feedback/comment/<reference>/qr.svg", "GET"): EVERYONE,
    ("/feedback/<code>/poster", "GET"): EVERYONE,
    ("/feedback/<code>/qr.<any(png, svg):fmt>", "GET"): EVERYONE,
    ("/feedback/manage", "GET"): FEEDBACK_STAFF,
    ("/feedback/manage/<code>", "GET"): FEEDBACK_STAFF,
    ("/feedback/manage/<code>/<int:number>/publish", "POST"): BUILDERS,
    ("/feedback/manage/<code>/<int:number>/window", "POST"): BUILDERS,
    ("/feedback/manage/<code>/answer", "GET"): BUILDERS,
    ("/feedback/manage/<code>/answer", "POST"): BUILDERS,
    ("/feedback/manage/<code>/audit", "GET"): BUILDERS,
    ("/feedback/manage/<code>/comments", "GET"): BUILDERS,
    ("/feedback/manage/<code>/export.<any(docx, xlsx):fmt>", "GET"): FEEDBACK_STAFF,
    ("/feedback/manage/<code>/progress", "GET"): FEEDBACK_STAFF,
    ("/feedback/manage/<code>/publish-answers", "POST"): BUILDERS,
    ("/feedback/manage/<code>/upload", "POST"): BUILDERS,
    ("/feedback/manage/comments/<int:comment_id>/moderate", "POST"): BUILDERS,
    ("/feedback/manage/comments/<int:comment_id>/hide", "GET"): BUILDERS,
    ("/feedback/manage/dispositions/<int:disposition_id>", "GET"): BUILDERS,
    ("/feedback/manage/dispositions/<int:disposition_id>", "POST"): BUILDERS,
    ("/feedback/manage/new", "GET"): BUILDERS,
    ("/feedback/manage/new", "POST"): BUILDERS,
    ("/healthz", "GET"): EVERYONE,
    ("/lang/<code>", "GET"): EVERYONE,
    ("/s/<code>", "GET"): EVERYONE,
    ("/s/<code>", "POST"): EVERYONE,
    ("/s/<code>/cam-on", "GET"): EVERYONE,
    ("/s/<code>/qr.png", "GET"): EVERYONE,
    ("/s/<code>/qr.svg", "GET"): EVERYONE,
    ("/static/<path:filename>", "GET"): EVERYONE,
    ("/surveys/", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/codebook.csv", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/duplicates", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/duplicates", "POST"): BUILDERS,
    ("/surveys/<int:survey_id>/edit", "GET"): BUILDERS,
    ("/surveys/<int:survey_id>/edit", "POST"): BUILDERS,
    ("/surveys/<int:survey_id>/entry", "GET"): ENTRY,
    ("/surveys/<int:survey_id>/entry", "POST"): ENTRY,
    ("/surveys/<int:survey_id>/export.<fmt>", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/import", "GET"): ENTRY,
    ("/surveys/<int:survey_id>/import", "POST"): ENTRY,
    ("/surveys/<int:survey_id>/import-template.<fmt>", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/indices", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/indices.<fmt>", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/margins", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/margins", "POST"): SIGNED_IN,
    ("/surveys/<int:survey_id>/margins-template.<fmt>", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/indices-data.zip", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/plan", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/plan", "POST"): SIGNED_IN,
    ("/surveys/<int:survey_id>/plan.json", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/plan-v<int:version>.json", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/population", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/population", "POST"): SIGNED_IN,
    ("/surveys/<int:survey_id>/population-template-<kind>.<fmt>", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/monitor", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/monitor.csv", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/paper", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/poster/<code>", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/posters.zip", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/preview", "GET"): SIGNED_IN,
    ("/surveys/<int:survey_id>/questions/<code>", "GET"): BUILDERS,
    ("/surveys/<int:survey_id>/questions/<code>", "POST"): BUILDERS,
    ("/surveys/<int:survey_id>/questions/<code>/delete", "POST"): BUILDERS,
    ("/surveys/<int:survey_id>/questions/<code>/move", "POST"): BUILDERS,
    ("/surveys/<int:survey_id>/questions/<code>/section", "POST"): BUILDERS,
    ("/surveys/<int:survey_id>/questions/new", "GET"): BUILDERS,
    ("/surveys/<int:survey_id>/questions/new", "POST"): BUILDERS,
    ("/surveys/<int:survey_id>/sections", "POST"): BUILDERS,
    ("/surveys/<int:survey_id>/sections/<int:position>/delete", "POST"): BUILDERS,
    ("/surveys/<int:survey_id>/sections/<int:position>/move", "POST"): BUILDERS,
    ("/surveys/<int:survey_id>/sections/<int:position>/rename", "POST"): BUILDERS,
    ("/surveys/<int:survey_id>/status", "POST"): BUILDERS,
    ("/surveys/new", "GET"): BUILDERS,
    ("/surveys/new", "POST"): BUILDERS,
}


def _values(rule: Any) -> dict[str, Any]:
    """Arguments naming objects that do not exist, of the type each converter takes."""
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 999
        elif isinstance(converter, PathConverter):
            values[name] = "app.css"
        else:
            values[name] = "csv" if name == "fmt" else "x"
    return values


def _routes(app: Any) -> list[tuple[str, str, str]]:
    adapter = app.url_map.bind("ntm.test")
    return [
        (rule.rule, method, adapter.build(rule.endpoint, _values(rule), method=method))
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


@pytest.fixture
def accounts(session, areas) -> dict[str, int]:
    organisation = make_organisation(session, areas["29578"], name="Hội Nông dân xã Đồng Phú")
    users = {
        "admin": make_user(session, role=Role.ADMIN),
        "officer": make_user(session, role=Role.OFFICER, area_code="857"),
        "organisation": make_user(session, role=Role.ORGANISATION, organisation=organisation),
        "analyst": make_user(session, role=Role.ANALYST),
        "ended_session": make_user(session, role=Role.ADMIN),
        "deactivated": make_user(session, role=Role.ADMIN),
    }
    users["deactivated"].is_active = False
    session.commit()
    return {actor: user.id for actor, user in users.items()}


def _browser(app: Any, session: Any, accounts: dict[str, int], actor: str) -> Any:
    """A browser holding the actor's session cookie, of the account's current generation."""
    browser = app.test_client()
    if actor == "anonymous":
        return browser
    session.expire_all()
    user = session.get(User, accounts[actor])
    user_id = f"{user.id}:{user.session_generation - 1}" if actor == "ended_session" else user.get_id()
    with browser.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = user_id, True
    return browser


def _outcome(response: Any) -> str:
    if response.status_code in (302, 303) and "/auth/login" in response.headers.get("Location", ""):
        return "sign in"
    if response.status_code == 403:
        return "forbidden"
    return "passes"


def test_every_route_declares_who_passes_its_gate(app):
    declared, present = set(EXPECTED), {(rule, method) for rule, method, _url in _routes(app)}
    assert sorted(present - declared) == [], "routes without a line in EXPECTED"
    assert sorted(declared - present) == [], "lines in EXPECTED for routes that no longer exist"


def test_every_actor_meets_the_declared_gate_of_every_route(app, session, accounts):
    session.get(User, accounts["ended_session"]).end_sessions()
    session.commit()
    wrong = []
    for rule, method, url in _routes(app):
        allowed = EXPECTED.get((rule, method))
        if allowed is None:
            continue  # reported by the test above
        for actor in (*AS_ANONYMOUS, *ROLES):
            who = "anonymous" if actor in AS_ANONYMOUS else actor
            expected = "passes" if who in allowed else "sign in" if who == "anonymous" else "forbidden"
            with _browser(app, session, accounts, actor).open(url, method=method) as response:
                if response.status_code >= 500 or _outcome(response) != expected:
                    wrong.append(f"{method} {url} as {actor}: {response.status_code}, expected {expected}")
    assert wrong == []
