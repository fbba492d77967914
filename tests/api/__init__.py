"""Tests of the HTTP API (FastAPI test client, schemathesis, a live ``passerelle serve``)."""
