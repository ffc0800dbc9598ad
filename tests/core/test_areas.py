"""Importing administrative units: all or nothing, line-numbered errors, idempotent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.accounts import find_area
from core.area_files import AreaImportError, unit_type_from_name
from core.areas import DEFAULT_VALID_FROM, find_unit, import_areas, retire_areas
from core.demo import AREAS_CSV
from core.models import Area, AreaLevel, Role, visible_areas
from tests.factories import AREA_TREE_CSV, make_user

HEADER = "level,code,name,parent_code,population\n"


def count_areas(session) -> int:
    return session.scalar(select(func.count()).select_from(Area))


def test_bundled_vinh_long_file_imports_1_province_8_districts_109_communes(session):
    report = import_areas(session, AREAS_CSV.read_text(encoding="utf-8"))
    assert len(report.created) == 118
    levels = session.execute(select(Area.level, func.count()).group_by(Area.level)).all()
    assert dict(levels) == {AreaLevel.PROVINCE: 1, AreaLevel.DISTRICT: 8, AreaLevel.COMMUNE: 109}


def test_bundled_file_keeps_its_source_line():
    assert AREAS_CSV.read_text(encoding="utf-8").startswith("# Source: github.com/daohoangson/dvhcvn")


def test_reimporting_the_same_file_changes_nothing(session):
    text = AREAS_CSV.read_text(encoding="utf-8")
    import_areas(session, text)
    again = import_areas(session, text)
    assert not again.changed
    assert again.unchanged == 118


def test_hierarchy_paths_let_a_district_contain_its_communes(session, areas):
    long_ho, mang_thit = areas["857"], areas["858"]
    assert areas["29578"].is_within(long_ho)
    assert areas["29578-01"].is_within(long_ho)
    assert not areas["29641"].is_within(long_ho)
    assert areas["29641"].is_within(mang_thit)


def test_unit_type_is_read_from_the_name(areas):
    assert areas["29578"].unit_type == "xa"
    assert areas["857"].unit_type == "huyen"
    assert areas["29578-01"].unit_type == "ap"
    assert unit_type_from_name("Thị trấn Long Hồ") == "thi_tran"
    assert unit_type_from_name("Thành phố Vĩnh Long") == "thanh_pho"


def test_hamlets_carry_their_household_counts(areas):
    assert areas["29578-01"].households == 400


def test_two_tier_system_allows_a_commune_directly_under_the_province(session):
    import_areas(session, HEADER + "province,86,Tỉnh Vĩnh Long,,\ncommune,29999,Xã Mới,86,\n")
    commune = session.scalar(select(Area).where(Area.code == "29999"))
    assert commune.parent.code == "86"


def test_moving_a_commune_updates_the_paths_below_it(session, areas):
    import_areas(session, HEADER + "commune,29578,Xã Đồng Phú,858,\n")
    session.expire_all()
    hamlet = session.scalar(select(Area).where(Area.code == "29578-01"))
    assert hamlet.is_within(session.scalar(select(Area).where(Area.code == "858")))


@pytest.mark.parametrize(
    "rows, message",
    [
        ("province,86,Tỉnh Vĩnh Long,,\ndistrict,857,Huyện Long Hồ,99,\n", "line 3: unknown parent 99 for 857"),
        ("province,86,Tỉnh A,,\nprovince,86,Tỉnh B,,\n", "line 3: duplicate code 86 (first on line 2)"),
        ("province,86,Tỉnh A,,\nvillage,1,Làng,86,\n", "line 3: bad level 'village'"),
        ("province,86,Tỉnh A,,\nhamlet,1,Ấp 1,86,\n", "line 3: a hamlet cannot sit under the province 86"),
        ("province,86,Tỉnh A,,\ndistrict,857,,86,\n", "line 3: name must have 1 to 200 characters"),
        ("province,86,Tỉnh A,,many\n", "line 2: column population: 'many' is not a whole number"),
        ("province,8 6,Tỉnh A,,\n", "line 2: bad code '8 6'"),
        (
            "province,86,Tỉnh A,," + "9" * 30 + "\n",
            "line 2: column population: " + "9" * 30 + " is more than 1,000,000,000",
        ),
        ("province,86,Tỉnh A,," + "9" * 5000 + "\n", "is more than 1,000,000,000"),
        ("province,86,Tỉnh A,,1000000001\n", "line 2: column population: 1000000001 is more than"),
        ("province,86,Tỉnh A,,²\n", "line 2: column population: '²' is not a whole number"),
        ("province,86,Tỉnh\x07A,,\n", "line 2: the name holds a control character"),
        ("province,86,Tỉnh A,," + "x" * 200_000 + "\n", "line 2: unreadable CSV (field larger than field limit"),
        ("", "the file has no data rows"),
    ],
)
def test_a_bad_file_is_refused_whole_with_line_numbers(session, rows, message):
    with pytest.raises(AreaImportError) as refused:
        import_areas(session, HEADER + rows)
    assert any(message in error for error in refused.value.errors), refused.value.errors
    assert count_areas(session) == 0


def test_good_rows_before_a_bad_one_are_not_imported(session):
    rows = "province,86,Tỉnh Vĩnh Long,,\ndistrict,857,Huyện Long Hồ,86,\ncommune,1,Xã X,404,\n"
    with pytest.raises(AreaImportError):
        import_areas(session, HEADER + rows)
    assert count_areas(session) == 0


def test_missing_header_column_is_named(session):
    with pytest.raises(AreaImportError, match="header lacks column\\(s\\) parent_code"):
        import_areas(session, "level,code,name\nprovince,86,Tỉnh A\n")


def test_cli_imports_and_reports_counts(runner, tmp_path: Path):
    csv_file = tmp_path / "areas.csv"
    csv_file.write_text(HEADER + "province,86,Tỉnh Vĩnh Long,,\ndistrict,857,Huyện Long Hồ,86,\n", encoding="utf-8")
    result = runner.invoke(args=["areas", "import", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged" in result.output
    again = runner.invoke(args=["areas", "import", str(csv_file)])
    assert "0 created, 0 updated, 2 unchanged" in again.output


def test_cli_refuses_a_bad_file_with_exit_code_2_and_writes_nothing(runner, session, tmp_path: Path):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(HEADER + "province,86,Tỉnh Vĩnh Long,,\ndistrict,857,Huyện Long Hồ,99,\n", encoding="utf-8")
    result = runner.invoke(args=["areas", "import", str(csv_file)])
    assert result.exit_code == 2
    assert f"{csv_file}:line 3: unknown parent 99" in result.output
    assert count_areas(session) == 0


def test_a_count_with_leading_zeros_is_read_as_its_value(session):
    import_areas(session, HEADER + "province,86,Tỉnh A,,000000000000012\n")
    assert session.scalar(select(Area.population)) == 12


def test_a_unit_type_longer_than_its_column_is_refused(session):
    with pytest.raises(AreaImportError, match="line 2: unit_type must have at most 32 characters"):
        import_areas(session, "level,code,name,parent_code,unit_type\nprovince,86,Tỉnh A,," + "t" * 33 + "\n")


def test_cli_refuses_a_huge_population_with_a_message_and_exit_code_2(runner, session, tmp_path: Path):
    csv_file = tmp_path / "huge.csv"
    csv_file.write_text(HEADER + "province,86,Tỉnh Vĩnh Long," + "," + "1" * 30 + "\n", encoding="utf-8")
    result = runner.invoke(args=["areas", "import", str(csv_file)])
    assert result.exit_code == 2
    assert f"{csv_file}:line 2: column population: {'1' * 30} is more than 1,000,000,000" in result.output
    assert isinstance(result.exception, SystemExit)  # a message and an exit code, not a traceback
    assert count_areas(session) == 0


def test_cli_refuses_a_file_that_is_not_utf8(runner, tmp_path: Path):
    csv_file = tmp_path / "latin.csv"
    csv_file.write_bytes(HEADER.encode() + "province,86,Tỉnh,,\n".encode("utf-16"))
    result = runner.invoke(args=["areas", "import", str(csv_file)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.output


class TestValidity:
    """The 2025 reorganisation: new communes start on a date, merged ones end, history stays."""

    def test_new_units_start_on_the_given_date(self, session, areas):
        from datetime import date

        report = import_areas(session, HEADER + "commune,30001,Xã Mới Hợp Nhất,86,\n", valid_from=date(2025, 7, 1))
        assert report.created == ["30001"]
        assert session.scalar(select(Area).where(Area.code == "30001")).valid_from == date(2025, 7, 1)

    def test_retired_units_keep_their_rows_but_leave_the_current_tree(self, session, areas):
        from datetime import date

        from core.areas import retire_areas

        retire_areas(session, ["29581-01", "29581"], date(2025, 7, 1))
        retired = session.scalar(select(Area).where(Area.code == "29581"))
        assert retired.valid_to == date(2025, 7, 1)
        officer = make_user(session, role=Role.OFFICER, area_code="857")
        assert "29581" not in {a.code for a in visible_areas(session, officer)}

    def test_a_unit_with_current_children_cannot_be_retired_alone(self, session, areas):
        from datetime import date

        from core.areas import retire_areas

        with pytest.raises(AreaImportError, match="still has current units below it: 29581-01"):
            retire_areas(session, ["29581"], date(2025, 7, 1))
        assert session.scalar(select(Area).where(Area.code == "29581")).valid_to is None

    def test_cli_retires_and_refuses_unknown_codes_with_exit_code_2(self, runner, session, areas):
        bad = runner.invoke(args=["areas", "retire", "29641-01", "99999", "--on", "2025-07-01"])
        assert bad.exit_code == 2 and "no current area has code 99999" in bad.output
        good = runner.invoke(args=["areas", "retire", "29641-01", "--on", "2025-07-01"])
        assert good.exit_code == 0, good.output
        assert "1 unit(s) valid until 2025-07-01" in good.output

    def test_cli_import_takes_a_start_date(self, runner, session, areas, tmp_path: Path):
        csv_file = tmp_path / "new.csv"
        csv_file.write_text(HEADER + "commune,30002,Xã Hợp Nhất B,86,\n", encoding="utf-8")
        result = runner.invoke(args=["areas", "import", str(csv_file), "--valid-from", "2025-07-01"])
        assert result.exit_code == 0, result.output
        assert str(session.scalar(select(Area).where(Area.code == "30002")).valid_from) == "2025-07-01"


class TestUnitsAreCodeAndPeriod:
    """A dated import starts new units where a code's unit changed; the old unit and its history stay."""

    def test_a_renamed_unit_is_a_new_unit_and_the_old_one_ends_the_same_day(self, session, areas):
        report = import_areas(session, HEADER + "commune,29581,Xã An Bình,857,\n", valid_from=date(2025, 7, 1))
        assert report.created == ["29581"]
        versions = session.scalars(select(Area).where(Area.code == "29581").order_by(Area.valid_from)).all()
        assert [(a.name, a.valid_from, a.valid_to) for a in versions] == [
            ("Xã Bình Hòa Phước", DEFAULT_VALID_FROM, date(2025, 7, 1)),
            ("Xã An Bình", date(2025, 7, 1), None),
        ]
        assert versions[0].id == areas["29581"].id

    def test_the_hamlets_of_an_ended_unit_end_with_it(self, session, areas):
        report = import_areas(session, HEADER + "commune,29581,Xã An Bình,857,\n", valid_from=date(2025, 7, 1))
        assert "29581-01" in report.retired
        assert areas["29581-01"].valid_to == date(2025, 7, 1)
        assert areas["29578-01"].valid_to is None

    def test_an_unchanged_unit_keeps_its_row(self, session, areas):
        row = "level,code,name,parent_code,households\ncommune,29581,Xã Bình Hòa Phước,857,900\n"
        report = import_areas(session, row, valid_from=date(2025, 7, 1))
        assert (report.created, report.retired, report.unchanged) == ([], [], 1)

    def test_a_dated_province_list_ends_the_units_it_no_longer_lists(self, session, areas):
        rows = "province,86,Tỉnh Vĩnh Long,,\ncommune,29578,Xã Đồng Phú,86,\n"
        import_areas(session, HEADER + rows, valid_from=date(2025, 7, 1))
        current = session.scalars(select(Area.code).where(Area.valid_to.is_(None)).order_by(Area.code)).all()
        assert current == ["29578", "86"]
        assert areas["86"].valid_to == date(2025, 7, 1), "86 has other communes now: a new unit"

    def test_lookups_by_code_pick_the_unit_of_the_date(self, session, areas):
        import_areas(session, HEADER + "commune,29581,Xã An Bình,857,\n", valid_from=date(2025, 7, 1))
        assert find_unit(session, "29581", date(2024, 12, 31)).name == "Xã Bình Hòa Phước"
        assert find_unit(session, "29581", date(2025, 7, 1)).name == "Xã An Bình"
        assert find_area(session, "29581").name == "Xã An Bình"
        assert find_area(session, "29581", on=date(2020, 1, 1)).name == "Xã Bình Hòa Phước"

    def test_reimporting_an_older_list_without_a_date_changes_nothing_after_a_reform(self, session, areas):
        import_areas(session, HEADER + "commune,29581,Xã An Bình,857,\n", valid_from=date(2025, 7, 1))
        again = import_areas(session, AREA_TREE_CSV)
        assert not again.changed

    def test_an_undated_rename_of_a_unit_with_history_is_refused(self, session, areas):
        from surveys.models import CriteriaSet
        from surveys.services.surveys import create_survey_from_template

        officer = make_user(session, role=Role.OFFICER, area_code="857")
        criteria = session.scalar(select(CriteriaSet).where(CriteriaSet.code == "qd318-2022"))
        create_survey_from_template(session, officer, criteria_set=criteria, communes=[areas["29581"]])
        with pytest.raises(AreaImportError, match=r"line 2: 29581 \(Xã Bình Hòa Phước\) already has 1 recorded row"):
            import_areas(session, HEADER + "commune,29581,Xã An Bình,857,\n")
        assert areas["29581"].name == "Xã Bình Hòa Phước"

    def test_an_undated_correction_of_a_unit_without_history_is_made_in_place(self, session, areas):
        report = import_areas(session, HEADER + "commune,29581,Xã Bình Hoà Phước,857,\n")
        assert report.updated == ["29581"]
        assert areas["29581"].name == "Xã Bình Hoà Phước"

    def test_a_dated_file_that_drops_a_unit_started_that_day_is_refused(self, session, areas):
        rows = "province,86,Tỉnh Vĩnh Long,,\ncommune,29578,Xã Đồng Phú,86,\ncommune,30001,Xã Mới,86,\n"
        import_areas(session, HEADER + rows, valid_from=date(2025, 7, 1))
        with pytest.raises(AreaImportError, match=r"30001 \(Xã Mới\) starts on 2025-07-01 and is not in the file"):
            import_areas(session, HEADER + rows.rsplit("commune,30001", 1)[0], valid_from=date(2025, 7, 1))

    def test_cli_reports_the_units_ended(self, runner, areas, tmp_path: Path):
        csv_file = tmp_path / "renamed.csv"
        csv_file.write_text(HEADER + "commune,29581,Xã An Bình,857,\n", encoding="utf-8")
        result = runner.invoke(args=["areas", "import", str(csv_file), "--valid-from", "2025-07-01"])
        assert result.exit_code == 0, result.output
        assert "1 created, 0 updated, 0 unchanged, 2 ended on 2025-07-01" in result.output

    def test_retiring_a_province_with_everything_below_it(self, session, areas):
        retired = retire_areas(session, ["857"], date(2025, 7, 1), with_units_below=True)
        assert sorted(a.code for a in retired) == ["29578", "29578-01", "29578-02", "29581", "29581-01", "857"]
        assert areas["858"].valid_to is None

    def test_the_hamlets_of_a_commune_left_out_end_with_it(self, session, areas):
        rows = "province,86,Tỉnh Vĩnh Long,,\ndistrict,857,Huyện Long Hồ,86,\ndistrict,858,Huyện Mang Thít,86,\n"
        report = import_areas(session, HEADER + rows, valid_from=date(2025, 7, 1))
        assert sorted(report.retired) == ["29578", "29578-01", "29578-02", "29581", "29581-01", "29641", "29641-01"]
        current = session.scalars(select(Area.code).where(Area.valid_to.is_(None)).order_by(Area.code)).all()
        assert current == ["857", "858", "86"]

    def test_a_commune_list_leaves_the_hamlets_of_continuing_communes_alone(self, session, areas):
        again = import_areas(
            session, AREA_TREE_CSV.replace("hamlet,29578-02,Ấp Phú Thạnh,29578,,380\n", ""), valid_from=date(2025, 7, 1)
        )
        assert not again.changed

    def test_a_list_imported_ahead_of_its_date_shows_from_that_day(self, session, areas):
        import_areas(session, HEADER + "commune,29581,Xã An Bình,857,\n", valid_from=date(2031, 1, 1))
        officer = make_user(session, role=Role.OFFICER, area_code="857")
        assert "Xã Bình Hòa Phước" in {a.name for a in visible_areas(session, officer)}
        assert "Xã An Bình" in {a.name for a in visible_areas(session, officer, on=date(2031, 1, 1))}
        assert find_area(session, "29581").name == "Xã Bình Hòa Phước"

    def test_hamlets_for_a_reused_code_without_a_date_are_refused(self, session, areas):
        import_areas(session, HEADER + "commune,29581,Xã An Bình,857,\n", valid_from=date(2025, 7, 1))
        ended_parent = r"line 2: the parent 29581 \(Xã Bình Hòa Phước\) ended on 2025-07-01"
        with pytest.raises(AreaImportError, match=ended_parent):
            import_areas(session, HEADER + "hamlet,29581-09,Ấp Mới,29581,\n")
        import_areas(session, HEADER + "hamlet,29581-09,Ấp Mới,29581,\n", valid_from=date(2025, 7, 1))
        assert find_unit(session, "29581-09").parent.name == "Xã An Bình"

    def test_a_new_unit_ends_no_later_than_its_parent(self, session, areas):
        import_areas(session, HEADER + "commune,29581,Xã An Bình,857,\n", valid_from=date(2025, 7, 1))
        import_areas(session, HEADER + "hamlet,29581-09,Ấp Cũ,29581,\n", valid_from=date(2020, 1, 1))
        hamlet = find_unit(session, "29581-09", date(2020, 1, 1))
        assert (hamlet.parent.name, hamlet.valid_to) == ("Xã Bình Hòa Phước", date(2025, 7, 1))

    def test_cli_retires_a_unit_with_everything_below_it_only_when_asked(self, runner, session, areas):
        refused = runner.invoke(args=["areas", "retire", "858", "--on", "2025-07-01"])
        assert refused.exit_code == 2 and "858 still has current units below it: 29641" in refused.output
        result = runner.invoke(args=["areas", "retire", "858", "--on", "2025-07-01", "--with-units-below"])
        assert result.exit_code == 0, result.output
        assert "3 unit(s) valid until 2025-07-01" in result.output
