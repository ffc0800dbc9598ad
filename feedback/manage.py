"""Staff pages: documents, versions, moderation, answers, progress, exports."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from core.auth import role_required
from core.db import get_session
from core.models import (
    MANAGER_ROLES,
    REPORT_ROLES,
    AreaLevel,
    AuditEntry,
    User,
    visible_areas,
)
from core.timezones import to_local, to_utc
from feedback import exports
from feedback.exports import COMMENT_LOADS
from feedback.forms import (
    HIDDEN_REASON_LABELS,
    MODERATION_LABELS,
    STATUS_LABELS,
    DispositionForm,
    DocumentForm,
    ModerationForm,
    UploadForm,
    WindowForm,
)
from feedback.importers import DocumentImportError, parse_upload
from feedback.models import (
    Comment,
    CommentStatus,
    Disposition,
    DispositionKind,
    Document,
    DocumentVersion,
    HiddenReason,
    ModerationMode,
)
from feedback.moderation import (
    answer_comments,
    comments_of,
    moderate_comment,
    publish_answers,
    responsible_officers,
    update_disposition,
)
from feedback.services import (
    FeedbackError,
    add_version,
    can_manage,
    can_report,
    create_document,
    documents_for,
    publish_version,
    removed_paragraphs,
    set_window,
)
from feedback.views import bp, load_document

PAGE_SIZE = 100  # comments per moderation page


def managed_document(code: str, *, report: bool = False) -> Any:
    """The document if the signed-in user may manage it (or report on it), else 403."""
    document = load_document(code)
    allowed = can_report if report else can_manage
    if not allowed(current_user, document):
        abort(403)
    return document


@bp.route("/manage")
@role_required(*REPORT_ROLES)
def manage() -> Any:
    """Drafts in the user's area."""
    return render_template("feedback/manage.html", documents=documents_for(get_session(), current_user))


@bp.route("/manage/new", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def new_document() -> Any:
    """Create a draft document for an area in the officer's scope."""
    session = get_session()
    form = DocumentForm()
    areas = [a for a in visible_areas(session, current_user) if a.level != AreaLevel.HAMLET]
    form.area_code.choices = [SelectChoice(a.code, f"{a.name} ({a.code})") for a in areas]
    if form.validate_on_submit():
        area = next(a for a in areas if a.code == form.area_code.data)
        try:
            document = create_document(
                session, title=form.title.data, area=area,
                moderation=ModerationMode(form.moderation.data), actor=current_user,
            )
        except FeedbackError as exc:
            form.title.errors.append(str(exc))
        else:
            session.commit()
            return redirect(url_for("feedback.document", code=document.code))
    return render_template("feedback/new.html", form=form)


@bp.route("/manage/<code>")
@role_required(*REPORT_ROLES)
def document(code: str) -> Any:
    """Versions, upload, comment window and links to the other staff pages."""
    document = managed_document(code, report=True)
    session = get_session()
    windows = {
        v.id: WindowForm(
            formdata=None, prefix=f"v{v.number}", opens_at=to_local(v.opens_at), closes_at=to_local(v.closes_at)
        )
        for v in document.versions
    }
    removed = {v.id: len(removed_paragraphs(session, v)) for v in document.versions}
    return render_template(
        "feedback/document.html", document=document, upload_form=UploadForm(), windows=windows,
        removed=removed, moderation_labels=MODERATION_LABELS, may_manage=can_manage(current_user, document),
    )


@bp.route("/manage/<code>/upload", methods=["POST"])
@role_required(*MANAGER_ROLES)
def upload(code: str) -> Any:
    """A .docx or Markdown file becomes the next draft version; a bad file stores nothing."""
    document = managed_document(code)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("Hãy chọn tệp dự thảo."), "error")
        return redirect(url_for("feedback.document", code=code))
    data = form.file.data.read()
    filename = form.file.data.filename or ""
    try:
        parsed = parse_upload(filename, data)
    except DocumentImportError as exc:
        flash(_("Không nhận tệp %(name)s: %(reason)s Chưa lưu gì.", name=filename, reason=str(exc)), "error")
        return redirect(url_for("feedback.document", code=code)), 303
    session = get_session()
    version = add_version(session, document, parsed, filename=filename, data=data, actor=current_user)
    session.commit()
    flash(_("Đã tải lên phiên bản %(n)d (%(p)d đoạn).", n=version.number, p=len(version.paragraphs)), "info")
    return redirect(url_for("feedback.document", code=code))


