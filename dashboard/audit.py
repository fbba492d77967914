"""The dashboard's audit trail: what a person read and changed, recorded as the API does.

The API records its requests in one middleware (``api.audit``); the dashboard answers
through Dash callbacks (``_dash-update-component``), so one Flask hook records each
callback that succeeded, in the same audit log (:mod:`graph.audit`), off the request's
time (the queue's writer thread finds the people):

* **who**: the session's token id and role; for a public personal link (the answer
  page) the link's holder, named by the page itself with :func:`note_actor`
  (``link:<introduction>#<hop>``, role ``link``);
* **what**: :data:`CALLBACKS` classes each callback by its first output: a read or a
  write, and the kind of record; the page router by the page it renders
  (:data:`PAGES`). A callback nobody classified is recorded as a read of kind
  ``dashboard`` when it named somebody: nothing is missed, and
  ``tests/dashboard/test_audit.py`` makes every callback be classified;
* **which people**: the ids in the answer (and, for a write, in the request) that name a
  person of the current graph (:func:`graph.audit.people.persons_among`), plus those a
  callback notes itself with :func:`note_persons`. A read that named nobody records
  nothing; a write is always recorded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import flask

from graph.audit import Action, AuditEntry, unique_ids, utc_now
from graph.audit.people import persons_among, tokens
from graph.store import GraphStore

log = logging.getLogger("passerelle.dashboard.audit")

#: the role the audit log gives the holder of a personal link (as in the API)
LINK_ROLE = "link"
#: the operation of a callback: "dashboard <first output id>" (a template, never a value)
OPERATION = "dashboard {}"


class Recorder(Protocol):
    """Where entries go: :class:`graph.audit.QueuedAudit` (its ``record`` never blocks)."""

    def record(self, entry: AuditEntry | Callable[[], AuditEntry | None]) -> None: ...


@dataclass(frozen=True)
class Classed:
    action: Action
    kind: str


_READ = Action.READ
_WRITE = Action.WRITE
#: first output id of a callback -> how it is recorded; None: it never shows personal data
CALLBACKS: dict[str, Classed | None] = {
    "page": None,  # the router: see PAGES
    "table-groupements": None,  # a filter of the table by the map
    "whatif-person-box": None,  # which inputs to show
    "whatif-result": Classed(_READ, "coverage"),
    "chemins-candidat": Classed(_READ, "person"),
    "chemins-bassin": Classed(_READ, "person"),  # a candidate's recorded targets
    "chemins-employeur": None,  # employers and offers of a bassin
    "chemins-employeur-box": None,
    "chemins-resultat": Classed(_READ, "paths"),
    "membres-liste": Classed(_READ, "person"),
    "membre-message": Classed(_WRITE, "relation"),
    "import-noms": Classed(_READ, "import"),  # the dry-run report
    "import-resultat": Classed(_WRITE, "import"),
    "intro-envoi-resultat": Classed(_WRITE, "introduction"),
    "intro-liste-box": Classed(_WRITE, "introduction"),
    "reponse-resultat": Classed(_WRITE, "introduction"),
    # people's accounts (not members of the graph): graph.accounts records its writes
    "utilisateurs-message": None,
}
#: page key of the router -> kind of a page's read (None: the page shows nobody)
PAGES: dict[str, str | None] = {
    "national": "coverage",
    "groupement": "coverage",
    "chemins": "paths",
    "membres": "person",
    "membre": "person",
    "import": "import",
    "introductions": "introduction",
    "reponse": "introduction",
    "connexion": None,
    "lien": None,  # a one-time login link's page (nobody named)
    "utilisateurs": None,  # accounts, not members: graph.accounts records their changes
    "guide": None,  # the user guide: no personal data
}
_UNCLASSED = Classed(_READ, "dashboard")

_ACTOR = "passerelle_audit_actor"
_PERSONS = "passerelle_audit_persons"
_PAGE = "passerelle_audit_page"


def _noting() -> bool:
    """Notes belong to a request; a page rendered outside one (a test) notes nothing."""
    return flask.has_request_context()


def note_actor(actor: str, role: str) -> None:
    """Name who acts in this request when no session does (the holder of a link)."""
    if _noting():
        setattr(flask.g, _ACTOR, (actor, role))


def note_persons(ids: Iterable[str]) -> None:
    """Add people this request concerned that its answer may not show by id."""
    if _noting():
        setattr(flask.g, _PERSONS, (*getattr(flask.g, _PERSONS, ()), *ids))


def note_page(key: str | None) -> None:
    """The router says which page it rendered (the kind of the read)."""
    if _noting():
        setattr(flask.g, _PAGE, key)


def note_viewer(token_id: str, role: str) -> None:
    """The session's viewer (set by :mod:`dashboard.auth` once it checked the session)."""
    if _noting() and getattr(flask.g, _ACTOR, None) is None:
        setattr(flask.g, _ACTOR, (token_id, role))


