"""``passerelle tie|mentor|employment|target|home|settlement|attach|adhesion|referent|charter|
convention``: every relationship a user edits, from the command line.

Each command group is one relationship kind (:mod:`graph.relations.kinds`) with
``list``, ``add``, ``update`` (when it has properties) and ``remove`` (``end`` for an
employment, which is never deleted)::

    passerelle tie add cand-a help-a --strength 0.8 --source unit --since 15/03/2024
    passerelle employment end help-a emp-1 --until 2025-12-31
    passerelle target list cand-a --json

Decisions:

* Who acts: with ``--token SECRET`` (or ``PASSERELLE_TOKEN``) the command acts as that
  token's holder, under the same rules as the API (a référent edits their groupements'
  people only; the national cell and portals write nothing). Without a token it acts as
  the **operator** of the data directory, with the admin's rights: whoever can run it
  on the store's files can already change them, and creates the tokens.
* Dates are ISO (``2024-03-15``) or French (``15/03/2024``).
* Messages are French; a refusal is one line on stderr (``erreur : …``) naming the
  option or argument at fault, with exit code 1 (3 when the store is unavailable).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import click

from cli.context import AppContext, emit
from graph.access.roles import Principal, Role
from graph.access.tokens import TokenStore
from graph.errors import (
    InvalidInput,
    PasserelleError,
    StoreUnavailable,
)
from graph.model import REL_MODELS
from graph.relations import (
    SPECS,
    Change,
    Kind,
    KindSpec,
    Relation,
    list_relations,
    messages,
    remove,
    update,
)
from graph.relations import add as add_relation
from graph.relations import end as end_relation

#: command group name -> kind
GROUPS: dict[str, Kind] = {
    "tie": Kind.TIE,
    "mentor": Kind.MENTOR,
    "employment": Kind.EMPLOYMENT,
    "target": Kind.TARGET,
    "home": Kind.HOME,
    "settlement": Kind.SETTLEMENT,
    "attach": Kind.GROUPEMENT,
    "adhesion": Kind.ASSOCIATION,
    "referent": Kind.REFERENT,
    "charter": Kind.CHARTER,
    "convention": Kind.CONVENTION,
}
HELP = {
    Kind.TIE: "Liens personnels (KNOWS) d'un membre.",
    Kind.MENTOR: "Parrains (MENTORS) d'un membre : ANCRE est le filleul.",
    Kind.EMPLOYMENT: "Emplois (WORKS_AT) : un emploi se termine (end), il ne se supprime pas.",
    Kind.TARGET: "Cibles (TARGETS) d'un candidat : bassin d'emploi ou secteur.",
    Kind.HOME: "Domicile (LIVES_IN) : un département.",
    Kind.SETTLEMENT: "Lieux de repli (SETTLES_IN) : bassins de vie.",
    Kind.GROUPEMENT: "Rattachement d'un membre à un groupement (IN_GROUPEMENT).",
    Kind.ASSOCIATION: "Adhésion d'un membre à une association (MEMBER_OF).",
    Kind.REFERENT: "Référents (REFERENT_OF) d'un groupement.",
    Kind.CHARTER: "Chartes locales (PARTNER_OF) d'un groupement.",
    Kind.CONVENTION: "Conventions (PARTNER_OF) d'une association.",
}
#: the relationships' properties, as options
PROPERTY_HELP = {
    "confirmed_at": "Confirmé le",
    "context": "Contexte",
    "expires": "Expire le",
    "level": "Niveau",
    "name": "Nom",
    "role": "Poste",
    "signed": "Signée le",
    "since": "Depuis",
    "source": "Origine du lien (promotion, unit, event, linkedin, mentoring, declared)",
    "strength": "Force du lien, de 0 à 1",
    "until": "Jusqu'au",
}
ACTIONS = {"created": "ajouté", "updated": "modifié", "ended": "terminé", "deleted": "supprimé"}
OPERATOR = Principal("cli-operator", Role.ADMIN)
_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def iso_date(value: str | None) -> str | None:
    """A date given as ``15/03/2024`` or ISO, as ISO (other text is left to the model).

    >>> iso_date("15/03/2024"), iso_date("2024-03-15"), iso_date(None)
    ('2024-03-15', '2024-03-15', None)
    """
    if value is None:
        return None
    found = _FR_DATE.match(value.strip())
    if found:
        day, month, year = found.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return value.strip()


def principal_of(app: AppContext, secret: str | None) -> Principal:
    """Who acts: the token's holder, or the operator (admin) without a token."""
    if not secret:
        return OPERATOR
    app.require_store()
    tokens = TokenStore(app.settings.auth_db_path)
    try:
        info = tokens.authenticate(secret)
    finally:
        tokens.close()
    if info is None:
        raise InvalidInput("token", "jeton inconnu ou révoqué")
    return info.principal()


def french(exc: PasserelleError, spec: KindSpec) -> str:
    """One French line for a refusal, naming the argument or option at fault."""
    return messages.french(exc, {spec.anchor_field: "ANCRE", spec.other_field: "AUTRE"})


def _describe(relation: Relation) -> str:
    props = ", ".join(f"{k}={v}" for k, v in relation.props.items() if v is not None)
    tail = f" ({props})" if props else ""
    other = relation.other_code or relation.other_id  # a bassin's or sector's code
    return f"{relation.anchor_id} → {other} [{relation.other_label.value}]{tail}"


