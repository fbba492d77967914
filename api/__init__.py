"""Passerelle api (entry point over the service layer)."""
