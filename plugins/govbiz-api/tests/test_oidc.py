"""Bearer JWTs of a county's identity provider: signed here with a local key, no network."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import jwt
import pytest
from api_test_server import Served, problem_json, serving
from cryptography.hazmat.primitives.asymmetric import rsa
from govbiz_api import create_app
from govbiz_api.oidc import OidcSettings
from jwt.algorithms import RSAAlgorithm

from govbiz.errors import ValidationError

ISSUER = "https://sso.zjj.example/realms/govbiz"


@attrs.define
class Provider:
    key: rsa.RSAPrivateKey
    settings: Path

    def sign(self, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": "govbiz-api", "iat": now, "exp": now + 600, **claims}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": "zjj-1"})


@pytest.fixture
def provider(tmp_path: Path) -> Provider:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "zjj-1", "use": "sig"}]}))
    settings = tmp_path / "oidc.toml"
    settings.write_text(
        f'issuer = "{ISSUER}"\naudience = "govbiz-api"\njwks = "jwks.json"\n\n[claims]\nrole = "roles"\n',
        encoding="utf-8",
    )
    return Provider(key, settings)


@pytest.fixture
def base(served: Served, provider: Provider) -> Iterator[str]:
    app = create_app(served.world.ledger, oidc=OidcSettings.from_toml(provider.settings))
    served.app = app  # gbz_ tokens are made in the same database
    with serving(app) as url:
        yield url


def get(base: str, path: str, token: str) -> Any:
    import httpx

    return httpx.get(f"{base}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_a_valid_jwt_is_the_actor_its_claims_name(served: Served, provider: Provider, base: str) -> None:
    import httpx

    token = provider.sign(sub="dcs-9", roles="supervisor", govbiz_county="430800")
    me = get(base, "/v1/me", token).json()
    assert (me["actor_id"], me["role"], me["county"]) == ("dcs-9", "supervisor", "430800")
    reminded = httpx.post(
        f"{base}/v1/commands/SendReminder",
        json={"problem_id": served.city_problem.id},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reminded.status_code == 200, reminded.text
    history = served.world.ledger.history(served.world.admin, served.city_problem.id)
    assert history[-1].actor_id == "dcs-9"
    county_handler = provider.sign(
        sub="yd-9", roles="department_handler", govbiz_county="430802", govbiz_department="430802-zrzy"
    )
    assert get(base, f"/v1/problems/{served.city_problem.id}", county_handler).status_code == 404
    assert get(base, "/v1/me", served.token(served.world.viewer)).status_code == 200  # gbz_ tokens still work


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"aud": "another-app"}, "invalid"),
        ({"iss": "https://evil.example"}, "invalid"),
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"roles": None}, "invalid"),
        ({"roles": "emperor"}, "unmapped_role"),
        ({"govbiz_county": "12345"}, "invalid"),
    ],
)
def test_a_jwt_that_does_not_check_is_401(
    provider: Provider, base: str, change: dict[str, Any], reason: str
) -> None:
    claims = {"sub": "u-1", "roles": "viewer", "govbiz_county": "430800", **change}
    token = provider.sign(**{k: v for k, v in claims.items() if v is not None})
    refused = get(base, "/v1/me", token)
    assert refused.status_code == 401
    assert problem_json(refused)["reason"] == reason


def test_a_jwt_signed_by_another_key_is_401(provider: Provider, base: str) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = provider.sign(other, sub="u-1", roles="administrator", govbiz_county="430800")
    assert problem_json(get(base, "/v1/me", token))["reason"] == "invalid"


def test_settings_name_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "oidc.toml"
    path.write_text('issuer = "x"\njwks = "k.json"\n', encoding="utf-8")
    with pytest.raises(ValidationError) as missing:
        OidcSettings.from_toml(path)
    assert missing.value.field == "oidc.audience"
    path.write_text('issuer = "x"\naudience = "a"\njwks = "k.json"\n[claims]\nrank = "r"\n', encoding="utf-8")
    with pytest.raises(ValidationError) as unknown:
        OidcSettings.from_toml(path)
    assert unknown.value.field == "oidc.claims.rank"
