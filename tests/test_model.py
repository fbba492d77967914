"""The graph model: DOMAIN.md's labels and types, field-named validation, frame parity.

These tests prove issue 2's model guarantees: every label and relationship type of the
domain exists with its endpoints; invalid values raise :class:`InvalidInput` naming the
field; undirected ties have one canonical order; and the columnar path
(:func:`validate_rel_frame`) gives the same verdicts as the pydantic records.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import InvalidInput
from graph.frames import RelFrame, ValidRels, frames_from_records, validate_rel_frame
from graph.model import (
    NODE_MODELS,
    REL_MODELS,
    Career,
    GradeCategory,
    Knows,
    Label,
    Mentors,
    PartnerOf,
    Person,
    PersonStatus,
    RelRecord,
    RelType,
    Service,
    TieSource,
    make_node,
    make_rel,
)

# --------------------------------------------------------------------------- DOMAIN.md

DOMAIN_LABELS = {
    "Person",
    "Association",
    "Groupement",
    "Employer",
    "JobOffer",
    "Region",
    "Departement",
    "BassinEmploi",
    "BassinVie",
    "Sector",
}

P, A, G, E, J = Label.PERSON, Label.ASSOCIATION, Label.GROUPEMENT, Label.EMPLOYER, Label.JOB_OFFER
R, D, BE, BV, S = (
    Label.REGION,
    Label.DEPARTEMENT,
    Label.BASSIN_EMPLOI,
    Label.BASSIN_VIE,
    Label.SECTOR,
)

#: DOMAIN.md's relationship table: type -> (source, target) pairs it names, undirected?
DOMAIN_RELS: dict[str, tuple[list[tuple[Label, Label]], bool]] = {
    "MEMBER_OF": ([(P, A)], False),
    "IN_GROUPEMENT": ([(P, G)], False),
    "REFERENT_OF": ([(P, G)], False),
    "KNOWS": ([(P, P)], True),
    "WORKS_AT": ([(P, E)], False),
    "LIVES_IN": ([(P, D)], False),
    "SETTLES_IN": ([(P, BV)], False),
    "TARGETS": ([(P, BE), (P, S)], False),
    "LOCATED_IN": ([(E, BE), (J, BE)], False),
    "PART_OF": ([(BE, D), (BV, D), (D, R)], False),
    "COVERS": ([(G, D)], False),
    "PARTNER_OF": ([(A, A), (G, G)], True),
    "OFFERS": ([(E, J)], False),
    "REPORTED": ([(P, J)], False),
    "MENTORS": ([(P, P)], False),
}

#: key properties DOMAIN.md names per relationship type
DOMAIN_REL_PROPS = {
    "MEMBER_OF": {"since"},
    "KNOWS": {"strength", "source", "since", "confirmed_at"},
    "WORKS_AT": {"role", "since", "until"},
    "PARTNER_OF": {"signed", "expires", "level"},
}

PERSON_PROPS = {
    "status",
    "grade_category",
    "service",
    "career",
    "departure_date",
    "consent_introducer",
    "consent_directory",
    "capacity",
}


def person(**overrides: Any) -> dict[str, Any]:
    """A valid Person payload, with ``overrides``."""
    return {"id": "p-1", "first_name": "Anne", "last_name": "Martin", **overrides}


def knows(**overrides: Any) -> dict[str, Any]:
    """A valid KNOWS payload, with ``overrides``."""
    return {"src": "p-1", "dst": "p-2", "strength": 0.7, "source": "promotion", **overrides}


def test_every_domain_label_has_a_node_model() -> None:
    """Label holds exactly DOMAIN.md's node labels, each with its model class."""
    assert {label.value for label in Label} == DOMAIN_LABELS
    assert set(NODE_MODELS) == set(Label)
    for label, model in NODE_MODELS.items():
        assert model.label is label


def test_every_domain_relationship_type_has_a_model() -> None:
    """Every relationship type of DOMAIN.md exists, has a model and accepts its endpoints."""
    assert set(DOMAIN_RELS) <= {t.value for t in RelType}
    assert set(REL_MODELS) == set(RelType)
    for name, (pairs, undirected) in DOMAIN_RELS.items():
        model = REL_MODELS[RelType(name)]
        assert model.type is RelType(name)
        assert model.UNDIRECTED is undirected, name
        for src, dst in pairs:
            assert src in model.SOURCES and dst in model.TARGETS, (name, src, dst)


