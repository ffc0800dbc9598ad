"""Forms and labels of the feedback feature: validation only, no writes."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from core.forms import ORGANISATION_KIND_LABELS, BoundedDateTimeField, Form
from feedback.models import (
    AuthorKind,
    CommentStatus,
    DispositionKind,
    HiddenReason,
    ModerationMode,
    ParagraphChange,
)
from feedback.services.answers import MAX_REPLY_CHARS
from feedback.services.comments import MAX_COMMENT_CHARS

COMMENTER_TYPE_LABELS = {AuthorKind.RESIDENT.value: _l("Người dân")} | {
    kind.value: label for kind, label in ORGANISATION_KIND_LABELS.items()
}
DISPOSITION_LABELS = {
    DispositionKind.TAKEN_IN: _l("Tiếp thu"),
    DispositionKind.PARTLY_TAKEN_IN: _l("Tiếp thu một phần"),
    DispositionKind.EXPLAINED: _l("Giải trình"),
    DispositionKind.OUT_OF_SCOPE: _l("Không thuộc phạm vi dự thảo"),
}
HIDDEN_REASON_LABELS = {
    HiddenReason.ABUSE: _l("Xúc phạm, lăng mạ"),
    HiddenReason.SPAM: _l("Quảng cáo, tin rác"),
    HiddenReason.PERSONAL_DATA: _l("Chứa dữ liệu cá nhân"),
}
STATUS_LABELS = {
    CommentStatus.PENDING: _l("Chờ duyệt"),
    CommentStatus.VISIBLE: _l("Đang hiển thị"),
    CommentStatus.HIDDEN: _l("Đã ẩn"),
}
# The staff comment list's filters: the officer's to-do list first, then the statuses.
COMMENT_FILTER_LABELS = {"unanswered": _l("Chưa trả lời"), "answered": _l("Đã trả lời")} | {
    status.value: label for status, label in STATUS_LABELS.items()
}
MODERATION_LABELS = {
    ModerationMode.POST: _l("Hiển thị ngay, kiểm duyệt sau"),
    ModerationMode.PRE: _l("Duyệt trước khi hiển thị"),
}
CHANGE_LABELS = {
    ParagraphChange.CHANGED: _l("Đã sửa so với bản trước"),
    ParagraphChange.NEW: _l("Đoạn mới"),
}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
TOO_LONG = _l("Tối đa %(max)d ký tự.")


def looks_like_email(value: str) -> bool:
    """One @ with something on each side and a dot in the domain: enough to try sending."""
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value.strip()) is not None


def browser_line_breaks(value: str | None) -> str | None:
    """A textarea sends each line break as CR LF but its maxlength counted it once: count it once too."""
    return value.replace("\r\n", "\n") if value else value


def comment_body() -> TextAreaField:
    """The comment text, with Vietnamese messages (WTForms has no Vietnamese catalog)."""
    return TextAreaField(
        _l("Nội dung góp ý"), filters=[browser_line_breaks],
        validators=[
            InputRequired(_l("Hãy nhập nội dung góp ý.")),
            Length(max=MAX_COMMENT_CHARS, message=_l("Nội dung góp ý dài quá %(n)d ký tự.", n=MAX_COMMENT_CHARS)),
        ],
    )


class ResidentCommentForm(Form):
    """A resident's comment; who they are is optional. ``website`` is a honeypot."""

    def set_communes(self, names: list[str]) -> None:
        """Offer these communes, after an empty choice for a resident who would rather not say."""
        self.commune.choices = [SelectChoice("", _l("— Không nêu —"))] + [SelectChoice(n, n) for n in names]

    body = comment_body()
    name = StringField(_l("Họ và tên (không bắt buộc)"), validators=[Optional(), Length(max=120, message=TOO_LONG)])
    # Chosen from the communes of the draft's area (the view fills them), so names are spelt one way.
    commune = SelectField(_l("Xã, phường nơi ở (không bắt buộc)"), choices=[], validators=[Optional()])
    contact = StringField(
        _l("Số điện thoại hoặc thư điện tử (không bắt buộc)"),
        validators=[Optional(), Length(max=120, message=TOO_LONG)],
    )
    consent = BooleanField(_l(
        "Tôi đồng ý để Ban Chỉ đạo xử lý họ tên, nơi ở và liên hệ tôi ghi ở trên, kể cả công khai họ tên và nơi ở "
        "cùng góp ý, như thông báo ngay phía trên."
    ))
    notify = BooleanField(
        _l("Gửi thư điện tử cho tôi khi có ý kiến tiếp thu, giải trình (ghi địa chỉ thư ở ô liên hệ)")
    )
    website = StringField(_l("Để trống ô này"), validators=[Optional()])

    def validate_notify(self, field: BooleanField) -> None:
        """The e-mail goes to the contact field: it must hold an address."""
        if field.data and not looks_like_email(self.contact.data or ""):
            raise ValidationError(_l("Hãy ghi địa chỉ thư điện tử ở ô liên hệ để nhận thư trả lời."))

    def validate_consent(self, field: BooleanField) -> None:
        """Law 91/2025/QH15: personal data only with explicit, informed consent; silence is not consent."""
        gave_data = any((f.data or "").strip() for f in (self.name, self.commune, self.contact))
        if gave_data and not field.data:
            raise ValidationError(_l("Hãy đánh dấu đồng ý, hoặc để trống họ tên, nơi ở và liên hệ."))


