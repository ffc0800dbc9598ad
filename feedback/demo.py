"""Demo data: the province's draft 10-year summary report, open for comments."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import find_area
from core.db import utc_now
from core.models import User
from feedback.importers import parse_markdown
from feedback.models import DispositionKind, Document, ModerationMode
from feedback.services.answers import answer_comments
from feedback.services.comments import OrganisationAuthor, ResidentAuthor, submit_comment
from feedback.services.documents import create_document
from feedback.services.versions import add_version, publish_version, set_window

DEMO_TITLE = (
    "Dự thảo Báo cáo tổng kết 10 năm thực hiện Chương trình MTQG xây dựng nông thôn mới tỉnh Vĩnh Long"
)
# Illustrative text for the demo, not the province's actual report.
DEMO_TEXT = """# I. Đặc điểm tình hình

Vĩnh Long là tỉnh thuần nông thuộc vùng Đồng bằng sông Cửu Long. Từ ngày 01/7/2025, tỉnh được sắp xếp lại trên
cơ sở hợp nhất các tỉnh Bến Tre, Trà Vinh và Vĩnh Long, có 124 đơn vị hành chính cấp xã, không còn cấp huyện;
khu vực nông thôn chiếm phần lớn dân số của tỉnh.

Khi bắt đầu thực hiện Chương trình, kết cấu hạ tầng nông thôn còn nhiều hạn chế, nhất là giao thông, thủy lợi
nội đồng và trường học; thu nhập của người dân nông thôn còn thấp.

# II. Kết quả thực hiện

Sau 10 năm, toàn tỉnh có 45/89 xã đạt chuẩn nông thôn mới; thị xã Bình Minh được công nhận hoàn thành nhiệm vụ
xây dựng nông thôn mới năm 2017.

Hệ thống giao thông nông thôn được đầu tư mạnh mẽ; phần lớn đường ấp, liên ấp đã được cứng hóa, xe ô tô đi lại
thuận tiện quanh năm.

Thu nhập bình quân đầu người khu vực nông thôn tăng gần gấp đôi so với năm 2010; tỷ lệ hộ nghèo giảm nhanh qua
từng năm.

| Tiêu chí | Số xã đạt |
|---|---|
| Giao thông | 71 |
| Thủy lợi | 89 |
| Môi trường | 52 |

# III. Tồn tại, hạn chế

Một số tiêu chí chưa bền vững, nhất là tiêu chí môi trường và an toàn thực phẩm; việc thu gom, xử lý rác thải
ở một số ấp còn chưa thường xuyên.

Sự tham gia của người dân trong giám sát các công trình ở một số nơi còn hình thức.

# IV. Phương hướng, nhiệm vụ giai đoạn tới

Tập trung nâng cao chất lượng các tiêu chí đã đạt, xây dựng xã nông thôn mới nâng cao và kiểu mẫu, gắn với
phát triển sản xuất theo chuỗi giá trị.

Phát huy vai trò của Mặt trận Tổ quốc và các đoàn thể trong vận động nhân dân và giám sát cộng đồng.
"""


def seed_feedback(session: Session) -> list[str]:
    """Idempotently add the demo draft, a few comments and two published answers."""
    existing = session.scalar(select(Document).where(Document.title == DEMO_TITLE))
    if existing is not None:
        return [f"Demo draft for comments: /d/{existing.code}"]
    # The steering officer of the province as it is since 1 July 2025 owns the draft (README's demo accounts);
    # the Front committee of one of its communes comments after a meeting.
    owner = session.scalar(select(User).where(User.email == "bcd.vinhlong@demo.ntm.vn"))
    front = session.scalar(select(User).where(User.email == "mttq.anbinh@demo.ntm.vn"))
    if owner is None or front is None:
        return []
    data = DEMO_TEXT.encode()
    document = create_document(
        session, title=DEMO_TITLE, area=find_area(session, "86"), moderation=ModerationMode.POST, actor=owner
    )
    version = add_version(session, document, parse_markdown(data), filename="du-thao-bao-cao.md",
                         data=data, actor=owner)
    now = utc_now()
    set_window(session, version, opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=30), actor=owner)
    publish_version(session, version, actor=owner)
    paragraphs = {p.anchor: p for p in version.paragraphs}
    sections = {s.anchor: s for s in version.sections}
    waste = submit_comment(
        session, version, paragraphs["s3-p1"], author=ResidentAuthor("Trần Thị Lan", "Xã An Bình"),
        body="Ấp Phú Mỹ rác vẫn thu gom mỗi tuần một lần, "
        "đề nghị báo cáo nêu rõ số ấp chưa thu gom thường xuyên.",
    )
    waste_too = submit_comment(
        session, version, paragraphs["s3-p1"], author=ResidentAuthor(),
        body="Nên bổ sung giải pháp phân loại rác tại nguồn cho các hộ gia đình.",
    )
    roads = submit_comment(
        session, version, paragraphs["s2-p2"], author=ResidentAuthor("Lê Văn Hùng", "Xã Phú Quới"),
        body="Đường liên ấp ở Phú Quới đã cứng hóa nhưng nhiều đoạn xuống cấp, "
        "cần nói thêm về duy tu, bảo dưỡng.",
    )
    submit_comment(
        session, version, sections["s4"],
        author=OrganisationAuthor(front, meeting_date=date.today() - timedelta(days=3), participants=42),
        body="Hội nghị đề nghị bổ sung nhiệm vụ phát huy vai trò giám sát "
        "của Ban giám sát đầu tư cộng đồng ở từng ấp.",
    )
    answer_comments(
        session, document, [waste, waste_too], kind=DispositionKind.TAKEN_IN, officer=owner, actor=owner,
        reply="Ban Chỉ đạo tiếp thu, bổ sung số ấp chưa thu gom rác thường xuyên "
        "và giải pháp phân loại rác tại nguồn vào Mục III và Mục IV.",
        publish=True,
    )
    answer_comments(
        session, document, [roads], kind=DispositionKind.PARTLY_TAKEN_IN, officer=owner, actor=owner,
        reply="Bổ sung nội dung duy tu, bảo dưỡng đường giao thông vào phương hướng; "
        "số liệu chi tiết từng xã sẽ nêu ở phụ lục.",
        publish=True,
    )
    return [f"Demo draft for comments: /d/{document.code}"]
