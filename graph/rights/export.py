"""A member's record as files: JSON, or a zip of CSV files as French spreadsheets open them.

The CSV files follow the habits of the référents' spreadsheets (French Excel): ``;``
separator, UTF-8 with a byte-order mark, dates as ``15/03/2024``, French headers, one
file per section (``personne.csv``, ``consentements.csv``, ``adhesions.csv``,
``liens.csv``, ``cibles.csv``, ``emplois.csv``, ``lieux.csv``, ``offres_signalees.csv``,
``autres.csv``, ``journal.csv``).

Decisions:

* A field without a French header (a property added later) keeps its own name: the
  export never drops a column.
* ``personne.csv`` and ``consentements.csv`` are two columns (``champ;valeur``): one row
  per property reads better than one very wide row.
* Booleans as ``oui``/``non``, nulls as empty cells.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date
from typing import Any

from graph.rights.record import SECTION_ORDER, PersonRecord

BOM = "\ufeff"
#: file name of each section in the zip
FILES = {
    "person": "personne.csv",
    "consents": "consentements.csv",
    "memberships": "adhesions.csv",
    "ties": "liens.csv",
    "targets": "cibles.csv",
    "employments": "emplois.csv",
    "places": "lieux.csv",
    "offers_reported": "offres_signalees.csv",
    "other": "autres.csv",
    "audit": "journal.csv",
}
#: French headers of the fields (others keep their name)
HEADERS = {
    "id": "identifiant",
    "first_name": "prénom",
    "last_name": "nom",
    "civility": "civilité",
    "grade": "grade",
    "grade_category": "catégorie",
    "service": "armée",
    "career": "carrière",
    "status": "statut",
    "departure_date": "date de départ",
    "promotion": "promotion",
    "consent_introducer": "accepte d'être intermédiaire",
    "consent_directory": "accepte de figurer dans l'annuaire",
    "consent_contact": "accepte le partage de ses coordonnées",
    "consent_portal": "accepte les recherches des portails",
    "consent_social_import": "accepte l'import depuis un réseau social",
    "capacity": "mises en relation par mois",
    "monthly_load": "mises en relation ce mois",
    "email": "courriel",
    "phone": "téléphone",
    "left_on": "date de sortie",
    "type": "type",
    "other_id": "identifiant lié",
    "other_kind": "nature",
    "direction": "sens",
    "since": "depuis",
    "until": "jusqu'au",
    "strength": "force",
    "source": "origine",
    "context": "contexte",
    "confirmed_at": "confirmé le",
    "role": "fonction",
    "at": "date",
    "actor": "auteur",
    "action": "action",
    "kind": "nature",
    "operation": "opération",
    "person_ids": "personnes",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def header(name: str) -> str:
    """The French header of a field.

    >>> header("first_name"), header("consent_contact_at"), header("new_field")
    ('prénom', 'accepte le partage de ses coordonnées (date)', 'new_field')
    """
    if name.endswith("_at") and name.removesuffix("_at") in HEADERS:
        return f"{HEADERS[name.removesuffix('_at')]} (date)"
    return HEADERS.get(name, name)


def cell(value: Any) -> str:
    """A value as a French spreadsheet shows it.

    >>> cell(True), cell(None), cell("2024-03-15"), cell(["a", "b"]), cell(0.5)
    ('oui', '', '15/03/2024', 'a, b', '0,5')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return str(value).replace(".", ",")
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, date):
        value = value.isoformat()
    text = str(value)
    if _ISO_DATE.match(text):
        return f"{text[8:10]}/{text[5:7]}/{text[0:4]}"
    return text


def to_json(record: PersonRecord) -> bytes:
    """The record as UTF-8 JSON."""
    return json.dumps(record.to_dict(), ensure_ascii=False, indent=2).encode("utf-8")


def csv_text(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """Rows as one CSV text (BOM, ``;``, French headers); ``columns`` default: every key
    of the rows, in first-seen order.

    >>> csv_text([{"id": "p-1", "since": "2024-03-15"}]).splitlines()
    ['\\ufeffidentifiant;depuis', 'p-1;15/03/2024']
    """
    if columns is None:
        columns = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([header(c) for c in columns])
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return out.getvalue().replace("\r\n", "\n")


def _pairs(data: dict[str, Any]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["champ", "valeur"])
    for key, value in data.items():
        writer.writerow([header(key), cell(value)])
    return out.getvalue()


def to_csv_zip(record: PersonRecord) -> bytes:
    """The record as a zip of CSV files (one per section, see the module)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(FILES["person"], _pairs(record.person).encode("utf-8"))
        archive.writestr(FILES["consents"], _pairs(record.consents).encode("utf-8"))
        for name in SECTION_ORDER:
            rows = record.sections.get(name, [])
            if rows or name != "other":
                columns = None if rows else ["type", "other_id", "other_kind", "direction"]
                archive.writestr(FILES[name], csv_text(rows, columns).encode("utf-8"))
        audit_columns = ["at", "actor", "role", "action", "kind", "operation", "person_ids"]
        archive.writestr(FILES["audit"], csv_text(record.audit, audit_columns).encode("utf-8"))
    return buffer.getvalue()


def export_name(person_id: str, fmt: str) -> str:
    """The file name offered for an export.

    >>> export_name("p-0000042", "csv")
    'passerelle-p-0000042.zip'
    """
    return f"passerelle-{person_id}.{'zip' if fmt == 'csv' else 'json'}"
