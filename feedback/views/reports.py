"""Staff pages for reports: answer progress and the synthesis table as DOCX or XLSX."""

from __future__ import annotations

import io
from typing import Any

from flask import render_template, request, send_file
from flask_babel import force_locale
from flask_login import current_user

from core.auth import role_required
from core.db import get_session
from core.models import REPORT_ROLES, record_audit
from feedback.exports import write_docx, write_synthesis_xlsx
from feedback.services.synthesis import load_progress, load_synthesis
from feedback.views.access import managed_document

MIMETYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@role_required(*REPORT_ROLES)
def progress(code: str) -> Any:
    """How many comments are answered, per section and per commenter type."""
    document = managed_document(code, report=True)
    return render_template("feedback/progress.html", document=document, report=load_progress(get_session(), document))


@role_required(*REPORT_ROLES)
def export(code: str, fmt: str) -> Any:
    """The synthesis table (Bảng tổng hợp, tiếp thu, giải trình), filtered by version and commenter type."""
    document = managed_document(code, report=True)
    out = io.BytesIO()
    with force_locale("vi"):  # the synthesis table is an official document, always in Vietnamese
        table = load_synthesis(
            get_session(), document, version=request.args.get("version", type=int),
            commenter_type=request.args.get("type") or None,
        )
        (write_docx if fmt == "docx" else write_synthesis_xlsx)(table, out)
    session = get_session()
    record_audit(session, current_user, "feedback.export", document, format=fmt,
                 version=request.args.get("version"), type=request.args.get("type"))
    session.commit()
    out.seek(0)
    name = f"tong-hop-y-kien-{document.code}.{fmt}"
    return send_file(out, mimetype=MIMETYPES[fmt], as_attachment=True, download_name=name)
