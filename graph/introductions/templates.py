"""The French e-mails of introductions, plain text and HTML (``string.Template``).

Each function returns ``(subject, text, html)``. Values are escaped in the HTML part.
A message says only what its reader needs: the asked person gets the candidate's name
and short profile, who asks, and the next person's name; never anyone's contact details
except in the final message, where the candidate and the contact (both having agreed)
get each other's e-mail address.

Decisions:

* ``string.Template`` (stdlib) rather than Jinja2: five short messages, no loops, and
  the HTML part is the text's paragraphs escaped; no template language to learn.
"""

from __future__ import annotations

import html
from string import Template

from graph.wording import de

SIGNATURE = "L'équipe Passerelle"

_ASK_INTERMEDIARY = Template(
    "Bonjour $person,\n\n"
    "$asker vous sollicite pour une mise en relation.\n\n"
    "$candidate ($profile) cherche à rejoindre : $target.\n"
    "Accepteriez-vous de le ou la présenter à $next, que vous connaissez ?\n\n"
    "Message du référent : « $message »\n\n"
    "Répondez en un clic (sans compte), avant le $expires :\n$link\n\n"
    "Refuser ne vous engage à rien et reste sans conséquence."
)
_ASK_CONTACT = Template(
    "Bonjour $person,\n\n"
    "$asker vous sollicite pour une mise en relation.\n\n"
    "$candidate ($profile) cherche à rejoindre : $target.\n"
    "$previous, qui vous connaît, a accepté de vous le ou la présenter.\n"
    "Accepteriez-vous de le ou la rencontrer ?\n\n"
    "Message du référent : « $message »\n\n"
    "Répondez en un clic (sans compte), avant le $expires :\n$link\n\n"
    "Refuser ne vous engage à rien et reste sans conséquence."
)
_INTRODUCED = Template(
    "Bonjour $person,\n\n"
    "Bonne nouvelle : $other a accepté la mise en relation.\n"
    "$reach\n\n"
    "Merci à celles et ceux qui ont fait le lien : $chain."
)
_CLOSED = Template(
    "Bonjour,\n\n"
    "La demande d'introduction $of_candidate vers $target est $state.\n"
    "$detail\n"
    "Vous pouvez choisir un autre chemin depuis le tableau de bord :\n$link"
)


def _html(text: str) -> str:
    paragraphs = text.split("\n\n")
    body = "".join(
        "<p>" + "<br>".join(_linkify(html.escape(line)) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
    return f'<!DOCTYPE html><html lang="fr"><body>{body}<p>{SIGNATURE}</p></body></html>'


def _linkify(line: str) -> str:
    if line.startswith(("http://", "https://")):
        return f'<a href="{line}">{line}</a>'
    return line


def _done(text: str) -> str:
    return f"{text}\n\n{SIGNATURE}\n"


def ask(
    *,
    person: str,
    asker: str,
    candidate: str,
    profile: str,
    target: str,
    next_person: str | None,
    previous: str,
    message: str,
    expires: str,
    link: str,
    reminder: bool = False,
) -> tuple[str, str, str]:
    """The request to one person on the path (``next_person`` None: the final contact).

    >>> subject, text, _ = ask(person="Paul", asker="Anne (référente)", candidate="Luc",
    ...     profile="officier, Terre", target="Thales", next_person="Marc", previous="Luc",
    ...     message="Merci", expires="20/06/2025", link="http://x/l")
    >>> subject
    'Passerelle : accepteriez-vous de présenter Luc ?'
    """
    values = dict(person=person, asker=asker, candidate=candidate, profile=profile,
                  target=target, next=next_person or "", previous=previous, message=message,
                  expires=expires, link=link)  # fmt: skip
    if next_person is None:
        text = _ASK_CONTACT.substitute(values)
        subject = f"Passerelle : accepteriez-vous de rencontrer {candidate} ?"
    else:
        text = _ASK_INTERMEDIARY.substitute(values)
        subject = f"Passerelle : accepteriez-vous de présenter {candidate} ?"
    if reminder:
        subject = "Rappel – " + subject
        text = "(Rappel : nous n'avons pas encore reçu votre réponse.)\n\n" + text
    return subject, _done(text), _html(text)


def introduced(
    *, person: str, other: str, address: str | None, chain: str
) -> tuple[str, str, str]:
    """The e-mail to each of the two people put in touch; ``address`` is the other's, None
    when they did not consent to share it (the référent then connects them)."""
    reach = (
        f"Vous pouvez écrire à {other} à l'adresse : {address}"
        if address
        else f"Votre référent vous mettra en relation avec {other}, dont l'adresse n'est pas"
        " communiquée sans son accord."
    )
    text = _INTRODUCED.substitute(person=person, other=other, reach=reach, chain=chain)
    return f"Passerelle : mise en relation avec {other}", _done(text), _html(text)


def closed(
    *, candidate: str, target: str, state: str, detail: str, link: str
) -> tuple[str, str, str]:
    text = _CLOSED.substitute(candidate=candidate, of_candidate=de(candidate), target=target,
                              state=state, detail=detail, link=link)  # fmt: skip
    return f"Passerelle : introduction de {candidate} {state}", _done(text), _html(text)


_LOGIN_LINK = Template(
    "Bonjour $name,\n\n"
    "Voici votre lien de connexion au tableau de bord Passerelle. Il sert une seule fois "
    "et reste valable $minutes minutes :\n$link\n\n"
    "Si vous n'avez rien demandé, ignorez ce message : sans ce lien, personne ne peut "
    "se connecter à votre place."
)


def login_link(*, name: str, link: str, minutes: int) -> tuple[str, str, str]:
    """The one-time login link of a person's account (:mod:`graph.access.users`).

    >>> subject, text, _ = login_link(name="Anne", link="http://x/l", minutes=15)
    >>> subject, "15 minutes" in text
    ('Passerelle : votre lien de connexion', True)
    """
    text = _LOGIN_LINK.substitute(name=name, link=link, minutes=minutes)
    return "Passerelle : votre lien de connexion", _done(text), _html(text)
