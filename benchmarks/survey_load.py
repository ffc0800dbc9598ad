"""Load test: 32 residents at once GET the form and POST it to gunicorn on loopback.

Usage:
    .venv/bin/python benchmarks/survey_load.py --database-url sqlite:////tmp/load.sqlite3
    .venv/bin/python benchmarks/survey_load.py --database-url postgresql://postgres@127.0.0.1:5432/surveys_bench

The database must be empty or a scratch one: it is migrated and seeded with the demo data.
Each of the 32 clients plays one resident after another: a new connection and no cookie
yet (the form cookie the GET sets goes back with the POST), every question answered at
random and a unique marker written in each comment box; a share of submissions is sent
twice (a double tap), which must not store a second response. Afterwards every
acknowledged marker (303 to the thank-you page) must be stored exactly once.
Prints submissions/s and p50/p95/p99 latency of GET+POST; exits 1 on any loss or duplicate.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
BIN = PROJECT / ".venv" / "bin"
RADIO_RE = re.compile(r'<input type="radio" name="(q\d+)" value="([^"]*)"')
TEXT_RE = re.compile(r'<textarea id="(q\d+)"')
HIDDEN_RE = re.compile(r'name="(token|via)" value="([^"]*)"')


def benchmark_env(database_url: str, redis_url: str | None) -> dict[str, str]:
    """The server's environment: a fresh secret and instance folder, submissions not rate-limited."""
    env = os.environ | {
        "DATABASE_URL": database_url,
        "APP_ENV": "development",
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": tempfile.mkdtemp(prefix="survey-load-"),
        "SURVEY_SUBMIT_RATE_LIMIT": "1000000 per minute",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def prepare(env: dict[str, str]) -> str:
    """Migrate, seed the demo data and return the short code of a commune of the open demo survey.

    Its communes are today's and have hamlets (the earlier demo survey, on 2019 units, is closed).
    """
    subprocess.run(
        [BIN / "alembic", "-c", "migrations/alembic.ini", "upgrade", "head"],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run([BIN / "flask", "--app", "wsgi", "seed-demo"], cwd=PROJECT, env=env, check=True, capture_output=True)
    return demo_link_code(env["DATABASE_URL"])


def demo_link_code(url: str) -> str:
    """The short code of the open demo survey's link in the demo commune every load benchmark answers.

    The one place that knows which commune that is: when the demo data moves, change it here.
    """
    from sqlalchemy import select

    from core.db import make_engine
    from core.demo import DEMO_COMMUNES_2025
    from core.models import Area
    from surveys.demo import DEMO_TITLE
    from surveys.models import Survey, SurveyArea

    engine = make_engine(url)
    with engine.connect() as connection:
        code = connection.execute(
            select(SurveyArea.code)
            .join(Area, Area.id == SurveyArea.area_id)
            .join(Survey, Survey.id == SurveyArea.survey_id)
            .where(Area.code == DEMO_COMMUNES_2025[0], Survey.title == DEMO_TITLE)
        ).scalar_one()
    engine.dispose()
    return code


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, threads: int, log: Path, worker_class: str = "gthread"
) -> subprocess.Popen:
    """gunicorn on loopback, its errors (tracebacks) in ``log``; waits until every worker has loaded the app."""
    ready = Path(tempfile.mkdtemp(prefix="gunicorn-ready-"))
    process = subprocess.Popen(
        [
            BIN / "gunicorn",
            "-c",
            PROJECT / "benchmarks" / "gunicorn_ready.py",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "-k",
            worker_class,
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            "--error-logfile",
            str(log),
            "wsgi:app",
        ],
        cwd=PROJECT,
        env=env | {"BENCHMARK_READY_DIR": str(ready)},
    )
    for _ in range(600):
        if len(list(ready.iterdir())) >= workers:
            return process
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"gunicorn did not start (log: {log})")


