"""The opt-in e-mail when an answer is published, sent to a local SMTP sink (aiosmtpd); none without SMTP."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from feedback.models import Comment


class Sink:
    """Keeps every message the platform sends."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sink():
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def app_config(app_config, sink):
    return app_config | {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": sink[1], "MAIL_DEFAULT_SENDER": "bcd@ntm.test"}


def comment_asking_for_mail(client, session, document, contact="lan@example.vn"):
    client.post(f"/feedback/{document.code}/1/s1-p1", data={
        "body": "Đề nghị làm rõ số liệu", "contact": contact, "consent": "y", "notify": "y"})
    return session.scalars(select(Comment)).one()


def answer(client, document, comment, officer, *, publish: bool):
    data = {"comment": [str(comment.id)], "kind": "tiep_thu", "reply": "Đã bổ sung số liệu.",
            "officer_id": str(officer.id)}
    client.post(f"/feedback/manage/{document.code}/answer", data=data | ({"publish": "y"} if publish else {}))


def test_the_resident_gets_one_e_mail_when_the_answer_is_published(client, auth, session, document, officer, sink):
    messages = sink[0].messages
    assert "Gửi thư điện tử cho tôi khi có ý kiến tiếp thu" in client.get(
        f"/feedback/{document.code}/1/s1-p1").get_data(as_text=True)
    comment = comment_asking_for_mail(client, session, document)
    assert comment.notify_by_email
    auth.login("bcd@example.vn")
    answer(client, document, comment, officer, publish=False)
    assert messages == []  # a draft answer is not news yet
    client.post(f"/feedback/manage/{document.code}/publish-answers")
    assert len(messages) == 1
    mail = messages[0]
    assert mail["To"] == "lan@example.vn" and comment.reference in mail["Subject"]
    text = mail.get_content()
    assert "Đã bổ sung số liệu." in text and f"http://ntm.test/feedback/comment/{comment.reference}" in text
    client.post(f"/feedback/manage/{document.code}/publish-answers")
    assert len(messages) == 1  # sent once
    session.expire_all()
    assert comment.answer_sent_at is not None


def test_notify_needs_an_e_mail_address_in_the_contact(client, session, document):
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={
        "body": "Ý kiến", "contact": "0901234567", "consent": "y", "notify": "y"})
    assert response.status_code == 200 and "Hãy ghi địa chỉ thư điện tử ở ô liên hệ" in response.get_data(as_text=True)
    assert session.scalars(select(Comment)).first() is None


def test_a_mail_server_that_is_down_keeps_the_answer_and_the_notice_pending(
        client, auth, session, document, officer, app):
    comment = comment_asking_for_mail(client, session, document)
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    auth.login("bcd@example.vn")
    answer(client, document, comment, officer, publish=True)
    session.expire_all()
    assert comment.disposition.is_published and comment.answer_sent_at is None
