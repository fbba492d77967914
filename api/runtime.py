"""What the app holds while it runs: the store (opened lazily, reopened after a failure)."""

from __future__ import annotations

import threading
import time

from graph.bootstrap import open_store
from graph.errors import StoreUnavailable
from graph.settings import Settings
from graph.store import GraphStore


class StoreHolder:
    """The app's store: injected, or opened from the settings on first use.

    When opening fails the API answers 503 and tries again at most once per
    ``retry_s``, so a store that comes back is picked up without a restart.
    """

    def __init__(
        self, settings: Settings, store: GraphStore | None = None, retry_s: float = 1.0
    ) -> None:
        self.settings = settings
        self._store = store
        self._owned = store is None
        self._retry_s = retry_s
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> GraphStore | None:
        """The store if it is open, without trying to open it."""
        return self._store

    def get(self) -> GraphStore:
        store = self._store
        if store is not None:
            return store
        with self._lock:
            if self._store is None:
                now = time.monotonic()
                if self._failed_at is not None and now - self._failed_at < self._retry_s:
                    raise StoreUnavailable("the store could not be opened")
                try:
                    self._store = open_store(self.settings)
                except StoreUnavailable:
                    self._failed_at = now
                    raise
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None and self._owned:
                self._store.close()
                self._store = None
