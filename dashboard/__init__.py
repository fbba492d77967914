"""Passerelle dashboard: a Plotly Dash app over the path and coverage services.

``dashboard.mount(fastapi_app, settings, store=..., tokens=...)`` serves it under
``/dashboard/`` of the API's process; :func:`dashboard.app.create_dash` builds it alone.
Importing this package builds nothing and reads nothing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_dash", "mount"]


def create_dash(*args: Any, **kwargs: Any) -> Any:
    from dashboard.app import create_dash as build

    return build(*args, **kwargs)


def mount(*args: Any, **kwargs: Any) -> Any:
    from dashboard.app import mount as do_mount

    return do_mount(*args, **kwargs)
