"""Bearer JWTs from the county's identity provider (OIDC 统一身份认证), as govbiz actors.

A county that signs its staff in centrally can let the API accept the ID
or access tokens its provider issues, instead of (or beside) `govbiz token`
tokens.  `OidcSettings` names the issuer, the audience, the JWKS (a file,
or an `https://` URL fetched and cached by PyJWT) and which claims carry the
actor's id, role, division, department and enterprise.  A JWT is accepted
only with a valid signature from the JWKS (RS256 or ES256 by default), the
configured issuer and audience, and an expiry not yet passed; the actor it
maps to is then decided by the library's rules like any other.

Settings come from a TOML file (`govbiz serve --oidc FILE`)::

    issuer = "https://sso.zjj.gov.cn/realms/govbiz"
    audience = "govbiz-api"
    jwks = "https://sso.zjj.gov.cn/realms/govbiz/protocol/openid-connect/certs"   # or a file path

    [claims]                 # the defaults
    actor_id = "sub"
    role = "govbiz_role"
    county = "govbiz_county"
    department = "govbiz_department"
    enterprise = "govbiz_enterprise"
    name = "name"            # the person's name, as pages show it

    [roles]                  # optional: the provider's role names, as govbiz roles
    "督查室" = "supervisor"
    "部门经办人" = "department_handler"

With a `[roles]` table, a role claim it does not list is refused
(`TokenRefusedError("unmapped_role")`); without one, the claim must be a
govbiz role's name.  A `[workbench]` table signs people in to the workbench
through the provider (`govbiz_api.workbench.oidc_signin`).  The JWKS may be
`http://` only on the loopback interface (a test's provider).
"""

from __future__ import annotations

import hashlib
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import jwt

from govbiz.domain.actors import Actor, Role
from govbiz.errors import GovbizError, ValidationError
from govbiz_api.tokens import ApiToken, TokenRefusedError

__all__ = ["OIDC_ENV", "OidcSettings", "OidcVerifier", "looks_like_jwt"]

#: The environment variable `govbiz serve --oidc FILE` sets for its worker processes.
OIDC_ENV = "GOVBIZ_API_OIDC"

_CLAIMS = {
    "actor_id": "sub",
    "role": "govbiz_role",
    "county": "govbiz_county",
    "department": "govbiz_department",
    "enterprise": "govbiz_enterprise",
    "name": "name",
}

_ALGORITHMS = ("RS256", "ES256")


@attrs.frozen
class OidcSettings:
    """Which JWTs the API accepts, and how their claims make an `Actor`."""

    issuer: str
    audience: str
    jwks: str
    claims: dict[str, str] = attrs.field(factory=lambda: dict(_CLAIMS))
    algorithms: tuple[str, ...] = _ALGORITHMS
    leeway: int = 30
    #: The provider's role names → govbiz role names (empty: the claim is a govbiz role already).
    roles: dict[str, str] = attrs.field(factory=dict)

    @classmethod
    def from_toml(cls, path: Path) -> OidcSettings:
        """Read the settings file; a missing key or an unknown claim name is a `ValidationError`."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ValidationError("oidc", str(path), f"cannot be read: {error}") from None
        for key in ("issuer", "audience", "jwks"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise ValidationError(f"oidc.{key}", data.get(key), "is required (text)")
        claims = dict(_CLAIMS)
        given = data.get("claims", {})
        unknown = sorted(set(given) - set(_CLAIMS))
        if unknown:
            raise ValidationError(
                f"oidc.claims.{unknown[0]}", given[unknown[0]], f"known: {', '.join(_CLAIMS)}"
            )
        claims.update({k: str(v) for k, v in given.items()})
        jwks = data["jwks"]
        if not is_url(jwks) and not Path(jwks).is_absolute():
            jwks = str((path.parent / jwks).resolve())  # a relative file is next to the settings
        return cls(
            issuer=data["issuer"],
            audience=data["audience"],
            jwks=jwks,
            claims=claims,
            algorithms=tuple(str(a) for a in data.get("algorithms", _ALGORITHMS)),
            roles=_roles(data.get("roles", {})),
        )


def _roles(given: Any) -> dict[str, str]:
    """The `[roles]` table, each value a govbiz role's name."""
    if not isinstance(given, dict):
        raise ValidationError("oidc.roles", given, "is a table: provider role = govbiz role")
    known = {r.value for r in Role}
    for name, role in given.items():
        if role not in known:
            raise ValidationError(f"oidc.roles.{name}", role, f"known: {', '.join(sorted(known))}")
    return {str(k): str(v) for k, v in given.items()}