class OrganisationCommentForm(Form):
    """A comment entered by an official in the name of their organisation."""

    body = comment_body()
    meeting_date = DateField(_l("Ngày họp (nếu là ý kiến tổng hợp từ cuộc họp)"), validators=[Optional()])
    participants = IntegerField(
        _l("Số người dự họp"),
        validators=[Optional(), NumberRange(min=1, max=100000, message=_l("Số người dự họp phải từ 1 đến 100000."))],
    )

    def validate_meeting_date(self, field: DateField) -> None:
        """Not after today in the platform's time zone (the date the official sees on the wall)."""
        if field.data and field.data > datetime.now(get_timezone()).date():
            raise ValidationError(_l("Ngày họp không thể ở tương lai."))


class DocumentForm(Form):
    """A new draft document; the area list is filled by the view."""

    title = StringField(
        _l("Tên dự thảo"), validators=[InputRequired(_l("Hãy nhập tên dự thảo.")), Length(max=300, message=TOO_LONG)]
    )
    area_code = SelectField(_l("Địa bàn"), choices=[], validate_choice=True)
    moderation = RadioField(
        _l("Kiểm duyệt góp ý của người dân"),
        choices=[SelectChoice(m.value, label) for m, label in MODERATION_LABELS.items()],
        default=ModerationMode.POST.value,
    )


class UploadForm(Form):
    """A .docx or Markdown file: becomes the next version."""

    file = FileField(
        _l("Tệp dự thảo (.docx hoặc .md)"), validators=[FileRequired()],
        render_kw={"accept": ".docx,.md,.markdown"},
    )


class WindowForm(Form):
    """When a version accepts comments, in local time (empty = no limit)."""

    opens_at = BoundedDateTimeField(_l("Bắt đầu nhận góp ý"), format=DATETIME_FORMAT, validators=[Optional()])
    closes_at = BoundedDateTimeField(_l("Kết thúc nhận góp ý"), format=DATETIME_FORMAT, validators=[Optional()])


class ModerationForm(Form):
    """Approve, hide (with a reason), unhide or anonymise one comment."""

    action = HiddenField(validators=[InputRequired()])
    reason = SelectField(
        _l("Lý do ẩn"),
        choices=[SelectChoice("", "—")] + [SelectChoice(r.value, label) for r, label in HIDDEN_REASON_LABELS.items()],
        validators=[Optional()],
    )
    note = StringField(_l("Ghi chú"), validators=[Optional(), Length(max=500, message=TOO_LONG)])


class DispositionForm(Form):
    """The official answer to one or several comments."""

    kind = RadioField(
        _l("Hình thức"),
        choices=[SelectChoice(k.value, label) for k, label in DISPOSITION_LABELS.items()],
        validators=[InputRequired(_l("Hãy chọn hình thức tiếp thu, giải trình."))],
    )
    reply = TextAreaField(
        _l("Ý kiến tiếp thu, giải trình"), filters=[browser_line_breaks],
        validators=[
            InputRequired(_l("Hãy nhập nội dung tiếp thu, giải trình.")),
            Length(max=MAX_REPLY_CHARS, message=_l("Nội dung trả lời dài quá %(n)d ký tự.", n=MAX_REPLY_CHARS)),
        ],
    )
    officer_id = SelectField(_l("Cán bộ chịu trách nhiệm"), choices=[], coerce=int, validate_choice=True)
    publish = BooleanField(_l("Công khai trên trang kết quả tiếp thu"))
