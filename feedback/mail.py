"""E-mail to a resident who asked to hear when their comment is answered: the message and its sending.

Plain ``smtplib`` over the configured MAIL_SERVER; no Flask here, the caller passes the settings.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from email.message import EmailMessage

from flask_babel import gettext as _

from feedback.forms import DISPOSITION_LABELS
from feedback.models import Comment


def answer_message(comment: Comment, url: str, *, sender: str) -> EmailMessage:
    """The answer to one comment, with the link to the comment's page, addressed to its contact."""
    disposition = comment.disposition
    if disposition is None:
        raise ValueError(f"comment {comment.reference} has no answer to announce")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = comment.resident_contact
    message["Subject"] = _("Góp ý %(ref)s đã có ý kiến tiếp thu, giải trình", ref=comment.reference)
    message.set_content("\n\n".join([
        _("Ban Chỉ đạo đã trả lời góp ý của bạn về dự thảo “%(title)s”.", title=comment.version.document.title),
        _("Góp ý của bạn:") + "\n" + comment.body,
        f"{DISPOSITION_LABELS[disposition.kind]}:\n{disposition.reply}",
        _("Xem trên trang góp ý: %(url)s", url=url),
        _("Bạn nhận thư này vì đã đề nghị khi gửi góp ý. Thư chỉ gửi một lần."),
    ]))
    return message


def send_messages(messages: Iterable[EmailMessage], *, host: str, port: int) -> None:
    """Send over one SMTP connection; raises OSError or smtplib.SMTPException when the server fails."""
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        for message in messages:
            smtp.send_message(message)
