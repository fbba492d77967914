"""Tests of the seed package: reference data, reference graph and the demo generator."""
