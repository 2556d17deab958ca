"""The workbench's sign-in over real HTTP: passwords, the session cookie, CSRF, idle timeout, sign-out.

The server is real uvicorn over a SQLite ledger; the client is httpx
speaking to it as a browser would (cookies, forms).  What the pages show
and allow is tested in a real browser in `test_workbench_browser`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from api_test_server import free_port, start
from click.testing import CliRunner
from govbiz_api.workbench.tables import USERS
from workbench_server import PASSWORD, Bench, csrf_of, sign_in

from govbiz.cli import main
from tests.conftest import BEIJING


def client(bench: Bench, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=bench.base, headers=headers, timeout=30)


def test_a_password_is_kept_only_as_an_argon2id_hash(bench: Bench) -> None:
    with bench.workbench.services.database.reading() as conn:
        stored = conn.execute(sa.select(USERS.c.password_hash).where(USERS.c.login == "zgj")).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_signing_in_sets_an_httponly_samesite_cookie_secure_only_behind_tls(bench: Bench) -> None:
    with client(bench) as http:
        assert http.get("/department").headers["location"] == "/login?next=/department"
        answer = sign_in(http, "zgj")
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("govbiz_session=")
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" not in cookie  # plain HTTP on 127.0.0.1: a Secure cookie would never come back
        inbox = http.get("/department")
        assert inbox.status_code == 200
        assert "部门工作台 · 市自规局" in inbox.text
        assert "default-src 'none'" in inbox.headers["content-security-policy"]
    # Behind a TLS proxy on the same host, uvicorn trusts X-Forwarded-Proto: the cookie is Secure.
    with client(bench, **{"X-Forwarded-Proto": "https"}) as http:
        form = http.get("/login")
        assert "Secure" in form.headers["set-cookie"]  # the sign-in form's CSRF cookie too
        token = csrf_of(form.text)
        # httpx keeps a Secure cookie off plain HTTP, as a browser does: it is sent as over TLS.
        answer = http.post(
            "/login", data={"csrf": token, "login": "zgj", "password": PASSWORD},
            headers={"Cookie": f"govbiz_form={token}"},
        )  # fmt: skip
        assert answer.status_code == 303
        assert "Secure" in answer.headers["set-cookie"]


def test_a_wrong_password_and_an_unknown_login_get_the_same_refusal(bench: Bench) -> None:
    with client(bench) as http:
        wrong = sign_in(http, "zgj", "not-the-password")
        unknown = sign_in(http, "nobody", "not-the-password")
        for answer in (wrong, unknown):
            assert answer.status_code == 401
            assert "账号或密码不正确" in answer.text
            assert "govbiz_session" not in answer.headers.get("set-cookie", "")
        assert http.get("/ledger").status_code == 303


def test_every_form_without_its_csrf_token_is_refused(bench: Bench) -> None:
    problem = bench.city_problem.id
    version = bench.world.ledger.problem(bench.world.admin, problem).version
    with client(bench) as http:
        token = csrf_of(http.get("/login").text)
        refused = http.post("/login", data={"login": "zgj", "password": PASSWORD})
        assert refused.status_code == 403
        assert "CSRF" in refused.text
        assert (
            http.post("/login", data={"csrf": token + "x", "login": "zgj", "password": PASSWORD}).status_code
            == 403
        )
        sign_in(http, "zgj")
        session_token = csrf_of(http.get(f"/problems/{problem}").text)
        assert session_token != token  # the session's own token, not the sign-in form's
        for data in ({}, {"csrf": ""}, {"csrf": token}, {"csrf": session_token[:-1]}):
            answer = http.post(f"/problems/{problem}/act/sign", data=data)
            assert answer.status_code == 403, data
        assert http.post("/logout", data={}).status_code == 403
        assert http.get("/department").status_code == 200  # still signed in
    assert bench.world.ledger.problem(bench.world.admin, problem).version == version


def test_an_idle_session_ends_and_signing_out_ends_it_on_the_server(bench: Bench) -> None:
    clock = bench.world.clock
    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=BEIJING))  # any day of 2026–2030 works
    with client(bench) as http:
        sign_in(http, "zgj")
        clock.advance(timedelta(minutes=29))
        assert http.get("/department").status_code == 200  # used: the idle time starts again
        clock.advance(timedelta(minutes=29))
        assert http.get("/department").status_code == 200
        clock.advance(timedelta(minutes=31))
        assert http.get("/department").headers["location"] == "/login?next=/department"
        sign_in(http, "zgj")
        kept = http.cookies["govbiz_session"]
        token = csrf_of(http.get("/department").text)
        out = http.post("/logout", data={"csrf": token})
        assert out.status_code == 303
        assert out.headers["location"] == "/login"
        assert http.get("/department").status_code == 303
    with client(bench) as replayed:  # the old cookie is worth nothing: the session is gone
        replayed.cookies.set("govbiz_session", kept)
        assert replayed.get("/department").status_code == 303


def test_sign_in_and_forms_go_back_only_to_a_page_of_this_site(bench: Bench) -> None:
    with client(bench) as http:
        page = http.get("/login", params={"next": "//evil.example/phish"}).text
        assert 'name="next" value="/"' in page
        token = csrf_of(page)
        answer = http.post(
            "/login",
            data={"csrf": token, "login": "dcs", "password": PASSWORD, "next": "https://evil.example"},
        )
        assert answer.headers["location"] == "/"
        problem = bench.city_problem.id
        token = csrf_of(http.get(f"/problems/{problem}").text)  # the supervision office may remind
        for back in ("//evil.example", "/\\evil.example", "https://evil.example"):
            sent = http.post(
                f"/problems/{problem}/act/remind", data={"csrf": token, "kind": "reminder", "back": back}
            )
            assert sent.status_code == 303
            assert sent.headers["location"] == "/?done=remind"  # a page of this site, whatever `back` says


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(bench: Bench) -> None:
    with client(bench) as http:
        sign_in(http, "xcb")
        assert http.get("/ledger").status_code == 200
        bench.workbench.users.disable("xcb", now=bench.world.clock.now())
        assert http.get("/ledger").status_code == 303
        assert sign_in(http, "xcb").status_code == 401


def test_the_public_status_page_answers_a_number_with_its_query_code(bench: Bench) -> None:
    problem = bench.city_problem.id
    code = bench.workbench.services.query_codes.code(problem)
    with client(bench) as http:
        form = http.get("/status")
        token = csrf_of(form.text)
        found = http.post("/status", data={"csrf": token, "number": problem, "code": code.lower()})
        assert found.status_code == 200
        assert "已交办待签收" in found.text
        assert "市自规局" in found.text
        assert "施奕清" not in found.text
        assert "13812345678" not in found.text  # nothing personal
        wrong = http.post("/status", data={"csrf": token, "number": problem, "code": "AAAA-AAAA"})
        assert wrong.status_code == 404
        assert "没有找到" in wrong.text
        assert http.post("/status", data={"number": problem, "code": code}).status_code == 403


def test_govbiz_user_create_reads_the_password_from_stdin(tmp_path: Path) -> None:
    world, db_url, *_ = start(tmp_path)
    world.ledger.close()
    runner = CliRunner()
    args = [
        *("user", "create", "--login", "wang", "--actor-id", "zgj-2", "--role", "department_handler"),
        *("--county", "430800", "--department", "430800-zgj", "--db", db_url, "--password-stdin"),
    ]
    made = runner.invoke(main, args, input=f"{PASSWORD}\n")
    assert made.exit_code == 0, made.output
    assert PASSWORD not in made.output
    again = runner.invoke(main, args, input=f"{PASSWORD}\n")
    assert again.exit_code != 0
    assert "taken" in again.output
    short = runner.invoke(main, [*args[:3], "li", *args[4:]], input="short\n")
    assert short.exit_code != 0
    assert "at least 10" in short.output
    unknown = [*args[:3], "zhao", *args[4:10], "430800-nope", *args[11:]]
    assert runner.invoke(main, unknown, input=f"{PASSWORD}\n").exit_code != 0
    listed = runner.invoke(main, ["user", "list", "--db", db_url, "--json"])
    assert '"login": "wang"' in listed.output
    assert "argon2" not in listed.output
    assert '"login": "zhao"' not in listed.output


def test_govbiz_serve_serves_the_workbench_beside_the_api(tmp_path: Path) -> None:
    world, db_url, *_ = start(tmp_path)
    world.ledger.close()
    made = CliRunner().invoke(
        main,
        [
            *("user", "create", "--login", "tzb", "--actor-id", "tzb-1", "--role", "collector"),
            *("--county", "430800", "--db", db_url, "--password-stdin"),
        ],
        input=f"{PASSWORD}\n",
    )
    assert made.exit_code == 0, made.output
    port = free_port()
    command = [sys.executable, "-m", "govbiz", "serve", "--db", db_url, "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()[0]
                assert time.monotonic() < deadline, "govbiz serve did not answer"
                time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=30) as http:
            assert sign_in(http, "tzb").status_code == 303
            ledger = http.get("/ledger")
            assert ledger.status_code == 200
            assert "新厂五通一平施工保障" in ledger.text
            assert http.get("/openapi.json").json()["openapi"].startswith("3.1")  # the API is still there
            assert not any(
                path.startswith(("/login", "/ledger")) for path in http.get("/openapi.json").json()["paths"]
            )
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    # uvicorn with one process shuts down cleanly, then re-raises SIGTERM (exit -15).
    assert server.returncode in (0, -15), output
    assert "Application shutdown complete" in output


def test_guessing_a_password_is_slowed_down_per_login(bench: Bench) -> None:
    with client(bench) as http:
        for _ in range(10):
            assert sign_in(http, "zgj", "guess-guess-guess").status_code == 401
        throttled = sign_in(http, "zgj")  # the right password, but too many attempts on this login
        assert throttled.status_code == 429
        assert int(throttled.headers["retry-after"]) > 0
        assert "登录尝试过多" in throttled.text
        assert sign_in(http, "xcb").status_code == 303  # another login is not locked out
        bench.world.clock.advance(timedelta(minutes=6))
        assert sign_in(http, "zgj").status_code == 303


def test_the_admin_page_shows_the_rules_in_force_and_users_only_to_administrators(bench: Bench) -> None:
    bench.workbench.users.create("admin", bench.world.admin, PASSWORD, now=bench.world.clock.now())
    with client(bench) as http:
        sign_in(http, "admin")
        shown = http.get("/admin")
        assert shown.status_code == 200
        assert "7个工作日" in shown.text  # the progress clock of the county's policy
        assert "土地规划" in shown.text
        assert "王自规" in shown.text  # a user
        assert "argon2" not in shown.text.replace("Argon2id", "")  # no hash
    with client(bench) as http:
        sign_in(http, "zgj")
        shown = http.get("/admin")
        assert "7个工作日" in shown.text
        assert "工作台用户" not in shown.text
