"""Staff pages for documents: the list, a new draft, versions (upload, comment window, publication), audit trail."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import role_required
from core.db import get_session
from core.models import MANAGER_ROLES, REPORT_ROLES, AreaLevel, visible_areas
from core.timezones import to_local, to_utc
from feedback.forms import MODERATION_LABELS, DocumentForm, UploadForm, WindowForm
from feedback.importers import DocumentImportError, parse_upload
from feedback.models import ModerationMode
from feedback.services import FeedbackError
from feedback.services.documents import audit_trail, can_manage, create_document, documents_for
from feedback.services.versions import add_version, publish_version, removed_paragraphs, set_window
from feedback.views.access import managed_document, managed_version


@role_required(*REPORT_ROLES)
def manage() -> Any:
    """Drafts in the user's area."""
    return render_template("feedback/manage.html", documents=documents_for(get_session(), current_user))


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
            return redirect(url_for("feedback_staff.document", code=document.code))
    return render_template("feedback/new.html", form=form)


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


@role_required(*MANAGER_ROLES)
def upload(code: str) -> Any:
    """A .docx or Markdown file becomes the next draft version; a bad file stores nothing."""
    document = managed_document(code)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("Hãy chọn tệp dự thảo."), "error")
        return redirect(url_for("feedback_staff.document", code=code))
    data = form.file.data.read()
    filename = form.file.data.filename or ""
    try:
        parsed = parse_upload(filename, data)
    except DocumentImportError as exc:
        flash(_("Không nhận tệp %(name)s: %(reason)s Chưa lưu gì.", name=filename, reason=str(exc)), "error")
        return redirect(url_for("feedback_staff.document", code=code)), 303
    session = get_session()
    version = add_version(session, document, parsed, filename=filename, data=data, actor=current_user)
    session.commit()
    flash(_("Đã tải lên phiên bản %(n)d (%(p)d đoạn).", n=version.number, p=len(version.paragraphs)), "info")
    return redirect(url_for("feedback_staff.document", code=code))


@role_required(*MANAGER_ROLES)
def window(code: str, number: int) -> Any:
    """Set when a version accepts comments."""
    document = managed_document(code)
    version = managed_version(document, number)
    form = WindowForm(prefix=f"v{number}")
    if not form.validate_on_submit():
        errors = [str(error) for field in (form.opens_at, form.closes_at) for error in field.errors]
        flash(errors[0] if errors else _("Thời điểm không hợp lệ."), "error")
        return redirect(url_for("feedback_staff.document", code=code))
    session = get_session()
    try:
        set_window(session, version, opens_at=to_utc(form.opens_at.data),
                   closes_at=to_utc(form.closes_at.data), actor=current_user)
    except FeedbackError as exc:
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("Đã lưu thời gian nhận góp ý."), "info")
    return redirect(url_for("feedback_staff.document", code=code))


@role_required(*MANAGER_ROLES)
def publish(code: str, number: int) -> Any:
    """Publish a draft version; the previous published one is frozen."""
    document = managed_document(code)
    session = get_session()
    try:
        publish_version(session, managed_version(document, number), actor=current_user)
    except FeedbackError as exc:
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("Đã công bố phiên bản %(n)d.", n=number), "info")
    return redirect(url_for("feedback_staff.document", code=code))


@role_required(*MANAGER_ROLES)
def audit(code: str) -> Any:
    """The audit trail of the document: uploads, publication, moderation, answers."""
    document = managed_document(code)
    return render_template("feedback/audit.html", document=document, entries=audit_trail(get_session(), document))
