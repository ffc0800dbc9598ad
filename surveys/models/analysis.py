"""A survey's analysis inputs: its saved analysis plans and its own population figures, each versioned."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime, utc_now
from core.models import User


class SurveyPlan(Base):
    """One saved version of a survey's analysis plan: the JSON ``python -m analysis --plan`` reads.

    Every save adds a version and none is ever changed, so a table naming "v3" can be re-run.
    """

    __tablename__ = "survey_plans"
    __table_args__ = (UniqueConstraint("survey_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # analysis.dump_plan's JSON, version included
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    saved_by: Mapped[User | None] = relationship()


class SurveyPopulation(Base):
    """One loaded version of a survey's own population figures of one kind, where the areas' figures do not serve.

    ``kind`` is ``hamlets`` (adult population or households per hamlet: the design weights), ``margins``
    (per-commune totals per sex and per age group: raking) or ``cells`` (per-commune sex × age-group
    counts: post-stratification). Every load adds a version; the latest of each kind is used.
    """

    __tablename__ = "survey_populations"
    __table_args__ = (UniqueConstraint("survey_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # the file's rows, checked, as the CLI's columns
    filename: Mapped[str] = mapped_column(String(255))
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    loaded_by: Mapped[User | None] = relationship()