def is_url(text: str) -> bool:
    """An `https://` URL, or an `http://` one on the loopback interface (a local test provider)."""
    return text.startswith("https://") or text.startswith(_LOOPBACK)


_LOOPBACK = ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/", "http://[::1]:")


def looks_like_jwt(text: str) -> bool:
    """Three dot-separated parts: a JWT, not a `gbz_` token."""
    return text.count(".") == 2 and not text.startswith("gbz_")


class OidcVerifier:
    """Checks JWTs against `settings` and maps their claims to an `ApiToken`."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        if is_url(settings.jwks):
            self._client: jwt.PyJWKClient | None = jwt.PyJWKClient(settings.jwks, cache_keys=True)
            self._keys: jwt.PyJWKSet | None = None
        else:
            self._client = None
            self._keys = jwt.PyJWKSet.from_json(Path(settings.jwks).read_text(encoding="utf-8"))

    def token(self, text: str) -> ApiToken:
        """The actor of a valid JWT; `TokenRefusedError` (`"invalid"` or `"expired"`) otherwise."""
        return self.mapped(self.claims(text))

    def claims(self, text: str) -> dict[str, Any]:
        """The claims of a JWT of valid signature, issuer, audience and expiry; else `TokenRefusedError`."""
        s = self.settings
        try:
            key = self._signing_key(text)
            claims: dict[str, Any] = jwt.decode(
                text, key, algorithms=list(s.algorithms), audience=s.audience, issuer=s.issuer,
                leeway=s.leeway, options={"require": ["exp", "iss", "aud", "sub"]},
            )  # fmt: skip
        except jwt.ExpiredSignatureError:
            raise TokenRefusedError("expired") from None
        except (jwt.PyJWTError, KeyError, ValueError):
            raise TokenRefusedError("invalid") from None
        return claims

    def _signing_key(self, text: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(text).key
        assert self._keys is not None
        kid = jwt.get_unverified_header(text).get("kid")
        if kid is None and len(self._keys.keys) == 1:
            return self._keys.keys[0].key
        return self._keys[str(kid)].key

    def mapped(self, claims: dict[str, Any]) -> ApiToken:
        """The `ApiToken` (its actor) of checked `claims`; `TokenRefusedError` if they map to none."""
        names = self.settings.claims
        roles = self.settings.roles

        def claim(name: str) -> str | None:
            value = claims.get(names[name])
            return None if value in (None, "") else str(value)

        role = claim("role") or ""
        if roles:
            role = roles.get(role, "?")
        if role and role not in {r.value for r in Role}:  # a role the provider has, govbiz does not know
            raise TokenRefusedError("unmapped_role")
        try:
            actor = Actor(
                id=claim("actor_id") or "",
                role=role,
                county=claim("county") or "",
                department=claim("department"),
                enterprise=claim("enterprise"),
                name=(claim("name") or "")[:100],
            )
        except (GovbizError, ValueError):  # a claim the provider left out or spelled otherwise
            raise TokenRefusedError("invalid") from None
        subject = f"{claims['iss']}\n{claims['sub']}".encode()
        return ApiToken(
            id="oidc-" + hashlib.sha256(subject).hexdigest()[:16],
            actor=actor,
            created_at=datetime.fromtimestamp(int(claims.get("iat", claims["exp"])), UTC),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
