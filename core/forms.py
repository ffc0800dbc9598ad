"""Forms of the core package: sign-in, password change, user and organisation admin."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from core.models import OrganisationKind, Role
from core.passwords import password_problem
from core.text import has_control_characters

CONTROL_CHARACTERS_MESSAGE = _l(
    "Có ký tự điều khiển không hợp lệ (chẳng hạn dấu ngắt dòng dán từ Word). Vui lòng xóa rồi gõ lại."
)

# WTForms ships no Vietnamese messages, so every validator here states its own, and Form below
# translates the messages fields raise by themselves (a tampered select, a malformed number).
_WTFORMS_MESSAGES = {
    "Not a valid choice.": _l("Lựa chọn không hợp lệ, vui lòng chọn trong danh sách."),
    "Invalid Choice: could not coerce.": _l("Lựa chọn không hợp lệ, vui lòng chọn trong danh sách."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l(
        "Lựa chọn không hợp lệ, vui lòng chọn trong danh sách."
    ),
    "'%(value)s' is not a valid choice for this field.": _l("Lựa chọn không hợp lệ: %(value)s."),
    "Not a valid integer value.": _l("Vui lòng nhập một số nguyên."),
    "Not a valid decimal value.": _l("Vui lòng nhập một số."),
    "Not a valid float value.": _l("Vui lòng nhập một số."),
    "Not a valid datetime value.": _l("Thời điểm không hợp lệ."),
    "Not a valid date value.": _l("Ngày không hợp lệ."),
    "This field is required.": _l("Vui lòng điền mục này."),
}


class _WTFormsMessages:
    """WTForms' translations protocol, answered from this project's catalogs (English ones pass through)."""

    def gettext(self, string: str) -> str:
        return str(_WTFORMS_MESSAGES.get(string, string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(_WTFORMS_MESSAGES.get(singular, singular if n == 1 else plural))


class Form(FlaskForm):
    """FlaskForm whose built-in WTForms messages are Vietnamese too; every feature's forms derive from it.

    Every text field of every form refuses control characters (``core.text``): no field needs
    one, and XLSX and DOCX exports cannot hold most of them.
    """

    class Meta:
        def get_translations(self, form: FlaskForm) -> _WTFormsMessages:
            return _WTFormsMessages()

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own validators, then the control-character check on every text field."""
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and has_control_characters(field.data):
                field.errors = [*field.errors, CONTROL_CHARACTERS_MESSAGE]
                valid = False
        return valid


class BoundedDateTimeField(DateTimeLocalField):
    """A date and time (``<input type="datetime-local">``) between FIRST_YEAR and LAST_YEAR.

    A browser accepts any year from 1 to 275760; 0001-01-01T00:00 in Vietnam's time zone is
    before year 1 in UTC, which Python cannot represent (a 500). No schedule here is that far off.
    """

    FIRST_YEAR, LAST_YEAR = 2000, 2100

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data is not None and not self.FIRST_YEAR <= self.data.year <= self.LAST_YEAR:
            self.data = None  # so form-level checks (closing after opening) never compare it
            raise ValidationError(_l(
                "Hãy chọn một thời điểm từ năm %(first)d đến năm %(last)d.", first=self.FIRST_YEAR, last=self.LAST_YEAR
            ))


def required() -> InputRequired:
    """InputRequired with a translated message; every feature's forms use it."""
    return InputRequired(message=_l("Vui lòng điền mục này."))


def at_most(limit: int) -> Length:
    """Length(max=limit) with a translated message."""
    return Length(max=limit, message=_l("Tối đa %(max)d ký tự."))


def _strong_password(_form: FlaskForm, field: PasswordField) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class LoginForm(Form):
    """E-mail and password."""

    email = EmailField(_l("Thư điện tử"), validators=[required(), at_most(254)])
    password = PasswordField(_l("Mật khẩu"), validators=[required(), at_most(256)])


class ChangePasswordForm(Form):
    """Current password plus the new one, typed twice."""

    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[required()])
    new_password = PasswordField(_l("Mật khẩu mới"), validators=[required(), _strong_password])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[required(), EqualTo("new_password", message=_l("Hai mật khẩu không khớp."))],
    )


ROLE_LABELS = {
    Role.ADMIN: _l("Quản trị hệ thống"),
    Role.OFFICER: _l("Cán bộ Ban Chỉ đạo"),
    Role.ORGANISATION: _l("Tài khoản tổ chức"),
    Role.ANALYST: _l("Cán bộ phân tích"),
}

ORGANISATION_KIND_LABELS = {
    OrganisationKind.FATHERLAND_FRONT: _l("Ủy ban Mặt trận Tổ quốc"),
    OrganisationKind.FARMERS_UNION: _l("Hội Nông dân"),
    OrganisationKind.WOMENS_UNION: _l("Hội Liên hiệp Phụ nữ"),
    OrganisationKind.YOUTH_UNION: _l("Đoàn Thanh niên"),
    OrganisationKind.VETERANS_ASSOCIATION: _l("Hội Cựu chiến binh"),
    OrganisationKind.DEPARTMENT: _l("Sở, ban, ngành"),
    OrganisationKind.LOCALITY: _l("Địa phương"),
    OrganisationKind.SOCIAL_ORGANISATION: _l("Tổ chức xã hội"),
}


class UserForm(Form):
    """Create an account; the area and organisation lists are filled by the view."""

    email = EmailField(
        _l("Thư điện tử"),
        validators=[
            required(),
            Email(message=_l("Địa chỉ thư điện tử không hợp lệ.")),
            at_most(254),
        ],
    )
    full_name = StringField(_l("Họ và tên"), validators=[Optional(), at_most(200)])
    role = SelectField(
        _l("Vai trò"),
        choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
        default=Role.ANALYST.value,  # the least privilege unless the admin chooses otherwise
    )
    area_code = SelectField(_l("Địa bàn"), choices=[], default="")  # choices filled by the view
    organisation_id = SelectField(_l("Tổ chức"), choices=[], default="")
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[required(), _strong_password])


class UserStatusForm(Form):
    """Activate or deactivate an account (a POST with CSRF, never a GET link)."""

    is_active = BooleanField(_l("Đang hoạt động"))


class OrganisationForm(Form):
    """Create an organisation rooted in an area."""

    name = StringField(_l("Tên tổ chức"), validators=[required(), at_most(200)])
    kind = SelectField(
        _l("Loại tổ chức"),
        choices=[SelectChoice(k.value, label) for k, label in ORGANISATION_KIND_LABELS.items()],
    )
    area_code = SelectField(_l("Địa bàn"), choices=[], default="")  # choices filled by the view


class MoveAreaForm(Form):
    """Move an account or organisation whose unit has ended to a current unit; the list is filled by the view."""

    area_code = SelectField(_l("Chuyển sang địa bàn"), choices=[], validate_choice=False, validators=[required()])
