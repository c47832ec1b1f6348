import pytest

from events_mock import credentials as credentials_module
from events_mock.collector import Access, TenantTokens
from tests._support import TENANTS

TOKENS = {**TENANTS, "initech": "tok-initech"}
"""Three tenants: one more than the shared ones."""


def test_owner_of_a_token():
    tokens = TenantTokens(TOKENS)
    assert tokens.owners("tok-globex") == {"globex"}
    assert tokens.owners("tok-glob") == frozenset()
    assert tokens.owners("tok-globex ") == frozenset()
    assert tokens.owners("") == frozenset()
    assert tokens.owners("tök-\udcff") == frozenset()


@pytest.mark.parametrize(
    ("token", "tenant", "access"),
    [
        ("tok-acme", "acme", Access.GRANTED),
        ("tok-acme", None, Access.GRANTED),
        ("tok-acme", "globex", Access.FORBIDDEN),
        ("tok-acme", "nobody", Access.FORBIDDEN),
        ("wrong", "acme", Access.UNAUTHENTICATED),
        ("wrong", None, Access.UNAUTHENTICATED),
    ],
)
def test_access(token, tenant, access):
    assert TenantTokens(TOKENS).access(token, tenant) is access


def test_a_shared_token_serves_each_of_its_tenants():
    tokens = TenantTokens({"a": "same", "b": "same"})
    assert tokens.access("same", "a") is Access.GRANTED
    assert tokens.access("same", "b") is Access.GRANTED


@pytest.mark.parametrize("token", ["tok-acme", "tok-initech", "wrong"])
def test_every_tenant_is_compared_in_constant_time_whatever_matches(monkeypatch, token):
    compared = []
    real = credentials_module.hmac.compare_digest

    def spy(a, b):
        compared.append(b)
        return real(a, b)

    monkeypatch.setattr(credentials_module.hmac, "compare_digest", spy)
    TenantTokens(TOKENS).owners(token)
    assert sorted(compared) == sorted(t.encode() for t in TOKENS.values())


@pytest.mark.parametrize("tenants", [{"": "tok"}, {"acme": ""}, {"acme": "  "}, {"acme": None}])
def test_configuration_is_checked(tenants):
    with pytest.raises(ValueError):
        TenantTokens(tenants)


def test_configuration_is_copied():
    config = {"acme": "tok-acme"}
    tokens = TenantTokens(config)
    config["acme"] = "changed"
    assert tokens.owners("tok-acme") == {"acme"}
    assert tokens.names == {"acme"}
