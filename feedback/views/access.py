"""The document or version a URL names, or 404/403: shared by the public and the staff pages."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from core.db import get_session
from core.models import User
from feedback.models import Document, DocumentVersion
from feedback.services.documents import (
    can_manage,
    can_report,
    find_document,
    find_version,
    may_read,
    may_see,
)


def signed_in_user() -> User | None:
    """The account making the request, or None for a resident without one."""
    return current_user if current_user.is_authenticated else None  # type: ignore[return-value]


def load_document(code: str) -> Document:
    """The document with this code, or 404."""
    document = find_document(get_session(), code)
    if document is None:
        abort(404)
    return document


def public_document(code: str) -> Document:
    """The document once a version has been published (drafts stay with their managers), or 404."""
    document = load_document(code)
    if not may_see(signed_in_user(), document):
        abort(404)
    return document


def readable_version(document: Document, number: int | None) -> DocumentVersion:
    """A published or frozen version; drafts only for the officers who manage them; else 404."""
    version = find_version(document, number)
    if version is None or not may_read(signed_in_user(), version):
        abort(404)
    return version


def check_managed(document: Document, *, report: bool = False) -> Document:
    """The document if the signed-in user may manage it (or report on it), else 403."""
    allowed = can_report if report else can_manage
    if not allowed(current_user, document):
        abort(403)
    return document


def managed_document(code: str, *, report: bool = False) -> Document:
    """The document with this code if the signed-in user may manage it (or report on it); else 404 or 403."""
    return check_managed(load_document(code), report=report)


def managed_version(document: Document, number: int) -> DocumentVersion:
    """The numbered version of a managed document, or 404."""
    version = find_version(document, number)
    if version is None:
        abort(404)
    return version
