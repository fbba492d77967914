"""``bench/introductions.py``: the link it reads from the outbox, its summary rows."""

from __future__ import annotations

import sqlite3

from bench.introductions import newest_link, row


def test_reads_the_newest_ask_link_of_an_introduction() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY, intro_id TEXT, kind TEXT, text TEXT)")
    db.executemany(
        "INSERT INTO outbox (intro_id, kind, text) VALUES (?, ?, ?)",
        [
            ("i1", "ask", "Répondez :\nhttp://h/dashboard/reponse/AAAA.bbbb\n"),
            ("i1", "introduced", "no link"),
            ("i1", "ask", "Répondez :\nhttp://h/dashboard/reponse/CCCC.dd_d-\n"),
            ("i2", "ask", None),
        ],
    )
    assert newest_link(db, "i1") == "CCCC.dd_d-"
    assert newest_link(db, "i2") is None and newest_link(db, "nope") is None


def test_rows_give_percentiles() -> None:
    out = row("request", [float(i) for i in range(1, 101)])
    assert out["count"] == 100 and out["p50_ms"] == 50.5 and out["p99_ms"] == 99.0
    assert row("answer", [])["p99_ms"] is None
