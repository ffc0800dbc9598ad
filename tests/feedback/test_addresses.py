"""Every feedback address, with its methods and endpoint: printed posters and QR codes point at them."""

from __future__ import annotations

ADDRESSES = {
    ("/d/<code>", "GET", "feedback_public.short_link"),
    ("/feedback/", "GET", "feedback_public.index"),
    ("/feedback/<code>", "GET", "feedback_public.read"),
    ("/feedback/<code>/<int:number>/<anchor>", "GET POST", "feedback_public.comment"),
    ("/feedback/<code>/answers", "GET", "feedback_public.answers"),
    ("/feedback/<code>/qr.<any(png, svg):fmt>", "GET", "feedback_public.qr"),
    ("/feedback/<code>/poster", "GET", "feedback_public.poster"),
    ("/feedback/privacy", "GET", "feedback_public.privacy"),
    ("/feedback/comment", "GET", "feedback_public.lookup"),
    ("/feedback/comment/<reference>", "GET", "feedback_public.follow"),
    ("/feedback/comment/<reference>/qr.svg", "GET", "feedback_public.comment_qr"),
    ("/feedback/manage", "GET", "feedback_staff.manage"),
    ("/feedback/manage/new", "GET POST", "feedback_staff.new_document"),
    ("/feedback/manage/<code>", "GET", "feedback_staff.document"),
    ("/feedback/manage/<code>/upload", "POST", "feedback_staff.upload"),
    ("/feedback/manage/<code>/<int:number>/window", "POST", "feedback_staff.window"),
    ("/feedback/manage/<code>/<int:number>/publish", "POST", "feedback_staff.publish"),
    ("/feedback/manage/<code>/audit", "GET", "feedback_staff.audit"),
    ("/feedback/manage/<code>/comments", "GET", "feedback_staff.comments"),
    ("/feedback/manage/comments/<int:comment_id>/moderate", "POST", "feedback_staff.moderate"),
    ("/feedback/manage/comments/<int:comment_id>/hide", "GET", "feedback_staff.confirm_hide"),
    ("/feedback/manage/<code>/answer", "GET POST", "feedback_staff.answer"),
    ("/feedback/manage/dispositions/<int:disposition_id>", "GET POST", "feedback_staff.edit_answer"),
    ("/feedback/manage/<code>/publish-answers", "POST", "feedback_staff.publish_all_answers"),
    ("/feedback/manage/<code>/progress", "GET", "feedback_staff.progress"),
    ("/feedback/manage/<code>/export.<any(docx, xlsx):fmt>", "GET", "feedback_staff.export"),
}


def test_feedback_answers_exactly_the_printed_addresses(app):
    rules = {
        (rule.rule, " ".join(sorted(rule.methods - {"HEAD", "OPTIONS"})), rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("feedback")
    }
    assert rules == ADDRESSES


def test_the_staff_list_is_not_read_as_a_document_code(app):
    """The public and staff rules live in two blueprints; /feedback/manage must still beat /feedback/<code>."""
    adapter = app.url_map.bind("ntm.test")
    assert adapter.match("/feedback/manage") == ("feedback_staff.manage", {})
    assert adapter.match("/feedback/abc1234") == ("feedback_public.read", {"code": "abc1234"})
    # "privacy" and "comment" hold letters no code has (CODE_ALPHABET lacks i and o): never a document.
    assert adapter.match("/feedback/privacy") == ("feedback_public.privacy", {})
    assert adapter.match("/feedback/comment") == ("feedback_public.lookup", {})
