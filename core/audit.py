"""The audit log read back: every privileged action as a sentence in plain Vietnamese.

Each package names its own actions and objects (``add_audit_phrases``); core names its own here.
An action nobody named still shows, as its code, so nothing is ever hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from flask_babel import LazyString, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from core.models import AuditEntry

PAGE_SIZE = 100

# What the actor did, as a verb phrase followed by the object.
CORE_ACTIONS: dict[str, LazyString] = {
    "user.create": _l("đã tạo"),
    "user.activate": _l("đã mở lại"),
    "user.deactivate": _l("đã khóa"),
    "user.change_password": _l("đã đổi mật khẩu của"),
    "organisation.create": _l("đã tạo"),
}
CORE_OBJECTS: dict[str, LazyString] = {"users": _l("tài khoản"), "organisations": _l("tổ chức")}


def add_audit_phrases(app: Flask, *, actions: Mapping[str, Any], objects: Mapping[str, Any]) -> None:
    """Let a feature name its audit actions ("survey.close": "đã đóng") and objects ("surveys": "khảo sát")."""
    phrases = app.extensions.setdefault("audit_phrases", {"actions": {}, "objects": {}})
    phrases["actions"].update(actions)
    phrases["objects"].update(objects)


@dataclass(frozen=True)
class AuditLine:
    """One entry as an admin reads it."""

    sentence: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class AuditPage:
    """One page of the log, newest first."""

    lines: list[AuditLine]
    page: int
    pages: int


def read_audit_log(session: Session, page: int) -> AuditPage:
    """Page ``page`` of the whole log (any number is brought within the pages there are)."""
    total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    entries = session.scalars(
        select(AuditEntry).options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return AuditPage([AuditLine(describe(entry), entry.reason, entry.created_at) for entry in entries], page, pages)


def describe(entry: AuditEntry) -> str:
    """"Nguyễn Văn A đã khóa tài khoản #12 lúc 14:05 01/12/2026"."""
    phrases = current_app.extensions.get("audit_phrases", {"actions": {}, "objects": {}})
    action = phrases["actions"].get(entry.action) or CORE_ACTIONS.get(entry.action)
    thing = phrases["objects"].get(entry.object_type) or CORE_OBJECTS.get(entry.object_type) or entry.object_type
    actor = (entry.actor.full_name or entry.actor.email) if entry.actor else _("Hệ thống (dòng lệnh)")
    target = f"{thing} #{entry.object_id}" if entry.object_id is not None else str(thing)
    when = format_datetime(entry.created_at, "HH:mm dd/MM/yyyy")
    if action is None:  # an action nobody named yet: shown as its code rather than hidden
        return _(
            "%(actor)s: %(code)s, %(target)s, lúc %(when)s", actor=actor, code=entry.action, target=target, when=when
        )
    return _("%(actor)s %(action)s %(target)s lúc %(when)s", actor=actor, action=action, target=target, when=when)
