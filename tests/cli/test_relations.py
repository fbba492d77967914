"""``passerelle tie|mentor|employment|…``: every relationship kind from the command line,
as the operator and under every role's token (the API tests' small network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.relations import GROUPS
from graph.access.roles import Role
from graph.access.tokens import TokenStore
from graph.embedded import EmbeddedStore
from graph.model import BassinVie, InGroupement, Person, RelType
from graph.relations import SPECS, Kind
from graph.store import Batch
from tests.cli.conftest import run

#: kind -> (anchor, other, options of a valid add, options of an update or None)
VALID: dict[Kind, tuple[str, str, list[str], list[str] | None]] = {
    Kind.TIE: ("cand-new", "help-a", ["--strength", "0.8", "--source", "declared",
                                      "--since", "15/03/2024"], ["--strength", "0.5"]),
    Kind.MENTOR: ("cand-new", "ref-a", ["--since", "01/09/2023"], ["--since", "2023-10-01"]),
    Kind.EMPLOYMENT: ("cand-new", "emp-1", ["--role", "Acheteur", "--since", "2020-01-01"],
                      ["--role", "Acheteuse"]),
    Kind.TARGET: ("cand-new", "ZE-33-1", [], None),  # a bassin or a sector by its code
    Kind.HOME: ("cand-new", "dep-33", [], None),
    Kind.SETTLEMENT: ("cand-new", "BV-33", [], None),
    Kind.GROUPEMENT: ("cand-b", "grp-a", ["--since", "2024-01-01"], ["--since", "2024-02-01"]),
    Kind.ASSOCIATION: ("cand-new", "asso-a", [], ["--since", "2024-02-01"]),
    Kind.REFERENT: ("grp-b", "help-b", ["--since", "2024-09-01"], ["--since", "2024-10-01"]),
    Kind.CHARTER: ("grp-a", "grp-b", ["--signed", "10/01/2024", "--level", "local"],
                   ["--expires", "10/01/2026"]),
    Kind.CONVENTION: ("asso-a", "asso-b", ["--signed", "13/11/2014", "--level", "national"],
                      ["--name", "Convention ANOCR"]),
}  # fmt: skip
COMMAND = {kind: name for name, kind in GROUPS.items()}


@pytest.fixture
def net(data_dir: Path) -> tuple[Path, dict[str, str]]:
    """The small network, a new candidate of grp-a, a bassin de vie, a token per role."""
    with EmbeddedStore(data_dir) as store:
        store.write(
            Batch(
                nodes=[
                    Person(id="cand-new", first_name="Noé", last_name="Nouveau",
                           status="candidate"),
                    BassinVie(id="bv-33", code="BV-33", name="Bordeaux"),
                ],
                rels=[InGroupement(src="cand-new", dst="grp-a")],
            )
        )  # fmt: skip
    tokens = TokenStore(data_dir / "auth.sqlite3")
    grants = {
        "admin": (Role.ADMIN, []),
        "national": (Role.NATIONAL, []),
        "portal": (Role.PORTAL, []),
        "referent": (Role.REFERENT, ["grp-a"]),
        "other_referent": (Role.REFERENT, ["grp-b"]),
    }
    secrets = {who: tokens.create(r, g).secret for who, (r, g) in grants.items()}
    tokens.close()
    return data_dir, secrets


#: the node ids behind the public codes used above
NODE_ID = {"ZE-33-1": "be-ZE-33-1", "BV-33": "bv-33"}


def _stored(data_dir: Path, kind: Kind, anchor: str, other: str) -> dict | None:
    spec = SPECS[kind]
    other = NODE_ID.get(other, other)
    with EmbeddedStore(data_dir) as store:
        record = store.get_relationship(spec.rel_type, *spec.record_ends(anchor, other))
    return None if record is None else record.props()


def test_every_kind_has_a_command() -> None:
    assert set(VALID) == set(GROUPS.values()) == set(Kind)


@pytest.mark.parametrize("kind", list(Kind))
def test_operator_adds_lists_updates_and_removes_or_ends(net, kind: Kind) -> None:
    data_dir, _ = net
    anchor, other, options, changes = VALID[kind]
    cmd = COMMAND[kind]
    code, out, err = run(data_dir, cmd, "add", anchor, other, *options)
    assert code == 0, err
    assert "ajouté" in out and other in out
    assert _stored(data_dir, kind, anchor, other) is not None
    code, out, _ = run(data_dir, cmd, "list", anchor, "--json")
    assert code == 0 and other in [r[SPECS[kind].other_field] for r in json.loads(out)]
    if changes is not None:
        code, out, err = run(data_dir, cmd, "update", anchor, other, *changes)
        assert code == 0 and "modifié" in out, err
    if SPECS[kind].ended:
        code, out, err = run(data_dir, cmd, "end", anchor, other, "--until", "31/12/2025")
        assert code == 0 and "terminé" in out, err
        assert _stored(data_dir, kind, anchor, other)["until"] == "2025-12-31"
    else:
        code, out, err = run(data_dir, cmd, "remove", anchor, other)
        assert code == 0 and "supprimé" in out, err
        assert _stored(data_dir, kind, anchor, other) is None


#: who -> expected exit code of an add on cand-new (grp-a) / on an organisation
MEMBER_EXIT = {"admin": 0, "referent": 0, "other_referent": 1, "national": 1, "portal": 1}
ORG_EXIT = {"admin": 0, "referent": 1, "other_referent": 1, "national": 1, "portal": 1}


@pytest.mark.parametrize("who", list(MEMBER_EXIT))
@pytest.mark.parametrize("kind", list(Kind))
def test_each_kind_under_each_role(net, kind: Kind, who: str) -> None:
    data_dir, secrets = net
    anchor, other, options, _ = VALID[kind]
    if kind is Kind.GROUPEMENT:
        anchor = "cand-new" if who != "admin" else anchor  # a référent attaches their people
        other = "grp-a" if who == "admin" else "grp-b"
    expected = (ORG_EXIT if SPECS[kind].organisation else MEMBER_EXIT)[who]
    if kind is Kind.GROUPEMENT and who == "referent":
        expected = 1  # grp-b is not theirs
    code, out, err = run(data_dir, COMMAND[kind], "add", anchor, other, *options,
                         "--token", secrets[who])  # fmt: skip
    assert code == expected, (out, err)
    stored = _stored(data_dir, kind, anchor, other)
    assert (stored is not None) == (expected == 0)
    if expected:
        assert err.startswith("erreur : ") and len(err.strip().splitlines()) == 1
        assert "Traceback" not in err


def test_refusals_are_one_french_line_naming_what_was_typed(net) -> None:
    data_dir, secrets = net
    cases = [
        (["tie", "add", "cand-new", "cand-new", "--strength", "0.5", "--source", "unit"],
         "AUTRE", "lui-même"),
        (["tie", "add", "cand-new", "help-a", "--strength", "2", "--source", "unit"],
         "--strength", "au plus 1"),
        (["tie", "add", "ghost", "help-a", "--strength", "0.5", "--source", "unit"],
         "ANCRE", "introuvable"),
        (["employment", "add", "cand-new", "emp-1", "--since", "2024-01-01",
          "--until", "01/01/2023"], "--until", "ne doit pas précéder since"),
        (["target", "add", "cand-new", "dep-33"], "AUTRE", "aucun"),
        (["tie", "list", "cand-new", "--token", secrets["national"]], "",
         "un jeton national ne le permet pas"),
        (["tie", "list", "cand-new", "--token", "psl_not-a-token"], "--token", "jeton inconnu"),
    ]  # fmt: skip
    for args, where, words in cases:
        code, out, err = run(data_dir, *args)
        assert code == 1, (args, out)
        line = err.strip()
        assert "\n" not in line and line.startswith(f"erreur : {where}"), line
        assert words in line, line


def test_out_of_scope_and_unknown_are_the_same_refusal(net) -> None:
    data_dir, secrets = net
    token = ["--token", secrets["other_referent"]]
    _, _, theirs = run(data_dir, "target", "add", "cand-new", "sec-defense", *token)
    _, _, ghost = run(data_dir, "target", "add", "ghost-1", "sec-defense", *token)
    assert theirs.replace("cand-new", "X") == ghost.replace("ghost-1", "X")
    with EmbeddedStore(data_dir) as store:
        assert store.relationships("cand-new", RelType.TARGETS) == []


def test_bassins_and_sectors_by_code_or_by_node_id(net) -> None:
    """A target is shown by its code; the node id is still accepted (compatibility)."""
    data_dir, _ = net
    code, out, err = run(data_dir, "target", "add", "cand-new", "sec-defense")
    assert code == 0, err
    assert "→ defense [Sector]" in out and "sec-defense" not in out
    code, out, _ = run(data_dir, "target", "list", "cand-new")
    assert code == 0 and "→ defense [Sector]" in out
    code, out, err = run(data_dir, "target", "remove", "cand-new", "defense")
    assert code == 0 and "supprimé" in out, err
    assert _stored(data_dir, Kind.TARGET, "cand-new", "sec-defense") is None
