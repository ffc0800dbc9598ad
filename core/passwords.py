"""Password hashing with Argon2id (argon2-cffi, the reference implementation's binding)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10

# A real hash of a random string, checked when the e-mail is unknown so that a
# wrong e-mail costs as much time as a wrong password (no timing enumeration).
_DUMMY_HASH = _hasher.hash("not-a-real-password-0f3c9a")


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same effort when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is unacceptable, or None (translated when a locale is active)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Mật khẩu phải có ít nhất %(n)d ký tự.", n=MIN_PASSWORD_LENGTH)
    if len(password) > 256:
        return _("Mật khẩu quá dài (tối đa 256 ký tự).")
    return None
