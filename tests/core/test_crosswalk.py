"""The crosswalk of 1 July 2025: which old units each new commune was made from, checked line by line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.area_files import AreaImportError
from core.areas import find_unit, import_areas, retire_areas
from core.crosswalk import import_crosswalk, list_predecessors
from core.models import CrosswalkEntry, CrosswalkKind

DATA = Path(__file__).resolve().parents[2] / "core" / "data"
MARCH, REFORM = date(2025, 3, 1), date(2025, 7, 1)
HEADER = "new_code,new_name,old_code,old_name,type\n"
NOT_CARRIED = ["29548", "29575", "29620", "29758", "29773", "29803", "29854"]


def bundled(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def count_entries(session) -> int:
    return session.scalar(select(func.count()).select_from(CrosswalkEntry))


@pytest.fixture
def reform(session):
    """2019 units, the three old provinces of March 2025, the 2025 list; Bến Tre and Trà Vinh ended."""
    import_areas(session, bundled("vinhlong_units_2019.csv"))
    import_areas(session, bundled("units_83_84_86_2025-03.csv"), valid_from=MARCH)
    import_areas(session, bundled("vinhlong_units_2025.csv"), valid_from=REFORM)
    retire_areas(session, ["83", "84"], REFORM, with_units_below=True)


def test_the_bundled_crosswalk_records_every_line_and_names_the_seven_communes_not_carried(session, reform):
    report = import_crosswalk(session, bundled("vinhlong_crosswalk_2025.csv"))
    assert (report.created, report.new_date) == (360, REFORM)
    assert [a.code for a in report.not_carried] == NOT_CARRIED
    again = import_crosswalk(session, bundled("vinhlong_crosswalk_2025.csv"))
    assert (again.created, again.unchanged) == (0, 360)


def test_a_new_commune_lists_its_old_units_whole_or_in_part(session, reform):
    import_crosswalk(session, bundled("vinhlong_crosswalk_2025.csv"))
    an_binh = list_predecessors(session, find_unit(session, "29584"))
    assert [(p.area.code, p.area.name, p.kind) for p in an_binh] == [
        ("29578", "Xã Đồng Phú", CrosswalkKind.FULL),
        ("29581", "Xã Bình Hòa Phước", CrosswalkKind.FULL),
        ("29584", "Xã Hòa Ninh", CrosswalkKind.FULL),
        ("29587", "Xã An Bình", CrosswalkKind.FULL),
    ]
    assert all(p.area.valid_to == REFORM for p in an_binh), "old units, not the new An Bình"
    tan_thanh_binh = list_predecessors(session, find_unit(session, "28921"))
    assert ("28924", CrosswalkKind.PARTIAL) in [(p.area.code, p.kind) for p in tan_thanh_binh]


def test_an_admin_adds_a_commune_merged_before_march_by_hand(session, reform):
    import_crosswalk(session, bundled("vinhlong_crosswalk_2025.csv"))
    report = import_crosswalk(session, HEADER + "29551,Phường Long Châu,29548,Phường 1,full\n")
    assert report.created == 1
    assert "29548" not in [a.code for a in report.not_carried]
    assert "29548" in [p.area.code for p in list_predecessors(session, find_unit(session, "29551"))]


@pytest.mark.parametrize(
    "rows, message",
    [
        ("29584,Xã An Bình,99999,Xã Ma,full\n", "line 3: unknown code '99999'"),
        ("29584,Xã An Bình,29587,Xã An Bình,whole\n", "line 3: type must be full or partial, not 'whole'"),
        ("29548,Phường 1,29587,Xã An Bình,full\n", "line 3: no unit with code '29548' exists on 2025-07-01"),
        ("29584,Xã Hòa Ninh,29587,Xã An Bình,full\n", "line 3: 29584 is Xã An Bình on 2025-07-01, not 'Xã Hòa Ninh'"),
        (
            "29584,Xã An Bình,29587,Xã An Bình,full\n28756,Phường Phú Khương,29587,Xã An Bình,full\n",
            "line 4: 29587 (Xã An Bình) goes to 28756 here and to 29584 on line 3; a 'full' unit goes into one",
        ),
        (
            "29584,Xã An Bình,29587,Xã An Bình,full\n29584,Xã An Bình,29587,Xã An Bình,full\n",
            "line 4: 29587 → 29584 repeats line 3",
        ),
        ("29584,Xã An Bình\n", "line 3: expected 5 fields"),
    ],
)
def test_a_bad_line_refuses_the_whole_file(session, reform, rows, message):
    good_line_2 = "28756,Phường Phú Khương,28759,Phường 8,full\n"
    with pytest.raises(AreaImportError) as refused:
        import_crosswalk(session, HEADER + good_line_2 + rows)
    assert any(message in error for error in refused.value.errors), refused.value.errors
    assert count_entries(session) == 0


def test_a_full_unit_already_recorded_for_another_new_unit_is_refused(session, reform):
    import_crosswalk(session, HEADER + "29584,Xã An Bình,29587,Xã An Bình,full\n")
    with pytest.raises(AreaImportError, match="line 2: 29587 already goes to 29584 \\(full\\)"):
        import_crosswalk(session, HEADER + "28756,Phường Phú Khương,29587,Xã An Bình,partial\n")
    assert count_entries(session) == 1


def test_an_old_unit_that_has_not_ended_is_refused(session):
    import_areas(session, bundled("units_83_84_86_2025-03.csv"), valid_from=MARCH)
    import_areas(session, bundled("vinhlong_units_2025.csv"), valid_from=REFORM)
    with pytest.raises(AreaImportError, match=r"line 2: old unit 28759 \(Phường 8\) is still valid on 2025-07-01"):
        import_crosswalk(session, HEADER + "28756,Phường Phú Khương,28759,Phường 8,full\n")


def test_cli_refuses_with_exit_code_2_and_line_numbers(runner, session, reform, tmp_path: Path):
    crosswalk = tmp_path / "crosswalk.csv"
    crosswalk.write_text("# made by hand\n" + HEADER + "29584,Xã An Bình,99999,Xã Ma,full\n", encoding="utf-8")
    result = runner.invoke(args=["areas", "crosswalk", str(crosswalk)])
    assert result.exit_code == 2
    assert f"{crosswalk}:line 3: unknown code '99999'" in result.output
    assert count_entries(session) == 0


def test_cli_records_the_bundled_crosswalk_and_lists_what_it_does_not_carry(runner, session, reform):
    session.commit()
    result = runner.invoke(args=["areas", "crosswalk", str(DATA / "vinhlong_crosswalk_2025.csv")])
    assert result.exit_code == 0, result.output
    assert "360 line(s) recorded, 0 already known (new units from 2025-07-01)" in result.output
    assert "7 old commune(s) not carried" in result.output
    assert "29548\tPhường 1\tended 2025-03-01" in result.output
