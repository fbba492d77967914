"""Passerelle test suite (a package: test modules share helpers such as tests.store_contract)."""
