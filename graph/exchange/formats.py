"""The CSV formats: one per file kind, French headers, written here once.

The import reads these columns and the export writes them, so an export imports again
unchanged. Each :class:`Column` says how a cell is read (:mod:`graph.exchange.values`)
and which property it fills.

>>> [c.header for c in FORMATS[Kind.MENTORING]]
['parrain', 'filleul', 'depuis']
>>> kind_of_headers(["Parrain", "FILLEUL"])
<Kind.MENTORING: 'parrainages'>

Decisions:

* Headers are plain French words without accents (``jusqu_au``, ``numero_adherent``) so
  that a spreadsheet, a script and a person type the same thing; reading compares them
  without accents or case anyway (:func:`header_key`).
* A file's kind is told by its name (``membres.csv``, ``liens_2024.csv``) or else by its
  headers: a kind's required columns all present.
* People are referred to by id, membership number or e-mail (in that order), or by
  "Prénom Nom" when that names one person only; places and sectors by id or code;
  associations by id or short name; employers by id or exact name.
* Enumerations read French labels as well as the model's values; the export writes the
  model's values, which every later import reads.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from graph.model import (
    Career,
    Civility,
    GradeCategory,
    PartnerLevel,
    PersonStatus,
    Service,
    TieSource,
)

CellKind = Literal[
    "text", "id", "person", "date", "float", "int", "bool", "enum", "ref", "employer"
]


class Kind(StrEnum):
    """A file kind; its value is the file name an export writes (``<value>.csv``)."""

    MEMBERS = "membres"
    EMPLOYERS = "employeurs"
    TIES = "liens"
    EMPLOYMENTS = "emplois"
    TARGETS = "cibles"
    MENTORING = "parrainages"
    REFERENTS = "referents"
    CHARTERS = "chartes"


#: the order files are planned and exported in (employers before employments…)
ORDER: tuple[Kind, ...] = tuple(Kind)


@dataclass(frozen=True)
class Column:
    """One column: its header, the property it fills, how its cells are read."""

    header: str
    field: str
    kind: CellKind = "text"
    required: bool = False
    enum: type[StrEnum] | None = None
    #: for "ref" columns: the labels the value may name
    labels: tuple[str, ...] = ()
    example: str = ""


def _c(header: str, field: str, kind: CellKind = "text", **kw: object) -> Column:
    return Column(header, field, kind, **kw)  # type: ignore[arg-type]


FORMATS: dict[Kind, tuple[Column, ...]] = {
    Kind.MEMBERS: (
        _c("identifiant", "id", "id", example="p-dupont-anne"),
        _c("numero_adherent", "member_number", example="ANOCR-2019-0042"),
        _c("civilite", "civility", "enum", enum=Civility, example="Mme"),
        _c("prenom", "first_name", required=True, example="Anne"),
        _c("nom", "last_name", required=True, example="Dupont"),
        _c("grade", "grade", example="Commandant"),
        _c("categorie", "grade_category", "enum", enum=GradeCategory, example="officier"),
        _c("armee", "service", "enum", enum=Service, example="terre"),
        _c("carriere", "career", "enum", enum=Career, example="carriere"),
        _c("statut", "status", "enum", enum=PersonStatus, example="candidat"),
        _c("date_depart", "departure_date", "date", example="15/03/2027"),
        _c("promotion", "promotion", example="Saint-Cyr 2004"),
        # the consents, one per purpose, each with its day (issue 17)
        _c("intermediaire", "consent_introducer", "bool", example="oui"),
        _c("intermediaire_le", "consent_introducer_at", "date", example="15/03/2024"),
        _c("annuaire", "consent_directory", "bool", example="oui"),
        _c("annuaire_le", "consent_directory_at", "date", example="15/03/2024"),
        _c("coordonnees", "consent_contact", "bool", example="non"),
        _c("coordonnees_le", "consent_contact_at", "date"),
        _c("portail", "consent_portal", "bool", example="non"),
        _c("portail_le", "consent_portal_at", "date"),
        _c("import_reseaux", "consent_social_import", "bool", example="non"),
        _c("import_reseaux_le", "consent_social_import_at", "date"),
        _c("quitte_le", "left_on", "date"),
        _c("capacite", "capacity", "int", example="2"),
        _c("charge_mois", "monthly_load", "int", example="0"),
        _c("email", "email", example="anne.dupont@example.org"),
        _c("telephone", "phone", example="+33 6 12 34 56 78"),
        _c("departement", "lives_in", "ref", labels=("Departement",), example="33"),
        _c("bassin_vie", "settles_in", "ref", labels=("BassinVie",), example=""),
        _c("association", "association", "ref", labels=("Association",), example="ANOCR"),
        _c("adhesion_depuis", "association_since", "date", example="01/09/2019"),
        _c("groupement", "groupement", "ref", labels=("Groupement",), example="grp-anocr-33"),
        _c("groupement_depuis", "groupement_since", "date", example="01/09/2019"),
    ),
    Kind.EMPLOYERS: (
        _c("identifiant", "id", "id", example="emp-thales-bordeaux"),
        _c("nom", "name", required=True, example="Thales (Bordeaux)"),
        _c("marque", "brand", example="Thales"),
        _c("effectif", "size", "int", example="2000"),
        _c("bassin_emploi", "located_in", "ref", labels=("BassinEmploi",), example="ZE-33-1"),
        _c("secteur", "sector", "ref", labels=("Sector",), example="defense"),
    ),
    Kind.TIES: (
        _c("membre_1", "src", "person", required=True, example="ANOCR-2019-0042"),
        _c("membre_2", "dst", "person", required=True, example="jean.martin@example.org"),
        _c("force", "strength", "float", example="0,8"),
        _c("source", "source", "enum", enum=TieSource, example="promotion"),
        _c("depuis", "since", "date", example="01/09/2004"),
        _c("confirme_le", "confirmed_at", "date", example="15/03/2024"),
        _c("contexte", "context", example="Saint-Cyr 2004"),
    ),
    Kind.EMPLOYMENTS: (
        _c("membre", "src", "person", required=True, example="jean.martin@example.org"),
        _c("employeur", "dst", "employer", required=True, example="emp-thales-bordeaux"),
        _c("poste", "role", example="Chef de projet"),
        _c("depuis", "since", "date", example="01/01/2020"),
        _c("jusqu_au", "until", "date", example=""),
    ),
    Kind.TARGETS: (
        _c("membre", "src", "person", required=True, example="ANOCR-2019-0042"),
        _c("bassin_emploi", "bassin", "ref", labels=("BassinEmploi",), example="ZE-33-1"),
        _c("secteur", "sector", "ref", labels=("Sector",), example="defense"),
    ),
    Kind.MENTORING: (
        _c("parrain", "src", "person", required=True, example="jean.martin@example.org"),
        _c("filleul", "dst", "person", required=True, example="ANOCR-2019-0042"),
        _c("depuis", "since", "date", example="01/10/2024"),
    ),
    Kind.REFERENTS: (
        _c("membre", "src", "person", required=True, example="jean.martin@example.org"),
        _c("groupement", "dst", "ref", required=True, labels=("Groupement",),
           example="grp-anocr-33"),
        _c("depuis", "since", "date", example="01/01/2024"),
    ),
    Kind.CHARTERS: (
        _c("partenaire_1", "src", "ref", required=True, labels=("Groupement", "Association"),
           example="grp-anocr-33"),
        _c("partenaire_2", "dst", "ref", required=True, labels=("Groupement", "Association"),
           example="del-implicaction-nouvelle-aquitaine"),
        _c("signee_le", "signed", "date", required=True, example="13/11/2024"),
        _c("expire_le", "expires", "date", example="13/11/2025"),
        _c("niveau", "level", "enum", enum=PartnerLevel, example="local"),
        _c("nom", "name", example="Charte locale Gironde"),
    ),
}  # fmt: skip

#: French labels of enumeration values (read as well as the values themselves)
ENUM_LABELS: dict[str, str] = {
    "candidat": "candidate",
    "candidate": "candidate",
    "aidant": "helper",
    "implic'actif": "helper",
    "implicactif": "helper",
    "implic'acteur": "candidate",
    "implicacteur": "candidate",
    "les deux": "both",
    "les_deux": "both",
    "aucun": "neither",
    "officier": "officer",
    "sous-officier": "nco",
    "sous officier": "nco",
    "militaire du rang": "enlisted",
    "mdr": "enlisted",
    "civil": "civilian",
    "armee de terre": "terre",
    "armee de l'air": "air",
    "sante": "sante",
    "autre": "other",
    "carriere": "career",
    "contrat": "contract",
    "reserve": "reserve",
    "reserviste": "reserve",
    "retraite": "retired",
    "unite": "unit",
    "evenement": "event",
    "parrainage": "mentoring",
    "declare": "declared",
    "regional": "regional",
    "m": "M.",
    "m.": "M.",
    "monsieur": "M.",
    "mme": "Mme",
    "madame": "Mme",
}


def fold(text: str) -> str:
    """Lower case, accents removed, inner spaces collapsed: how names are compared.

    >>> fold("  Élodie   LE GOFF ")
    'elodie le goff'
    """
    if text.isascii():
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def header_key(header: str) -> str:
    """A header as compared: folded, spaces, dashes and apostrophes as ``_``.

    >>> header_key("Numéro adhérent"), header_key("jusqu'au")
    ('numero_adherent', 'jusqu_au')
    """
    out = fold(header).replace("'", "_").replace("’", "_").replace("-", "_").replace(" ", "_")
    return out.strip("_")


#: other spellings a header may come with
HEADER_ALIASES: dict[str, str] = {
    "id": "identifiant",
    "numero_d_adherent": "numero_adherent",
    "n_adherent": "numero_adherent",
    "e_mail": "email",
    "mail": "email",
    "courriel": "email",
    "civilite": "civilite",
    "jusqu_a": "jusqu_au",
    "prenom_1": "prenom",
}


def kind_of_name(name: str) -> Kind | None:
    """The kind a file name says (``Membres 2024.csv`` → members), or None.

    >>> kind_of_name("liens-gironde.csv"), kind_of_name("data.csv")
    (<Kind.TIES: 'liens'>, None)
    """
    stem = header_key(name.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    found = [k for k in Kind if stem == k.value or stem.startswith(k.value + "_")]
    return found[0] if len(found) == 1 else None


def kind_of_headers(headers: Iterable[str]) -> Kind | None:
    """The one kind whose required columns are all among ``headers`` (the most specific
    when several fit), or None."""
    keys = {HEADER_ALIASES.get(header_key(h), header_key(h)) for h in headers}
    fits = [
        (sum(c.header in keys for c in cols), k)
        for k, cols in FORMATS.items()
        if all(c.header in keys for c in cols if c.required)
    ]
    if not fits:
        return None
    fits.sort(key=lambda f: -f[0])
    if len(fits) > 1 and fits[0][0] == fits[1][0]:
        return None
    return fits[0][1]