def _render_list(found: list[Relation]) -> None:
    for relation in found:
        click.echo(_describe(relation))
    if not found:
        click.echo("Aucun enregistrement.")


def _run(spec: KindSpec, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except StoreUnavailable:
        raise
    except PasserelleError as exc:
        click.echo(f"erreur : {french(exc, spec)}", err=True)
        sys.exit(1)


def _report(change: Change, as_json: bool) -> None:
    spec = SPECS[change.relation.kind]
    data = {"action": change.action, "people": list(change.people), **change.relation.to_dict()}
    emit(
        data,
        as_json,
        lambda _: click.echo(
            f"{spec.name_fr.capitalize()} {ACTIONS[change.action]} : {_describe(change.relation)}"
        ),
    )


_TOKEN = click.option(
    "--token",
    envvar="PASSERELLE_TOKEN",
    default=None,
    help="Agir avec ce jeton (ses droits) [env PASSERELLE_TOKEN ; sans : l'opérateur].",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")


def _property_options(spec: KindSpec) -> list[click.Option]:
    model = REL_MODELS[spec.rel_type]
    out = []
    for name in spec.properties:
        field = model.model_fields[name]
        out.append(
            click.Option(
                [f"--{name.replace('_', '-')}", name],
                default=None,
                help=PROPERTY_HELP.get(name, field.description or name)
                + (" (date)" if "date" in str(field.annotation) else ""),
            )
        )
    return out


def _props(spec: KindSpec, values: dict[str, Any]) -> dict[str, Any]:
    model = REL_MODELS[spec.rel_type]
    out = {}
    for name in spec.properties:
        value = values.get(name)
        if value is None:
            continue
        out[name] = iso_date(value) if "date" in str(model.model_fields[name].annotation) else value
    return out


def _group(name: str, kind: Kind) -> click.Group:
    spec = SPECS[kind]
    group = click.Group(name, help=HELP[kind])
    anchor = click.Argument(["anchor"], metavar="ANCRE")
    other = click.Argument(["other"], metavar="AUTRE")

    @click.pass_obj
    def list_cmd(app: AppContext, anchor: str, token: str | None, as_json: bool) -> None:
        found = _run(
            spec, lambda: list_relations(app.store(), principal_of(app, token), kind, anchor)
        )
        emit([r.to_dict() for r in found], as_json, lambda _: _render_list(found))

    group.add_command(
        _TOKEN(_JSON(click.Command("list", callback=list_cmd, params=[anchor],
                                   help=f"Lister ({spec.name_fr}).")))
    )  # fmt: skip

    @click.pass_obj
    def add_cmd(app: AppContext, anchor: str, other: str, token: str | None, as_json: bool,
                **values: Any) -> None:  # fmt: skip
        change = _run(
            spec,
            lambda: add_relation(app.store(), principal_of(app, token), kind, anchor, other,
                                 _props(spec, values)),
        )  # fmt: skip
        _report(change, as_json)

    group.add_command(
        _TOKEN(_JSON(click.Command("add", callback=add_cmd,
                                   params=[anchor, other, *_property_options(spec)],
                                   help=f"Ajouter ({spec.name_fr}).")))
    )  # fmt: skip

    if spec.properties:

        @click.pass_obj
        def update_cmd(app: AppContext, anchor: str, other: str, token: str | None,
                       as_json: bool, **values: Any) -> None:  # fmt: skip
            changes = _props(spec, values)
            if not changes:
                click.echo("erreur : rien à modifier (donnez au moins une option)", err=True)
                sys.exit(1)
            change = _run(
                spec,
                lambda: update(app.store(), principal_of(app, token), kind, anchor, other,
                               changes),
            )  # fmt: skip
            _report(change, as_json)

        group.add_command(
            _TOKEN(_JSON(click.Command("update", callback=update_cmd,
                                       params=[anchor, other, *_property_options(spec)],
                                       help=f"Modifier ({spec.name_fr}).")))
        )  # fmt: skip

    if spec.ended:

        @click.pass_obj
        def end_cmd(app: AppContext, anchor: str, other: str, until: str | None,
                    token: str | None, as_json: bool) -> None:  # fmt: skip
            change = _run(
                spec,
                lambda: end_relation(app.store(), principal_of(app, token), kind, anchor,
                                     other, iso_date(until)),  # type: ignore[arg-type]
            )  # fmt: skip
            _report(change, as_json)

        until = click.Option(["--until"], default=None, help="Dernier jour [défaut : aujourd'hui].")
        group.add_command(
            _TOKEN(_JSON(click.Command("end", callback=end_cmd, params=[anchor, other, until],
                                       help="Terminer un emploi (until).")))
        )  # fmt: skip
    else:

        @click.pass_obj
        def remove_cmd(app: AppContext, anchor: str, other: str, token: str | None,
                       as_json: bool) -> None:  # fmt: skip
            change = _run(
                spec,
                lambda: remove(app.store(), principal_of(app, token), kind, anchor, other),
            )
            _report(change, as_json)

        group.add_command(
            _TOKEN(_JSON(click.Command("remove", callback=remove_cmd, params=[anchor, other],
                                       help=f"Supprimer ({spec.name_fr}).")))
        )  # fmt: skip
    return group


COMMANDS: list[click.Group] = [_group(name, kind) for name, kind in GROUPS.items()]

__all__ = ["COMMANDS", "OPERATOR", "french", "iso_date", "principal_of"]