@pytest.mark.parametrize("name", sorted(DOMAIN_REL_PROPS))
def test_domain_relationship_properties_exist(name: str) -> None:
    """The key properties DOMAIN.md lists are fields of the relationship model."""
    assert DOMAIN_REL_PROPS[name] <= set(REL_MODELS[RelType(name)].model_fields)


def test_person_properties_and_enums_match_the_domain() -> None:
    """Person carries the properties and the enum values DOMAIN.md lists."""
    assert set(Person.model_fields) >= PERSON_PROPS
    assert {s.value for s in PersonStatus} == {"candidate", "helper", "both", "neither"}
    assert {g.value for g in GradeCategory} == {"officer", "nco", "enlisted", "civilian"}
    assert {s.value for s in Service} == {"terre", "marine", "air", "gendarmerie", "sante", "other"}
    assert {c.value for c in Career} == {"career", "contract", "reserve", "retired"}
    assert {s.value for s in TieSource} == {
        "promotion",
        "unit",
        "event",
        "linkedin",
        "mentoring",
        "declared",
    }


# --------------------------------------------------------------------------- invalid input


@pytest.mark.parametrize(
    ("label", "data", "field"),
    [
        ("Person", person(status="boss"), "status"),
        ("Person", person(service="navy"), "service"),
        ("Person", person(grade_category="general"), "grade_category"),
        ("Person", person(capacity=-1), "capacity"),
        ("Person", person(id="bad id"), "id"),
        ("Person", person(id="-leading-dash"), "id"),
        ("Person", person(id="x" * 81), "id"),
        ("Person", person(id=""), "id"),
        ("Person", person(nickname="Nanou"), "nickname"),
        ("Person", person(first_name=""), "first_name"),
        ("Person", {"id": "p-1", "first_name": "Anne"}, "last_name"),
        ("Sector", {"id": "sec-1", "code": "BTP!", "name": "BTP"}, "code"),
    ],
)
def test_invalid_node_names_the_field(label: str, data: dict[str, Any], field: str) -> None:
    """A bad enum, bound, id pattern, extra or missing property names its field."""
    with pytest.raises(InvalidInput) as info:
        make_node(label, data)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("rel_type", "data", "field"),
    [
        ("KNOWS", knows(source="facebook"), "source"),
        ("KNOWS", knows(strength=1.5), "strength"),
        ("KNOWS", knows(strength=-0.01), "strength"),
        ("KNOWS", knows(strength=float("nan")), "strength"),
        ("KNOWS", knows(dst="p-1"), "dst"),
        ("KNOWS", knows(src="p/1"), "src"),
        ("KNOWS", knows(since="2020-01-01", confirmed_at="2019-12-31"), "confirmed_at"),
        ("KNOWS", knows(weight=3), "weight"),
        (
            "WORKS_AT",
            {"src": "p-1", "dst": "e-1", "since": "2020-05-01", "until": "2020-04-30"},
            "until",
        ),
        (
            "PARTNER_OF",
            {"src": "a-1", "dst": "a-2", "signed": "2014-11-13", "level": "galaxy"},
            "level",
        ),
        (
            "PARTNER_OF",
            {
                "src": "a-1",
                "dst": "a-2",
                "signed": "2014-11-13",
                "expires": "2014-01-01",
                "level": "national",
            },
            "expires",
        ),
        ("MENTORS", {"src": "p-1", "dst": "p-1"}, "dst"),
    ],
)
def test_invalid_relationship_names_the_field(
    rel_type: str, data: dict[str, Any], field: str
) -> None:
    """Bad enum, strength out of [0, 1], dates out of order, self-loop, bad id, extra."""
    with pytest.raises(InvalidInput) as info:
        make_rel(rel_type, data)
    assert info.value.field == field


def test_where_prefixes_the_field() -> None:
    """``where`` places the error in a batch: ``nodes[3].status``, ``rels[0].label``."""
    with pytest.raises(InvalidInput) as info:
        make_node("Person", person(status="boss"), where="nodes[3]")
    assert info.value.field == "nodes[3].status"
    with pytest.raises(InvalidInput) as info:
        make_rel("KNOWS", knows(strength=2), where="rels[7]")
    assert info.value.field == "rels[7].strength"


