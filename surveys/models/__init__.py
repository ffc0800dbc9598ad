"""Survey tables: criteria sets, surveys and their frozen versions, responses with their answers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime, portable_enum, utc_now
from core.models import Area, User


class SurveyStatus(enum.StrEnum):
    """Draft surveys can be edited freely; open ones take answers; closed ones are final."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class QuestionType(enum.StrEnum):
    """How a question is asked and which answers it accepts."""

    SATISFACTION = "satisfaction5"  # 1..5, optionally 0 = "không biết"
    SATISFIED = "satisfied"  # 1 = hài lòng, 0 = không hài lòng
    SINGLE = "single"
    MULTIPLE = "multiple"
    NUMBER = "number"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"


class WeightingRole(enum.StrEnum):
    """Questions whose answers feed post-stratification weights."""

    SEX = "sex"
    AGE_GROUP = "age_group"
    HAMLET = "hamlet"
    HOUSEHOLD_REP = "household_rep"


class Channel(enum.StrEnum):
    """How a response reached us; analysed separately."""

    QR = "qr"
    LINK = "link"
    PAPER = "paper"
    MEETING = "meeting"


class DuplicateReview(enum.StrEnum):
    """A reviewer's decision on a response flagged as a possible duplicate."""

    PENDING = "pending"  # flagged, nobody has looked yet: still counted
    KEPT = "kept"  # a genuine response (a neighbour on the same mobile network, say)
    EXCLUDED = "excluded"  # the same form sent twice: kept on file, left out of every number


class CriteriaSet(Base):
    """A versioned national set of NTM criteria (e.g. QĐ 1980/QĐ-TTg, QĐ 318/QĐ-TTg)."""

    __tablename__ = "survey_criteria_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    decision_no: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    period: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(32), default="ntm")

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="criteria_set", order_by="Criterion.number"
    )


