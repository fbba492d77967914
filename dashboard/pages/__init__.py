"""The dashboard's pages: each ``layout(...)`` is a function of its URL arguments."""