def test_unknown_label_and_type_name_the_field() -> None:
    """make_node / make_rel refuse unknown labels and types with InvalidInput, not KeyError."""
    with pytest.raises(InvalidInput) as info:
        make_node("Company", {"id": "c-1"})
    assert info.value.field == "label"
    with pytest.raises(InvalidInput) as info:
        make_node("Company", {"id": "c-1"}, where="nodes[2]")
    assert info.value.field == "nodes[2].label"
    with pytest.raises(InvalidInput) as info:
        make_rel("LIKES", {"src": "p-1", "dst": "p-2"})
    assert info.value.field == "type"


def test_valid_records_are_frozen_and_typed() -> None:
    """A valid payload gives an immutable record with typed values."""
    record = make_node("Person", person(status="helper", departure_date="2024-06-30"))
    assert record.status is PersonStatus.HELPER  # type: ignore[attr-defined]
    assert record.departure_date == date(2024, 6, 30)  # type: ignore[attr-defined]
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        record.status = "candidate"  # type: ignore[misc]


# --------------------------------------------------------------------------- canonical order


def test_undirected_ties_have_one_canonical_order() -> None:
    """KNOWS p-2/p-1 is the same record as p-1/p-2; so is PARTNER_OF."""
    a = Knows(src="p-2", dst="p-1", strength=0.5, source="unit")
    b = Knows(src="p-1", dst="p-2", strength=0.5, source="unit")
    assert a == b
    assert a.key == b.key == (RelType.KNOWS, "p-1", "p-2")
    signed = date(2014, 11, 13)
    assert PartnerOf(src="a-2", dst="a-1", signed=signed, level="national").key == (
        RelType.PARTNER_OF,
        "a-1",
        "a-2",
    )


def test_directed_ties_keep_their_direction() -> None:
    """MENTORS is directed: the mentor stays ``src`` whatever the ids."""
    assert Mentors(src="p-9", dst="p-1").key == (RelType.MENTORS, "p-9", "p-1")


def test_canonical_order_compares_trimmed_ids() -> None:
    """Ids are trimmed before they are ordered: " p-2" / "p-1" is stored as p-1 / p-2.

    Regression: the order was decided on the raw text (" p-2" < "p-1"), so the tie was
    stored as p-2 / p-1, a second record for the same pair.
    """
    tie = Knows(src=" p-2", dst="p-1", strength=0.5, source="unit")
    assert (tie.src, tie.dst) == ("p-1", "p-2")


# --------------------------------------------------------------------------- frame parity


def record_verdict(row: dict[str, Any], rel_type: str = "KNOWS") -> RelRecord | InvalidInput:
    """The record path's answer for one row: the record, or the error."""
    try:
        return make_rel(rel_type, row)
    except InvalidInput as exc:
        return exc


def frame_of(rows: list[dict[str, Any]], rel_type: str = "KNOWS") -> RelFrame:
    """The rows as one frame; a property absent from every row is left out."""
    names = sorted({k for row in rows for k in row} - {"src", "dst"})
    return RelFrame(
        RelType(rel_type),
        [row.get("src") for row in rows],
        [row.get("dst") for row in rows],
        {name: [row.get(name) for row in rows] for name in names},
    )


class Columns(NamedTuple):
    """Validated relationships as plain lists, comparable with ``==``."""

    type: RelType
    src: list[str]
    dst: list[str]
    columns: dict[str, list[Any]]


def plain(valid: ValidRels) -> Columns:
    """ValidRels with list endpoints (the frame path may keep numpy arrays)."""
    return Columns(
        valid.type,
        np.asarray(valid.src).tolist(),
        np.asarray(valid.dst).tolist(),
        {k: list(v) for k, v in valid.columns.items()},
    )


def frame_verdict(rows: list[dict[str, Any]], rel_type: str = "KNOWS") -> Columns | InvalidInput:
    """The frame path's answer for rows: the validated columns, or the error."""
    try:
        return plain(validate_rel_frame(frame_of(rows, rel_type), "frames[0]"))
    except InvalidInput as exc:
        return exc


def as_columns(*records: RelRecord) -> Columns:
    """The storage columns the record path produces for records of one type."""
    (valid,) = frames_from_records(records)
    return plain(valid)


