"""Plain builders for test data: ``make_user(session, **overrides)`` and friends."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from core.accounts import create_organisation, create_user
from core.areas import import_areas
from core.models import Area, Organisation, OrganisationKind, Role, User

DEFAULT_PASSWORD = "correct horse battery"
_emails = itertools.count(1)

AREA_TREE_CSV = """level,code,name,parent_code,population,households
province,86,Tỉnh Vĩnh Long,,,
district,857,Huyện Long Hồ,86,,
district,858,Huyện Mang Thít,86,,
commune,29578,Xã Đồng Phú,857,,1200
commune,29581,Xã Bình Hòa Phước,857,,900
commune,29641,Xã Chánh An,858,,700
hamlet,29578-01,Ấp Phú Mỹ,29578,,400
hamlet,29578-02,Ấp Phú Thạnh,29578,,380
hamlet,29581-01,Ấp Bình Thuận,29581,,300
hamlet,29641-01,Ấp Chánh Hội,29641,,250
"""


def build_area_tree(session: Session) -> dict[str, Area]:
    """Import AREA_TREE_CSV and return the areas by code."""
    import_areas(session, AREA_TREE_CSV)
    return {a.code: a for a in session.query(Area).all()}


def make_user(
    session: Session,
    *,
    role: Role = Role.ADMIN,
    area_code: str | None = None,
    organisation: Organisation | None = None,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    **overrides: Any,
) -> User:
    """A user with sensible defaults; pass an area for scoped roles."""
    user = create_user(
        session,
        email or f"user{next(_emails)}@example.vn",
        password,
        role,
        area_code=area_code,
        organisation_name=organisation.name if organisation else None,
        **overrides,
    )
    return user


def make_organisation(
    session: Session,
    area: Area,
    *,
    name: str | None = None,
    kind: OrganisationKind = OrganisationKind.FATHERLAND_FRONT,
) -> Organisation:
    """An organisation rooted in ``area``."""
    return create_organisation(session, name or f"Ban công tác Mặt trận {area.name}", kind, area)
