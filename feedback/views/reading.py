"""Public pages for reading: the short link, open drafts, the draft itself, the feedback loop, QR and poster."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from core.db import get_session, utc_now
from core.links import public_url
from core.qr import qr_png, qr_svg, qr_svg_inline
from feedback.services.documents import open_documents
from feedback.services.reading import (
    AnswerFilters,
    commented_sections,
    filter_answers,
    load_text,
    public_comments,
    text_blocks,
    visible_counts,
)
from feedback.services.versions import removed_paragraphs
from feedback.views.access import load_document, public_document, readable_version

FILTER_NAMES = [field.name for field in fields(AnswerFilters)]  # the GET parameters of the answers page


def short_link(code: str) -> Any:
    """The short link printed under the QR code."""
    return redirect(url_for("feedback_public.read", code=load_document(code).code))


def index() -> Any:
    """Drafts open for comments now."""
    return render_template("feedback/index.html", open_documents=open_documents(get_session()))


def read(code: str) -> Any:
    """The draft, section by section, with a comment count and a "Góp ý" link per paragraph."""
    document = load_document(code)
    version = readable_version(document, request.args.get("v", type=int))
    session = get_session()
    sections = load_text(session, version)
    return render_template(
        "feedback/read.html",
        document=document,
        version=version,
        sections=sections,
        blocks={section.id: text_blocks(section.paragraphs) for section in sections},
        counts=visible_counts(session, version),
        removed=removed_paragraphs(session, version),
        is_open=version.is_open(utc_now()),
    )


def answers(code: str) -> Any:
    """The feedback loop: each visible comment and, once published, how it was taken in; searchable, filterable."""
    document = public_document(code)
    comments = public_comments(get_session(), document)
    filters = AnswerFilters(**{name: request.args.get(name, "").strip()[:200] for name in FILTER_NAMES})
    return render_template(
        "feedback/answers.html", document=document, comments=comments, filters=filters,
        shown=filter_answers(comments, filters), sections=commented_sections(comments),
    )


def qr(code: str, fmt: str) -> Any:
    """The QR code of the short link, as PNG (screens, Zalo) or SVG (print)."""
    url = public_url("feedback_public.short_link", code=public_document(code).code)
    if fmt == "png":
        return Response(qr_png(url), mimetype="image/png")
    return Response(qr_svg(url), mimetype="image/svg+xml")


def poster(code: str) -> Any:
    """A printable A4 poster: title, QR, short link and the comment window."""
    document = public_document(code)
    url = public_url("feedback_public.short_link", code=document.code)
    return render_template(
        "feedback/poster.html", document=document, version=document.current_version,
        url=url, qr_svg=qr_svg_inline(url),
    )
