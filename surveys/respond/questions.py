"""The questions of a survey version as plain immutable data, cached while the version is frozen.

Loading ~30 questions through the ORM was most of the cost of every respondent request.
A version that has a response never changes again (edits create a new version, see
``surveys.services.editable_version``), so its questions are kept here by version id. A version
nobody answered yet may still be edited in place: it is never kept here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from surveys.models import Question, QuestionType, Response, Section, SurveyVersion, WeightingRole
from surveys.respond.cache import BoundedCache

CACHE_SIZE = 128


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """What the form and the validation need of a question: its columns of the same names in ``Question``."""

    id: int
    position: int
    code: str
    text: str
    type: QuestionType
    required: bool
    allow_dont_know: bool
    options: tuple[MappingProxyType[str, Any], ...]
    min_value: int | None
    max_value: int | None
    max_length: int | None
    weighting_role: WeightingRole | None

    @classmethod
    def of(cls, question: Question) -> QuestionSpec:
        """The plain copy of ``question``: every field read from its column of the same name."""
        values = {name: getattr(question, name) for name in _QUESTION_FIELDS}
        values["options"] = tuple(MappingProxyType(dict(o)) for o in values["options"] or ())
        return cls(**values)

    def content(self) -> tuple[Any, ...]:
        """Every field, hashable: what the form shows of this question (for cache keys)."""
        return tuple(
            tuple(tuple(o.items()) for o in self.options) if name == "options" else getattr(self, name)
            for name in _QUESTION_FIELDS
        )


_QUESTION_FIELDS = tuple(f.name for f in fields(QuestionSpec))


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """A fieldset of the form."""

    title: str
    questions: tuple[QuestionSpec, ...]


@dataclass(frozen=True, slots=True)
class VersionSpec:
    """A version's sections and questions; ``content`` is everything the form shows, for cache keys.

    ``frozen``: the version had a response when read, so it can never change again.
    """

    id: int
    number: int
    sections: tuple[SectionSpec, ...]
    questions: tuple[QuestionSpec, ...]
    content: tuple[Any, ...] = field(repr=False)
    frozen: bool = False


# Keyed by (id, created_at), not the id alone: an id reused after a rollback or a restored
# database is a different version.
VersionKey = tuple[int, datetime]
_frozen = BoundedCache(CACHE_SIZE)


def cached_keys() -> list[VersionKey]:
    """(id, created_at) of the versions held, least recently used first (tests)."""
    return _frozen.keys()


def version_spec(session: Session, key: VersionKey) -> VersionSpec:
    """The questions of version ``key`` (id, created_at): from the cache when frozen, else from the database."""
    spec = _frozen.get(key)
    if spec is not None:
        return spec
    version_id = key[0]
    # Ask whether it is frozen BEFORE reading the questions: an in-place edit committed
    # before this check is seen by the reads below; after it, edits make a new version.
    frozen = bool(session.scalar(select(exists().where(Response.version_id == version_id))))
    spec = load_spec(session, version_id)
    if frozen:
        spec = replace(spec, frozen=True)
        _frozen.put(key, spec)
    return spec


def load_spec(session: Session, version_id: int) -> VersionSpec:
    """Read a version's sections and questions from the database (two SELECTs)."""
    version = session.scalars(
        select(SurveyVersion)
        .where(SurveyVersion.id == version_id)
        .options(selectinload(SurveyVersion.sections).selectinload(Section.questions))
        .execution_options(populate_existing=True)
    ).one()
    sections = tuple(
        SectionSpec(section.title, tuple(QuestionSpec.of(q) for q in section.questions)) for section in version.sections
    )
    questions = tuple(sorted((q for s in sections for q in s.questions), key=lambda q: q.position))
    content = tuple((s.title, tuple(q.content() for q in s.questions)) for s in sections)
    return VersionSpec(version.id, version.number, sections, questions, (version.id, content))