def first_output(payload: dict[str, Any]) -> str:
    """The id of a callback's first output (a pattern-matching id by its ``type``).

    >>> first_output({"outputs": [{"id": {"type": "intro-liste-box"}, "property": "x"}]})
    'intro-liste-box'
    >>> first_output({"outputs": {"id": "page", "property": "children"}})
    'page'
    """
    outputs = payload.get("outputs")
    first = outputs[0] if isinstance(outputs, list) and outputs else outputs
    ident = first.get("id") if isinstance(first, dict) else None
    if isinstance(ident, dict):
        return str(ident.get("type", ""))
    return str(ident or "")


def classify(output: str, page: str | None) -> Classed | None:
    """How a callback is recorded; None: not at all."""
    if output == "page":
        kind = PAGES.get(page or "", "dashboard") if page is not None else None
        return None if kind is None else Classed(_READ, kind)
    if output in CALLBACKS:
        return CALLBACKS[output]
    return _UNCLASSED


def entry_maker(
    store: GraphStore | None,
    who: tuple[str, str],
    classed: Classed,
    operation: str,
    texts: list[str],
    noted: tuple[str, ...],
) -> Callable[[], AuditEntry | None]:
    """The entry of one callback, made later in the writer thread."""
    at = utc_now()

    def make() -> AuditEntry | None:
        named = persons_among(store, [*noted, *(t for text in texts for t in tokens(text))])
        if classed.action is _READ and not named:
            return None
        return AuditEntry(
            at=at,
            actor=who[0],
            role=who[1],
            action=classed.action,
            kind=classed.kind,
            operation=operation,
            person_ids=unique_ids(named),
        )

    return make


def install(
    server: flask.Flask,
    recorder: Callable[[], Recorder | None],
    store: Callable[[], GraphStore],
) -> None:
    """Record every callback of the dashboard served by ``server`` (see the module)."""

    @server.after_request
    def record(response: flask.Response) -> flask.Response:
        if (
            flask.request.method != "POST"
            or not flask.request.path.endswith("_dash-update-component")
            or not 200 <= response.status_code < 300
        ):
            return response
        who = getattr(flask.g, _ACTOR, None)
        trail = recorder()
        if who is None or trail is None:
            return response
        try:
            payload = flask.request.get_json(silent=True) or {}
            output = first_output(payload)
            classed = classify(output, getattr(flask.g, _PAGE, None))
            if classed is None:
                return response
            texts = [response.get_data(as_text=True)]
            if classed.action is _WRITE:
                texts.append(json.dumps([payload.get("inputs"), payload.get("state")]))
            noted = tuple(getattr(flask.g, _PERSONS, ()))
            operation = OPERATION.format(
                f"page {flask.g.get(_PAGE)}" if output == "page" else output
            )
            trail.record(entry_maker(store(), who, classed, operation, texts, noted))
        except Exception as exc:  # recording must never break the answer; say so
            log.error("dashboard audit failed: %s", type(exc).__name__)
        return response