FRAME_CASES: list[tuple[str, dict[str, Any]]] = [
    ("KNOWS", knows()),
    ("KNOWS", knows(src="p-9", dst="p-10", since=date(2001, 9, 1), context="Saint-Cyr")),
    ("KNOWS", knows(src=" p-2 ", dst="p-1", context="  unit  ")),
    ("KNOWS", knows(source="facebook")),
    ("KNOWS", knows(strength=1.01)),
    ("KNOWS", knows(strength=None)),
    ("KNOWS", knows(strength="0.25")),
    ("KNOWS", knows(strength="strong")),
    ("KNOWS", knows(dst="p-1")),
    ("KNOWS", knows(dst=" p-1")),
    ("KNOWS", knows(src="p 1")),
    ("KNOWS", knows(src="é")),
    ("KNOWS", knows(src=None)),
    ("KNOWS", knows(src=12)),
    ("KNOWS", knows(since="2020-01-01", confirmed_at="2019-01-01")),
    ("KNOWS", knows(since="not a date")),
    ("KNOWS", knows(context="x" * 121)),
    ("WORKS_AT", {"src": "p-1", "dst": "e-1", "role": "DRH", "since": "2019-01-01"}),
    ("WORKS_AT", {"src": "p-1", "dst": "e-1", "since": "2020-05-01", "until": "2020-04-30"}),
    ("PARTNER_OF", {"src": "g-2", "dst": "g-1", "signed": "2014-11-13", "level": "local"}),
    ("PARTNER_OF", {"src": "g-2", "dst": "g-1", "level": "local"}),
    ("PARTNER_OF", {"src": "g-2", "dst": "g-1", "signed": "2014-11-13", "level": "galaxy"}),
    ("MENTORS", {"src": "p-2", "dst": "p-1"}),
]


@pytest.mark.parametrize(("rel_type", "row"), FRAME_CASES)
def test_frame_and_record_give_the_same_verdict(rel_type: str, row: dict[str, Any]) -> None:
    """One row: same accept/reject, same stored values, same field named (at row 0)."""
    expected = record_verdict(row, rel_type)
    got = frame_verdict([row], rel_type)
    if isinstance(expected, InvalidInput):
        assert isinstance(got, InvalidInput), f"frame accepted what the record rejects: {row}"
        assert got.field in {f"frames[0][0].{expected.field}", f"frames[0].{expected.field}"}
    else:
        assert not isinstance(got, InvalidInput), f"frame rejected a valid row: {got}"
        assert got == as_columns(expected)


@pytest.mark.parametrize(
    ("rel_type", "bad"),
    [c for c in FRAME_CASES if isinstance(record_verdict(c[1], c[0]), InvalidInput)],
)
@pytest.mark.parametrize("position", [0, 2, 4])
def test_frame_names_the_bad_row(rel_type: str, bad: dict[str, Any], position: int) -> None:
    """Among valid rows, the frame's error names ``frames[k][i]`` of the bad row."""
    good = [
        row
        for t, row in FRAME_CASES
        if t == rel_type and not isinstance(record_verdict(row, t), InvalidInput)
    ]
    rows = [good[i % len(good)] for i in range(5)]
    rows[position] = bad
    err = frame_verdict(rows, rel_type)
    assert isinstance(err, InvalidInput)
    expected = record_verdict(bad, rel_type)
    assert isinstance(expected, InvalidInput)
    assert err.field == f"frames[0][{position}].{expected.field}"


def test_frame_reads_a_mixed_list_as_the_records_do() -> None:
    """A Python list mixing True and "0.5" holds two valid strengths, as for the records.

    Regression: numpy read the list as the text ["True", "0.5"] and rejected row 0.
    """
    rows = [knows(strength=True), knows(src="p-3", dst="p-4", strength="0.5")]
    got = frame_verdict(rows)
    assert not isinstance(got, InvalidInput), got
    assert got.columns["strength"] == [1.0, 0.5]


def test_frame_rejects_unknown_column_and_ragged_columns() -> None:
    """A property the type does not have, or a column of the wrong length, names the column."""
    with pytest.raises(InvalidInput) as info:
        validate_rel_frame(RelFrame(RelType.KNOWS, ["p-1"], ["p-2"], {"weight": [1]}), "frames[1]")
    assert info.value.field == "frames[1].weight"
    ragged = {"strength": [0.5, 0.5], "source": ["unit"]}
    with pytest.raises(InvalidInput) as info:
        validate_rel_frame(RelFrame(RelType.KNOWS, ["p-1", "p-3"], ["p-2", "p-4"], ragged))
    assert info.value.field == "rels.source"
    with pytest.raises(InvalidInput) as info:
        validate_rel_frame(RelFrame(RelType.KNOWS, ["p-1"], ["p-2"], {"source": ["unit"]}))
    assert info.value.field == "rels.strength"


