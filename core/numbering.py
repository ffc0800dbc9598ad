"""Question numbers as printed: counted on from section to section, over the questions shown only."""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any, NamedTuple


class NumberedSection(NamedTuple):
    """A section and its shown questions, each with its number on the form."""

    section: Any
    questions: list[tuple[int, Any]]


def numbered_sections(
    sections: Iterable[Any], shown: Container[str] | None = None, *, keep_empty: bool = False
) -> list[NumberedSection]:
    """Sections with the questions whose code is in ``shown`` (all when None), numbered on across
    sections. A section with no question shown is left out (the resident's form and the paper sheet)
    unless ``keep_empty`` (the builder, where an empty section can still be filled)."""
    numbered: list[NumberedSection] = []
    number = 0
    for section in sections:
        questions = []
        for question in section.questions:
            if shown is None or question.code in shown:
                number += 1
                questions.append((number, question))
        if questions or keep_empty:
            numbered.append(NumberedSection(section, questions))
    return numbered


def numbered_questions(sections: Iterable[Any], shown: Container[str] | None = None) -> list[tuple[int, Any]]:
    """The same numbers as :func:`numbered_sections`, as one flat list (error summaries, entry screens)."""
    return [pair for group in numbered_sections(sections, shown) for pair in group.questions]
