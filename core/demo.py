"""Demo data for `make run`: real Vĩnh Long units, a few hamlets, one account per role."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import create_organisation, create_user, find_area
from core.areas import import_areas
from core.models import Organisation, OrganisationKind, Role, User

AREAS_CSV = Path(__file__).resolve().parent / "data" / "vinhlong_units_2019.csv"
# Demo hamlets (names and household counts are illustrative, not official).
DEMO_COMMUNES = ("29578", "29581", "29584")  # Đồng Phú, Bình Hòa Phước, Hòa Ninh (Long Hồ)
DEMO_HAMLET_HOUSEHOLDS = (412, 365, 298, 330)
DEMO_PASSWORD = "demo-ntm-2026"
DEMO_ACCOUNTS = (
    ("admin@demo.ntm.vn", Role.ADMIN, None, None),
    ("bcd.tinh@demo.ntm.vn", Role.OFFICER, "86", None),
    ("bcd.longho@demo.ntm.vn", Role.OFFICER, "857", None),
    ("mttq.dongphu@demo.ntm.vn", Role.ORGANISATION, "29578", "Ban Thường trực UBMTTQ xã Đồng Phú"),
    ("phantich@demo.ntm.vn", Role.ANALYST, None, None),
)


def demo_hamlets_csv() -> str:
    """Four hamlets per demo commune, in the area-import format."""
    rows = ["level,code,name,parent_code,households"]
    for commune in DEMO_COMMUNES:
        for number, households in enumerate(DEMO_HAMLET_HOUSEHOLDS, start=1):
            rows.append(f"hamlet,{commune}-{number:02d},Ấp {number},{commune},{households}")
    return "\n".join(rows) + "\n"


def seed_core(session: Session) -> list[str]:
    """Idempotently load areas, hamlets, one organisation and the demo accounts."""
    import_areas(session, AREAS_CSV.read_text(encoding="utf-8"))
    import_areas(session, demo_hamlets_csv())
    commune = find_area(session, DEMO_COMMUNES[0])
    org_name = next(org for *_, org in DEMO_ACCOUNTS if org)
    if session.scalar(select(Organisation).where(Organisation.name == org_name)) is None:
        create_organisation(session, org_name, OrganisationKind.FATHERLAND_FRONT, commune)
    lines = [f"Demo accounts (password for all: {DEMO_PASSWORD}):"]
    for email, role, area_code, organisation in DEMO_ACCOUNTS:
        if session.scalar(select(User).where(User.email == email)) is None:
            create_user(
                session, email, DEMO_PASSWORD, role, area_code=area_code, organisation_name=organisation
            )
        lines.append(f"  {role.value:<13} {email}")
    return lines
