"""Demo survey: the NTM template over district 857, with plausible responses in the demo hamlets."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utc_now
from core.models import Area, AreaLevel, User
from surveys.models import Channel, CriteriaSet, Survey, SurveyStatus
from surveys.respond.store import record_response
from surveys.services import create_survey_from_template

DEMO_TITLE = "Phiếu lấy ý kiến sự hài lòng của người dân về kết quả xây dựng nông thôn mới huyện Long Hồ (demo)"
DEMO_RESPONSES = 40
DEMO_CLIENT_HASH = "demo-one-phone"  # stands for the keyed hash of one resident's address


def seed_demo_survey(session: Session) -> list[str]:
    """Idempotently create the open demo survey and its demo responses."""
    if session.scalar(select(Survey).where(Survey.title == DEMO_TITLE)) is not None:
        return ["Demo survey already present."]
    officer = session.scalar(select(User).where(User.email == "bcd.longho@demo.ntm.vn"))
    district = session.scalar(select(Area).where(Area.code == "857", Area.valid_to.is_(None)))
    criteria_set = session.scalar(select(CriteriaSet).where(CriteriaSet.code == "qd318-2022"))
    if officer is None or district is None or criteria_set is None:
        return ["Demo survey skipped: core demo data or criteria sets missing."]
    # NTM is assessed for rural communes (xã), not for the district town (thị trấn).
    communes = [a for a in district.children if a.level == AreaLevel.COMMUNE and a.unit_type == "xa" and a.valid_to is None]
    survey = create_survey_from_template(
        session, officer, criteria_set=criteria_set, communes=communes, title=DEMO_TITLE
    )
    survey.status = SurveyStatus.OPEN
    session.flush()
    _add_responses(session, survey)
    lines = [f"Demo survey open with {DEMO_RESPONSES} responses (the last one flagged as a possible duplicate); short links:"]
    lines += [f"  /s/{link.code}  {link.area.name}" for link in survey.areas if link.area.children]
    return lines


def _add_responses(session: Session, survey: Survey) -> None:
    rng = random.Random(857)
    links = [link for link in survey.areas if link.area.children]
    version = survey.current_version
    now = utc_now()
    for number in range(DEMO_RESPONSES - 2):
        link = links[number % len(links)]
        answers: dict[str, list[str]] = {}
        mood = rng.choice((3, 4, 4, 5))  # most households are satisfied, a few not
        for q in version.questions:
            if q.weighting_role is not None:
                choices = [h.code for h in link.area.children] if q.weighting_role.value == "hamlet" else [o["value"] for o in q.options]
                answers[q.code] = [rng.choice(choices)]
            elif q.type.value == "satisfaction5":
                answers[q.code] = [str(min(5, max(1, mood + rng.choice((-1, 0, 0, 1)))))]
            elif q.type.value == "satisfied":
                answers[q.code] = ["1" if mood >= 4 or rng.random() < 0.5 else "0"]
        channel = rng.choice((Channel.QR, Channel.QR, Channel.LINK, Channel.PAPER))
        record_response(
            session, link, answers, channel=channel,
            serial=f"D{number + 1:04d}" if channel == Channel.PAPER else None,
            now=now - timedelta(days=rng.randint(0, 6), minutes=rng.randint(0, 600)),
        )
    # The last answers twice more from one phone: the second is flagged, so the review page shows
    # it beside the first (same phone, same answers) and the paper or QR one above (same answers).
    for minutes in (30, 29):
        record_response(session, link, answers, channel=Channel.QR, client_hash=DEMO_CLIENT_HASH,
                        now=now - timedelta(minutes=minutes))
