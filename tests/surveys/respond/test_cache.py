"""The bounded per-process cache behind the recent links, the frozen versions and the blank forms."""

from __future__ import annotations

from surveys.respond.cache import BoundedCache


def test_at_most_size_entries_are_kept_the_least_recently_used_go_first():
    now = [0.0]
    recent = BoundedCache(2, max_age=10.0, clock=lambda: now[0])
    recent.put("a", "A")
    recent.put("b", "B")
    assert recent.get("a") == "A"  # read: now the most recently used
    recent.put("c", "C")
    assert (recent.get("a"), recent.get("b"), recent.get("c")) == ("A", None, "C")


def test_max_age_zero_keeps_nothing():
    recent = BoundedCache(1024, max_age=0.0)
    recent.put("a", "A")
    assert recent.get("a") is None
