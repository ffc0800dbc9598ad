"""Durability: 64 residents submit the demo survey while gunicorn is SIGKILLed and restarted twice.

Usage:
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python benchmarks/durability.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/durability_bench
    .venv/bin/python benchmarks/durability.py --database-url sqlite:////tmp/durability.sqlite3

The database must be empty or a scratch one: it is migrated and seeded with the demo data.
The clients, the seeding and gunicorn (gthread, 4 workers x 4 threads on loopback, as deployed)
are those of ``survey_load.py``. At evenly spaced moments of the run the master and every worker
are killed at once (SIGKILL: no clean shutdown, requests in flight die with them), then gunicorn
is started again and the clients, which kept trying, go on. Each submission ends up:
- acknowledged: the resident saw the thank-you redirect (303); it must be stored exactly once;
- unacknowledged: its POST was sent but the connection broke (the kill) before any answer;
  stored or not, both are correct, and a stored one must be stored once.
Prints throughput, latency percentiles of the acknowledged submissions and those counts;
exits 1 when an acknowledged submission is lost or any submission is stored twice.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen

sys.path.insert(0, str(Path(__file__).resolve().parent))

from survey_load import (  # noqa: E402 - the benchmarks folder is not a package
    Client,
    benchmark_env,
    percentile,
    prepare,
    start_gunicorn,
    stored_markers,
)


@dataclass(frozen=True)
class Outcome:
    """What became of the run's submissions, from the clients' view and the database's."""

    acknowledged: int
    unacknowledged: int
    unacknowledged_stored: int
    lost: list[str]
    duplicated: list[str]
    stored_unsent: list[str]


def count_outcome(acked: list[str], unanswered: list[str], stored: Counter) -> Outcome:
    """Compare what the residents were told with what the database holds.

    Lost: acknowledged but not stored. Duplicated: stored more than once, acknowledged or not.
    Stored but never sent (neither acknowledged nor unanswered) would mean the counting is wrong.
    """
    sent = set(acked) | set(unanswered)
    return Outcome(
        acknowledged=len(acked),
        unacknowledged=len(unanswered),
        unacknowledged_stored=sum(1 for marker in unanswered if stored[marker]),
        lost=[marker for marker in acked if stored[marker] == 0],
        duplicated=[marker for marker, times in stored.items() if times > 1],
        stored_unsent=[marker for marker in stored if marker not in sent],
    )


def free_port() -> int:
    """A loopback port nobody listens on now (the machine is shared with other benchmarks)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def kill_server(server: Popen) -> None:
    """SIGKILL gunicorn's master and workers at once, and wait until they are gone."""
    try:
        workers = [int(pid) for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
    except OSError:
        workers = []
    for pid in [server.pid, *workers]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.wait(timeout=30)
    for _ in range(100):  # orphaned, the workers are reaped by init; until then they may hold the port
        if not any(Path(f"/proc/{pid}").exists() for pid in workers):
            return
        time.sleep(0.05)


@dataclass(frozen=True)
class Run:
    """A finished run: the clients, its length, the kills done and the seconds of it the server was down."""

    clients: list[Client]
    elapsed: float
    kills: int
    downtime: float
    run_id: str


def run_with_kills(
    env: dict[str, str],
    code: str,
    *,
    clients: int,
    duration: float,
    kills: int,
    port: int,
    workers: int = 4,
    threads: int = 4,
    max_per_client: int = 5000,
    resend: float = 0.1,
) -> Run:
    """Drive the clients for ``duration`` seconds and kill and restart the server ``kills`` times on the way."""
    log = Path(env["INSTANCE_PATH"]) / "gunicorn.log"
    server = start_gunicorn(env, port, workers, threads, log)
    run_id = secrets.token_hex(3)
    started = time.monotonic()
    deadline, downtime, done = started + duration, 0.0, 0
    stream = [Client(n, port, code, run_id, deadline, max_per_client, resend) for n in range(clients)]
    try:
        for client in stream:
            client.start()
        for kill in range(1, kills + 1):
            # Late when a restart took longer than the gap between kills; none once the clients stopped.
            time.sleep(max(0.0, started + duration * kill / (kills + 1) - time.monotonic()))
            down_at = time.monotonic()
            if down_at >= deadline:
                break
            kill_server(server)
            done += 1
            server = start_gunicorn(env, port, workers, threads, log)
            downtime += min(time.monotonic(), deadline) - down_at
        for client in stream:
            client.join(timeout=max(1.0, deadline + 90 - time.monotonic()))
        # The clients start no submission after the deadline; a restart may still be under way then.
        elapsed = min(time.monotonic() - started, duration)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    if any(client.is_alive() for client in stream):
        raise SystemExit("a client did not finish within 90 s of the end")
    return Run(stream, elapsed, done, downtime, run_id)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load, restarts included")
    parser.add_argument("--kills", type=int, default=2, help="times the server is SIGKILLed and restarted")
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL"),
        help="rate-limit counters in Redis, as deployed; default $REDIS_URL",
    )
    args = parser.parse_args()
    env = benchmark_env(args.database_url, args.redis_url)
    code = prepare(env)
    run = run_with_kills(
        env, code, clients=args.clients, duration=args.duration, kills=args.kills, port=args.port or free_port()
    )
    acked = [marker for client in run.clients for marker in client.acked]
    unanswered = [marker for client in run.clients for marker in client.unanswered]
    outcome = count_outcome(acked, unanswered, stored_markers(args.database_url, run.run_id))
    latencies = sorted(latency for client in run.clients for latency in client.latencies)
    errors = sum((client.errors for client in run.clients), Counter())
    print(
        f"database: {args.database_url.split(':', 1)[0]}; gunicorn 4 gthread workers x 4 threads; "
        f"{args.clients} clients; "
        f"rate limits in {'Redis' if args.redis_url else 'worker memory'}; {os.cpu_count()} CPUs (shared)"
    )
    print(
        f"{run.kills} of {args.kills} SIGKILLs of master and workers done; server down (kill to every worker "
        f"ready again) {run.downtime:.1f} s of the {run.elapsed:.1f} s"
    )
    print(
        f"acknowledged: {outcome.acknowledged} = {outcome.acknowledged / run.elapsed:.1f} submissions/s over the "
        f"whole run, downtime included"
    )
    if latencies:
        print(
            f"GET+POST latency of acknowledged submissions: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
            f"p95 {percentile(latencies, 95) * 1000:.0f} ms, p99 {percentile(latencies, 99) * 1000:.0f} ms"
        )
    print(f"client errors (refused or broken connections while the server was down): {dict(errors) or 0}")
    print(
        f"unacknowledged (POST sent, no answer because of a kill): {outcome.unacknowledged}, "
        f"of which stored {outcome.unacknowledged_stored}"
    )
    print(
        f"lost (acknowledged, not stored): {len(outcome.lost)}; duplicated (stored twice): {len(outcome.duplicated)}; "
        f"stored but never sent: {len(outcome.stored_unsent)}"
    )
    failed = outcome.lost or outcome.duplicated or outcome.stored_unsent or not outcome.acknowledged
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
