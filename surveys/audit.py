"""How the audit log (/admin/audit) words the surveys' actions: "Nguyễn Văn A đã mở khảo sát #3 lúc …"."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "survey.create": _l("đã tạo"),
    "survey.edit": _l("đã sửa tên, lời giới thiệu hoặc lịch của"),
    "survey.new_version": _l("đã tạo phiên bản mới của"),
    "survey.draft": _l("đã đưa về bản nháp"),
    "survey.open": _l("đã mở"),
    "survey.closed": _l("đã đóng"),
    "survey.add_question": _l("đã thêm câu hỏi vào"),
    "survey.edit_question": _l("đã sửa câu hỏi của"),
    "survey.delete_question": _l("đã xóa câu hỏi của"),
    "survey.move_question": _l("đã chuyển chỗ câu hỏi của"),
    "survey.add_section": _l("đã thêm phần vào"),
    "survey.rename_section": _l("đã đổi tên phần của"),
    "survey.delete_section": _l("đã xóa phần của"),
    "survey.move_section": _l("đã chuyển chỗ phần của"),
    "survey.load_margins": _l("đã nạp cơ cấu dân số cho"),
    "survey.duplicate.kept": _l("đã giữ lại (không trùng)"),
    "survey.duplicate.excluded": _l("đã loại khỏi số liệu (trùng)"),
    "survey.duplicate.pending": _l("đã đưa về chờ xem xét"),
    "survey.export": _l("đã tải dữ liệu phiếu của"),
}
OBJECTS = {"surveys": _l("khảo sát"), "survey_responses": _l("phiếu trả lời")}
