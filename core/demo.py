"""Demo data for `make run`: real Vĩnh Long units before and after 1 July 2025, a few hamlets, one account per role."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import create_organisation, create_user, find_area
from core.areas import find_unit, import_areas, retire_areas
from core.crosswalk import import_crosswalk
from core.models import Organisation, OrganisationKind, Role, User

DATA = Path(__file__).resolve().parent / "data"
AREAS_CSV = DATA / "vinhlong_units_2019.csv"
UNITS_MARCH_2025_CSV = DATA / "units_83_84_86_2025-03.csv"
UNITS_2025_CSV = DATA / "vinhlong_units_2025.csv"
CROSSWALK_2025_CSV = DATA / "vinhlong_crosswalk_2025.csv"
MARCH_2025, REFORM_2025 = date(2025, 3, 1), date(2025, 7, 1)
DAY_OF_2019_UNITS = date(2020, 1, 1)
PROVINCES_TAKEN_IN_2025 = ("83", "84")  # Bến Tre and Trà Vinh, now part of Vĩnh Long (86)
# Demo hamlets (names and household counts are illustrative, not official).
DEMO_COMMUNES = ("29578", "29581", "29584")  # Đồng Phú, Bình Hòa Phước, Hòa Ninh (Long Hồ, 2019)
# Three xã made from Long Hồ's communes (full merges): An Bình took in the three above, so the demo's
# survey held before the reform has data for one of the communes of today's open survey.
DEMO_COMMUNES_2025 = ("29584", "29602", "29611")  # Xã An Bình, Xã Long Hồ, Xã Phú Quới (since 1 July 2025)
DEMO_HAMLET_HOUSEHOLDS = (412, 365, 298, 330)
DEMO_PASSWORD = "demo-ntm-2026"
DEMO_ACCOUNTS = (
    ("admin@demo.ntm.vn", Role.ADMIN, None, None),
    ("bcd.tinh@demo.ntm.vn", Role.OFFICER, "86", None),
    ("bcd.longho@demo.ntm.vn", Role.OFFICER, "857", None),
    ("mttq.dongphu@demo.ntm.vn", Role.ORGANISATION, "29578", "Ban Thường trực UBMTTQ xã Đồng Phú"),
    ("phantich@demo.ntm.vn", Role.ANALYST, None, None),
)
# Scoped to the units as they are since 1 July 2025; the 2019 accounts above are left for an admin to move.
DEMO_ACCOUNTS_2025 = (
    ("bcd.vinhlong@demo.ntm.vn", Role.OFFICER, "86", None),
    ("mttq.anbinh@demo.ntm.vn", Role.ORGANISATION, "29584", "Ban Thường trực UBMTTQ xã An Bình"),
)


def demo_hamlets_csv(communes: tuple[str, ...] = DEMO_COMMUNES) -> str:
    """Four hamlets per demo commune, in the area-import format."""
    rows = ["level,code,name,parent_code,households"]
    for commune in communes:
        for number, households in enumerate(DEMO_HAMLET_HOUSEHOLDS, start=1):
            rows.append(f"hamlet,{commune}-{number:02d},Ấp {number},{commune},{households}")
    return "\n".join(rows) + "\n"


def seed_core(session: Session) -> list[str]:
    """Idempotently load the 2019 areas, hamlets, one organisation and the demo accounts."""
    import_areas(session, AREAS_CSV.read_text(encoding="utf-8"))
    import_areas(session, demo_hamlets_csv())
    return [f"Demo accounts (password for all: {DEMO_PASSWORD}):", *_seed_accounts(session, DEMO_ACCOUNTS)]


def seed_reform_2025(session: Session) -> list[str]:
    """Idempotently take the demo through the 1 July 2025 reorganisation.

    Runs between the features' demos recorded on the 2019 units and those on today's: the units of
    March 2025, the merged province's 124 communes (no districts), the end of Bến Tre and
    Trà Vinh, the crosswalk, hamlets for three new communes, an officer of the new province
    and the Front committee of one new commune.
    """
    import_areas(session, UNITS_MARCH_2025_CSV.read_text(encoding="utf-8"), valid_from=MARCH_2025)
    import_areas(session, UNITS_2025_CSV.read_text(encoding="utf-8"), valid_from=REFORM_2025)
    if still_current := [code for code in PROVINCES_TAKEN_IN_2025 if find_unit(session, code)]:
        retire_areas(session, still_current, REFORM_2025, with_units_below=True)
    crosswalk = import_crosswalk(session, CROSSWALK_2025_CSV.read_text(encoding="utf-8"))
    import_areas(session, demo_hamlets_csv(DEMO_COMMUNES_2025), valid_from=REFORM_2025)
    return [
        f"Units since {REFORM_2025}: Vĩnh Long with 124 communes and wards, no districts "
        f"({len(crosswalk.not_carried)} communes of 2019 not in the crosswalk); the 2019 units stay for earlier data.",
        *_seed_accounts(session, DEMO_ACCOUNTS_2025),
    ]


def _seed_accounts(session: Session, accounts: tuple[tuple[str, Role, str | None, str | None], ...]) -> list[str]:
    """Create the accounts not there yet (and their organisation, a Front committee), on today's units."""
    lines = []
    for email, role, area_code, organisation in accounts:
        if session.scalar(select(User).where(User.email == email)) is None:
            if organisation and session.scalar(select(Organisation).where(Organisation.name == organisation)) is None:
                create_organisation(session, organisation, OrganisationKind.FATHERLAND_FRONT,
                                    find_area(session, area_code or ""))
            create_user(
                session, email, DEMO_PASSWORD, role, area_code=area_code, organisation_name=organisation
            )
        lines.append(f"  {role.value:<13} {email}")
    return lines
