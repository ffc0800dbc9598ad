"""Weigh the respondent page: requests and gzip-transferred bytes, against the 15 KB / 3-request budget.

Usage:
    .venv/bin/python benchmarks/survey_page_weight.py                 # serves a fresh demo app itself
    .venv/bin/python benchmarks/survey_page_weight.py --url http://127.0.0.1:5000/s/<code>

Counts the HTML, every subresource it references (stylesheets, scripts, images, icons,
fonts and url() references inside the CSS) and the /favicon.ico request browsers make
on their own when the page declares no icon. Bytes are what travels with gzip: the wire
size when the server compresses, otherwise the gzip -6 size (what the reverse proxy sends).
Exits 1 over budget. Loopback only.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET_BYTES = 15 * 1024
BUDGET_REQUESTS = 3
ASSET_RE = re.compile(r'<(?:link|script|img|source)\b[^>]*?(?:href|src)="([^"]+)"', re.I)
CSS_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]+)")


def fetch(url: str) -> tuple[int, bytes, int]:
    """(status, body, bytes on the wire with gzip)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", "User-Agent": "page-weight"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw, status, encoding = response.read(), response.status, response.headers.get("Content-Encoding")
    except urllib.error.HTTPError as error:
        raw, status, encoding = error.read(), error.code, error.headers.get("Content-Encoding")
    if encoding == "gzip":
        return status, gzip.decompress(raw), len(raw)
    return status, raw, len(gzip.compress(raw, 6)) if raw else 0


def weigh(page_url: str) -> tuple[list[tuple[str, int, int]], int]:
    """Every request the page causes as (url, status, gzip bytes), and the total bytes."""
    status, html, size = fetch(page_url)
    if status != 200:
        raise SystemExit(f"{page_url}: HTTP {status}")
    rows = [(page_url, status, size)]
    text = html.decode("utf-8", "replace")
    assets = [urljoin(page_url, a) for a in ASSET_RE.findall(text) if not a.startswith("data:")]
    if not re.search(r'<link[^>]+rel="[^"]*icon', text):
        assets.append(urljoin(page_url, "/favicon.ico"))
    host = urlsplit(page_url).netloc
    for asset in dict.fromkeys(assets):
        if urlsplit(asset).netloc != host:
            rows.append((asset + "  (EXTERNAL HOST)", 0, 0))
            continue
        status, body, size = fetch(asset)
        rows.append((asset, status, size))
        if asset.endswith(".css"):
            for ref in CSS_URL_RE.findall(body.decode("utf-8", "replace")):
                if not ref.startswith("data:"):
                    ref_url = urljoin(asset, ref)
                    ref_status, _body, ref_size = fetch(ref_url)
                    rows.append((ref_url, ref_status, ref_size))
    return rows, sum(r[2] for r in rows)


def serve_demo() -> str:
    """Serve a migrated, seeded demo app on a free loopback port; return a commune's link."""
    import logging

    from alembic import command
    from alembic.config import Config
    from werkzeug.serving import make_server

    from core import PROJECT_DIR, create_app, translation_dirs
    from core.i18n import compile_catalogs

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    url = f"sqlite:///{tempfile.mkdtemp()}/weight.sqlite3"
    compile_catalogs(translation_dirs())
    config = Config(str(PROJECT_DIR / "migrations" / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URL": url})
    with app.app_context():
        from sqlalchemy import select

        from core.db import get_session
        from core.demo import seed_core, seed_reform_2025
        from surveys.demo import seed_demo_survey
        from surveys.models import SurveyArea

        session = get_session()
        seed_core(session)
        seed_reform_2025(session)  # the open demo survey is on today's communes
        seed_demo_survey(session)
        session.commit()
        code = session.scalars(select(SurveyArea.code).order_by(SurveyArea.id)).first()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/s/{code}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a respondent page of a running app (default: serve a demo app)")
    args = parser.parse_args()
    url = args.url or serve_demo()
    rows, total = weigh(url)
    for asset, status, size in rows:
        print(f"{status:>4} {size:>7,} B  {asset}")
    ok = total <= BUDGET_BYTES and len(rows) <= BUDGET_REQUESTS and all("EXTERNAL" not in r[0] for r in rows)
    print(f"requests: {len(rows)} (budget {BUDGET_REQUESTS}); transferred with gzip: {total:,} B "
          f"= {total / 1024:.1f} KB (budget {BUDGET_BYTES / 1024:.0f} KB) -> {'OK' if ok else 'OVER BUDGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
