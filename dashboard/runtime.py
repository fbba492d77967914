"""What the dashboard holds while it runs, and what a page is given: the viewer and the store.

The store and the token database are *providers* (functions called per request), so the
dashboard uses exactly the objects the API opened in its lifespan, and nothing is opened
when the app is built or imported. Who is looking (the session) is :mod:`dashboard.auth`,
which builds a :class:`PageContext` per request (:func:`dashboard.auth.current_context`);
this module knows nothing of sessions, so the two do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import flask

from dashboard.settings import DashboardSettings
from graph.access.roles import Principal
from graph.access.tokens import TokenStore
from graph.access.users import UserStore
from graph.accounts import Accounts, link_base
from graph.audit import AuditEntry, AuditLog
from graph.settings import Settings
from graph.store import GraphStore

EXTENSION = "passerelle_dashboard"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    options: DashboardSettings
    store_provider: Callable[[], GraphStore]
    tokens_provider: Callable[[], TokenStore]
    #: the URL prefix the browser sees, with both slashes: "/dashboard/"
    prefix: str

    def store(self) -> GraphStore:
        return self.store_provider()

    def tokens(self) -> TokenStore:
        return self.tokens_provider()

    def users(self) -> UserStore:
        """People's accounts, in the token database."""
        return UserStore(self.tokens())

    def accounts(self) -> Accounts:
        """Managing accounts and sending login links: the introductions' outbox of this
        process, the audit log of the data directory, links to this dashboard's prefix
        at the configured public address."""
        from graph.introductions import open_service
        from graph.introductions.outbox import Outbox

        service = open_service(self.settings.data_dir, self.store())
        audit_path = self.settings.audit_db_path

        def record(entry: AuditEntry) -> None:
            with AuditLog(audit_path) as log:
                log.append(entry)

        return Accounts(
            self.users(),
            Outbox(service.db),
            link_base(service.settings.public_url, self.prefix),
            record,
            via="dashboard",
            store=self.store(),
        )

    def as_of(self) -> date:
        return self.options.as_of or date.today()

    def href(self, path: str = "") -> str:
        """A browser path inside the dashboard.

        >>> rt = Runtime(None, None, None, None, "/dashboard/")  # type: ignore[arg-type]
        >>> rt.href("/groupement/g-1")
        '/dashboard/groupement/g-1'
        """
        return self.prefix + path.lstrip("/")


@dataclass(frozen=True)
class PageContext:
    """What a page layout or callback is given: who looks, at which store and date."""

    runtime: Runtime
    principal: Principal
    as_of: date

    @property
    def store(self) -> GraphStore:
        return self.runtime.store()

    def href(self, path: str = "") -> str:
        return self.runtime.href(path)


def current_runtime() -> Runtime:
    """The runtime of the Dash app serving this request."""
    return flask.current_app.extensions[EXTENSION]
