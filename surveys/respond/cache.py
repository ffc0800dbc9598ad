"""A small bounded, thread-safe cache kept per worker process, for the respondent path's hot reads."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class BoundedCache:
    """A thread-safe map keeping the ``size`` most recently used entries, each for at most
    ``max_age`` seconds (None: until it is pushed out). Per worker process.

    Serves the frozen versions (``questions``), the rendered blank forms (``views``) and the
    links shown to residents (``links.RecentLinks``). For the links, a page that only shows one
    (the form's GET, the thank-you page) is exactly the page a request ``max_age`` seconds
    earlier would have received; a submission judged by it is stored only if its write finds
    the link unchanged where it matters (``store.store_response``, ``recheck_link``).
    ``max_age`` 0 keeps nothing.
    """

    def __init__(self, size: int, max_age: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.max_age, self.clock = size, max_age, clock
        self._entries: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        """The value kept for ``key`` if it is still young enough, else None."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is None or (self.max_age is not None and self.clock() - kept[0] >= self.max_age):
                return None
            self._entries.move_to_end(key)
            return kept[1]

    def put(self, key: Any, value: Any) -> None:
        """Keep ``value`` for ``key``, pushing out the least recently used entry when full."""
        if self.max_age is not None and self.max_age <= 0:
            return
        with self._lock:
            self._entries[key] = (self.clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def keys(self) -> list[Any]:
        """The keys held, least recently used first (tests)."""
        with self._lock:
            return list(self._entries)
