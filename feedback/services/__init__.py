"""Feedback services: plain functions, session first, the actor passed in; they flush, the view commits.

One module per topic: ``documents`` (who may see and manage a draft, finding and creating it),
``versions`` (uploads, comparison with the previous text, comment window, publication),
``reading`` (the public text and its visible comments), ``comments`` (submitting one),
``moderation`` (the staff comment list, hide/unhide, retention), ``answers`` (official
answers) and ``synthesis`` (the synthesis table and answer progress).
"""

from __future__ import annotations


class FeedbackError(ValueError):
    """A request that cannot be carried out; the message (Vietnamese) says why."""


class CommentWindowClosed(FeedbackError):
    """The version is not accepting comments now."""
