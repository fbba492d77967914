"""The HTTP API: a thin layer over the service layer (see :func:`api.app.create_app`)."""
