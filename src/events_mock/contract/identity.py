"""Who the contract suite acts as: a Basic user, a bearer token (with its tenant), or nobody.

The APIs differ in how a caller proves who it is (Barchart: Basic; the Event Collector: a
bearer token plus the tenant in `X-TWC-Tenant`; Billing Care: a bearer token; the control
plane: an optional bearer token), while the suite's tests only need "the run's credentials",
"another tenant's" and "credentials that are wrong in this way". This module is that common
vocabulary, and the one place that turns command-line options into credentials.

Secrets never leave an `Identity` in readable form: `repr` and `describe` name the user or the
tenant only, and reproduction lines print `***` in place of them (`checks.curl_command`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Literal

Scheme = Literal["basic", "bearer", "none"]


class UsageError(ValueError):
    """Options that do not fit the API being verified: nothing was sent yet."""


@dataclass(frozen=True)
class Identity:
    scheme: Scheme
    name: str = ""
    """The Basic user, or the tenant a bearer token acts for ('' when there is none)."""
    secret: str = field(default="", repr=False)
    """The password or the token."""
    tenant_header: str | None = None
    """The header naming the tenant on every request (`X-TWC-Tenant`), if the API has one."""

    def authorization(self) -> str | None:
        if self.scheme == "basic":
            return "Basic " + base64.b64encode(f"{self.name}:{self.secret}".encode()).decode()
        if self.scheme == "bearer":
            return f"Bearer {self.secret}"
        return None

    def headers(self) -> dict[str, str]:
        """Every header that says who is asking: credentials, and the tenant where there is one."""
        headers = {}
        authorization = self.authorization()
        if authorization is not None:
            headers["Authorization"] = authorization
        if self.tenant_header and self.name:
            headers[self.tenant_header] = self.name
        return headers

    def label(self, *, quoted: bool = False) -> str:
        """Whose credentials these are: `user demo`, `tenant demo`, `the bearer token`."""
        name = repr(self.name) if quoted else self.name
        if self.scheme == "basic":
            return f"user {name}"
        if self.scheme == "bearer" and self.tenant_header:
            return f"tenant {name}"
        if self.scheme == "bearer":
            return "the bearer token"
        return "no credentials"

    def describe(self) -> str:
        """How the run calls, for a report: `as user demo`, `with a bearer token`."""
        if self.scheme == "bearer" and self.tenant_header:
            return f"as tenant {self.name} (bearer token)"
        if self.scheme == "bearer":
            return "with a bearer token"
        if self.scheme == "none":
            return "without credentials"
        return f"as {self.label()}"


def resolve_identities(
    api_name: str,
    scheme: Scheme,
    tenant_header: str | None,
    *,
    embedded: bool,
    auth: tuple[str, str] | None = None,
    token: str | None = None,
    tenant: str | None = None,
    other_tenant: tuple[str, str] | None = None,
    other_user: tuple[str, str] | None = None,
    default: Identity,
    default_other: Identity | None = None,
) -> tuple[Identity, Identity | None]:
    """The run's identity and, for tenant APIs, another tenant's, from the options given.

    Options meant for another kind of API are refused rather than ignored: a CI job passing
    `--auth` to a bearer API would otherwise be verified with the demo token and fail for a
    reason that has nothing to do with the deployment. The embedded mock is configured from
    these identities, so it always has a second tenant; a real target only if one is given.
    """
    if scheme == "basic":
        _refuse(api_name, "takes --auth NAME:PASSWORD", token=token, tenant=tenant,
                other_tenant=other_tenant)  # fmt: skip
        return _basic_identities(auth, other_user, embedded, default, default_other)
    _refuse(api_name, "has no users", other_user=other_user)
    if auth is not None:
        raise UsageError(f"--auth is for Basic credentials; {api_name} takes --token TOKEN")
    if not tenant_header:
        _refuse(api_name, "has no tenants", tenant=tenant, other_tenant=other_tenant)
        return (default if token is None else Identity("bearer", "", token)), None
    if (token is None) != (tenant is None):
        raise UsageError(
            f"{api_name}: --token and --tenant go together (a token acts for a tenant)"
        )
    identity = default if token is None else Identity("bearer", str(tenant), token, tenant_header)
    if other_tenant is not None:
        other = Identity("bearer", other_tenant[0], other_tenant[1], tenant_header)
    elif embedded and default_other is not None:
        other = default_other
        if other.name == identity.name:
            other = Identity("bearer", f"{identity.name}-other", other.secret, tenant_header)
    else:
        return identity, None
    if other.name == identity.name:
        raise UsageError("--other-tenant must name another tenant than --tenant")
    if other.secret == identity.secret:
        raise UsageError("--other-tenant must carry that tenant's own token")
    return identity, other


def _basic_identities(
    auth: tuple[str, str] | None,
    other_user: tuple[str, str] | None,
    embedded: bool,
    default: Identity,
    default_other: Identity | None,
) -> tuple[Identity, Identity | None]:
    """The run's user and a second one: `--other-user`, or the embedded mock's own."""
    identity = default if auth is None else Identity("basic", auth[0], auth[1])
    if other_user is not None:
        other: Identity | None = Identity("basic", other_user[0], other_user[1])
    elif embedded and default_other is not None:
        other = default_other
        if other.name == identity.name:
            other = Identity("basic", f"{identity.name}-other", other.secret)
    else:
        return identity, None
    assert other is not None
    if other.name == identity.name:
        raise UsageError("--other-user must name another user than --auth")
    return identity, other


def _refuse(api_name: str, instead: str, **given: object) -> None:
    names = [f"--{name.replace('_', '-')}" for name, value in given.items() if value is not None]
    if names:
        raise UsageError(f"{', '.join(names)} do not apply: {api_name} {instead}")
