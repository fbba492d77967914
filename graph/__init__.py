"""Passerelle core: the graph model, the store port and its adapters, the algorithms."""
