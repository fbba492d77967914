"""Managing people's accounts and sending their login links: what the dashboard and the
CLI call (the accounts themselves: :mod:`graph.access.users`).

* **The admin** (:func:`graph.access.users.may_manage_users`) creates, revokes, sets a
  password of, and sends a login link to an account; each of these writes is one entry of
  the audit log (action ``write``, kind ``user``, the account's id, who and through what).
* **Anyone** asks for a login link by e-mail (:meth:`Accounts.request_link`): the answer
  is the same whether the account exists or not; when it does, an e-mail in French goes
  to the introductions' outbox (:mod:`graph.introductions.outbox`) and the sender
  delivers it by SMTP. Without an SMTP server it stays there and the admin reads it in
  the dashboard or with ``passerelle outbox list``.

Decisions:

* The link is built from the configured public address (``PASSERELLE_PUBLIC_URL``),
  never from the request's ``Host`` header: a forged header must not send a person a
  link to another site.
* The link is a credential: it is written only into the e-mail (the outbox erases bodies
  once sent) and never logged.
* A referent's groupements must name groupements of the graph when a store is given.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from graph.access.roles import Principal, Role
from graph.access.users import LINK_MINUTES, UserInfo, UserStore, may_manage_users
from graph.audit import Action, AuditEntry
from graph.errors import AccessDenied, Conflict, InvalidInput, NotFound, PasserelleError
from graph.introductions import templates
from graph.introductions.db import NewMessage
from graph.introductions.outbox import Outbox
from graph.model import Label
from graph.store import GraphStore

#: the outbox kind of a login link e-mail
LOGIN_KIND = "login_link"
#: where the link leads, under the dashboard's prefix
LINK_PATH = "connexion/lien/"


_FIELDS = {
    "email": "adresse e-mail",
    "name": "nom",
    "role": "rôle",
    "groupement": "groupements",
    "password": "mot de passe",
}


def french(exc: PasserelleError) -> str:
    """A refusal of :class:`Accounts` as one French sentence (dashboard and CLI).

    >>> french(InvalidInput("password", "must be 12 to 200 characters"))
    'mot de passe non valable : 12 à 200 caractères.'
    """
    if isinstance(exc, Conflict):
        if exc.field == "email":
            return "un compte existe déjà avec cette adresse."
        return "ce compte est révoqué."
    if isinstance(exc, InvalidInput):
        if exc.field == "groupement" and "needs" in exc.message:
            return "un compte de référent a au moins un groupement."
        if exc.field == "groupement" and "only" in exc.message:
            return "seul un compte de référent a des groupements."
        if exc.field == "groupement":
            return f"aucun groupement avec l'identifiant {exc.value!r}."
        if exc.field == "password":
            return "mot de passe non valable : 12 à 200 caractères."
        if exc.field == "role":
            return "rôle non valable : référent, cellule nationale ou administration."
        return f"{_FIELDS.get(exc.field, exc.field)} non valable."
    if isinstance(exc, NotFound):
        return f"aucun compte {exc.id!r}."
    if isinstance(exc, AccessDenied):
        return "réservé à l'administrateur."
    return f"action impossible pour le moment ({type(exc).__name__})."


def link_base(public_url: str, prefix: str = "/dashboard/") -> str:
    """The address a link's secret is appended to.

    >>> link_base("https://passerelle.example.org/")
    'https://passerelle.example.org/dashboard/connexion/lien/'
    """
    return public_url.rstrip("/") + prefix + LINK_PATH


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Accounts:
    """The operations on accounts. ``via`` names the entry point in the audit log
    (``passerelle user``, ``dashboard``); ``record`` appends an audit entry."""

    users: UserStore
    outbox: Outbox
    link_base: str
    record: Callable[[AuditEntry], None]
    via: str
    store: GraphStore | None = None
    clock: Callable[[], datetime] = _utcnow

    def _require(self, principal: Principal) -> None:
        if not may_manage_users(principal):
            raise AccessDenied("only the admin manages accounts")

    def _audit(self, principal: Principal, verb: str, user_id: str) -> None:
        self.record(
            AuditEntry(
                self.clock(),
                principal.token_id,
                principal.role.value,
                Action.WRITE,
                "user",
                f"{self.via} {verb}",
                (user_id,),
            )
        )

    def _check_groupements(self, groupements: Sequence[str]) -> None:
        if self.store is None or not groupements:
            return
        found = self.store.get_many(list(groupements))
        for gid in groupements:
            record = found.get(gid)
            if record is None or record.label != Label.GROUPEMENT:
                raise InvalidInput("groupement", f"no groupement with id {gid!r}", gid)

    # ------------------------------------------------------------------ the admin

    def create(
        self,
        principal: Principal,
        email: str,
        name: str,
        role: Role | str,
        groupements: Sequence[str] = (),
    ) -> UserInfo:
        self._require(principal)
        self._check_groupements(groupements)
        user = self.users.create(email, name, role, groupements)
        self._audit(principal, "create", user.id)
        return user

    def revoke(self, principal: Principal, user_id: str) -> UserInfo:
        self._require(principal)
        user = self.users.revoke(user_id)
        self._audit(principal, "revoke", user.id)
        return user

    def set_password(self, principal: Principal, user_id: str, password: str) -> UserInfo:
        self._require(principal)
        user = self.users.set_password(user_id, password)
        self._audit(principal, "set-password", user.id)
        return user

    def send_link(self, principal: Principal, user_id: str) -> bool:
        """Queue a login link for an account; False when none was queued (revoked, or
        already :data:`graph.access.users.LINKS_PER_WINDOW` links recently)."""
        self._require(principal)
        user = self.users.get(user_id)
        queued = self._send(user.email)
        self._audit(principal, "send-link", user.id)
        return queued

    # ------------------------------------------------------------------ anyone

    def request_link(self, email: str) -> None:
        """Someone asks for a link at the login page: an e-mail is queued when the
        account exists and is active; nothing tells the asker which."""
        self._send(email)

    def _send(self, email: str) -> bool:
        issued = self.users.issue_link(email)
        if issued is None:
            return False
        user, secret = issued
        subject, text, html = templates.login_link(
            name=user.name, link=self.link_base + secret, minutes=LINK_MINUTES
        )
        message_id = f"<{LOGIN_KIND}.{secrets.token_hex(8)}@passerelle.local>"
        self.outbox.put(
            [NewMessage(message_id, None, LOGIN_KIND, None, user.email, subject, text, html)],
            self.clock(),
        )
        return True
