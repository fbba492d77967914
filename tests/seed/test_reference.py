"""Tests for the reference data package (seed.reference and seed/data/*.csv)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from seed import reference as ref

OVERSEAS = ("971", "972", "973", "974", "976")

# Rough (lat_min, lat_max, lon_min, lon_max) boxes.
METROPOLE_BOX = (41.0, 51.2, -5.2, 9.6)
OVERSEAS_BOXES = {
    "971": (15.8, 16.6, -61.9, -61.0),
    "972": (14.3, 14.9, -61.3, -60.8),
    "973": (2.0, 6.0, -54.7, -51.5),
    "974": (-21.5, -20.8, 55.2, 55.9),
    "976": (-13.1, -12.6, 45.0, 45.4),
}

BE_HEADER = "code,name,departement_code,lat,lon,economic_weight"
BV_HEADER = "code,name,departement_code,bassin_emploi_code,lat,lon"


def _box(departement_code: str) -> tuple[float, float, float, float]:
    return OVERSEAS_BOXES.get(departement_code, METROPOLE_BOX)


def _inside(code: str, lat: float, lon: float) -> bool:
    lat_min, lat_max, lon_min, lon_max = _box(code)
    return lat_min <= lat <= lat_max and lon_min <= lon <= lon_max


def _metropolitan_codes() -> set[str]:
    return {d.code for d in ref.departements() if d.code not in OVERSEAS}


# ----------------------------------------------------------------------------- geography


def test_regions_count_and_unique_codes() -> None:
    codes = [r.code for r in ref.regions()]
    assert len(codes) == 18
    assert len(set(codes)) == 18
    assert {"84", "11", "01", "02", "03", "04", "06"} <= set(codes)


def test_departements_count_unique_and_region_exists() -> None:
    deps = ref.departements()
    codes = [d.code for d in deps]
    assert len(codes) == 101
    assert len(set(codes)) == 101
    region_codes = {r.code for r in ref.regions()}
    assert all(d.region_code in region_codes for d in deps)
    assert set(OVERSEAS) <= set(codes)
    assert {"2A", "2B"} <= set(codes)
    assert "20" not in codes


def test_every_region_has_departements() -> None:
    used = {d.region_code for d in ref.departements()}
    assert used == {r.code for r in ref.regions()}


def test_departement_coordinates_and_weights() -> None:
    for d in ref.departements():
        assert _inside(d.code, d.lat, d.lon), d
        assert d.military_weight > 0, d
    by_code = {d.code: d for d in ref.departements()}
    assert by_code["83"].military_weight > by_code["48"].military_weight
    assert by_code["75"].prefecture == "Paris"


def test_bassins_coordinates_inside_boxes() -> None:
    for bassin in (*ref.bassins_emploi(), *ref.bassins_vie()):
        assert _inside(bassin.departement_code, bassin.lat, bassin.lon), bassin


def test_every_departement_has_bassins() -> None:
    codes = {d.code for d in ref.departements()}
    emploi = Counter(b.departement_code for b in ref.bassins_emploi())
    vie = Counter(b.departement_code for b in ref.bassins_vie())
    assert set(emploi) == codes
    assert set(vie) == codes
    assert max(emploi.values()) <= 4
    assert max(vie.values()) <= 3
    assert 200 <= sum(emploi.values()) <= 280


def test_bassin_codes_unique_and_well_formed() -> None:
    emploi = ref.bassins_emploi()
    vie = ref.bassins_vie()
    assert len({b.code for b in emploi}) == len(emploi)
    assert len({b.code for b in vie}) == len(vie)
    assert all(b.code.startswith(f"ZE-{b.departement_code}-") for b in emploi)
    assert all(b.code.startswith(f"BV-{b.departement_code}-") for b in vie)
    assert all(b.economic_weight > 0 for b in emploi)


def test_bassin_vie_links_to_bassin_emploi_of_same_departement() -> None:
    emploi = {b.code: b for b in ref.bassins_emploi()}
    for bv in ref.bassins_vie():
        assert bv.bassin_emploi_code in emploi, bv
        assert emploi[bv.bassin_emploi_code].departement_code == bv.departement_code, bv


# ----------------------------------------------------------------------------- economy


def test_sectors() -> None:
    codes = [s.code for s in ref.sectors()]
    assert 16 <= len(codes) <= 20
    assert len(set(codes)) == len(codes)
    assert all(code == code.lower() and code.isascii() for code in codes)


def test_employers_sector_and_scope() -> None:
    sector_codes = {s.code for s in ref.sectors()}
    dep_codes = {d.code for d in ref.departements()}
    employers = ref.employer_brands()
    assert 120 <= len(employers) <= 160
    assert len({e.name for e in employers}) == len(employers)
    for employer in employers:
        assert employer.sector_code in sector_codes, employer
        assert employer.size_weight > 0, employer
        if employer.scope is not None:
            assert employer.scope, employer
            assert set(employer.scope) <= dep_codes, employer
    naval = next(e for e in employers if e.name == "Naval Group")
    assert naval.scope is not None and {"83", "29", "50", "56", "44"} <= set(naval.scope)
    assert next(e for e in employers if e.name == "Thales").is_national


# ----------------------------------------------------------------------------- people


def test_schools_and_grades_use_known_categories() -> None:
    for school in ref.schools():
        assert school.service in ref.SERVICES
        assert school.grade_category in ref.GRADE_CATEGORIES
    titles = {(g.service, g.grade_category, g.title) for g in ref.grades()}
    assert ("terre", "officer", "Capitaine") in titles
    assert ("marine", "officer", "Capitaine de vaisseau") in titles
    assert ("marine", "nco", "Second maître") in titles
    groups = {(g.service, g.grade_category) for g in ref.grades()}
    for service in ref.SERVICES:
        for category in ref.GRADE_CATEGORIES:
            assert (service, category) in groups


def test_names() -> None:
    given_f, given_m, surnames = ref.names()
    assert len(given_f) >= 50 and len(given_m) >= 50
    assert abs(len(given_f) - len(given_m)) <= 10
    assert len(surnames) >= 200
    assert len(set(surnames)) == len(surnames)


# ----------------------------------------------------------------------------- institutions


def test_associations() -> None:
    assos = ref.associations()
    ids = [a.id for a in assos]
    assert len(set(ids)) == len(ids)
    assert {"asso-anocr", "asso-implicaction", "asso-cap2c", "asso-defense-mobilite"} <= set(ids)
    assert all(a.kind in ref.ASSOCIATION_KINDS for a in assos)
    implicaction = next(a for a in assos if a.id == "asso-implicaction")
    assert implicaction.founded == date(2009, 10, 8)


def test_conventions_reference_existing_associations() -> None:
    ids = {a.id for a in ref.associations()}
    conventions = ref.conventions()
    assert len({c.id for c in conventions}) == len(conventions)
    for convention in conventions:
        assert convention.party_a in ids and convention.party_b in ids, convention
        assert convention.party_a != convention.party_b
        assert convention.level in ref.CONVENTION_LEVELS
    anocr_ia = [
        c for c in conventions if {c.party_a, c.party_b} == {"asso-anocr", "asso-implicaction"}
    ]
    assert len(anocr_ia) == 1
    assert anocr_ia[0].signed == date(2014, 11, 13)
    assert anocr_ia[0].duration_months == 12 and anocr_ia[0].renewable
    cap2c_parties = {c.party_a for c in conventions if c.party_b == "asso-cap2c"}
    assert len(cap2c_parties) == 5


def test_groupements_reference_existing_departements() -> None:
    dep_codes = {d.code for d in ref.departements()}
    asso_ids = {a.id for a in ref.associations()}
    groupements = ref.groupements()
    assert len({g.id for g in groupements}) == len(groupements)
    for groupement in groupements:
        assert groupement.departement_codes, groupement
        assert set(groupement.departement_codes) <= dep_codes, groupement
        assert groupement.association_id in asso_ids
        assert groupement.kind in ref.GROUPEMENT_KINDS


@pytest.mark.parametrize(
    ("association_id", "kind"),
    [("asso-anocr", "groupement"), ("asso-implicaction", "delegation")],
)
def test_each_metropolitan_departement_covered_exactly_once(association_id: str, kind: str) -> None:
    coverage: Counter[str] = Counter()
    for groupement in ref.groupements():
        if groupement.association_id == association_id and groupement.kind == kind:
            coverage.update(groupement.departement_codes)
    for code in _metropolitan_codes():
        assert coverage[code] == 1, (association_id, code)


def test_anocr_overseas_gap() -> None:
    covered = {
        code
        for g in ref.groupements()
        if g.association_id == "asso-anocr"
        for code in g.departement_codes
    }
    assert {"971", "972", "974"} <= covered
    assert not {"973", "976"} & covered
    ids = {g.id for g in ref.groupements()}
    assert {"grp-anocr-33", "grp-anocr-2a", "del-implicaction-outre-mer"} <= ids


def test_slugify() -> None:
    assert ref.slugify("Provence-Alpes-Côte d'Azur") == "provence-alpes-cote-d-azur"
    assert ref.slugify("Île-de-France") == "ile-de-france"


def test_accessors_are_cached_tuples() -> None:
    assert ref.departements() is ref.departements()
    assert isinstance(ref.bassins_emploi(), tuple)


# ----------------------------------------------------------------------------- loaders


def _write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_bassins_emploi_roundtrip(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "be.csv",
        "# a comment",
        BE_HEADER,
        "ZE-33-9,Bordeaux,33,44.8378,-0.5792,3.5",
    )
    (bassin,) = ref.load_bassins_emploi(path)
    assert bassin == ref.BassinEmploi("ZE-33-9", "Bordeaux", "33", 44.8378, -0.5792, 3.5)


@pytest.mark.parametrize(
    ("lines", "row", "column"),
    [
        (("code,name,lat,lon,economic_weight", "ZE-33-9,X,44.8,-0.5,1"), 1, "departement_code"),
        (
            (BE_HEADER, "ZE-33-9,X,33,44.8,-0.5,1", "ZE-99-1,X,99,44.8,-0.5,1"),
            3,
            "departement_code",
        ),
        ((BE_HEADER, "ZE-33-9,X,33,abc,-0.5,1"), 2, "lat"),
        ((BE_HEADER, "ZE-33-9,X,33,44.8,500,1"), 2, "lon"),
        ((BE_HEADER, "ZE-33-9,X,33,-0.5,44.8,1"), 2, "lat"),
        ((BE_HEADER, "ZE-33-9,X,33,44.8,-0.5,"), 2, "economic_weight"),
        ((BE_HEADER, "ZE-33-9,,33,44.8,-0.5,1"), 2, "name"),
        ((BE_HEADER, "ZE-33-9,X,33,44.8,-0.5,1", "ZE-33-9,Y,33,44.8,-0.5,1"), 3, "code"),
    ],
)
def test_load_bassins_emploi_errors_name_row_and_column(
    tmp_path: Path, lines: tuple[str, ...], row: int, column: str
) -> None:
    path = _write(tmp_path, "bad.csv", *lines)
    with pytest.raises(ValueError, match=rf"row {row}, column '{column}'"):
        ref.load_bassins_emploi(path)


def test_load_bassins_vie_errors_name_row_and_column(tmp_path: Path) -> None:
    unknown = _write(tmp_path, "bv1.csv", BV_HEADER, "BV-33-9,X,33,ZE-33-99,44.8,-0.5")
    with pytest.raises(ValueError, match=r"row 2, column 'bassin_emploi_code'"):
        ref.load_bassins_vie(unknown)
    wrong_dep = _write(
        tmp_path,
        "bv2.csv",
        "# c",
        BV_HEADER,
        "BV-33-9,X,33,ZE-33-1,44.8,-0.5",
        "BV-29-9,Y,29,ZE-33-1,48.39,-4.48",
    )
    with pytest.raises(ValueError, match=r"row 4, column 'bassin_emploi_code'"):
        ref.load_bassins_vie(wrong_dep)
    bad_dep = _write(tmp_path, "bv3.csv", BV_HEADER, "BV-2C-1,X,2C,ZE-2A-1,41.9,8.7")
    with pytest.raises(ValueError, match=r"row 2, column 'departement_code'"):
        ref.load_bassins_vie(bad_dep)


def test_load_bassins_vie_with_custom_bassins_emploi(tmp_path: Path) -> None:
    emploi_path = _write(tmp_path, "be.csv", BE_HEADER, "ZE-INSEE-1,Brest,29,48.39,-4.48,2")
    vie_path = _write(tmp_path, "bv.csv", BV_HEADER, "BV-29-9,Landerneau,29,ZE-INSEE-1,48.45,-4.25")
    (bassin,) = ref.load_bassins_vie(vie_path, ref.load_bassins_emploi(emploi_path))
    assert bassin.bassin_emploi_code == "ZE-INSEE-1"
