"""Public pages: reading the draft, commenting, short link, QR, poster and the feedback loop."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.db import begin_write, get_session, utc_now
from core.extensions import client_fingerprint, limiter
from core.links import public_url
from core.models import Role
from core.qr import qr_png, qr_svg, qr_svg_inline
from feedback.exports import COMMENT_LOADS
from feedback.forms import (
    CHANGE_LABELS,
    COMMENTER_TYPE_LABELS,
    DISPOSITION_LABELS,
    OrganisationCommentForm,
    ResidentCommentForm,
)
from feedback.models import (
    Comment,
    CommentStatus,
    Document,
    DocumentVersion,
    VersionStatus,
)
from feedback.services import (
    CommentWindowClosed,
    FeedbackError,
    OrganisationAuthor,
    ResidentAuthor,
    can_manage,
    comments_on,
    find_version,
    load_text,
    open_documents,
    removed_paragraphs,
    resolve_target,
    submit_comment,
    visible_counts,
)

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
short = Blueprint("feedback_link", __name__)


def comment_rate_limit() -> str:
    """Configurable so an event with many residents on one network can raise it."""
    return current_app.config["FEEDBACK_COMMENT_RATE_LIMIT"]


@bp.context_processor
def labels() -> dict[str, Any]:
    """Labels the feedback pages need (only on this blueprint's requests)."""
    return {
        "commenter_labels": COMMENTER_TYPE_LABELS,
        "disposition_labels": DISPOSITION_LABELS,
        "change_labels": CHANGE_LABELS,
        "now": utc_now(),
    }


def load_document(code: str) -> Document:
    """The document with this code, or 404."""
    document = get_session().scalar(select(Document).where(Document.code == code))
    if document is None:
        abort(404)
    return document


def public_document(code: str) -> Document:
    """The document once a version has been published (drafts stay with their managers), or 404."""
    document = load_document(code)
    if not any(v.status != VersionStatus.DRAFT for v in document.versions) and not (
        current_user.is_authenticated and can_manage(current_user, document)
    ):
        abort(404)
    return document


def readable_version(document: Document, number: int | None) -> DocumentVersion:
    """A published or frozen version; drafts only for the officers who manage them."""
    version = find_version(document, number)
    if version is None:
        abort(404)
    if version.status == VersionStatus.DRAFT and not (
        current_user.is_authenticated and can_manage(current_user, document)
    ):
        abort(404)
    return version


@short.route("/d/<code>")
def short_link(code: str) -> Any:
    """The short link printed under the QR code."""
    return redirect(url_for("feedback.read", code=load_document(code).code))


@bp.route("/")
def index() -> Any:
    """Drafts open for comments now."""
    return render_template("feedback/index.html", open_documents=open_documents(get_session()))


@bp.route("/<code>")
def read(code: str) -> Any:
    """The draft, section by section, with a comment count and a "Góp ý" link per paragraph."""
    document = load_document(code)
    version = readable_version(document, request.args.get("v", type=int))
    session = get_session()
    return render_template(
        "feedback/read.html",
        document=document,
        version=version,
        sections=load_text(session, version),
        counts=visible_counts(session, version),
        removed=removed_paragraphs(session, version),
        is_open=version.is_open(utc_now()),
    )


def _signed_in() -> bool:
    """Accounts answer for what they enter (an official types up a whole meeting): no rate limit."""
    return bool(current_user.is_authenticated)


def comment_context(code: str, number: int, anchor: str) -> dict[str, Any]:
    """The document, version, target and visible comments of a comment page, or 404."""
    document = load_document(code)
    version = readable_version(document, number)
    try:
        target = resolve_target(get_session(), version, anchor)
    except LookupError:
        abort(404)
    return {"document": document, "version": version, "target": target, "anchor": anchor,
            "comments": comments_on(get_session(), version, anchor)}


def _rate_limited(_limit: Any) -> Any:
    """Too many comments from this connection: show the form again with the text kept."""
    form = ResidentCommentForm()
    form.body.errors = [_("Có quá nhiều góp ý gửi từ cùng một kết nối. Nội dung của bạn vẫn còn dưới đây; "
                          "vui lòng đợi một phút rồi bấm Gửi góp ý lần nữa.")]
    context = comment_context(**(request.view_args or {}))
    return current_app.make_response((render_template("feedback/comment.html", form=form, as_org=False, **context), 429))


@bp.route("/<code>/<int:number>/<anchor>", methods=["GET", "POST"])
@limiter.limit(comment_rate_limit, methods=["POST"], exempt_when=_signed_in, on_breach=_rate_limited)
def comment(code: str, number: int, anchor: str) -> Any:
    """One paragraph, section or the whole draft: its comments and the comment form."""
    context = comment_context(code, number, anchor)
    version = context["version"]
    if not version.is_open(utc_now()):
        return render_template("feedback/closed.html", **context), 403 if request.method == "POST" else 200
    as_org = current_user.is_authenticated and current_user.role == Role.ORGANISATION
    form = OrganisationCommentForm() if as_org else ResidentCommentForm()
    if form.validate_on_submit():
        if not as_org and form.website.data:  # honeypot: a bot filled the hidden field
            flash(_("Cảm ơn bạn đã góp ý."), "info")
            return redirect(url_for("feedback.read", code=code, v=number))
        saved = _save_comment(version, context["target"], form, as_org)
        if saved is not None:
            _flash_saved(saved)
            return redirect(url_for("feedback.read", code=code, v=number, _anchor=anchor))
    return render_template("feedback/comment.html", form=form, as_org=as_org, **context)


def _save_comment(version: DocumentVersion, target: Any, form: Any, as_org: bool) -> Comment | None:
    session = get_session()
    begin_write(session)  # many residents at one meeting press "Gửi" at the same moment
    if as_org:
        author: Any = OrganisationAuthor(current_user, form.meeting_date.data, form.participants.data)
    else:
        author = ResidentAuthor(form.name.data or "", form.commune.data or "", form.contact.data or "")
    try:
        saved = submit_comment(
            session, version, target, body=form.body.data, author=author,
            client_hash=None if as_org else client_fingerprint(),
        )
    except CommentWindowClosed:
        abort(403)
    except FeedbackError as exc:
        form.body.errors.append(str(exc))
        return None
    session.commit()
    return saved


def _flash_saved(saved: Comment) -> None:
    if saved.status == CommentStatus.PENDING:
        flash(_("Cảm ơn bạn đã góp ý. Ý kiến sẽ hiển thị sau khi được kiểm duyệt."), "info")
    else:
        flash(_("Cảm ơn bạn đã góp ý. Ý kiến của bạn đã được ghi nhận."), "info")


@bp.route("/<code>/answers")
def answers(code: str) -> Any:
    """The feedback loop: each visible comment and, once published, how it was taken in."""
    document = public_document(code)
    comments = get_session().scalars(
        select(Comment)
        .join(Comment.version)
        .where(
            DocumentVersion.document_id == document.id,
            DocumentVersion.status != VersionStatus.DRAFT,
            Comment.status == CommentStatus.VISIBLE,
        )
        .order_by(DocumentVersion.number, Comment.id)
        .options(*COMMENT_LOADS)
    )
    return render_template("feedback/answers.html", document=document, comments=list(comments))


@bp.route("/<code>/qr.<any(png, svg):fmt>")
def qr(code: str, fmt: str) -> Any:
    """The QR code of the short link, as PNG (screens, Zalo) or SVG (print)."""
    url = public_url("feedback_link.short_link", code=public_document(code).code)
    if fmt == "png":
        return Response(qr_png(url), mimetype="image/png")
    return Response(qr_svg(url), mimetype="image/svg+xml")


@bp.route("/<code>/poster")
def poster(code: str) -> Any:
    """A printable A4 poster: title, QR, short link and the comment window."""
    document = public_document(code)
    url = public_url("feedback_link.short_link", code=document.code)
    return render_template(
        "feedback/poster.html", document=document, version=document.current_version,
        url=url, qr_svg=qr_svg_inline(url),
    )
