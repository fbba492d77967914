"""Click in French: its own messages (usage errors, help headings) and one-line errors.

Click words its messages through :mod:`gettext` (``_`` and ``ngettext`` bound in each of
its modules). :func:`install` rebinds them, in click's modules only, to a French
catalogue, whatever the machine's locale: Passerelle's users read French. A message not
in the catalogue is shown as click wrote it.

:func:`one_line` turns any :class:`click.ClickException` into the one line the CLI
prints (``erreur : …``), with a hint to the command's help for usage errors.

>>> install()
>>> import click
>>> one_line(click.BadParameter("'x' n'est pas un entier.", param_hint="'--k'"))
"erreur : valeur invalide pour '--k' : 'x' n'est pas un entier."
"""

from __future__ import annotations

import sys

import click

#: click's message ids (click 8.1 to 8.3) -> French
CATALOGUE: dict[str, str] = {
    "Aborted!": "Abandon.",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Voir « {command} {option} ».",
    "Usage:": "Usage :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Show the version and exit.": "Afficher la version et quitter.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Missing command.": "Commande manquante.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "No such option: {name}": "Option inconnue : {name}",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing {param_type}": "{param_type} manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "L'argument {name!r} prend {nargs} valeurs.",
    "Value must be an iterable.": "Une liste de valeurs est attendue.",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not a valid UUID.": "{value!r} n'est pas un UUID valide.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} n'existe pas.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un répertoire.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} n'est pas lisible.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} n'est pas accessible en écriture.",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir {filename!r} : {message}",
    "file": "Fichier",
    "directory": "Répertoire",
    "path": "Chemin",
    "Choose from:\n\t{choices}": "Valeurs possibles :\n\t{choices}",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "required": "obligatoire",
    "(dynamic)": "(dynamique)",
    "deprecated": "obsolète",
    "Do you want to continue?": "Continuer ?",
    "Confirm the action without prompting.": "Confirmer sans poser la question.",
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux valeurs diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "unknown error": "erreur inconnue",
}

#: click's plural message ids (singular, plural) -> French (singular, plural)
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "Argument en trop ({args})",
        "Arguments en trop ({args})",
    ),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "Vouliez-vous dire {possibility} ?",
        "(Vouliez-vous dire l'un de : {possibilities} ?)",
    ),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "L'option {name!r} attend une valeur.",
        "L'option {name!r} attend {nargs} valeurs.",
    ),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): (
        "{value!r} n'est pas {choice}.",
        "{value!r} n'est pas l'une des valeurs {choices}.",
    ),
    (
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
    ): (
        "{value!r} n'a pas le format {format}.",
        "{value!r} n'a aucun des formats {formats}.",
    ),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): (
        "Attend {nargs} valeurs, 1 donnée.",
        "Attend {nargs} valeurs, {len} données.",
    ),
}  # fmt: skip

_CLICK_MODULES = (
    "core",
    "decorators",
    "exceptions",
    "formatting",
    "parser",
    "shell_completion",
    "termui",
    "types",
    "utils",
)


def gettext(message: str) -> str:
    """The French of one of click's messages (the message itself when unknown)."""
    return CATALOGUE.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The French of one of click's plural messages."""
    one, many = PLURALS.get((singular, plural), (singular, plural))
    return one if n == 1 else many


#: the placeholders of click's value types in help texts (``--k ENTIER``)
TYPE_NAMES = {
    "StringParamType": "texte",
    "IntParamType": "entier",
    "IntRange": "entier",
    "FloatParamType": "nombre",
    "FloatRange": "nombre",
    "BoolParamType": "booléen",
}


def install() -> None:
    """Make click speak French (idempotent)."""
    for cls, name in TYPE_NAMES.items():
        getattr(click.types, cls).name = name
    for name in _CLICK_MODULES:
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


def confirm(question: str) -> bool:
    """Ask a yes-or-no question on stderr, answered in French (``o``/``oui``; ``y`` too),
    no by default: click's own confirmation wants ``y`` and shows ``[y/N]``."""
    answer = click.prompt(f"{question} [o/N]", default="n", show_default=False, err=True, type=str)
    return answer.strip().lower() in {"o", "oui", "y", "yes"}


def is_help(exc: click.ClickException) -> bool:
    """Whether ``exc`` is click's help for a group called without a command (click 8.2+;
    click 8.1 printed the help itself)."""
    help_error = getattr(click.exceptions, "NoArgsIsHelpError", None)
    return help_error is not None and isinstance(exc, help_error)


def one_line(exc: click.ClickException) -> str:
    """The one line printed for ``exc``: ``erreur : …`` (and, for a usage error, where
    to find the help)."""
    text = " ".join(exc.format_message().split())
    if text and text[0].isupper() and not text[:2].isupper():
        text = text[0].lower() + text[1:]
    line = f"erreur : {text}"
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        line += f" (aide : {ctx.command_path} --help)"
    return line


def _import_click_modules() -> None:
    import importlib

    for name in _CLICK_MODULES:
        try:
            importlib.import_module(f"click.{name}")
        except ImportError:  # pragma: no cover - a module of another click version
            continue


_import_click_modules()
