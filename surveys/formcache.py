"""The questions of a survey version as plain immutable data, cached while the version is frozen.

Loading ~30 questions through the ORM was most of the cost of every respondent request.
A version that has a response never changes again (edits create a new version, see
``services.editable_version``), so its questions are kept here by version id. A version
nobody answered yet may still be edited in place: it is never kept here.

The survey (status, dates, title) and the commune's hamlets may be a copy at most a second old
(``BoundedCache``, ``surveys.views``); a submission's write checks that its survey is still open
with the same version (``services.store_response``, ``recheck_link``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from surveys.models import QuestionType, Response, Section, SurveyVersion, WeightingRole

CACHE_SIZE = 128


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """What the form and the validation need of a question (same names as ``Question``)."""

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


class BoundedCache:
    """A thread-safe map keeping the ``size`` most recently used entries, each for at most
    ``max_age`` seconds (None: until it is pushed out). Per worker process.

    Serves the frozen versions here, the rendered blank forms and the links shown to
    residents (``surveys.views``). For the links, a page that only shows one (the form's GET,
    the thank-you page) is exactly the page a request ``max_age`` seconds earlier would have
    received; a submission judged by it is stored only if its write finds the link unchanged
    where it matters (``services.store_response``, ``recheck_link``). ``max_age`` 0 keeps nothing.
    """

    def __init__(self, size: int, max_age: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.max_age, self.clock = size, max_age, clock
        self._entries: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        """The value kept for ``key`` if it is still young enough, else None."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is None or (self.max_age is not None and self.clock() - kept[0] >= self.max_age):
                return None
            self._entries.move_to_end(key)
            return kept[1]

    def put(self, key: Any, value: Any) -> None:
        """Keep ``value`` for ``key``, pushing out the least recently used entry when full."""
        if self.max_age is not None and self.max_age <= 0:
            return
        with self._lock:
            self._entries[key] = (self.clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def keys(self) -> list[Any]:
        """The keys held, least recently used first (tests)."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget everything (tests; never needed for correctness)."""
        with self._lock:
            self._entries.clear()


# Keyed by (id, created_at), not the id alone: an id reused after a rollback or a restored
# database is a different version.
VersionKey = tuple[int, datetime]
_frozen = BoundedCache(CACHE_SIZE)


def clear() -> None:
    """Forget every cached version (tests; never needed for correctness)."""
    _frozen.clear()


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
        SectionSpec(section.title, tuple(_question(q) for q in section.questions)) for section in version.sections
    )
    questions = tuple(sorted((q for s in sections for q in s.questions), key=lambda q: q.position))
    content = tuple(
        (s.title, tuple((q.id, q.code, q.text, q.type.value, q.required, q.allow_dont_know,
                         tuple(tuple(o.items()) for o in q.options), q.min_value, q.max_value, q.max_length,
                         q.weighting_role)
                        for q in s.questions))
        for s in sections
    )
    return VersionSpec(version.id, version.number, sections, questions, (version.id, content))


def _question(q: Any) -> QuestionSpec:
    return QuestionSpec(
        id=q.id, position=q.position, code=q.code, text=q.text, type=QuestionType(q.type),
        required=bool(q.required), allow_dont_know=bool(q.allow_dont_know),
        options=tuple(MappingProxyType(dict(o)) for o in (q.options or ())),
        min_value=q.min_value, max_value=q.max_value, max_length=q.max_length,
        weighting_role=WeightingRole(q.weighting_role) if q.weighting_role else None,
    )
