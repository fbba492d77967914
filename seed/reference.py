"""Typed reference data: geography, sectors, employers, schools, names, grades and institutions.

Tabular data lives in CSV files under ``seed/data`` (lines starting with ``#`` are comments);
the institutions described in the seed documents (associations, conventions, groupements) are
written below as Python data. Every public accessor is cached and returns tuples.

Loader errors are ``ValueError`` messages of the form
``"<source>: row <n>, column '<name>': <problem>"`` where ``n`` is the 1-based line number in
the file (comment and header lines included), so it matches what a text editor shows.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

DATA_PACKAGE = "seed"
DATA_FOLDER = "data"

OVERSEAS_DEPARTEMENT_CODES: tuple[str, ...] = ("971", "972", "973", "974", "976")
OVERSEAS_REGION_CODES: tuple[str, ...] = ("01", "02", "03", "04", "06")
NATIONAL_SCOPE = "national"

SERVICES = frozenset({"terre", "marine", "air", "gendarmerie", "sante", "other"})
GRADE_CATEGORIES = frozenset({"officer", "nco", "enlisted"})
ASSOCIATION_KINDS = frozenset(
    {"officers_association", "network_association", "platform", "agency", "support_cell", "partner"}
)
CONVENTION_LEVELS = frozenset({"national", "regional", "local"})
GROUPEMENT_KINDS = frozenset({"groupement", "delegation"})

# A bassin must lie within this many degrees (lat and lon) of its département's prefecture:
# loose enough for Guyane, tight enough to catch swapped latitude/longitude columns.
MAX_DEGREES_FROM_PREFECTURE = 2.5

BASSIN_EMPLOI_COLUMNS = ("code", "name", "departement_code", "lat", "lon", "economic_weight")
BASSIN_VIE_COLUMNS = ("code", "name", "departement_code", "bassin_emploi_code", "lat", "lon")


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Region:
    """A French région (INSEE code, e.g. ``"84"``)."""

    code: str
    name: str


@dataclass(frozen=True)
class Departement:
    """A département with its prefecture location and a relative military population weight."""

    code: str
    name: str
    region_code: str
    prefecture: str
    lat: float
    lon: float
    military_weight: float


@dataclass(frozen=True)
class BassinEmploi:
    """An employment area (zone d'emploi) named after its main city."""

    code: str
    name: str
    departement_code: str
    lat: float
    lon: float
    economic_weight: float


@dataclass(frozen=True)
class BassinVie:
    """A living area (bassin de vie), attached to the bassin d'emploi it belongs to."""

    code: str
    name: str
    departement_code: str
    bassin_emploi_code: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Sector:
    """An economic sector that second-career service members go to."""

    code: str
    name: str


@dataclass(frozen=True)
class EmployerBrand:
    """A well-known employer; ``scope`` is None for national ones, else département codes."""

    name: str
    sector_code: str
    size_weight: float
    scope: tuple[str, ...] | None

    @property
    def is_national(self) -> bool:
        """True when the employer has sites in many bassins across the country."""
        return self.scope is None


@dataclass(frozen=True)
class School:
    """A military school or promotion context (service and grade category it trains)."""

    name: str
    service: str
    grade_category: str


@dataclass(frozen=True)
class Grade:
    """A grade title used for display, e.g. ``Capitaine`` for terre/officer."""

    service: str
    grade_category: str
    title: str


@dataclass(frozen=True)
class Association:
    """An association, platform, agency or partner of the transition network."""

    id: str
    name: str
    short_name: str
    kind: str
    founded: date | None
    description_fr: str


@dataclass(frozen=True)
class Convention:
    """A partnership agreement between two associations (``party_a`` and ``party_b`` ids)."""

    id: str
    party_a: str
    party_b: str
    signed: date
    duration_months: int | None
    renewable: bool
    level: str
    name_fr: str


@dataclass(frozen=True)
class Groupement:
    """A local structure of an association: ANOCR groupement or Implic'Action délégation."""

    id: str
    name: str
    association_id: str
    kind: str
    departement_codes: tuple[str, ...]


# --------------------------------------------------------------------------- CSV reading


@dataclass(frozen=True)
class _Row:
    """One data line of a CSV file, with its source and line number for error messages."""

    source: str
    line: int
    values: Mapping[str, str]

    def error(self, column: str, problem: str) -> ValueError:
        """Build the ValueError naming this row and ``column``."""
        return ValueError(f"{self.source}: row {self.line}, column {column!r}: {problem}")

    def text(self, column: str) -> str:
        """The non-empty, stripped value of ``column``."""
        value = self.values.get(column, "")
        if not value:
            raise self.error(column, "missing value")
        return value

    def optional_text(self, column: str) -> str:
        """The stripped value of ``column``, possibly empty."""
        return self.values.get(column, "")

    def number(self, column: str, low: float, high: float) -> float:
        """The value of ``column`` as a finite float within ``[low, high]``."""
        raw = self.text(column)
        try:
            value = float(raw)
        except ValueError:
            raise self.error(column, f"not a number: {raw!r}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise self.error(column, f"{raw} is outside [{low}, {high}]")
        return value

    def choice(self, column: str, allowed: Iterable[str]) -> str:
        """The value of ``column``, which must be one of ``allowed``."""
        value = self.text(column)
        allowed_set = set(allowed)
        if value not in allowed_set:
            raise self.error(column, f"unknown value {value!r}")
        return value


def _split_csv_line(line: str, delimiter: str) -> list[str]:
    """Split one CSV line into stripped fields."""
    return [field.strip() for field in next(csv.reader([line], delimiter=delimiter))]


def _parse_rows(text: str, source: str, columns: tuple[str, ...]) -> list[_Row]:
    """Parse CSV text into rows, skipping blank and ``#`` lines; check required columns."""
    header: list[str] | None = None
    delimiter = ","
    rows: list[_Row] = []
    for line_no, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if header is None:
            delimiter = ";" if ";" in line and "," not in line else ","
            header = _split_csv_line(line, delimiter)
            missing = [column for column in columns if column not in header]
            if missing:
                raise ValueError(
                    f"{source}: row {line_no}, column {missing[0]!r}: missing from the header"
                )
            continue
        fields = _split_csv_line(line, delimiter)
        if len(fields) > len(header):
            raise ValueError(
                f"{source}: row {line_no}, column #{len(header) + 1}: "
                f"{len(fields)} fields for {len(header)} columns"
            )
        rows.append(_Row(source, line_no, dict(zip(header, fields, strict=False))))
    if header is None:
        raise ValueError(f"{source}: row 1, column {columns[0]!r}: no header line")
    return rows


def _packaged_text(filename: str) -> str:
    """Read a CSV shipped in ``seed/data``."""
    resource = resources.files(DATA_PACKAGE).joinpath(DATA_FOLDER).joinpath(filename)
    return resource.read_text(encoding="utf-8")


def _packaged_rows(filename: str, columns: tuple[str, ...]) -> list[_Row]:
    """Parse a packaged CSV."""
    return _parse_rows(_packaged_text(filename), filename, columns)


def _check_unique(rows: list[_Row], column: str) -> None:
    """Raise on the first row whose ``column`` value repeats an earlier one."""
    seen: set[str] = set()
    for row in rows:
        value = row.text(column)
        if value in seen:
            raise row.error(column, f"duplicate value {value!r}")
        seen.add(value)


def _coordinates(row: _Row, departement: Departement | None = None) -> tuple[float, float]:
    """Latitude and longitude of a row, optionally checked against a prefecture location."""
    lat = row.number("lat", -90.0, 90.0)
    lon = row.number("lon", -180.0, 180.0)
    if departement is not None:
        if abs(lat - departement.lat) > MAX_DEGREES_FROM_PREFECTURE:
            raise row.error("lat", f"{lat} is too far from département {departement.code}")
        if abs(lon - departement.lon) > MAX_DEGREES_FROM_PREFECTURE:
            raise row.error("lon", f"{lon} is too far from département {departement.code}")
    return lat, lon


def _departement_of(row: _Row, by_code: Mapping[str, Departement]) -> Departement:
    """The département named in the row's ``departement_code`` column."""
    code = row.text("departement_code")
    if code not in by_code:
        raise row.error("departement_code", f"unknown département code {code!r}")
    return by_code[code]


# --------------------------------------------------------------------------- geography


@cache
def regions() -> tuple[Region, ...]:
    """The 18 French régions (13 metropolitan, 5 overseas)."""
    rows = _packaged_rows("regions.csv", ("code", "name"))
    _check_unique(rows, "code")
    return tuple(Region(row.text("code"), row.text("name")) for row in rows)


@cache
def departements() -> tuple[Departement, ...]:
    """The 101 départements, with prefecture coordinates and military weight."""
    columns = ("code", "name", "region_code", "prefecture", "lat", "lon", "military_weight")
    rows = _packaged_rows("departements.csv", columns)
    _check_unique(rows, "code")
    region_codes = {region.code for region in regions()}
    result = []
    for row in rows:
        lat, lon = _coordinates(row)
        result.append(
            Departement(
                code=row.text("code"),
                name=row.text("name"),
                region_code=row.choice("region_code", region_codes),
                prefecture=row.text("prefecture"),
                lat=lat,
                lon=lon,
                military_weight=row.number("military_weight", 0.0, math.inf),
            )
        )
    return tuple(result)


@cache
def _departements_by_code() -> Mapping[str, Departement]:
    """Départements indexed by code (read-only)."""
    return MappingProxyType({departement.code: departement for departement in departements()})


def is_overseas(departement_code: str) -> bool:
    """True for the five overseas départements (971, 972, 973, 974, 976)."""
    return departement_code in OVERSEAS_DEPARTEMENT_CODES


def _parse_bassins_emploi(text: str, source: str) -> tuple[BassinEmploi, ...]:
    """Parse and validate bassins d'emploi from CSV text."""
    rows = _parse_rows(text, source, BASSIN_EMPLOI_COLUMNS)
    _check_unique(rows, "code")
    by_code = _departements_by_code()
    result = []
    for row in rows:
        departement = _departement_of(row, by_code)
        lat, lon = _coordinates(row, departement)
        result.append(
            BassinEmploi(
                code=row.text("code"),
                name=row.text("name"),
                departement_code=departement.code,
                lat=lat,
                lon=lon,
                economic_weight=row.number("economic_weight", 0.0, math.inf),
            )
        )
    return tuple(result)


def _parse_bassins_vie(
    text: str, source: str, known_bassins_emploi: Iterable[BassinEmploi]
) -> tuple[BassinVie, ...]:
    """Parse and validate bassins de vie from CSV text against known bassins d'emploi."""
    rows = _parse_rows(text, source, BASSIN_VIE_COLUMNS)
    _check_unique(rows, "code")
    by_code = _departements_by_code()
    emploi_by_code = {bassin.code: bassin for bassin in known_bassins_emploi}
    result = []
    for row in rows:
        departement = _departement_of(row, by_code)
        emploi_code = row.text("bassin_emploi_code")
        emploi = emploi_by_code.get(emploi_code)
        if emploi is None:
            raise row.error("bassin_emploi_code", f"unknown bassin d'emploi {emploi_code!r}")
        if emploi.departement_code != departement.code:
            raise row.error(
                "bassin_emploi_code",
                f"{emploi_code!r} is in département {emploi.departement_code}, "
                f"not {departement.code}",
            )
        lat, lon = _coordinates(row, departement)
        result.append(
            BassinVie(
                code=row.text("code"),
                name=row.text("name"),
                departement_code=departement.code,
                bassin_emploi_code=emploi_code,
                lat=lat,
                lon=lon,
            )
        )
    return tuple(result)


def load_bassins_emploi(path: str | Path) -> tuple[BassinEmploi, ...]:
    """Load bassins d'emploi from any CSV with the packaged columns (e.g. a real INSEE list).

    Raises ValueError naming the row and column of the first bad row (missing column,
    unknown département code, bad coordinate or weight, duplicate code).
    """
    source = str(path)
    return _parse_bassins_emploi(Path(path).read_text(encoding="utf-8"), source)


def load_bassins_vie(
    path: str | Path, known_bassins_emploi: Iterable[BassinEmploi] | None = None
) -> tuple[BassinVie, ...]:
    """Load bassins de vie from any CSV with the packaged columns.

    Each row must reference a bassin d'emploi of ``known_bassins_emploi`` (the packaged ones
    by default) in the same département. Raises ValueError naming the row and column.
    """
    known = bassins_emploi() if known_bassins_emploi is None else tuple(known_bassins_emploi)
    return _parse_bassins_vie(Path(path).read_text(encoding="utf-8"), str(path), known)


@cache
def bassins_emploi() -> tuple[BassinEmploi, ...]:
    """The packaged (plausible, not official) bassins d'emploi."""
    filename = "bassins_emploi.csv"
    return _parse_bassins_emploi(_packaged_text(filename), filename)


@cache
def bassins_vie() -> tuple[BassinVie, ...]:
    """The packaged bassins de vie, each linked to a packaged bassin d'emploi."""
    filename = "bassins_vie.csv"
    return _parse_bassins_vie(_packaged_text(filename), filename, bassins_emploi())


# --------------------------------------------------------------------------- economy


@cache
def sectors() -> tuple[Sector, ...]:
    """Economic sectors, keyed by a short lowercase slug."""
    rows = _packaged_rows("sectors.csv", ("code", "name"))
    _check_unique(rows, "code")
    return tuple(Sector(row.text("code"), row.text("name")) for row in rows)


def _scope(row: _Row, departement_codes: Iterable[str]) -> tuple[str, ...] | None:
    """Parse an employer scope: None for ``national``, else validated département codes."""
    raw = row.text("scope")
    if raw == NATIONAL_SCOPE:
        return None
    known = set(departement_codes)
    codes = tuple(code.strip() for code in raw.split(";") if code.strip())
    unknown = [code for code in codes if code not in known]
    if not codes or unknown:
        raise row.error("scope", f"unknown département code(s) {unknown or raw!r}")
    if len(set(codes)) != len(codes):
        raise row.error("scope", "repeated département code")
    return codes


@cache
def employer_brands() -> tuple[EmployerBrand, ...]:
    """Well-known employers of former service members, with sector, size and scope."""
    rows = _packaged_rows("employers.csv", ("name", "sector_code", "size_weight", "scope"))
    _check_unique(rows, "name")
    sector_codes = {sector.code for sector in sectors()}
    departement_codes = _departements_by_code().keys()
    return tuple(
        EmployerBrand(
            name=row.text("name"),
            sector_code=row.choice("sector_code", sector_codes),
            size_weight=row.number("size_weight", 0.0, math.inf),
            scope=_scope(row, departement_codes),
        )
        for row in rows
    )


# --------------------------------------------------------------------------- people


@cache
def schools() -> tuple[School, ...]:
    """Military schools, with the service and grade category they train."""
    rows = _packaged_rows("schools.csv", ("name", "service", "grade_category"))
    _check_unique(rows, "name")
    return tuple(
        School(
            name=row.text("name"),
            service=row.choice("service", SERVICES),
            grade_category=row.choice("grade_category", GRADE_CATEGORIES),
        )
        for row in rows
    )


@cache
def names() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Common French names for synthetic people: ``(given_f, given_m, surnames)``."""
    rows = _packaged_rows("names.csv", ("kind", "value", "sex"))
    given_f: list[str] = []
    given_m: list[str] = []
    surnames: list[str] = []
    for row in rows:
        kind = row.choice("kind", ("given", "surname"))
        value = row.text("value")
        if kind == "surname":
            if row.optional_text("sex"):
                raise row.error("sex", "must be empty for a surname")
            surnames.append(value)
        elif row.choice("sex", ("F", "M")) == "F":
            given_f.append(value)
        else:
            given_m.append(value)
    return tuple(given_f), tuple(given_m), tuple(surnames)


@cache
def grades() -> tuple[Grade, ...]:
    """Grade titles by service and grade category, in ascending order within each group."""
    rows = _packaged_rows("grades.csv", ("service", "grade_category", "title"))
    return tuple(
        Grade(
            service=row.choice("service", SERVICES),
            grade_category=row.choice("grade_category", GRADE_CATEGORIES),
            title=row.text("title"),
        )
        for row in rows
    )


# --------------------------------------------------------------------------- institutions

_ASSOCIATIONS: tuple[Association, ...] = (
    Association(
        id="asso-anocr",
        name=(
            "Association nationale des officiers de carrière en retraite, "
            "veuves, veufs et orphelins d'officiers"
        ),
        short_name="ANOCR",
        kind="officers_association",
        founded=None,
        description_fr=(
            "Association d'officiers reconnue d'utilité publique (décret du 9 juillet 1993), "
            "organisée en groupements départementaux. Sa mission d'appui à la reconversion "
            "(MARA) demande à chaque groupement au moins un référent reconversion."
        ),
    ),
    Association(
        id="asso-saint-cyrienne",
        name="La Saint-Cyrienne",
        short_name="Saint-Cyrienne",
        kind="officers_association",
        founded=None,
        description_fr=(
            "Association des saint-cyriens ; l'une des cinq associations d'officiers "
            "signataires de la convention GCO – CAP 2C."
        ),
    ),
    Association(
        id="asso-epaulette",
        name="L'Épaulette",
        short_name="L'Épaulette",
        kind="officers_association",
        founded=None,
        description_fr=(
            "Association d'officiers ; assure la présidence tournante de CAP 2C et pilote "
            "l'expérimentation de la plateforme."
        ),
    ),
    Association(
        id="asso-aea",
        name="Association des anciens élèves de l'École de l'air",
        short_name="AEA",
        kind="officers_association",
        founded=None,  # the association's statutes say 1946; the exact day is not known here
        description_fr=(
            "Association des anciens élèves de l'École de l'air (armée de l'air) ; "
            "signataire de la convention GCO – CAP 2C."
        ),
    ),
    Association(
        id="asso-aen",
        name="Association amicale des anciens élèves de l'École navale",
        short_name="AEN",
        kind="officers_association",
        founded=None,
        description_fr=(
            "Association des anciens élèves de l'École navale (Marine nationale) ; "
            "signataire de la convention GCO – CAP 2C."
        ),
    ),
    Association(
        id="asso-implicaction",
        name="Implic'Action",
        short_name="Implic'Action",
        kind="network_association",
        founded=date(2009, 10, 8),
        description_fr=(
            "Association-réseau ouverte à tout le personnel de la Défense (active, réserve, "
            "retraités, civils), avec des délégations et antennes régionales. Ses membres sont "
            "des implic'acteurs (en transition) ou des implic'actifs (reconvertis qui aident)."
        ),
    ),
    Association(
        id="asso-cap2c",
        name="CAP 2C (Cap 2e carrière)",
        short_name="CAP 2C",
        kind="platform",
        founded=None,
        description_fr=(
            "Plateforme interarmées de coordination des associations d'officiers, sans statut "
            "juridique propre, à présidence tournante ; organise une journée annuelle "
            "d'information sur la reconversion des officiers."
        ),
    ),
    Association(
        id="asso-defense-mobilite",
        name="Défense Mobilité",
        short_name="Défense Mobilité",
        kind="agency",
        founded=None,
        description_fr="Agence de reconversion du ministère de la Défense.",
    ),
    Association(
        id="asso-terre-fraternite",
        name="Terre Fraternité",
        short_name="Terre Fraternité",
        kind="partner",
        founded=None,
        description_fr=(
            "Association de soutien aux blessés de l'armée de Terre et à leurs familles."
        ),
    ),
    Association(
        id="asso-cabat",
        name="Cellule d'aide aux blessés de l'armée de Terre",
        short_name="CABAT",
        kind="support_cell",
        founded=None,
        description_fr="Cellule d'aide aux blessés de l'armée de Terre ; partenaire de l'ANOCR.",
    ),
    Association(
        id="asso-cabam",
        name="Cellule d'aide aux blessés de la Marine",
        short_name="CABAM",
        kind="support_cell",
        founded=None,
        description_fr="Cellule d'aide aux blessés de la Marine ; partenaire de l'ANOCR.",
    ),
    Association(
        id="asso-coparef",
        name="Comités paritaires interprofessionnels régionaux pour l'emploi et la formation",
        short_name="Coparef",
        kind="partner",
        founded=None,
        description_fr=(
            "Comités paritaires régionaux pour l'emploi et la formation ; le Coparef "
            "Auvergne-Rhône-Alpes a appuyé l'ouverture du centre SMV d'Ambérieu-en-Bugey."
        ),
    ),
    Association(
        id="asso-smv",
        name="Service militaire volontaire",
        short_name="SMV",
        kind="partner",
        founded=None,
        description_fr=(
            "Dispositif d'insertion professionnelle de jeunes en centres à encadrement "
            "militaire (par exemple Ambérieu-en-Bugey, premières incorporations en janvier 2018)."
        ),
    ),
)

_OFFICERS_ASSOCIATIONS_OF_CAP2C: tuple[tuple[str, str], ...] = (
    ("asso-saint-cyrienne", "saint-cyrienne"),
    ("asso-epaulette", "epaulette"),
    ("asso-aea", "aea"),
    ("asso-aen", "aen"),
    ("asso-anocr", "anocr"),
)

# The GCO – CAP 2C convention was signed "in the first quarter of 2014"; the exact day is not
# in the source, so the last day of that quarter is used.
_GCO_CAP2C_SIGNED = date(2014, 3, 31)

# The ANOCR partnerships with Terre Fraternité, CABAT and CABAM are undated in the source; the
# date used is that of the ANOCR board meeting (14 October 2014) that presented MARA.
_ANOCR_SOCIAL_PARTNERSHIPS_SIGNED = date(2014, 10, 14)

_CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        id="conv-anocr-implicaction",
        party_a="asso-anocr",
        party_b="asso-implicaction",
        signed=date(2014, 11, 13),
        duration_months=12,
        renewable=True,
        level="national",
        name_fr="Accord de partenariat ANOCR – Implic'Action",
    ),
    Convention(
        id="conv-implicaction-defense-mobilite",
        party_a="asso-implicaction",
        party_b="asso-defense-mobilite",
        signed=date(2014, 5, 16),
        duration_months=None,
        renewable=False,  # renewal terms are not stated in the source
        level="national",
        name_fr="Partenariat Implic'Action – Défense Mobilité",
    ),
    *(
        Convention(
            id=f"conv-gco-cap2c-{slug}",
            party_a=association_id,
            party_b="asso-cap2c",
            signed=_GCO_CAP2C_SIGNED,
            duration_months=None,
            renewable=False,  # renewal terms are not stated in the source
            level="national",
            name_fr="Convention GCO – CAP 2C (groupe carrière officiers – Cap 2e carrière)",
        )
        for association_id, slug in _OFFICERS_ASSOCIATIONS_OF_CAP2C
    ),
    *(
        Convention(
            id=f"conv-anocr-{slug}",
            party_a="asso-anocr",
            party_b=partner_id,
            signed=_ANOCR_SOCIAL_PARTNERSHIPS_SIGNED,
            duration_months=None,
            renewable=False,  # renewal terms are not stated in the source
            level="national",
            name_fr=f"Partenariat ANOCR – {label}",
        )
        for partner_id, slug, label in (
            ("asso-terre-fraternite", "terre-fraternite", "Terre Fraternité"),
            ("asso-cabat", "cabat", "CABAT"),
            ("asso-cabam", "cabam", "CABAM"),
        )
    ),
)

# ANOCR groupements covering several départements (plausible merges); the id uses the first code.
_ANOCR_MERGED_GROUPEMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ANOCR Corse", ("2A", "2B")),
    ("ANOCR Alpes-de-Haute-Provence et Hautes-Alpes", ("04", "05")),
    ("ANOCR Aveyron et Lozère", ("12", "48")),
    ("ANOCR Haute-Vienne et Creuse", ("87", "23")),
)

# Overseas départements with an ANOCR groupement; 973 and 976 have none (a real gap).
_ANOCR_OVERSEAS_GROUPEMENTS: tuple[str, ...] = ("971", "972", "974")


@cache
def associations() -> tuple[Association, ...]:
    """Associations, platform, agency and partners named in the seed documents."""
    return _ASSOCIATIONS


@cache
def conventions() -> tuple[Convention, ...]:
    """National partnership agreements between associations (from the seed documents)."""
    return _CONVENTIONS


def slugify(text: str) -> str:
    """Lowercase ASCII slug: ``"Provence-Alpes-Côte d'Azur"`` -> ``provence-alpes-cote-d-azur``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    chars = (char if char.isalnum() else "-" for char in ascii_text.lower())
    return "-".join(part for part in "".join(chars).split("-") if part)


def _anocr_groupement(name: str, codes: tuple[str, ...]) -> Groupement:
    """An ANOCR groupement covering ``codes``."""
    return Groupement(
        id=f"grp-anocr-{codes[0].lower()}",
        name=name,
        association_id="asso-anocr",
        kind="groupement",
        departement_codes=codes,
    )


def _anocr_groupements(deps: Iterable[Departement]) -> tuple[Groupement, ...]:
    """One ANOCR groupement per département, except merges and uncovered overseas ones."""
    merged_first = {codes[0]: (name, codes) for name, codes in _ANOCR_MERGED_GROUPEMENTS}
    merged_codes = {code for _, codes in _ANOCR_MERGED_GROUPEMENTS for code in codes}
    result = []
    for dep in deps:
        if dep.code in merged_first:
            result.append(_anocr_groupement(*merged_first[dep.code]))
        elif dep.code in merged_codes:
            continue
        elif not is_overseas(dep.code) or dep.code in _ANOCR_OVERSEAS_GROUPEMENTS:
            result.append(_anocr_groupement(f"ANOCR {dep.name}", (dep.code,)))
    return tuple(result)


def _implicaction_delegations(
    regions_: Iterable[Region], deps: Iterable[Departement]
) -> tuple[Groupement, ...]:
    """One Implic'Action délégation per metropolitan région, plus one for the overseas."""
    deps = tuple(deps)
    result = [
        Groupement(
            id=f"del-implicaction-{slugify(region.name)}",
            name=f"Implic'Action {region.name}",
            association_id="asso-implicaction",
            kind="delegation",
            departement_codes=tuple(d.code for d in deps if d.region_code == region.code),
        )
        for region in regions_
        if region.code not in OVERSEAS_REGION_CODES
    ]
    result.append(
        Groupement(
            id="del-implicaction-outre-mer",
            name="Implic'Action Outre-mer",
            association_id="asso-implicaction",
            kind="delegation",
            departement_codes=OVERSEAS_DEPARTEMENT_CODES,
        )
    )
    return tuple(result)


@cache
def groupements() -> tuple[Groupement, ...]:
    """ANOCR departmental groupements followed by Implic'Action regional délégations."""
    deps = departements()
    return _anocr_groupements(deps) + _implicaction_delegations(regions(), deps)
