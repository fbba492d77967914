"""graph.access.tokens: the token database (secrets stored as digests, revocation seen at once)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.access.roles import Principal, Role
from graph.access.tokens import TOKEN_PREFIX, TokenStore, check_grant, digest
from graph.errors import InvalidInput, NotFound


@pytest.fixture
def tokens(tmp_path: Path) -> Iterator[TokenStore]:
    store = TokenStore(tmp_path / "auth.sqlite3")
    yield store
    store.close()


def test_a_token_makes_its_principal(tokens: TokenStore) -> None:
    created = tokens.create(Role.REFERENT, ["grp-a", "grp-b", "grp-a"], name="Référent")
    found = tokens.authenticate(created.secret)
    assert found is not None and found == created.info
    assert found.principal() == Principal(found.id, Role.REFERENT, frozenset({"grp-a", "grp-b"}))
    assert found.groupements == ("grp-a", "grp-b")  # repeated ids once, in order


def test_only_the_digest_is_stored(tokens: TokenStore) -> None:
    created = tokens.create("admin")
    assert created.secret.startswith(TOKEN_PREFIX)
    rows = str(sqlite3.connect(tokens.path).execute("SELECT * FROM tokens").fetchall())
    assert created.secret not in rows and digest(created.secret) in rows


def test_revocation_is_seen_by_another_store_on_the_same_file(tokens: TokenStore) -> None:
    created = tokens.create(Role.PORTAL, name="Moodle")
    other = TokenStore(tokens.path)
    try:
        assert other.authenticate(created.secret) is not None
        revoked = tokens.revoke(created.info.id)
        assert revoked.revoked_at is not None and not revoked.active
        assert other.authenticate(created.secret) is None
        assert tokens.revoke(created.info.id).revoked_at == revoked.revoked_at  # idempotent
        assert other.list(include_revoked=False) == []
        assert [t.id for t in other.list()] == [created.info.id]
    finally:
        other.close()


@pytest.mark.parametrize("secret", ["", "psl_", "not-a-token", "psl_" + "x" * 300])
def test_unknown_or_malformed_secrets_are_nobody(tokens: TokenStore, secret: str) -> None:
    tokens.create(Role.NATIONAL)
    assert tokens.authenticate(secret) is None


def test_revoking_an_unknown_token(tokens: TokenStore) -> None:
    with pytest.raises(NotFound, match="no token with id 'tok-nope'"):
        tokens.revoke("tok-nope")


@pytest.mark.parametrize(
    ("role", "groupements", "field", "message"),
    [
        ("root", [], "role", "must be one of referent, national, portal, admin"),
        ("referent", [], "groupement", "needs at least one groupement"),
        ("national", ["grp-a"], "groupement", "only a referent token is scoped"),
        ("referent", ["bad id!"], "groupement", "not a valid id"),
    ],
)
def test_check_grant_names_the_field(
    role: str, groupements: list[str], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_grant(role, groupements)
    assert refused.value.field == field and message in refused.value.message


def test_a_name_is_1_to_200_characters(tokens: TokenStore) -> None:
    with pytest.raises(InvalidInput) as refused:
        tokens.create(Role.ADMIN, name="")
    assert refused.value.field == "name"
