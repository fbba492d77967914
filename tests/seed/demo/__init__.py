"""Tests of the demo generator (seed.demo), one module per module of the package."""