def _version(document: Any, number: int) -> DocumentVersion:
    version = next((v for v in document.versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


@bp.route("/manage/<code>/<int:number>/window", methods=["POST"])
@role_required(*MANAGER_ROLES)
def window(code: str, number: int) -> Any:
    """Set when a version accepts comments."""
    document = managed_document(code)
    version = _version(document, number)
    form = WindowForm(prefix=f"v{number}")
    if not form.validate_on_submit():
        flash(_("Thời điểm không hợp lệ."), "error")
        return redirect(url_for("feedback.document", code=code))
    session = get_session()
    try:
        set_window(session, version, opens_at=to_utc(form.opens_at.data),
                   closes_at=to_utc(form.closes_at.data), actor=current_user)
    except FeedbackError as exc:
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("Đã lưu thời gian nhận góp ý."), "info")
    return redirect(url_for("feedback.document", code=code))


@bp.route("/manage/<code>/<int:number>/publish", methods=["POST"])
@role_required(*MANAGER_ROLES)
def publish(code: str, number: int) -> Any:
    """Publish a draft version; the previous published one is frozen."""
    document = managed_document(code)
    session = get_session()
    try:
        publish_version(session, _version(document, number), actor=current_user)
    except FeedbackError as exc:
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("Đã công bố phiên bản %(n)d.", n=number), "info")
    return redirect(url_for("feedback.document", code=code))


