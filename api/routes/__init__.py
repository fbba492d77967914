"""One router per resource. ``V1`` are mounted under ``/api/v1`` by :func:`api.app.create_app`.

To add a resource: write ``api/routes/<resource>.py`` with an ``APIRouter`` whose
operations take a permission alias (``CoverageRead``…) and ``StoreDep`` from
:mod:`api.deps`, restrict a référent to ``principal.groupements`` (see ``coverage.py``),
and append its router here.
"""

from api.routes import (
    associations,
    coverage,
    employers,
    groupements,
    introductions,
    members,
    offers,
    paths,
)

V1 = [
    paths.router,
    members.router,
    associations.router,
    groupements.router,
    employers.router,
    offers.router,
    coverage.router,
    introductions.router,
]

__all__ = ["V1"]