# Random KNOWS rows: mostly plausible values with a share of every kind of mistake.
_IDS = st.one_of(
    st.sampled_from(["p-1", "p-2", "p-10", "P.3", "a:b_c", "z"]),
    st.text(alphabet="ap-1_.: \t/é", max_size=6),
    st.sampled_from(["x" * 80, "x" * 81, "-p", " p-1", "p-2 ", "\u00a0p-3"]),
    st.none(),
)
_STRENGTHS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=-1, max_value=2),
    st.booleans(),
    st.sampled_from(["0.5", "1", "strong", None]),
)
_DATES = st.one_of(
    st.none(),
    st.dates(min_value=date(1960, 1, 1), max_value=date(2030, 12, 31)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2001, 1, 1)).map(date.isoformat),
    st.just("yesterday"),
)
KNOWS_ROWS = st.fixed_dictionaries(
    {
        "src": _IDS,
        "dst": _IDS,
        "strength": _STRENGTHS,
        "source": st.one_of(
            st.sampled_from([s.value for s in TieSource]),
            st.sampled_from(["facebook", "", "UNIT", " unit", None]),
        ),
    },
    optional={
        "since": _DATES,
        "confirmed_at": _DATES,
        "context": st.one_of(st.none(), st.text(alphabet="ab \t", max_size=125)),
    },
)


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(rows=st.lists(KNOWS_ROWS, min_size=1, max_size=6))
def test_random_knows_rows_agree_between_frame_and_records(rows: list[dict[str, Any]]) -> None:
    """Property: for random KNOWS rows the frame path and the record path agree.

    The frame accepts iff every row's record is valid, then holds exactly the records'
    values in canonical order; when it rejects, the row it names is one the record path
    rejects too.
    """
    verdicts = [record_verdict(row) for row in rows]
    got = frame_verdict(rows)
    if all(not isinstance(v, InvalidInput) for v in verdicts):
        assert not isinstance(got, InvalidInput), f"frame rejected valid rows: {got}"
        records = [v for v in verdicts if isinstance(v, RelRecord)]
        assert got.src == [r.src for r in records]
        assert got.dst == [r.dst for r in records]
        assert all(s < d for s, d in zip(got.src, got.dst, strict=True))
        assert got == as_columns(*records)
    else:
        assert isinstance(got, InvalidInput), "frame accepted an invalid row"
        row = int(got.field.removeprefix("frames[0][").split("]", 1)[0])
        assert isinstance(verdicts[row], InvalidInput), (got.field, rows[row])


@settings(max_examples=150, deadline=None, derandomize=True)
@given(row=KNOWS_ROWS)
def test_random_knows_row_either_way_round_is_one_record(row: dict[str, Any]) -> None:
    """Property: swapping src and dst never changes the verdict nor the stored record."""
    swapped = {**row, "src": row["dst"], "dst": row["src"]}
    a, b = record_verdict(row), record_verdict(swapped)
    assert isinstance(a, InvalidInput) == isinstance(b, InvalidInput)
    if not isinstance(a, InvalidInput):
        assert a == b
    fa, fb = frame_verdict([row]), frame_verdict([swapped])
    assert isinstance(fa, InvalidInput) == isinstance(fb, InvalidInput)
    if not isinstance(fa, InvalidInput):
        assert fa == fb


@pytest.mark.parametrize(
    ("columns", "shown"),
    [
        ({"strength": np.array([0.5, 1.5]), "source": ["unit", "unit"]}, "got 1.5"),
        ({"strength": [0.5, "x"], "source": ["unit", "unit"]}, "got 'x'"),
        ({"strength": [0.5, 0.5], "source": np.array(["unit", "ufo"])}, "got 'ufo'"),
    ],
)
def test_frame_errors_show_values_as_written(columns: dict, shown: str) -> None:
    """Values read from numpy columns are shown as plain values, not ``np.float64(1.5)``."""
    frame = RelFrame(RelType.KNOWS, ["p-1", "p-3"], ["p-2", "p-4"], columns)
    with pytest.raises(InvalidInput) as info:
        validate_rel_frame(frame)
    assert info.value.message.endswith(shown), info.value.message
    assert "np." not in str(info.value)
