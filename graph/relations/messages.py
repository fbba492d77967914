"""French one-line messages for the refusals of relationship edits (CLI and dashboard).

The core's errors carry a field and an English message (the API's problem bodies show
them as they are); the French entry points word them with :func:`french`, naming what
the user typed (an argument, an option, a form field) through ``names``.

>>> from graph.errors import InvalidInput
>>> french(InvalidInput("until", "must not be before since (2023-01-01 < 2024-01-01)"),
...        {"until": "Fin"})
'Fin : valeur refusée (ne doit pas précéder since (2023-01-01 < 2024-01-01))'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from graph.errors import (
    AccessDenied,
    ConfigError,
    Conflict,
    InvalidInput,
    NotFound,
    PasserelleError,
    StoreUnavailable,
)

#: the kinds of :class:`graph.errors.NotFound` (labels and others), in French
KINDS = {
    "Person": "personne",
    "Association": "association",
    "Groupement": "groupement",
    "Employer": "employeur",
    "JobOffer": "offre d'emploi",
    "Region": "région",
    "Departement": "département",
    "BassinEmploi": "bassin d'emploi",
    "BassinVie": "bassin de vie",
    "Sector": "secteur",
    "token": "jeton",
    "introduction": "introduction",
}


def french(exc: PasserelleError, names: Mapping[str, str]) -> str:
    """One French line for a refusal; ``names`` maps a field to what the user typed
    (a field not in it is shown as an option, ``--field-name``)."""
    field = getattr(exc, "field", None)
    where = names.get(field or "", _option(field) if field else "")
    prefix = f"{where} : " if where else ""
    if isinstance(exc, NotFound):
        return f"{prefix}introuvable ({KINDS.get(exc.kind, exc.kind)} « {exc.id} »)"
    if isinstance(exc, AccessDenied):
        return f"{prefix}refusé ({_fr(exc.message)})"
    if isinstance(exc, Conflict):
        return f"{prefix}déjà enregistré ou incompatible ({_fr(exc.message)})"
    if isinstance(exc, InvalidInput):
        return f"{prefix}valeur refusée ({_fr(exc.message)})"
    if isinstance(exc, StoreUnavailable):
        return f"données inaccessibles ({exc})"
    if isinstance(exc, ConfigError):
        return f"réglage invalide ({_fr(str(exc))})"
    return str(exc)


def _option(field: str) -> str:
    """How a field reads as an option: ``as_of`` -> ``--as-of`` (``--k`` stays).

    >>> _option("as_of"), _option("--as-of"), _option("target.bassin")
    ('--as-of', '--as-of', 'target.bassin')
    """
    if field.startswith("-") or "." in field or "[" in field:
        return field
    return f"--{field.replace('_', '-')}"


def _kinds(found: re.Match[str]) -> str:
    """``'l' is a Person, not an Employer`` in French."""
    value, kind, expected = found.groups()
    return f"« {value} » : {KINDS.get(kind, kind)}, pas {KINDS.get(expected, expected)}"


#: the core's most frequent messages, in French (others are shown as they are)
_MESSAGES = (
    (re.compile(r"^(.+) is already linked; update it instead$"), r"\1 est déjà lié (update)"),
    (re.compile(r"^already ended on (.+)$"), r"déjà terminé le \1"),
    (re.compile(r"^already set to (.+); remove it first$"), r"déjà \1 : supprimez-le d'abord"),
    (re.compile(r"^must not be before (\w+) \((.+)\)$"), r"ne doit pas précéder \1 (\2)"),
    (re.compile(r"^no (.+) with id (.+)$"), r"aucun \1 d'identifiant \2"),
    (re.compile(r"^cannot be linked to itself$"), "ne peut pas être lié à lui-même"),
    (re.compile(r"^Input should be less than or equal to (.+)$"), r"doit être au plus \1"),
    (re.compile(r"^Input should be greater than or equal to (.+)$"), r"doit être au moins \1"),
    (re.compile(r"^Extra inputs are not permitted$"), "option inconnue"),
    (re.compile(r"^Field required$"), "obligatoire"),
    (
        re.compile(r"^must be an integer between (\S+) and (\S+) \(got (.+)\)$"),
        r"doit être un entier entre \1 et \2 (reçu \3)",
    ),
    (re.compile(r"^'(.+)' is an? (\w+), not an? (\w+)$"), _kinds),
    (re.compile(r"^setting (\w+): (.+)$"), r"réglage \1 : \2"),
    (re.compile(r"^Input should be greater than (.+)$"), r"doit être supérieur à \1"),
    (re.compile(r"^Input should be less than (.+)$"), r"doit être inférieur à \1"),
    (re.compile(r"^must be between (\S+) and (\S+)$"), r"doit être entre \1 et \2"),
    (re.compile(r"^Input should be a valid date.*$"), "date attendue (AAAA-MM-JJ ou JJ/MM/AAAA)"),
    (re.compile(r"^a (\w+) token may not use this operation$"), r"un jeton \1 ne le permet pas"),
    (re.compile(r"^not one of this token's groupements$"), "pas un groupement de ce jeton"),
    (
        re.compile(r"^a referent token needs at least one groupement$"),
        "un jeton referent a au moins un groupement",
    ),
)


def _fr(message: str) -> str:
    """The French of a core message when it is a known one.

    >>> _fr("already ended on 2025-12-31"), _fr("something else")
    ('déjà terminé le 2025-12-31', 'something else')
    """
    for pattern, french_text in _MESSAGES:
        if pattern.match(message):
            return pattern.sub(french_text, message)
    return message
