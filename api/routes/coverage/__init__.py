"""``/api/v1/coverage``, in modules of one idea: :mod:`~api.routes.coverage.routes` (the
operations), :mod:`~api.routes.coverage.models` (request and response models),
:mod:`~api.routes.coverage.render` (results as bodies for a viewer),
:mod:`~api.routes.coverage.cache` (answers kept per store version) and
:mod:`~api.routes.coverage.serving` (on the loop or in a thread).

Who may read what is the core's access policy, :mod:`graph.access.coverage`.
"""

from api.routes.coverage.routes import router

__all__ = ["router"]