class Client(threading.Thread):
    """A stream of residents, one after another: each a new connection and no cookie yet.

    ``acked`` holds the markers the server acknowledged (303), ``unanswered`` those whose POST
    was sent but got no answer (the connection broke: stored or not, the resident was not told).
    """

    PAUSE_AFTER_ERROR = 0.1  # seconds

    def __init__(self, number: int, port: int, code: str, run: str, deadline: float, limit: int, resend: float) -> None:
        super().__init__(daemon=True)
        self.number, self.port, self.code, self.run_id = number, port, code, run
        self.deadline, self.limit, self.resend = deadline, limit, resend
        self.rng = random.Random(number)
        self.cookie = ""
        self.latencies: list[float] = []
        self.acked: list[str] = []
        self.unanswered: list[str] = []
        self.errors = Counter()
        self.resent = 0
        self.questions: tuple[list[list[str]], list[str]] | None = None
        self.connection: socket.socket | None = None

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        """One request on the resident's connection, opened again if the server closed it."""
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        if self.cookie:
            lines.append(f"Cookie: {self.cookie}")
        if body is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        if self.connection is None:
            self.connection = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        status, cookie, data, closes = exchange(
            self.connection, ("\r\n".join(lines) + "\r\n\r\n" + (body or "")).encode()
        )
        if closes:
            self.hang_up()
        if cookie:
            self.cookie = cookie
        return status, data.decode("utf-8", "replace")

    def hang_up(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def answers(self, html: str, marker: str) -> list[str]:
        """A random valid answer to every question, URL-encoded, and the marker in every text box.

        The questions are read from the first page only: they are the same on every page, and
        parsing them again would spend the shared CPU on the load generator, not the server.
        """
        if self.questions is None:
            choices: dict[str, list[str]] = {}
            for name, value in RADIO_RE.findall(html):
                choices.setdefault(name, []).append(urllib.parse.urlencode({name: value}))
            self.questions = (list(choices.values()), TEXT_RE.findall(html))
        choices, text_boxes = self.questions
        return [self.rng.choice(encoded) for encoded in choices] + [f"{code}={marker}" for code in text_boxes]

    def run(self) -> None:  # noqa: D102 - threading API
        path = f"/s/{self.code}"
        sent = 0
        while time.monotonic() < self.deadline and sent < self.limit:
            marker = f"bench-{self.run_id}-{self.number}-{sent}"
            sent += 1
            # Each submission is a new resident: a new connection (kept alive for the GET and
            # the POST) and no cookie yet. Long-lived connections would pin each client to one
            # gunicorn worker for the whole run and measure how evenly they happened to spread.
            self.cookie = ""
            started = time.perf_counter()
            status, posted = 0, False
            try:
                shown, html = self.request("GET", path)
                if shown != 200:
                    self.errors[f"GET {shown}"] += 1
                    continue
                body = "&".join([urllib.parse.urlencode(HIDDEN_RE.findall(html)), *self.answers(html, marker)])
                posted = True
                status, _ = self.request("POST", path, body)
                if status == 303 and self.rng.random() < self.resend:
                    self.resent += 1
                    # A double tap: the resident already saw the first answer, which acknowledges the
                    # submission even if the server dies before answering this one.
                    tap, _ = self.request("POST", path, body)
                    if tap != 303:
                        self.errors[f"double tap {tap}"] += 1
            except (OSError, ValueError) as exc:
                self.errors[type(exc).__name__] += 1
                if posted and not status:
                    self.unanswered.append(marker)
                # While a server restarts every attempt fails at once: pause instead of spinning.
                time.sleep(self.PAUSE_AFTER_ERROR)
            finally:
                self.hang_up()
            if status == 303:
                self.latencies.append(time.perf_counter() - started)
                self.acked.append(marker)
            elif status:
                self.errors[f"POST {status}"] += 1


def exchange(connection: socket.socket, request: bytes) -> tuple[int, str, bytes, bool]:
    """Send one HTTP/1.1 request; return the response's status, cookie (name=value), body and
    whether the server closes the connection after it (gunicorn's sync workers always do).

    Just what gunicorn's answers need (a Content-Length on each). http.client parses headers
    with the email package, which cost the load generator more CPU than all the rest, and
    the load generator shares the two cores with the server it measures.
    """
    connection.sendall(request)
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    length, cookie, closes = 0, "", False
    for line in header_lines:
        name, _, value = line.partition(":")
        name = name.lower()
        if name == "content-length":
            length = int(value)
        elif name == "set-cookie":
            cookie = value.strip().split(";", 1)[0]
        elif name == "connection":
            closes = value.strip().lower() == "close"
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        body += chunk
    return int(status_line.split(" ", 2)[1]), cookie, body, closes


def server_cpu_seconds(master_pid: int) -> float:
    """User+system CPU time of gunicorn's master and workers so far (Linux /proc)."""
    pids = [master_pid]
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return float("nan")
    pids += [int(c) for c in children]
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def database_server_cpu(url: str) -> float:
    """User+system CPU seconds of the local PostgreSQL backends serving ``url``'s database (Linux /proc).

    Backends name their database in their process title ("postgres: 15/main: user db 127.0.0.1(port) idle").
    NaN for SQLite, whose engine runs inside this process and is already counted.
    """
    if not url.startswith("postgresql"):
        return float("nan")
    database = url.rsplit("/", 1)[-1].split("?", 1)[0]
    ticks, total = os.sysconf("SC_CLK_TCK"), 0.0
    for proc in Path("/proc").iterdir():
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
            if not title or title[0] != "postgres:" or database not in title[1:4]:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def stored_markers(url: str, run: str) -> Counter:
    """How many times each of this run's markers is stored."""
    from sqlalchemy import Text, cast, select

    from core.db import make_engine
    from surveys.models import Response

    engine = make_engine(url)
    with engine.connect() as connection:
        documents = (
            connection.execute(select(Response.answers).where(cast(Response.answers, Text).like(f"%bench-{run}-%")))
            .scalars()
            .all()
        )
    engine.dispose()
    # Every text box of a submission carries its marker: count each response once.
    return Counter(
        marker for answers in documents for marker in set(answers.values()) if marker.startswith(f"bench-{run}-")
    )


def reference_loop_seconds() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this (shared, virtual) machine runs now.

    On the project's machine the same loop took from 0.43 to 0.91 s within one session, so
    throughputs from different runs compare only next to this figure.
    """
    started = time.process_time()
    total = 0
    for number in range(5_000_000):
        total += number
    return time.process_time() - started


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else (values[0] if values else 0.0)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--max-per-client", type=int, default=1000, help="submissions per client at most")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--worker-class", default="gthread", help="gunicorn -k: gthread (keep-alive) or sync (a connection per request)"
    )
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--resend", type=float, default=0.1, help="share of submissions sent twice")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL"),
        help="rate-limit counters in Redis, as in production (README); default $REDIS_URL, else each "
        "worker's memory, whose expiry timer starts a thread every 10 ms under load",
    )
    args = parser.parse_args()
    env = benchmark_env(args.database_url, args.redis_url)
    code = prepare(env)
    server_log = Path(env["INSTANCE_PATH"]) / "gunicorn.log"
    server = start_gunicorn(env, args.port, args.workers, args.threads, server_log, args.worker_class)
    run = secrets.token_hex(3)
    reference_before = reference_loop_seconds()  # before the CPU counters start: not load
    cpu_before = server_cpu_seconds(server.pid)
    database_cpu_before = database_server_cpu(args.database_url)
    client_cpu_before = time.process_time()
    load_before = os.getloadavg()[0]
    try:
        started = time.monotonic()
        clients = [
            Client(n, args.port, code, run, started + args.duration, args.max_per_client, args.resend)
            for n in range(args.clients)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.monotonic() - started
        cpu_used = server_cpu_seconds(server.pid) - cpu_before
        database_cpu = database_server_cpu(args.database_url) - database_cpu_before
        client_cpu = time.process_time() - client_cpu_before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    latencies = sorted(x for c in clients for x in c.latencies)
    acked = [m for c in clients for m in c.acked]
    errors = sum((c.errors for c in clients), Counter())
    stored = stored_markers(args.database_url, run)
    lost = [m for m in acked if stored[m] == 0]
    duplicated = [m for m, n in stored.items() if n > 1]
    unacked = [m for m in stored if m not in set(acked)]
    scheme = args.database_url.split(":", 1)[0]
    limits = "Redis" if args.redis_url else "worker memory"
    print(
        f"database: {scheme}; gunicorn {args.workers} {args.worker_class} workers x {args.threads} threads; "
        f"{args.clients} clients; "
        f"rate limits in {limits}; {os.cpu_count()} CPUs (shared)"
    )
    print(
        f"acknowledged submissions: {len(acked)} in {elapsed:.1f} s = {len(acked) / elapsed:.1f} submissions/s "
        f"(plus {sum(c.resent for c in clients)} double taps)"
    )
    if latencies:
        print(
            f"GET+POST latency: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
            f"p95 {percentile(latencies, 95) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 99) * 1000:.0f} ms"
        )
    if acked:
        per = cpu_used / len(acked) * 1000
        print(
            f"gunicorn CPU: {cpu_used:.1f} s = {per:.1f} ms per submission (GET+POST, database server not counted)"
            f" -> about {1000 / per:.0f} submissions/s per dedicated core"
        )
        print(
            f"load generator CPU (this process, same machine): {client_cpu:.1f} s = "
            f"{client_cpu / len(acked) * 1000:.1f} ms per submission"
        )
        if database_cpu == database_cpu:  # not NaN: PostgreSQL on this machine
            total = (cpu_used + database_cpu + client_cpu) / len(acked) * 1000
            print(
                f"PostgreSQL backends CPU: {database_cpu:.1f} s = "
                f"{database_cpu / len(acked) * 1000:.1f} ms per submission; "
                f"all three: {total:.1f} ms -> at most {os.cpu_count() * 1000 / total:.0f} submissions/s on "
                f"{os.cpu_count()} cores, "
                f"{(cpu_used + database_cpu + client_cpu) / (elapsed * os.cpu_count()):.0%} of them used"
            )
    print(
        f"load average (1 min) before: {load_before:.2f}, after: {os.getloadavg()[0]:.2f}; reference loop "
        f"{reference_before:.2f} s before, {reference_loop_seconds():.2f} s after (lower is a faster machine)"
    )
    print(f"errors: {dict(errors) or 0}" + (f" (server log: {server_log})" if errors else ""))
    print(
        f"stored: {sum(stored.values())}; lost: {len(lost)}; duplicated: {len(duplicated)}; "
        f"stored but not acknowledged: {len(unacked)}"
    )
    return 1 if lost or duplicated or not acked else 0


if __name__ == "__main__":
    raise SystemExit(main())
