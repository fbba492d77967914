"""``passerelle path`` on a no-path answer: the next steps, in French."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import run


def test_a_path_without_answer_says_what_to_do_next(data_dir: Path) -> None:
    """``passerelle path`` prints the next steps of a no-path answer, in French."""
    from graph.embedded import EmbeddedStore
    from graph.store import Batch
    from tests.api.conftest import person

    with EmbeddedStore(data_dir) as store:
        cand, rels = person("cand-c", "Clément", "grp-a", status="candidate")
        store.write(Batch(nodes=[cand], rels=rels))
    code, out, err = run(data_dir, "path", "cand-c", "--employer", "emp-1")
    assert code == 0, err
    assert "Aucun chemin" in out and "Et maintenant ?" in out
    assert "référent du bassin de Bordeaux" in out
