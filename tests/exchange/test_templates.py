"""The templates shipped in seed/templates: up to date, and importable."""

from __future__ import annotations

from pathlib import Path

from graph.embedded import EmbeddedStore
from graph.exchange import Kind, SourceFile, run_import
from seed.reference_graph import reference_batches
from tools.make_templates import TEMPLATES, template


def test_templates_are_the_formats() -> None:
    for kind in Kind:
        assert (TEMPLATES / f"{kind.value}.csv").read_bytes() == template(kind), kind


def test_templates_import_into_the_reference_graph(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        for batch in reference_batches():
            store.write(batch)
        files = [SourceFile.from_path(TEMPLATES / f"{k.value}.csv") for k in Kind]
        result = run_import(store, files, dry_run=True)
        assert [f.kind for f in result.plan.files] == [k.value for k in Kind]
        # every example resolves but jean.martin, whom the members template does not hold
        assert {p.value for p in result.plan.problems} == {"jean.martin@example.org"}
        own = [f for f in files if f.name in ("membres.csv", "employeurs.csv", "cibles.csv",
                                              "chartes.csv")]  # fmt: skip
        assert run_import(store, own).written
