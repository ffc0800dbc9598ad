"""The privacy notice: what is published where, why, for how long, who answers for it, how to withdraw."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config(app_config):
    return app_config | {"FEEDBACK_RETENTION_DAYS": 45, "FEEDBACK_CONTROLLER": "Ban Chỉ đạo huyện Long Hồ",
                         "FEEDBACK_CONTROLLER_CONTACT": "bcd@longho.example.vn, 0270 3 850 000"}


def test_notice_names_the_law_the_controller_the_retention_and_where_names_appear(client):
    page = client.get("/feedback/privacy").get_data(as_text=True)
    assert "91/2025/QH15" in page and "356/2025/NĐ-CP" in page
    assert "Ban Chỉ đạo huyện Long Hồ" in page and "bcd@longho.example.vn, 0270 3 850 000" in page
    assert "được xoá 45 ngày sau khi gửi góp ý" in page
    assert "Công khai cho mọi người ngay khi góp ý được hiển thị" in page
    assert "trên trang kết quả tiếp thu, giải trình" in page and "trên trang của đoạn" in page
    assert "Hãy gửi mã góp ý cùng đề nghị của bạn" in page


def test_the_comment_form_says_names_are_published_at_once_and_the_notice_is_above_the_box(client, document):
    page = client.get(f"/feedback/{document.code}/1/s1-p1").get_data(as_text=True)
    notice, box = page.index('id="data-notice"'), page.index('id="consent"')
    assert notice < box
    assert "ngay phía trên" in page and "dưới đây" not in page
    assert "được công khai ngay cùng góp ý trên trang của đoạn được góp ý và trên trang kết quả tiếp thu" in page
    assert "được xoá 45 ngày sau khi gửi" in page and 'href="/feedback/privacy"' in page
