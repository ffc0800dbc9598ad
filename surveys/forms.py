"""Builder forms: validation only, no writes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import BoundedDateTimeField, Form, at_most
from core.forms import required as input_required  # "required" is also a field name below
from surveys.services.builder import ROLE_LABELS, TYPE_LABELS


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes instead of a multi-select (usable on phones and by keyboard)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CreateSurveyForm(Form):
    """A new survey from the NTM template."""

    title = StringField(_l("Tên phiếu"), validators=[input_required(), at_most(300)])
    criteria_set = SelectField(_l("Bộ tiêu chí"), coerce=int)
    communes = MultiCheckboxField(_l("Các xã lấy ý kiến"), coerce=int, validators=[input_required()])
    opens_at = BoundedDateTimeField(_l("Mở từ (không bắt buộc)"), validators=[Optional()])
    closes_at = BoundedDateTimeField(_l("Đóng lúc (không bắt buộc)"), validators=[Optional()])

    def validate_closes_at(self, field: BoundedDateTimeField) -> None:
        """The closing time must come after the opening time."""
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("Thời điểm đóng phải sau thời điểm mở."))


class SurveyDetailsForm(Form):
    """Title, introduction and schedule of an existing survey."""

    title = StringField(_l("Tên phiếu"), validators=[input_required(), at_most(300)])
    introduction = TextAreaField(_l("Lời giới thiệu"), validators=[at_most(3000)])
    opens_at = BoundedDateTimeField(_l("Mở từ (không bắt buộc)"), validators=[Optional()])
    closes_at = BoundedDateTimeField(_l("Đóng lúc (không bắt buộc)"), validators=[Optional()])

    def validate_closes_at(self, field: BoundedDateTimeField) -> None:
        """The closing time must come after the opening time."""
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("Thời điểm đóng phải sau thời điểm mở."))


class QuestionForm(Form):
    """Everything about a question; the view fills the criterion choices from the survey's criteria set."""

    text = TextAreaField(_l("Nội dung câu hỏi"), validators=[input_required(), at_most(1000)])
    type = SelectField(_l("Loại câu hỏi"), choices=[SelectChoice(t.value, label) for t, label in TYPE_LABELS.items()])
    required = BooleanField(_l("Bắt buộc trả lời"))
    allow_dont_know = BooleanField(_l("Có lựa chọn “Không biết / không ý kiến” (thang hài lòng 5 mức)"), default=True)
    options = TextAreaField(_l("Các lựa chọn (mỗi dòng một lựa chọn, có thể ghi mã=nhãn)"), validators=[at_most(5000)])
    min_value = IntegerField(_l("Giá trị nhỏ nhất (câu hỏi số)"), validators=[Optional()])
    max_value = IntegerField(_l("Giá trị lớn nhất (câu hỏi số)"), validators=[Optional()])
    criterion = SelectField(_l("Tiêu chí liên quan"), coerce=int)
    weighting_role = SelectField(
        _l("Dùng để gia quyền"),
        choices=[SelectChoice("", _l("Không"))] + [SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
        default="",
    )


class AddQuestionForm(QuestionForm):
    """A new question at the end of a section."""

    section = SelectField(_l("Phần"), coerce=int)


class ImportForm(Form):
    """A CSV or XLSX file to import (paper responses, population margins)."""

    file = FileField(_l("Tệp CSV hoặc XLSX"), validators=[FileRequired(message=_l("Vui lòng chọn tệp."))])
