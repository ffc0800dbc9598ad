"""Importing administrative units: all or nothing, line-numbered errors, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.areas import AreaImportError, import_areas, unit_type_from_name
from core.demo import AREAS_CSV
from core.models import Area, AreaLevel, Role, visible_areas
from tests.factories import make_user

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
        ("province,86,Tỉnh A,," + "9" * 30 + "\n", "line 2: column population: " + "9" * 30 + " is more than 1,000,000,000"),
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