class Criterion(Base):
    """One criterion of a set, numbered as in the decision."""

    __tablename__ = "survey_criteria"
    __table_args__ = (UniqueConstraint("criteria_set_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criteria_set_id: Mapped[int] = mapped_column(ForeignKey("survey_criteria_sets.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    group_name: Mapped[str] = mapped_column(String(200), default="")

    criteria_set: Mapped[CriteriaSet] = relationship(back_populates="criteria")


class OpeningHours:
    """The open-survey rule, defined once: residents may answer while ``is_open_at(now)``.

    A hybrid: on a survey (or the respondent form's plain copy of one) it is a Python check; on
    the class, the same rule as a SQL condition (the submission's write checks it again).
    """

    __slots__ = ()
    status: Any
    opens_at: Any
    closes_at: Any

    @hybrid_method
    def is_open_at(self, now: datetime) -> bool:
        return (
            self.status == SurveyStatus.OPEN
            and (self.opens_at is None or self.opens_at <= now)
            and (self.closes_at is None or now < self.closes_at)
        )

    @is_open_at.inplace.expression
    @classmethod
    def _is_open_at_expression(cls, now: Any) -> ColumnElement[bool]:
        return and_(
            cls.status == SurveyStatus.OPEN,
            or_(cls.opens_at.is_(None), cls.opens_at <= now),
            or_(cls.closes_at.is_(None), cls.closes_at > now),
        )


def survey_state(survey: OpeningHours, now: datetime | None = None) -> str:
    """"open", or why not: "draft", "closed" (by status or date) or "not_yet"."""
    now = now or utc_now()
    if survey.is_open_at(now):
        return "open"
    if survey.status == SurveyStatus.DRAFT:
        return "draft"
    if survey.status == SurveyStatus.CLOSED or (survey.closes_at is not None and now >= survey.closes_at):
        return "closed"
    return "not_yet"


class Survey(OpeningHours, Base):
    """A questionnaire run over some communes between two dates."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    introduction: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SurveyStatus] = mapped_column(
        portable_enum(SurveyStatus, "survey_status"), default=SurveyStatus.DRAFT
    )
    opens_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The scope that owns the survey: officers of this area's subtree may manage it.
    owner_area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    criteria_set_id: Mapped[int | None] = mapped_column(ForeignKey("survey_criteria_sets.id"))
    # Population shares for the monitor, e.g. {"sex": {"nam": 0.49, "nu": 0.51}, "age_group": {...}}.
    margins: Mapped[dict[str, dict[str, float]]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    owner_area: Mapped[Area | None] = relationship()
    criteria_set: Mapped[CriteriaSet | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey", order_by="SurveyVersion.number"
    )
    areas: Mapped[list[SurveyArea]] = relationship(back_populates="survey", order_by="SurveyArea.id")

    @property
    def current_version(self) -> SurveyVersion:
        """The version new responses answer (the latest)."""
        return self.versions[-1]


class SurveyArea(Base):
    """A commune the survey covers, with its short link code (``/s/<code>``)."""

    __tablename__ = "survey_areas"
    __table_args__ = (UniqueConstraint("survey_id", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)

    survey: Mapped[Survey] = relationship(back_populates="areas")
    area: Mapped[Area] = relationship()


class SurveyVersion(Base):
    """The questions as residents saw them; frozen once any response refers to it."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    survey: Mapped[Survey] = relationship(back_populates="versions")
    sections: Mapped[list[Section]] = relationship(
        back_populates="version", order_by="Section.position"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="version", order_by="Question.position"
    )


class Section(Base):
    """An ordered group of questions (a fieldset on the form)."""

    __tablename__ = "survey_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))

    version: Mapped[SurveyVersion] = relationship(back_populates="sections")
    questions: Mapped[list[Question]] = relationship(
        back_populates="section", order_by="Question.position"
    )


class Question(Base):
    """One question; ``options`` is a list of {"value", "label"} for choice questions.

    ``position`` orders questions within the whole version, so codes follow it.
    """

    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("survey_sections.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(1000))
    type: Mapped[QuestionType] = mapped_column(portable_enum(QuestionType, "question_type"))
    required: Mapped[bool] = mapped_column(default=False)
    allow_dont_know: Mapped[bool] = mapped_column(default=False)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    min_value: Mapped[int | None] = mapped_column(Integer)
    max_value: Mapped[int | None] = mapped_column(Integer)
    max_length: Mapped[int | None] = mapped_column(Integer)
    criterion_id: Mapped[int | None] = mapped_column(ForeignKey("survey_criteria.id"))
    weighting_role: Mapped[WeightingRole | None] = mapped_column(
        portable_enum(WeightingRole, "weighting_role")
    )

    version: Mapped[SurveyVersion] = relationship(back_populates="questions", overlaps="questions")
    section: Mapped[Section] = relationship(back_populates="questions")
    criterion: Mapped[Criterion | None] = relationship()


class Response(Base):
    """One completed questionnaire with all its answers, written in one transaction."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "serial"),
        # Every submission asks whether the same client sent the same answers before, and one
        # address may carry a whole village's responses (CGNAT, a commune's Wi-Fi): an index on
        # the client alone would make that a scan of them all.
        Index("ix_survey_responses_client_hash_answers_hash", "client_hash", "answers_hash"),
        # Only flagged responses are reviewed, and every flagged one has a review status.
        CheckConstraint(
            "(is_possible_duplicate AND duplicate_review IS NOT NULL)"
            " OR (NOT is_possible_duplicate AND duplicate_review IS NULL)",
            name="review_iff_flagged",
        ),
        CheckConstraint(
            "duplicate_review IS NULL OR duplicate_review = 'pending'"
            " OR (duplicate_reviewed_by_id IS NOT NULL AND duplicate_reviewed_at IS NOT NULL)",
            name="decision_has_reviewer",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    hamlet_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    channel: Mapped[Channel] = mapped_column(portable_enum(Channel, "response_channel"))
    serial: Mapped[str | None] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    # Keyed hash of the client address (never the address); purged by retention.
    client_hash: Mapped[str | None] = mapped_column(String(64))
    answers_hash: Mapped[str] = mapped_column(String(64), default="")
    is_possible_duplicate: Mapped[bool] = mapped_column(default=False)
    # The review of a possible duplicate (NULL when not flagged); the response itself is never deleted.
    duplicate_review: Mapped[DuplicateReview | None] = mapped_column(
        portable_enum(DuplicateReview, "duplicate_review")
    )
    duplicate_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    duplicate_reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    duplicate_review_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("survey_import_batches.id"))
    # {question code: value as text ("4", "1;3", "Đường xấu")} for the questions of ``version``,
    # whose codes are unique and never change once it has responses (edits make a new version).
    # One document per response, written once and read whole, as ODK and KoBoToolbox keep
    # submissions: a row per answer cost each submission about 30 rows and 90 index entries.
    # Never changed after it is stored (a plain dict, not MutableDict: changes in place are not saved).
    answers: Mapped[dict[str, str]] = mapped_column(JSON)

    survey: Mapped[Survey] = relationship()
    version: Mapped[SurveyVersion] = relationship()
    commune: Mapped[Area] = relationship(foreign_keys=[commune_id])
    hamlet: Mapped[Area | None] = relationship(foreign_keys=[hamlet_id])
    duplicate_reviewed_by: Mapped[User | None] = relationship(foreign_keys=[duplicate_reviewed_by_id])

    @hybrid_property
    def is_counted(self) -> bool:
        """False once a reviewer excluded it as a duplicate: it then leaves every count and index."""
        return self.duplicate_review != DuplicateReview.EXCLUDED

    @is_counted.inplace.expression
    @classmethod
    def _is_counted_expression(cls) -> ColumnElement[bool]:
        # NULL (never flagged) counts too, hence IS DISTINCT FROM rather than !=.
        return cls.duplicate_review.is_distinct_from(DuplicateReview.EXCLUDED)


class SubmissionToken(Base):
    """A form's one-time nonce, stored when used: a resend finds the same response."""

    __tablename__ = "survey_submission_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id"), index=True)
    used_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    response: Mapped[Response] = relationship()


class ImportBatch(Base):
    """One imported paper-response file; the hash detects a second import of it."""

    __tablename__ = "survey_import_batches"
    __table_args__ = (UniqueConstraint("survey_id", "file_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    file_sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    row_count: Mapped[int] = mapped_column(Integer)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


# The analysis inputs (saved plans, population figures) in their own module; importable from here.
from surveys.models.analysis import SurveyPlan, SurveyPopulation  # noqa: E402, F401
