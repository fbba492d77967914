"""One router per resource. ``V1`` are mounted under ``/api/v1`` by :func:`api.app.create_app`.

To add a resource (e.g. coverage): write ``api/routes/coverage.py`` with an ``APIRouter``
whose operations take ``CoverageRead`` (and ``StoreDep``) from :mod:`api.deps`, restrict
a référent to ``principal.groupements``, and append its router here.
"""

from api.routes import associations, employers, groupements, members, offers, paths

V1 = [
    paths.router,
    members.router,
    associations.router,
    groupements.router,
    employers.router,
    offers.router,
]

__all__ = ["V1"]
