"""The per-version memo: one build per key, a bound on versions, owners apart."""

from __future__ import annotations

import gc
import threading
import time
import weakref

import pytest

from graph.memo import VersionMemo


class Owner:
    """Stands for a store: hashable by identity, weakly referable."""


class Value:
    """A value whose release can be observed through a weak reference."""

    def __init__(self, label: str) -> None:
        self.label = label


def test_a_value_is_built_once_per_key() -> None:
    memo: VersionMemo[str] = VersionMemo("test")
    owner, calls = Owner(), []

    def build() -> str:
        calls.append(1)
        return "v"

    assert memo.get(owner, 1, "k", build) == "v"
    assert memo.get(owner, 1, "k", build) == "v"
    assert len(calls) == 1
    assert memo.peek(owner, 1, "k") == "v"
    assert memo.peek(owner, 1, "other") is None


def test_concurrent_callers_of_one_key_share_one_build() -> None:
    memo: VersionMemo[object] = VersionMemo("test")
    owner = Owner()
    started, release = threading.Event(), threading.Event()
    builds: list[int] = []

    def build() -> object:
        builds.append(1)
        started.set()
        release.wait(5)
        return object()

    got: list[object] = []
    threads = [
        threading.Thread(target=lambda: got.append(memo.get(owner, 1, "k", build)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    assert started.wait(5)
    time.sleep(0.05)  # let the other seven reach the wait
    release.set()
    for t in threads:
        t.join(5)
    assert len(builds) == 1
    assert len(got) == 8 and all(g is got[0] for g in got)


def test_different_keys_build_at_the_same_time() -> None:
    memo: VersionMemo[str] = VersionMemo("test")
    owner = Owner()
    barrier = threading.Barrier(2, timeout=5)

    def build(name: str) -> str:
        barrier.wait()  # both builders inside at once, or this times out
        return name

    out: dict[str, str] = {}

    def call(name: str) -> None:
        out[name] = memo.get(owner, 1, name, lambda: build(name))

    threads = [threading.Thread(target=call, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert out == {"a": "a", "b": "b"}


def test_a_failed_build_reaches_its_waiters_and_is_not_kept() -> None:
    memo: VersionMemo[str] = VersionMemo("test")
    owner = Owner()
    started, release = threading.Event(), threading.Event()

    def failing() -> str:
        started.set()
        release.wait(5)
        raise RuntimeError("store down")

    errors: list[BaseException] = []

    def call() -> None:
        try:
            memo.get(owner, 1, "k", failing)
        except RuntimeError as exc:
            errors.append(exc)

    leader = threading.Thread(target=call)
    leader.start()
    assert started.wait(5)
    waiter = threading.Thread(target=call)
    waiter.start()
    time.sleep(0.05)
    release.set()
    leader.join(5)
    waiter.join(5)
    assert [str(e) for e in errors] == ["store down", "store down"]
    assert memo.peek(owner, 1, "k") is None
    assert memo.get(owner, 1, "k", lambda: "recovered") == "recovered"


def test_only_the_newest_versions_are_kept_and_older_ones_released() -> None:
    memo: VersionMemo[Value] = VersionMemo("test", versions=2)
    owner = Owner()
    first = memo.get(owner, 1, "k", lambda: Value("v1"))
    released = weakref.ref(first)
    del first
    memo.get(owner, 2, "k", lambda: Value("v2"))
    assert memo.kept_versions(owner) == [1, 2]
    memo.get(owner, 3, "k", lambda: Value("v3"))
    assert memo.kept_versions(owner) == [2, 3]
    gc.collect()
    assert released() is None, "the value of version 1 is still alive"
    assert memo.peek(owner, 1, "k") is None
    assert memo.peek(owner, 3, "k").label == "v3"  # type: ignore[union-attr]


def test_after_a_write_the_new_version_is_built_not_served_from_the_old() -> None:
    memo: VersionMemo[str] = VersionMemo("test")
    owner = Owner()
    assert memo.get(owner, 1, "k", lambda: "old") == "old"
    assert memo.get(owner, 2, "k", lambda: "new") == "new"
    assert memo.get(owner, 1, "k", lambda: "rebuilt") == "old"  # still kept: 2 versions


def test_a_version_older_than_the_kept_ones_is_served_but_not_kept() -> None:
    memo: VersionMemo[str] = VersionMemo("test", versions=2)
    owner = Owner()
    memo.get(owner, 5, "k", lambda: "v5")
    memo.get(owner, 6, "k", lambda: "v6")
    assert memo.get(owner, 4, "k", lambda: "v4") == "v4"
    assert memo.kept_versions(owner) == [5, 6]
    assert memo.peek(owner, 4, "k") is None


def test_entries_per_owner_are_bounded_least_recently_used_first() -> None:
    memo: VersionMemo[str] = VersionMemo("test", entries=2)
    owner = Owner()
    memo.get(owner, 1, "a", lambda: "a")
    memo.get(owner, 1, "b", lambda: "b")
    memo.get(owner, 1, "a", lambda: "not rebuilt")  # a is now the most recent
    memo.get(owner, 1, "c", lambda: "c")
    assert memo.peek(owner, 1, "a") == "a"
    assert memo.peek(owner, 1, "b") is None
    assert memo.peek(owner, 1, "c") == "c"


def test_the_entry_bound_empties_the_oldest_version_first() -> None:
    memo: VersionMemo[str] = VersionMemo("test", versions=2, entries=3)
    owner = Owner()
    memo.get(owner, 1, "a", lambda: "1a")
    memo.get(owner, 1, "b", lambda: "1b")
    memo.get(owner, 2, "a", lambda: "2a")
    memo.get(owner, 1, "b", lambda: "not rebuilt")  # recently used, but of the old version
    memo.get(owner, 2, "b", lambda: "2b")
    memo.get(owner, 2, "c", lambda: "2c")
    assert memo.kept_versions(owner) == [2]
    assert [memo.peek(owner, 2, k) for k in "abc"] == ["2a", "2b", "2c"]


def test_owners_are_kept_apart() -> None:
    memo: VersionMemo[str] = VersionMemo("test", versions=1)
    one, two = Owner(), Owner()
    memo.get(one, 1, "k", lambda: "one")
    memo.get(two, 1, "k", lambda: "two")
    memo.get(two, 7, "k", lambda: "two later")  # pushes out two's version 1 only
    assert memo.peek(one, 1, "k") == "one"
    assert memo.peek(two, 1, "k") is None
    assert memo.peek(two, 7, "k") == "two later"
    memo.clear(one)
    assert memo.peek(one, 1, "k") is None
    assert memo.peek(two, 7, "k") == "two later"
    memo.clear()
    assert memo.peek(two, 7, "k") is None


def test_a_forgotten_owner_takes_its_values_with_it() -> None:
    memo: VersionMemo[Value] = VersionMemo("test")
    owner = Owner()
    value = memo.get(owner, 1, "k", lambda: Value("v"))
    released = weakref.ref(value)
    del value, owner
    gc.collect()
    assert released() is None


def test_bounds_must_be_positive() -> None:
    with pytest.raises(ValueError, match="versions"):
        VersionMemo("test", versions=0)
    with pytest.raises(ValueError, match="entries"):
        VersionMemo("test", entries=0)


def test_weighed_values_are_bounded_by_their_weight() -> None:
    memo: VersionMemo[tuple[int, str]] = VersionMemo("test", entries=10, weigh=lambda v: v[0])
    owner = Owner()
    memo.put(owner, 1, "a", (4, "A"))
    memo.put(owner, 1, "b", (4, "B"))
    assert memo.peek(owner, 1, "a") == (4, "A")  # now the most recently used
    memo.put(owner, 1, "c", (4, "C"))
    assert memo.peek(owner, 1, "b") is None
    assert [memo.peek(owner, 1, k) for k in "ac"] == [(4, "A"), (4, "C")]
    memo.put(owner, 1, "a", (2, "A again"))  # replacing a value counts its new weight only
    memo.put(owner, 1, "d", (4, "D"))
    assert len(memo) == 3
    memo.put(owner, 2, "huge", (50, "H"))  # kept alone, even over the bound
    assert memo.kept_versions(owner) == [2] and len(memo) == 1
    memo.put(owner, 2, "small", (1, "S"))  # and pushed out by the next one
    assert memo.peek(owner, 2, "huge") is None and memo.peek(owner, 2, "small") == (1, "S")


def test_put_keeps_a_value_under_the_same_bounds_as_get() -> None:
    memo: VersionMemo[str] = VersionMemo("test", versions=2)
    owner = Owner()
    memo.put(owner, 1, "k", "v1")
    assert memo.get(owner, 1, "k", lambda: "not built") == "v1"
    memo.put(owner, 2, "k", "v2")
    memo.put(owner, 3, "k", "v3")
    memo.put(owner, 1, "k", "too old")  # older than every kept version: not kept
    assert memo.kept_versions(owner) == [2, 3]
    assert len(memo) == 2
