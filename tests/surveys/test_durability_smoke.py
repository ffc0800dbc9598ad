"""The durability benchmark counts right: what the residents were told against what is stored.

The real figures come from benchmarks/durability.py (64 clients, 60 s, two kills, PostgreSQL);
this runs it small on SQLite with one kill and checks behaviour, not time.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import durability  # noqa: E402 - the benchmarks folder is not a package


def test_an_acknowledged_submission_missing_from_the_database_is_lost():
    stored = Counter({"a": 1, "c": 1})
    outcome = durability.count_outcome(acked=["a", "b"], unanswered=["c", "d"], stored=stored)
    assert outcome.lost == ["b"]
    assert outcome.duplicated == []
    assert (outcome.acknowledged, outcome.unacknowledged, outcome.unacknowledged_stored) == (2, 2, 1)


def test_a_submission_stored_twice_is_duplicated_whether_acknowledged_or_not():
    stored = Counter({"a": 2, "c": 2, "e": 1})
    outcome = durability.count_outcome(acked=["a"], unanswered=["c"], stored=stored)
    assert outcome.lost == []
    assert sorted(outcome.duplicated) == ["a", "c"]
    assert outcome.stored_unsent == ["e"]


@pytest.mark.slow
def test_a_killed_server_loses_and_duplicates_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'durability.sqlite3'}"
    env = durability.benchmark_env(url, redis_url=None)
    code = durability.prepare(env)
    run = durability.run_with_kills(env, code, clients=8, duration=10, kills=1, port=durability.free_port(),
                                    workers=2, threads=4)
    acked = [marker for client in run.clients for marker in client.acked]
    unanswered = [marker for client in run.clients for marker in client.unanswered]
    outcome = durability.count_outcome(acked, unanswered, durability.stored_markers(url, run.run_id))
    assert run.kills == 1
    assert outcome.acknowledged > 0
    assert sum(client.errors.total() for client in run.clients) > 0  # the kill was felt
    assert outcome.lost == []
    assert outcome.duplicated == []
    assert outcome.stored_unsent == []
