"""Domain errors of the surveys feature; messages are shown to users as they are."""

from __future__ import annotations


class SurveyError(ValueError):
    """A survey operation that cannot be carried out; the message says why."""


class SurveyUnavailable(SurveyError):
    """The survey is a draft, not open yet or closed: nothing is stored."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


class LinkChanged(SurveyError):
    """Since the link was read (a moment ago), its survey closed or got a new version, or the commune
    left it: nothing is stored; read the link afresh."""


class AnswerErrors(SurveyError):
    """Some answers are invalid; ``errors`` maps question codes to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class FormAlreadySubmitted(Exception):
    """This form's one-time token already stored its response: show the same thank-you, store nothing."""
