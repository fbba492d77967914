"""``bench/write_mix.py``: the writes it makes, and a short run end to end against a real
``passerelle serve --workers 2``."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bench import write_mix
from bench.write_mix import WRITE_KINDS, WriterState


def state() -> WriterState:
    members = {
        f"p-{i}": {
            "capacity": 3,
            "monthly_load": 1,
            "consent_introducer": True,
            "consent_directory": False,
        }
        for i in range(3)
    }
    return WriterState(members, ["grp-a", "grp-b"], ["emp-1", "emp-2"], fresh=["p-new"])


def test_every_write_changes_what_it_checks() -> None:
    rng = random.Random(1)
    for kind in WRITE_KINDS:
        if kind.make is None:
            continue
        s = state()
        op = kind.make(rng, s)
        assert op.kind == kind.name and op.member in s.busy
        if op.method == "PATCH":
            before = {"id": op.member, **s.members[op.member]}
            # the member as it was does not show the write, the member as written does
            assert not op.shows(200, before)
            assert op.shows(200, {**before, **op.body})
            assert not op.shows(503, {**before, **op.body})
        elif op.url.endswith(("/ties", "/employments")):
            # a new tie or employment of a member this run created, seen in its list
            assert op.member == "p-new" and op.check_url.startswith(op.url)
            other = op.body.get("other_id") or op.body.get("employer_id")
            key = "other_id" if "other_id" in op.body else "employer_id"
            assert (op.member, other) in s.linked
            assert not op.shows(200, {"items": []})
            assert op.shows(200, [{key: other}]) and not op.shows(200, [])
            assert not op.shows(404, {"items": [{key: other}]})
        else:
            assert op.body["id"] == op.member and len(op.body["groupements"]) == 1
            assert not op.shows(404, {})
            assert not op.shows(200, {"id": op.member, "groupements": []})
            assert op.shows(200, {"id": op.member, "groupements": op.body["groupements"]})


def test_ties_and_employments_wait_for_a_created_member_and_never_repeat() -> None:
    rng = random.Random(3)
    kinds = {k.name: k for k in WRITE_KINDS}
    empty = WriterState(state().members, ["grp-a"], ["emp-1"])
    op = kinds["employment"].make(rng, empty)
    assert op.kind == "member_update"  # nobody created yet: an update instead
    one = WriterState(state().members, ["grp-a"], ["emp-1"], fresh=["p-new"])
    first = kinds["employment"].make(rng, one)
    assert first.kind == "employment"
    one.busy.discard("p-new")
    again = kinds["employment"].make(rng, one)
    assert again.kind == "member_update"  # the only pair is already linked


def test_a_member_being_written_is_not_drawn_again() -> None:
    s = state()
    rng = random.Random(2)
    drawn = {s.pick(rng) for _ in range(3)}
    assert drawn == set(s.members)
    with pytest.raises(RuntimeError):
        s.pick(rng)


def test_short_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "write_mix.json"
    code = write_mix.main(
        ["--people", "1500", "--duration", "4", "--warmup", "0.5", "--clients", "4",
         "--write-rate", "5", "--data-dir", str(tmp_path / "store"), "--json", str(out)]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "reads only" in printed and "age of answers" in printed
    report = json.loads(out.read_text())
    quiet, written = report["phases"]
    for phase in (quiet, written):
        rows = {r["kind"]: r for r in phase["rows"]}
        assert rows["paths"]["count"] > 0 and rows["coverage"]["count"] > 0
        rss = phase["rss"]["workers"]
        assert len(rss) == 2 and all(w["end_mib"] > 50 for w in rss)
    assert quiet["age_of_answers"] is None
    assert not any(r["kind"].startswith("writes") for r in quiet["rows"])
    rows = {r["kind"]: r for r in written["rows"]}
    # 5 writes a second for 4 seconds: each answered (ok or an error) or not sent
    answered = rows["writes"]["count"] + rows["writes"]["errors"]
    assert answered + written["writes_not_sent"] == 20
    assert rows["writes"]["count"] > 0
    age = written["age_of_answers"]
    not_checked = sum(age["not_checked"].values())
    assert age["checks"] + not_checked == 2 * rows["writes"]["count"]  # on both workers
    assert age["same_worker"] + age["other_worker"] == age["checks"]
