"""The 1 July 2025 reorganisation on a fresh database: the bundled lists, reused codes, scopes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.areas import find_unit, import_areas
from core.demo import DAY_OF_2019_UNITS, DEMO_COMMUNES_2025, seed_core, seed_reform_2025
from core.models import Area, AreaLevel, Role, User, valid_on, visible_areas
from surveys.models import Channel, CriteriaSet, Response, SurveyStatus
from surveys.respond.store import record_response
from surveys.services.surveys import create_survey_from_template
from tests.factories import make_user
from tests.surveys.conftest import valid_answers

DATA = Path(__file__).resolve().parents[2] / "core" / "data"
REFORM = date(2025, 7, 1)


def units_file(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def codes(name: str) -> dict[str, str]:
    """Code → name of the units in a bundled areas file."""
    lines = [line for line in units_file(name).splitlines() if not line.startswith("#")][1:]
    return {line.split(",")[1]: line.split(",")[2] for line in lines}


@pytest.fixture
def hoa_ninh_response(session):
    """The 2019 units, one hamlet of Xã Hòa Ninh (29584) and a response recorded there."""
    import_areas(session, units_file("vinhlong_units_2019.csv"))
    import_areas(session, "level,code,name,parent_code\nhamlet,29584-01,Ấp Hòa Ninh 1,29584\n")
    officer = make_user(session, role=Role.OFFICER, area_code="857")
    criteria = session.scalar(select(CriteriaSet).where(CriteriaSet.code == "qd318-2022"))
    survey = create_survey_from_template(
        session, officer, criteria_set=criteria, communes=[find_unit(session, "29584")]
    )
    survey.status = SurveyStatus.OPEN
    return record_response(session, survey.areas[0], valid_answers(survey, hamlet="29584-01"), channel=Channel.QR)


@pytest.fixture
def reformed(session, hoa_ninh_response):
    """The same database after importing the 2025 list from 1 July 2025."""
    import_areas(session, units_file("vinhlong_units_2025.csv"), valid_from=REFORM)
    return hoa_ninh_response


def test_the_bundled_files_keep_their_source_lines():
    for name in ("vinhlong_units_2025.csv", "vinhlong_crosswalk_2025.csv", "units_83_84_86_2025-03.csv"):
        assert units_file(name).startswith("# "), name
        assert "github.com/" in units_file(name).splitlines()[0], name


def test_after_the_reform_the_province_has_124_communes_and_no_districts(session, reformed):
    current = dict(session.execute(select(Area.level, func.count()).where(valid_on(REFORM)).group_by(Area.level)).all())
    assert current == {AreaLevel.PROVINCE: 1, AreaLevel.COMMUNE: 124}
    before = dict(session.execute(
        select(Area.level, func.count()).where(valid_on(date(2025, 6, 30))).group_by(Area.level)
    ).all())
    assert before == {AreaLevel.PROVINCE: 1, AreaLevel.DISTRICT: 8, AreaLevel.COMMUNE: 109, AreaLevel.HAMLET: 1}


def test_the_province_is_a_new_unit_under_the_same_code(session, reformed):
    old, new = find_unit(session, "86", date(2025, 6, 30)), find_unit(session, "86", REFORM)
    assert old.id != new.id
    assert (old.valid_to, new.valid_from, new.valid_to) == (REFORM, REFORM, None)
    assert {c.level for c in new.children} == {AreaLevel.COMMUNE}


def test_the_35_reused_codes_keep_their_2019_units(session, reformed):
    reused = sorted(set(codes("vinhlong_units_2019.csv")) & set(codes("vinhlong_units_2025.csv")) - {"86"})
    assert len(reused) == 35
    for code in reused:
        old, new = find_unit(session, code, date(2025, 6, 30)), find_unit(session, code, REFORM)
        assert old.name == codes("vinhlong_units_2019.csv")[code]
        assert new.name == codes("vinhlong_units_2025.csv")[code]
        assert old.id != new.id and old.valid_to == REFORM


def test_a_2019_response_stays_with_hoa_ninh_not_an_binh(session, reformed):
    session.expire_all()
    response = session.get(Response, reformed.id)
    assert (response.commune.code, response.commune.name, response.commune.valid_to) == ("29584", "Xã Hòa Ninh", REFORM)
    assert (response.hamlet.code, response.hamlet.valid_to) == ("29584-01", REFORM)
    assert find_unit(session, "29584").name == "Xã An Bình"
    assert find_unit(session, "29584-01") is None


def test_reimporting_both_lists_changes_nothing(session, reformed):
    assert not import_areas(session, units_file("vinhlong_units_2019.csv")).changed
    assert not import_areas(session, units_file("vinhlong_units_2025.csv"), valid_from=REFORM).changed


def test_an_officer_of_the_2025_province_sees_its_124_communes(session, reformed):
    officer = make_user(session, role=Role.OFFICER, area_code="86")
    assert officer.area.valid_from == REFORM
    seen = visible_areas(session, officer, AreaLevel.COMMUNE)
    assert len(seen) == 124
    assert {a.parent.code for a in seen} == {"86"}
    assert officer.can_see(find_unit(session, "29584"))
    assert not officer.can_see(find_unit(session, "29584", date(2025, 6, 30)))


def test_a_commune_officer_after_the_reform_sees_only_the_new_commune(session, reformed):
    officer = make_user(session, role=Role.OFFICER, area_code="29584")
    assert [a.name for a in visible_areas(session, officer)] == ["Xã An Bình"]


def test_the_demo_offers_the_2019_units_and_the_current_province_and_loads_once(session):
    for _ in range(2):
        seed_core(session)
        lines = seed_reform_2025(session)
    assert "124 communes and wards, no districts (7 communes of 2019 not in the crosswalk)" in lines[0]

    def levels_on(day: date) -> dict[AreaLevel, int]:
        return dict(session.execute(select(Area.level, func.count()).where(valid_on(day)).group_by(Area.level)).all())

    assert levels_on(DAY_OF_2019_UNITS) == {
        AreaLevel.PROVINCE: 1, AreaLevel.DISTRICT: 8, AreaLevel.COMMUNE: 109, AreaLevel.HAMLET: 12,
    }
    assert levels_on(date(2026, 1, 1)) == {AreaLevel.PROVINCE: 1, AreaLevel.COMMUNE: 124, AreaLevel.HAMLET: 12}
    officer = session.scalar(select(User).where(User.email == "bcd.vinhlong@demo.ntm.vn"))
    assert len(visible_areas(session, officer, AreaLevel.COMMUNE)) == 124
    assert {h.parent.code for h in visible_areas(session, officer, AreaLevel.HAMLET)} == set(DEMO_COMMUNES_2025)
