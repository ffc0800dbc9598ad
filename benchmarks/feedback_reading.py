"""Time the reading page, the comment form and both exports on a long draft with many comments.

Builds a scratch SQLite database (migrated, core demo data), a draft of --paragraphs paragraphs
in --sections sections, and --comments comments (a third answered, in groups of three), then
reports the median time of each request over --repeat runs and the reading page's size.

Usage: .venv/bin/python benchmarks/feedback_reading.py [--paragraphs 2000] [--comments 3000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command  # noqa: E402
from alembic.config import Config as AlembicConfig  # noqa: E402
from sqlalchemy import select  # noqa: E402

from core import create_app  # noqa: E402
from core.demo import seed_core  # noqa: E402
from core.models import User  # noqa: E402
from feedback.importers import parse_markdown  # noqa: E402
from feedback.models import DispositionKind, ModerationMode  # noqa: E402
from feedback.services.answers import answer_comments  # noqa: E402
from feedback.services.comments import ResidentAuthor, submit_comment  # noqa: E402
from feedback.services.documents import create_document  # noqa: E402
from feedback.services.versions import add_version, publish_version  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def build(app, paragraphs: int, sections: int, comments: int) -> str:
    """Seed the draft and its comments; returns the document code."""
    from core.accounts import find_area

    lines = []
    for s in range(sections):
        lines.append(f"# Mục {s + 1}. Nội dung thứ {s + 1}\n")
        for p in range(paragraphs // sections):
            lines.append(f"Đoạn {s + 1}.{p + 1}: kết quả thực hiện tiêu chí giao thông, thủy lợi và môi trường "
                         f"ở các xã trong huyện, số liệu năm 2019 và năm 2020.\n")
    text = "\n".join(lines).encode()
    with app.app_context():
        session = app.extensions["db"].sessionmaker()
        seed_core(session)
        admin = session.scalar(select(User).where(User.email == "admin@demo.ntm.vn"))
        document = create_document(session, title="Bench", area=find_area(session, "86"),
                                   moderation=ModerationMode.POST, actor=admin)
        version = add_version(session, document, parse_markdown(text), filename="b.md", data=text, actor=admin)
        publish_version(session, version, actor=admin)
        targets = version.paragraphs
        made = [
            submit_comment(session, version, targets[i % len(targets)], body=f"Góp ý số {i}",
                           author=ResidentAuthor(f"Người {i}"), client_hash=f"h{i}")
            for i in range(comments)
        ]
        for start in range(0, comments // 3, 3):
            answer_comments(session, document, made[start:start + 3], kind=DispositionKind.TAKEN_IN,
                            reply="Tiếp thu", officer=admin, actor=admin, publish=True)
        session.commit()
        code = document.code
        session.close()
    return code


def main() -> None:
    """Parse arguments, build the data, time the requests."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=2000)
    parser.add_argument("--sections", type=int, default=40)
    parser.add_argument("--comments", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        config = AlembicConfig(str(ROOT / "migrations" / "alembic.ini"))
        config.set_main_option("sqlalchemy.url", url)
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URL": url, "RATELIMIT_ENABLED": False,
                          "WTF_CSRF_ENABLED": False})
        started = time.perf_counter()
        code = build(app, args.paragraphs, args.sections, args.comments)
        print(f"seeded {args.paragraphs} paragraphs, {args.comments} comments in "
              f"{time.perf_counter() - started:.1f} s")
        client = app.test_client()
        client.post("/auth/login", data={"email": "admin@demo.ntm.vn", "password": "demo-ntm-2026"})
        for label, url_path in [("reading page", f"/feedback/{code}"),
                                ("comment form", f"/feedback/{code}/1/s1-p1"),
                                ("answers page", f"/feedback/{code}/answers"),
                                ("progress", f"/feedback/manage/{code}/progress"),
                                ("export DOCX", f"/feedback/manage/{code}/export.docx"),
                                ("export XLSX", f"/feedback/manage/{code}/export.xlsx")]:
            times, size = [], 0
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                response = client.get(url_path)
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200, (url_path, response.status_code)
                size = len(response.data)
            print(f"{label:<14} median {statistics.median(times) * 1000:8.0f} ms  {size / 1024:8.0f} KB")


if __name__ == "__main__":
    main()
