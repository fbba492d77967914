"""Passerelle dashboard (entry point over the service layer)."""
