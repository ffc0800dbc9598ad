"""Builder forms: validation only, no writes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField
from wtforms.validators import NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import BoundedDateTimeField, Form, at_most
from core.forms import required as input_required  # "required" is also a field name below
from surveys.services.builder import ROLE_LABELS, TYPE_LABELS
from surveys.services.plans import PLAN_LABELS
from surveys.services.population import KIND_LABELS as POPULATION_KINDS


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


def _choices(labels: dict[str, object]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class PlanForm(Form):
    """The choices of an analysis plan; ``surveys.services.plans.save_plan`` makes them a new version."""

    design = SelectField(_l("Thiết kế mẫu"), choices=_choices(PLAN_LABELS["design"]))
    design_weights = SelectField(_l("Trọng số thiết kế"), choices=_choices(PLAN_LABELS["design_weights"]))
    calibration = SelectField(_l("Hiệu chỉnh theo dân số"), choices=_choices(PLAN_LABELS["calibration"]))
    collapse = BooleanField(_l("Gộp ô trống trong từng xã thay vì dừng tính"))
    trim_low = FloatField(_l("Cắt trọng số: cận dưới (lần trọng số trung bình của xã)"),
                          validators=[Optional(), NumberRange(min=0, max=0.999)])
    trim_high = FloatField(_l("Cắt trọng số: cận trên"), validators=[Optional(), NumberRange(min=1.001)])
    satisfied_min = IntegerField(_l("“Hài lòng” là trả lời từ"), validators=[input_required(), NumberRange(2, 5)])
    dissatisfied_max = IntegerField(_l("“Không hài lòng” là trả lời đến"),
                                    validators=[input_required(), NumberRange(1, 4)])
    commune_target = FloatField(_l("Chỉ tiêu cấp xã (% hài lòng)"), validators=[Optional(), NumberRange(0, 100)])
    district_target = FloatField(_l("Chỉ tiêu cấp huyện (% hài lòng)"), validators=[Optional(), NumberRange(0, 100)])
    district_until = DateField(_l("Chỉ tiêu cấp huyện áp dụng đến ngày"), validators=[Optional()])
    overall_target = FloatField(_l("Chỉ tiêu toàn địa bàn (% hài lòng)"), validators=[Optional(), NumberRange(0, 100)])
    min_n_eff = FloatField(_l("Cỡ mẫu hiệu dụng tối thiểu"), validators=[input_required(), NumberRange(min=1)])
    ci = SelectField(_l("Khoảng tin cậy"), choices=_choices(PLAN_LABELS["ci"]))
    lonely_psu = SelectField(_l("Xã chỉ có một ấp được khảo sát"), choices=_choices(PLAN_LABELS["lonely_psu"]))
    variance = SelectField(_l("Phương sai"), choices=_choices(PLAN_LABELS["variance"]))

    def validate_dissatisfied_max(self, field: IntegerField) -> None:
        if field.data is not None and self.satisfied_min.data is not None and field.data >= self.satisfied_min.data:
            raise ValidationError(_l("Ngưỡng “không hài lòng” phải nhỏ hơn ngưỡng “hài lòng”."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Field validators stop at an empty optional field, so a bound given alone is caught here.
        if (self.trim_high.data is None) != (self.trim_low.data is None):
            both = _l("Nhập cả hai cận để cắt trọng số, hoặc bỏ trống cả hai.")
            self.trim_high.errors = [*self.trim_high.errors, both]
            return False
        return valid


class PopulationForm(ImportForm):
    """A file of the survey's own population figures, of one kind."""

    kind = SelectField(_l("Loại số liệu"), choices=_choices(POPULATION_KINDS))
