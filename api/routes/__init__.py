"""One router per resource. ``V1`` are mounted under ``/api/v1`` by :func:`api.app.create_app`.

To add a resource: write ``api/routes/<resource>.py`` with an ``APIRouter`` whose
operations take a permission alias (``CoverageRead``…) and ``StoreDep`` from
:mod:`api.deps`, restrict a référent to ``principal.groupements`` (see ``coverage.py``),
and append its router here.
"""

from api.routes import (
    associations,
    audit,
    coverage,
    employers,
    exchange,
    groupements,
    introductions,
    members,
    offers,
    paths,
    places,
    relations,
    rights,
)

V1 = [
    paths.router,
    members.router,
    associations.router,
    groupements.router,
    employers.router,
    offers.router,
    coverage.router,
    rights.router,
    audit.router,
    relations.router,
    exchange.router,
    introductions.router,
    places.router,
]

__all__ = ["V1"]
