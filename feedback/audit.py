"""How the audit log (/admin/audit) words the feedback actions: "Nguyễn Văn A đã ẩn góp ý #12 lúc …"."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "feedback.document.create": _l("đã tạo"),
    "feedback.version.upload": _l("đã tải lên"),
    "feedback.version.window": _l("đã đặt thời gian nhận góp ý của"),
    "feedback.version.freeze": _l("đã khóa góp ý của"),
    "feedback.version.publish": _l("đã công bố"),
    "feedback.comment.approve": _l("đã duyệt"),
    "feedback.comment.hide": _l("đã ẩn"),
    "feedback.comment.unhide": _l("đã hiện lại"),
    "feedback.comment.forget_contacts": _l("đã xóa thông tin liên hệ của người góp ý trên"),
    "feedback.disposition.create": _l("đã ghi"),
    "feedback.disposition.update": _l("đã sửa"),
    "feedback.disposition.publish_all": _l("đã công bố mọi ý kiến tiếp thu, giải trình của"),
    "feedback.export": _l("đã tải dữ liệu góp ý của"),
}
OBJECTS = {
    "feedback_documents": _l("dự thảo"),
    "feedback_versions": _l("phiên bản dự thảo"),
    "feedback_comments": _l("góp ý"),
    "feedback_dispositions": _l("ý kiến tiếp thu, giải trình"),
}
