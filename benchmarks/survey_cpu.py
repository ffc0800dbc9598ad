"""CPU time of one complete submission (GET the form + POST the answers), in-process.

Throughput on a shared machine swings with the neighbours' load; the CPU time this process
spends per submission does not, so this is the figure to compare before/after a change.

Usage:
    .venv/bin/python benchmarks/survey_cpu.py --database-url sqlite:////tmp/cpu.sqlite3 [-n 300] [--profile out.prof]

The database must be empty or a scratch one: it is migrated and seeded with the demo data
(as ``survey_load.py`` does). CSRF and the rate limiter stay on, as in production.
Every POST must answer 303 and every marker must be stored exactly once.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "benchmarks"))

from survey_load import HIDDEN_RE, RADIO_RE, TEXT_RE, database_server_cpu, prepare, stored_markers  # noqa: E402


def one_submission(client, path: str, rng: random.Random, marker: str, cpu: list[float] | None = None) -> None:
    """GET the form, answer every question at random, POST it; fail loudly on anything but 303.

    ``cpu`` (if given) accumulates [GET, POST] CPU seconds of this process, parsing excluded.
    """
    started = time.process_time()
    page = client.get(path)
    if cpu is not None:
        cpu[0] += time.process_time() - started
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    fields = dict(HIDDEN_RE.findall(html))
    choices: dict[str, list[str]] = {}
    for name, value in RADIO_RE.findall(html):
        choices.setdefault(name, []).append(value)
    answers = [(k, rng.choice(v)) for k, v in choices.items()]
    answers += [(code, marker) for code in TEXT_RE.findall(html)]
    body = urllib.parse.urlencode(list(fields.items()) + answers)
    started = time.process_time()
    sent = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    if cpu is not None:
        cpu[1] += time.process_time() - started
    assert sent.status_code == 303, (sent.status_code, sent.get_data(as_text=True)[:2000])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", type=int, default=300, help="timed submissions")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", help="write a cProfile of the timed loop to this file")
    args = parser.parse_args()
    env = os.environ | {
        "DATABASE_URL": args.database_url,
        "APP_ENV": "development",
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": tempfile.mkdtemp(prefix="survey-cpu-"),
        "SURVEY_SUBMIT_RATE_LIMIT": "1000000 per minute",
    }
    code = prepare(env)
    os.environ.update(env)
    from core import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URL": args.database_url,
            "SECRET_KEY": env["SECRET_KEY"],
            "SURVEY_SUBMIT_RATE_LIMIT": env["SURVEY_SUBMIT_RATE_LIMIT"],
        }
    )
    client = app.test_client()
    path = f"/s/{code}"
    rng = random.Random(1)
    run = secrets.token_hex(3)
    for i in range(args.warmup):
        one_submission(client, path, rng, f"bench-{run}-w{i}")
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for the database
        profiler.enable()
    split = [0.0, 0.0]
    database_cpu = database_server_cpu(args.database_url)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(args.n):
        # a new resident each time: no cookie yet, as in survey_load.py
        one_submission(app.test_client(), path, rng, f"bench-{run}-{i}", split)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    database_cpu = database_server_cpu(args.database_url) - database_cpu
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    stored = stored_markers(args.database_url, run)
    bad = [m for m in (f"bench-{run}-{i}" for i in range(args.n)) if stored[m] != 1]
    print(f"database: {args.database_url.split(':', 1)[0]}; {args.n} submissions (GET+POST), test client in-process")
    print(
        f"CPU {cpu / args.n * 1000:.2f} ms per submission "
        "(app + test client + DB driver; a PostgreSQL server is not counted, the SQLite engine is), "
        f"wall {wall / args.n * 1000:.2f} ms; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  of which GET {split[0] / args.n * 1000:.2f} ms, POST {split[1] / args.n * 1000:.2f} ms "
        "(test client included)"
    )
    if database_cpu == database_cpu:  # not NaN
        print(
            f"PostgreSQL server CPU {database_cpu / args.n * 1000:.2f} ms per submission "
            "(its backends for this database)"
        )
    print(f"stored exactly once: {args.n - len(bad)}/{args.n}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
