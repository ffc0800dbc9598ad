"""Feedback services: plain functions, session first, the actor passed in; they flush, the view commits.

One module per topic:

- ``documents``: who may see and manage a draft; finding, listing and creating it; its audit trail
- ``versions``: uploads, comparison with the previous text, the comment window, publication
- ``reading``: the public text of a version and its visible comments
- ``comments``: submitting a comment, as a resident or in the name of an organisation
- ``moderation``: the staff comment list, approve/hide/unhide, erasing residents' contacts
- ``answers``: official answers (tiếp thu, giải trình) and their publication
- ``synthesis``: the synthesis table and answer progress, as plain rows
"""

from __future__ import annotations


class FeedbackError(ValueError):
    """A request that cannot be carried out; the message (Vietnamese) says why."""


class CommentWindowClosed(FeedbackError):
    """The version is not accepting comments now."""
