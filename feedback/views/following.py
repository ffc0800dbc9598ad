"""A resident follows their comment by its reference code: its own page (the permalink) and its QR code."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for

from core.db import get_session
from core.links import public_url
from core.qr import qr_svg, qr_svg_inline
from feedback.models import Comment
from feedback.services.comments import find_by_reference


def _comment(reference: str) -> Comment:
    comment = find_by_reference(get_session(), reference)
    if comment is None:
        abort(404)
    return comment


def follow(reference: str) -> Any:
    """One comment: what it is about, its status and, once published, the answer."""
    comment = _comment(reference)
    if reference != comment.reference:  # typed with capitals or spaces: one address per comment
        return redirect(url_for("feedback_public.follow", reference=comment.reference))
    url = public_url("feedback_public.follow", reference=comment.reference)
    return render_template(
        "feedback/follow.html", c=comment, document=comment.version.document, url=url,
        qr_svg=qr_svg_inline(url, scale=3),
    )


def lookup() -> Any:
    """The box where a resident types the reference code they were given."""
    reference = request.args.get("ref", "")
    comment = find_by_reference(get_session(), reference) if reference else None
    if comment is not None:
        return redirect(url_for("feedback_public.follow", reference=comment.reference))
    return render_template("feedback/lookup.html", reference=reference), 404 if reference else 200


def comment_qr(reference: str) -> Any:
    """The QR code of the comment's page (SVG), to save or print."""
    url = public_url("feedback_public.follow", reference=_comment(reference).reference)
    return Response(qr_svg(url), mimetype="image/svg+xml")
