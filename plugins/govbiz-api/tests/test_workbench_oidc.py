"""统一身份认证登录 in a real browser: the workbench against a fake provider on 127.0.0.1.

Chromium goes from the sign-in page to the provider and back; the
authorization code is exchanged with the client secret and the PKCE
verifier, the ID token checked by the API's own validation, and the
person lands signed in as the actor the claims map to.  A tampered state,
an ID token for another audience, an expired one, and a role the mapping
does not know are each refused with a page saying why, and no session.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from api_test_server import serving, start
from govbiz_api import create_app
from govbiz_api.workbench.oidc_signin import WorkbenchOidc
from govbiz_api.workbench.web import Workbench
from oidc_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider, running_provider
from playwright.sync_api import Browser, expect

from govbiz.errors import ValidationError

SECRET_ENV = "GOVBIZ_TEST_OIDC_SECRET"
#: The handler of 市自规局 as the county's provider describes her.
PERSON = {
    "sub": "zjj-0042", "govbiz_role": "部门经办人", "govbiz_county": "430800",
    "govbiz_department": "430800-zgj", "name": "赵经办",
}  # fmt: skip


@attrs.frozen
class Signing:
    base: str
    provider: FakeProvider
    workbench: Workbench


def settings_file(tmp_path: Path, issuer: str) -> Path:
    path = tmp_path / "oidc.toml"
    path.write_text(
        f'issuer = "{issuer}"\naudience = "govbiz-api"\njwks = "{issuer}/jwks"\n\n'
        '[roles]\n"部门经办人" = "department_handler"\n"督查室" = "supervisor"\n\n'
        f'[workbench]\nclient_id = "{CLIENT_ID}"\nclient_secret_env = "{SECRET_ENV}"\n'
        'redirect_url = "http://127.0.0.1:9/login/oidc/callback"\nlabel = "张家界市统一身份认证登录"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def signing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Signing]:
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    world, *_ = start(tmp_path)
    with running_provider() as provider:
        provider.person = dict(PERSON)
        oidc = WorkbenchOidc.from_toml(settings_file(tmp_path, provider.issuer))
        assert oidc is not None
        app = create_app(world.ledger, workbench_oidc=oidc)
        with serving(app) as base:
            oidc.redirect_url = f"{base}/login/oidc/callback"  # the port is known only now
            yield Signing(base, provider, app.state.workbench)
    world.ledger.close()



def test_a_department_handler_signs_in_with_the_county_s_provider(
    signing: Signing, browser: Browser, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 700}, locale="zh-CN")
    page.goto(f"{signing.base}/department")
    expect(page).to_have_url(f"{signing.base}/login?next=/department")
    button = page.get_by_role("link", name="张家界市统一身份认证登录")
    expect(button).to_be_visible()
    shot = tmp_path / "workbench-login-oidc.png"
    page.screenshot(path=str(shot))
    keep = os.environ.get("GOVBIZ_WORKBENCH_SHOTS")
    if keep:
        shutil.copy(shot, Path(keep) / shot.name)
    button.click()
    expect(page).to_have_url(f"{signing.base}/department")
    expect(page.get_by_role("heading", level=1)).to_have_text("部门工作台 · 市自规局")
    expect(page.locator("form.who")).to_contain_text("赵经办")
    assert len(signing.provider.exchanged) == 1  # the code went to the token endpoint, with the verifier
    [user] = [u for u in signing.workbench.users.list() if u.login.startswith("oidc-")]
    assert (user.actor.id, user.actor.role.value, user.actor.department) == (
        "zjj-0042", "department_handler", "430800-zgj",
    )  # fmt: skip
    names = {c["name"] for c in page.context.cookies()}
    assert "govbiz_session" in names
    assert "govbiz_oidc" not in names  # the sign-in under way is over
    # No password opens an account made by the provider.
    import httpx
    from workbench_server import sign_in

    with httpx.Client(base_url=signing.base, timeout=30) as http:
        for password in ("!oidc", "", "正确的密码-horse-battery"):
            assert sign_in(http, user.login, password).status_code == 401


@pytest.mark.parametrize(
    ("misbehave", "reason"),
    [
        ({"tamper_state": True}, "state 不符"),
        ({"audience": "another-app"}, "受众不符"),
        ({"lifetime": -120}, "已过期"),
        ({"person": {**PERSON, "govbiz_role": "县委书记"}}, "角色未对应"),
    ],
    ids=["bad-state", "wrong-audience", "expired", "unmapped-role"],
)
def test_a_sign_in_that_does_not_check_is_refused(
    signing: Signing, browser: Browser, misbehave: dict[str, Any], reason: str
) -> None:
    for name, value in misbehave.items():
        setattr(signing.provider, name, value)
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{signing.base}/login")
    with page.expect_response(lambda r: "/login/oidc/callback" in r.url) as answer:
        page.get_by_role("link", name="张家界市统一身份认证登录").click()
    assert answer.value.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("统一身份认证登录失败")
    expect(page.locator("p.alert")).to_contain_text(reason)
    assert "govbiz_session" not in {c["name"] for c in page.context.cookies()}
    assert not [u for u in signing.workbench.users.list() if u.login.startswith("oidc-")]
    page.goto(f"{signing.base}/ledger")
    expect(page).to_have_url(f"{signing.base}/login?next=/ledger")


def test_a_callback_without_the_browser_s_sign_in_under_way_is_refused(signing: Signing) -> None:
    import httpx

    answer = httpx.get(f"{signing.base}/login/oidc/callback", params={"code": "x", "state": "y"}, timeout=10)
    assert answer.status_code == 400
    assert "state 不符" in answer.text
    assert signing.provider.exchanged == []  # refused before any code is exchanged


def test_the_settings_name_what_is_missing(tmp_path: Path) -> None:
    path = settings_file(tmp_path, "https://sso.zjj.example")
    path.write_text(path.read_text(encoding="utf-8").replace('client_id = "govbiz-workbench"\n', ""))
    with pytest.raises(ValidationError) as missing:
        WorkbenchOidc.from_toml(path)
    assert missing.value.field == "oidc.workbench.client_id"
    path.write_text('issuer = "https://sso.zjj.example"\naudience = "a"\njwks = "https://sso.zjj.example/j"\n')
    assert WorkbenchOidc.from_toml(path) is None  # the API's settings alone: no workbench sign-in