@bp.route("/manage/<code>/comments")
@role_required(*MANAGER_ROLES)
def comments(code: str) -> Any:
    """All comments, filterable by status, with moderation and answer actions."""
    document = managed_document(code)
    status = request.args.get("status", "")
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = (
        select(Comment).join(Comment.version)
        .where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.number.desc(), Comment.id)
        .options(*COMMENT_LOADS, selectinload(Comment.entered_by))
    )
    if status in {s.value for s in CommentStatus}:
        stmt = stmt.where(Comment.status == CommentStatus(status))
    rows = list(get_session().scalars(stmt.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    return render_template(
        "feedback/comments.html", document=document, comments=rows[:PAGE_SIZE], page=page,
        has_next=len(rows) > PAGE_SIZE, status=status, status_labels=STATUS_LABELS,
        reason_labels=HIDDEN_REASON_LABELS,
    )


@bp.route("/manage/comments/<int:comment_id>/moderate", methods=["POST"])
@role_required(*MANAGER_ROLES)
def moderate(comment_id: int) -> Any:
    """Approve, hide (with a reason) or unhide a comment; recorded in the audit log."""
    session = get_session()
    comment = session.get(Comment, comment_id) or abort(404)
    document = managed_document(comment.version.document.code)
    form = ModerationForm()
    if form.validate_on_submit() and form.action.data in ("approve", "hide", "unhide"):
        try:
            moderate_comment(
                session, comment, form.action.data, actor=current_user,
                reason=HiddenReason(form.reason.data) if form.reason.data else None, note=form.note.data or "",
            )
        except FeedbackError as exc:
            flash(str(exc), "error")
        else:
            session.commit()
            flash(_("Đã cập nhật góp ý số %(id)d.", id=comment.id), "info")
    return redirect(url_for("feedback.comments", code=document.code, status=request.args.get("status", "")))


def _officer_choices(form: DispositionForm, document: Any) -> None:
    officers = responsible_officers(get_session(), document)
    form.officer_id.choices = [SelectChoice(u.id, u.full_name or u.email) for u in officers]
    if form.officer_id.data is None and current_user.role in MANAGER_ROLES:
        form.officer_id.data = current_user.id


@bp.route("/manage/<code>/answer", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def answer(code: str) -> Any:
    """Answer the ticked comments with one disposition (a group when several)."""
    document = managed_document(code)
    session = get_session()
    ids = [int(i) for i in request.values.getlist("comment") if i.isdigit()]
    chosen = comments_of(session, document, ids)
    form = DispositionForm()
    _officer_choices(form, document)
    if form.validate_on_submit():
        try:
            answer_comments(
                session, document, chosen, kind=DispositionKind(form.kind.data), reply=form.reply.data,
                officer=session.get(User, form.officer_id.data), actor=current_user,
                publish=form.publish.data,
            )
        except FeedbackError as exc:
            form.reply.errors.append(str(exc))
        else:
            session.commit()
            flash(_("Đã ghi ý kiến tiếp thu, giải trình cho %(n)d góp ý.", n=len(chosen)), "info")
            return redirect(url_for("feedback.comments", code=code))
    return render_template("feedback/answer.html", document=document, form=form, chosen=chosen, disposition=None)


@bp.route("/manage/dispositions/<int:disposition_id>", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def edit_answer(disposition_id: int) -> Any:
    """Change an answer (kind, text, officer, published)."""
    session = get_session()
    disposition = session.get(Disposition, disposition_id) or abort(404)
    document = managed_document(session.get(Document, disposition.document_id).code)
    form = DispositionForm(obj=disposition if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data, form.publish.data = disposition.kind.value, disposition.is_published
    _officer_choices(form, document)
    if form.validate_on_submit():
        try:
            update_disposition(
                session, disposition, kind=DispositionKind(form.kind.data), reply=form.reply.data,
                officer=session.get(User, form.officer_id.data), actor=current_user,
                publish=form.publish.data,
            )
        except FeedbackError as exc:
            form.reply.errors.append(str(exc))
        else:
            session.commit()
            flash(_("Đã cập nhật ý kiến tiếp thu, giải trình."), "info")
            return redirect(url_for("feedback.comments", code=document.code))
    return render_template(
        "feedback/answer.html", document=document, form=form, chosen=disposition.comments, disposition=disposition
    )


@bp.route("/manage/<code>/publish-answers", methods=["POST"])
@role_required(*MANAGER_ROLES)
def publish_all_answers(code: str) -> Any:
    """Publish every answer on the public feedback-loop page."""
    document = managed_document(code)
    session = get_session()
    count = publish_answers(session, document, actor=current_user)
    session.commit()
    flash(_("Đã công khai %(n)d ý kiến tiếp thu, giải trình.", n=count), "info")
    return redirect(url_for("feedback.document", code=code))


@bp.route("/manage/<code>/progress")
@role_required(*REPORT_ROLES)
def progress(code: str) -> Any:
    """How many comments are answered, per section and per commenter type."""
    document = managed_document(code, report=True)
    return render_template("feedback/progress.html", document=document,
                           report=exports.load_progress(get_session(), document))


@bp.route("/manage/<code>/export.<any(docx, xlsx):fmt>")
@role_required(*REPORT_ROLES)
def export(code: str, fmt: str) -> Any:
    """The synthesis table (Bảng tổng hợp, tiếp thu, giải trình), filtered by version and commenter type."""
    document = managed_document(code, report=True)
    out = io.BytesIO()
    with force_locale("vi"):  # the synthesis table is an official document, always in Vietnamese
        table = exports.load_synthesis(
            get_session(), document, version=request.args.get("version", type=int),
            commenter_type=request.args.get("type") or None,
        )
        (exports.write_docx if fmt == "docx" else exports.write_synthesis_xlsx)(table, out)
    out.seek(0)
    mimetype = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[fmt]
    name = f"tong-hop-y-kien-{document.code}.{fmt}"
    return send_file(out, mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/manage/<code>/audit")
@role_required(*MANAGER_ROLES)
def audit(code: str) -> Any:
    """The audit trail of the document: uploads, publication, moderation, answers."""
    document = managed_document(code)
    entries = get_session().scalars(
        select(AuditEntry)
        .where(AuditEntry.action.startswith("feedback."), AuditEntry.details["document"].as_string() == code)
        .order_by(AuditEntry.created_at.desc())
    )
    return render_template("feedback/audit.html", document=document, entries=list(entries))
