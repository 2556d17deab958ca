"""The workbench in a real browser: Debian's Chromium driven by Playwright, against real uvicorn.

A department handler signs in, signs for its problem and reports progress
from its inbox, and sees on the problem page its history and why each
deadline falls on its day; a department of another county is refused the
problem (404 page), another department of the city is refused signing it
(403 page, the library's refusal), a form posted from another site without
the CSRF token is refused (403), and signing out ends the session.  Pages
are also shown on a phone-sized screen and printed.
"""

from __future__ import annotations

import os
import shutil
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from workbench_server import PASSWORD, Bench

from govbiz import commands as c
from tests.conftest import BEIJING

#: Set to a folder to keep the screenshots there (the docs' pictures are made so).
SHOTS_ENV = "GOVBIZ_WORKBENCH_SHOTS"



def shot(page: Page, tmp_path: Path, name: str, **options: object) -> Path:
    """A screenshot of `page` (kept in $GOVBIZ_WORKBENCH_SHOTS too, when set)."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), **options)  # type: ignore[arg-type]
    assert path.stat().st_size > 5_000  # something was drawn, not a blank page
    keep = os.environ.get(SHOTS_ENV)
    if keep:
        shutil.copy(path, Path(keep) / path.name)
    return path


def sign_in(page: Page, base: str, login: str, start: str = "/") -> None:
    page.goto(f"{base}{start}")
    expect(page).to_have_url(f"{base}/login?next={start}")
    page.get_by_label("账号").fill(login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_department_signs_and_reports_progress_on_its_own_problem(
    bench: Bench, browser: Browser, tmp_path: Path
) -> None:
    problem = bench.city_problem.id
    page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    sign_in(page, bench.base, "zgj", "/department")
    expect(page).to_have_url(f"{bench.base}/department")
    expect(page.get_by_role("heading", level=1)).to_have_text("部门工作台 · 市自规局")
    to_sign = page.locator("section.inbox").filter(has=page.get_by_role("heading", name="待签收"))
    expect(to_sign.locator("article")).to_have_count(1)
    expect(page.locator("section.inbox article")).to_have_count(1)  # once, under the clock it answers first
    expect(to_sign).to_contain_text(problem)
    shot(page, tmp_path, "workbench-inbox", full_page=True)
    to_sign.locator("summary", has_text="签收").click()
    to_sign.get_by_role("button", name="签收").click()
    expect(page).to_have_url(f"{bench.base}/department?done=sign")
    assert bench.world.ledger.problem(bench.world.admin, problem).state.value == "signed"
    progress = page.locator("section.inbox").filter(has=page.get_by_role("heading", name="落实情况待报送"))
    progress.locator("summary", has_text="报送落实情况").click()
    progress.get_by_label("落实情况").fill("已组织现场踏勘，水电路气接入方案已确定。")
    progress.get_by_role("button", name="报送落实情况").click()
    expect(page).to_have_url(f"{bench.base}/department?done=report_progress")
    stored = bench.world.ledger.problem(bench.world.admin, problem)
    assert stored.state.value == "in_progress"
    assert stored.progress[-1].text == "已组织现场踏勘，水电路气接入方案已确定。"

    page.goto(f"{bench.base}/problems/{problem}")
    expect(page.locator(".state").first).to_have_text("办理中")
    history = page.locator("ol.history")
    for label in ("收集", "研判分类", "列入接待日议程", "交办", "签收", "报送落实情况"):
        expect(history.locator("strong", has_text=label).first).to_be_visible()
    expect(history).to_contain_text("已组织现场踏勘")
    why = page.locator("tr.why details").first
    why.locator("summary").click()
    expect(why.locator("pre")).to_contain_text("工作日")  # the library's day-by-day counting
    actions = {t.strip() for t in page.locator("section.actions summary").all_inner_texts()}
    assert "签收" not in actions  # signed already: the lifecycle no longer allows it
    assert "报送办理结果" in actions
    clip = {"x": 0, "y": 0, "width": 1100, "height": 1280}  # the facts, the forms and the deadlines explained
    shot(page, tmp_path, "workbench-problem", full_page=True, clip=clip)

    page.goto(f"{bench.base}/ledger?state=in_progress")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    expect(page.locator("table.list")).to_contain_text("新厂五通一平施工保障")
    page.goto(f"{bench.base}/ledger?q=不存在的问题")
    expect(page.locator("td.empty")).to_have_text("没有符合条件的问题")
    page.goto(f"{bench.base}/ledger")
    shot(page, tmp_path, "workbench-ledger")
    page.emulate_media(media="print")  # the printed ledger: no menu, no filters, the print date
    expect(page.locator("form.filters")).to_be_hidden()
    expect(page.locator("footer.foot")).to_be_visible()
    pdf = tmp_path / "ledger.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_other_departments_are_refused_the_problem(bench: Bench, browser: Browser) -> None:
    problem = bench.city_problem.id
    version = bench.world.ledger.problem(bench.world.admin, problem).version
    county = browser.new_page(locale="zh-CN")  # 永定区自然资源局: another county's department
    sign_in(county, bench.base, "yd-zrzy")
    answer = county.goto(f"{bench.base}/problems/{problem}")
    assert answer is not None
    assert answer.status == 404
    expect(county.get_by_role("heading", level=1)).to_have_text("记录不存在")
    expect(county.locator("section.actions")).to_have_count(0)

    other = browser.new_page(locale="zh-CN")  # 市委宣传部: the city's, but not assigned this problem
    sign_in(other, bench.base, "xcb")
    other.goto(f"{bench.base}/problems/{problem}")
    expect(other.locator("section.actions")).to_have_count(0)
    expect(other.locator("p.hint")).to_have_text("当前状态下您没有可办理的操作。")
    token = other.locator("form.who input[name=csrf]").get_attribute("value")
    assert token
    # Forms are hidden, but that is not what protects the problem: a valid form posted anyway is refused.
    refused = other.request.post(
        f"{bench.base}/problems/{problem}/act/sign", form={"csrf": token}, max_redirects=0
    )
    assert refused.status == 403
    assert "无权操作" in refused.text()
    assert "430800-xcb" in refused.text()
    assert bench.world.ledger.problem(bench.world.admin, problem).version == version


class _Attacker(BaseHTTPRequestHandler):
    """Another site (another port of 127.0.0.1: the same site for SameSite, so the cookie goes along)."""

    target = ""

    def do_GET(self) -> None:
        body = (
            '<!doctype html><meta charset="utf-8"><form method="post" action="' + self.target + '">'
            '<input name="text" value="伪造的落实情况"><button>领取奖品</button></form>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


def test_a_form_from_another_site_without_the_csrf_token_is_refused(bench: Bench, browser: Browser) -> None:
    problem = bench.world.signed("厂区道路硬化审批")
    before = bench.world.ledger.problem(bench.world.admin, problem.id).version
    page = browser.new_page(locale="zh-CN")
    sign_in(page, bench.base, "zgj")
    _Attacker.target = f"{bench.base}/problems/{problem.id}/act/report_progress"
    attacker = ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{attacker.server_address[1]}/")
        with page.expect_response(_Attacker.target) as answer:
            page.get_by_role("button", name="领取奖品").click()
        assert answer.value.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text("请求被拒绝")
    finally:
        attacker.shutdown()
        attacker.server_close()
    assert bench.world.ledger.problem(bench.world.admin, problem.id).version == before


def test_signing_out_ends_the_session(bench: Bench, browser: Browser, tmp_path: Path) -> None:
    page = browser.new_page(locale="zh-CN")
    sign_in(page, bench.base, "tzb", "/ledger")
    expect(page.get_by_role("heading", level=1)).to_have_text("问题台账")
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(f"{bench.base}/login")
    page.goto(f"{bench.base}/ledger")
    expect(page).to_have_url(f"{bench.base}/login?next=/ledger")
    assert not [c for c in page.context.cookies() if c["name"] == "govbiz_session"]


def test_on_a_phone_the_inbox_and_the_status_page_fit_the_screen(
    bench: Bench, browser: Browser, tmp_path: Path
) -> None:
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN")
    sign_in(phone, bench.base, "zgj", "/department")
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    assert phone.evaluate(fits)
    phone.goto(f"{bench.base}/ledger")
    assert phone.evaluate(fits)  # the list's rows become cards: no sideways scrolling
    expect(phone.locator("table.stack thead")).to_be_hidden()
    shot(phone, tmp_path, "workbench-ledger-phone", full_page=True)
    code = bench.workbench.services.query_codes.code(bench.city_problem.id)
    public = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    public.goto(f"{bench.base}/status")
    public.get_by_label("问题编号").fill(bench.city_problem.id)
    public.get_by_label("查询码").fill(code)
    public.get_by_role("button", name="查询").click()
    result = public.locator("section.result")
    expect(result).to_contain_text("已交办待签收")
    expect(result).to_contain_text("市自规局")
    assert public.evaluate(fits)
    shot(public, tmp_path, "workbench-status-phone", full_page=True)


def test_the_collector_records_a_return_visit_and_the_problem_is_closed(
    bench: Bench, browser: Browser
) -> None:
    world = bench.world
    problem = world.signed("老厂区土地变性招拍")
    text = "五通一平已完成，新厂已通水通电。"
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text=text))
    # 市自规局 sees the result reported, but the visit is the collector's: the library offers it no form.
    zgj = browser.new_page(locale="zh-CN")
    sign_in(zgj, bench.base, "zgj", "/visits")
    expect(zgj.locator("article", has_text=problem.id)).to_have_count(1)
    expect(zgj.locator("form.inline")).to_have_count(0)
    page = browser.new_page(locale="zh-CN")
    sign_in(page, bench.base, "tzb", "/visits")
    card = page.locator("article", has_text=problem.id)
    expect(card).to_contain_text(text)
    expect(card).to_contain_text("已解决")
    card.get_by_label("企业评价").select_option("true")
    card.get_by_label("回访记录").fill("企业负责人表示满意。")
    card.get_by_role("button", name="记录回访").click()
    expect(page).to_have_url(f"{bench.base}/visits?done=return_visit")
    expect(page.locator("p.notice")).to_have_text("已回访。")
    expect(page.locator("article", has_text=problem.id)).to_have_count(0)
    closed = world.ledger.problem(world.admin, problem.id)
    assert closed.state.value == "closed"
    assert closed.return_visits[-1].notes == "企业负责人表示满意。"


def test_a_reception_day_is_planned_and_its_problem_assigned_on_the_spot(
    bench: Bench, browser: Browser, tmp_path: Path
) -> None:
    world = bench.world
    world.clock.set(datetime(2026, 12, 3, 9, 30, tzinfo=BEIJING))  # a Thursday of 2026
    problem = world.collect("新厂用地报批提速").id
    collector = browser.new_page(locale="zh-CN")
    sign_in(collector, bench.base, "tzb", f"/problems/{problem}")
    collector.locator("summary", has_text="研判分类").click()
    collector.get_by_role("button", name="研判分类").click()
    expect(collector.locator("p.notice")).to_have_text("已研判分类。")
    refused = collector.request.post(  # planning is the secretariat's: the library refuses the collector
        f"{bench.base}/sessions",
        form={
            "csrf": _csrf(collector),
            "held_on": "2026-12-10",
            "kind": "reception_day",
            "chair_title": "市长",
        },
    )
    assert refused.status == 403

    session_id = _plan_and_schedule(bench, browser, problem)

    chair = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    sign_in(chair, bench.base, "sw-sj", f"/sessions/{session_id}")
    card = chair.locator("article", has_text=problem)
    card.get_by_label("主办部门").select_option("430800-zgj")
    card.get_by_label("协办部门").select_option(["430800-zjj"])
    card.get_by_label("现场明确的落实情况期限").fill("2026-12-09")
    card.get_by_role("button", name="现场交办").click()
    expect(chair).to_have_url(f"{bench.base}/sessions/{session_id}?done=assign")
    expect(chair.locator("p.notice")).to_have_text("已交办。")
    expect(chair.locator("article", has_text=problem)).to_have_count(0)
    assignment = world.ledger.problem(world.admin, problem).assignment
    assert assignment is not None
    assert (assignment.lead, assignment.co_handlers, assignment.session_id) == (
        "430800-zgj", ("430800-zjj",), session_id,
    )  # fmt: skip
    assert assignment.on_the_spot
    assert assignment.deadline("progress") is not None
    assert str(assignment.deadline("progress").last_day) == "2026-12-09"  # type: ignore[union-attr]
    shot(chair, tmp_path, "workbench-session", full_page=True)

    chair.get_by_role("link", name="打印交办单").click()
    sheet = chair.locator("table.sheet-table")
    expect(sheet).to_contain_text("新厂用地报批提速")
    expect(sheet).to_contain_text("市自规局")
    expect(sheet).to_contain_text("市住建局")
    expect(sheet).to_contain_text("2026-12-09")
    chair.emulate_media(media="print")
    expect(chair.locator("header nav")).to_be_hidden()
    pdf = tmp_path / "jiaoban.pdf"
    chair.pdf(path=str(pdf), format="A4", landscape=True)
    assert pdf.read_bytes().startswith(b"%PDF")
    shot(chair, tmp_path, "workbench-assignment-sheet")


def _csrf(page: Page) -> str:
    token = page.locator("form.who input[name=csrf]").get_attribute("value")
    assert token
    return token


def _plan_and_schedule(bench: Bench, browser: Browser, problem: str) -> str:
    """The secretariat plans a reception day in the browser and puts `problem` on its agenda."""
    secretariat = browser.new_page(locale="zh-CN")
    sign_in(secretariat, bench.base, "mszb", "/sessions")
    secretariat.locator("summary", has_text="安排接待日").click()
    secretariat.get_by_label("日期").fill("2026-12-10")
    secretariat.get_by_label("类型").select_option("reception_day")
    secretariat.get_by_label("接待领导职务").fill("市长")
    secretariat.get_by_label("主题").fill("项目用地专场")
    secretariat.get_by_role("button", name="安排").click()
    expect(secretariat.locator("p.notice")).to_have_text("已安排接待日。")
    session_id = secretariat.url.split("/sessions/")[1].split("?")[0]
    secretariat.goto(f"{bench.base}/problems/{problem}")
    schedule = secretariat.locator("details.action", has_text="列入接待日议程")
    schedule.locator("summary").click()
    schedule.locator("select[name=session_id]").select_option(session_id)
    schedule.get_by_role("button", name="列入接待日议程").click()
    expect(secretariat.locator(".state").first).to_have_text("已列入议程")
    return session_id


def test_the_supervision_office_sees_what_is_overdue_and_sends_a_supervision_notice(
    bench: Bench, browser: Browser
) -> None:
    world, problem = bench.world, bench.city_problem.id  # assigned 2025-03-31, to sign by 2025-04-01
    world.clock.advance(timedelta(days=3))
    page = browser.new_page(locale="zh-CN")
    sign_in(page, bench.base, "dcs", "/supervision")
    card = page.locator("article", has_text=problem)
    expect(card).to_contain_text("签收期限 2025-04-01")
    expect(card).to_contain_text("逾期 2 天")
    ranking = page.locator("table.list tbody tr").first
    expect(ranking).to_contain_text("市自规局")
    expect(ranking.locator("td").nth(3)).to_have_text("1")
    card.locator("summary", has_text="催办/督办").click()
    card.get_by_label("类型").select_option("supervision")
    card.get_by_label("备注").fill("请于今日内签收并报送落实情况。")
    card.get_by_role("button", name="发送").click()
    expect(page).to_have_url(f"{bench.base}/supervision?done=remind")
    reminders = world.ledger.problem(world.admin, problem).reminders
    assert [(r.kind.value, r.note) for r in reminders] == [("supervision", "请于今日内签收并报送落实情况。")]
    expect(page.locator("article", has_text=problem)).to_contain_text("已催办 1 次")
    viewer = browser.new_page(locale="zh-CN")  # a department sees the board, but reminding is not its to do
    sign_in(viewer, bench.base, "zgj", "/supervision")
    expect(viewer.locator("article", has_text=problem)).to_have_count(1)
    expect(viewer.locator("article summary")).to_have_count(0)


def test_a_whole_reception_day_in_the_browser(bench: Bench, browser: Browser) -> None:
    """Collect, triage, plan, schedule, assign, sign, report, visit, close; then the enterprise looks."""
    world = bench.world
    world.clock.set(datetime(2027, 3, 2, 9, 0, tzinfo=BEIJING))  # a Tuesday of 2027
    collector = browser.new_page(locale="zh-CN")
    sign_in(collector, bench.base, "tzb", "/ledger")
    collector.locator("summary", has_text="收集问题").click()
    form = collector.locator("details.collect")
    form.locator("select[name=enterprise_id]").select_option(world.enterprise_id)
    form.locator("input[name=title]").fill("园区污水管网接入")
    form.locator("select[name=category]").select_option("土地规划")
    form.locator("select[name=source]").select_option("调研走访")
    form.get_by_role("button", name="收集").click()
    expect(collector.locator("p.notice")).to_have_text("已收集。")
    problem = collector.url.split("/problems/")[1].split("?")[0]
    code = collector.locator("code.code").inner_text()
    collector.locator("summary", has_text="研判分类").click()
    collector.get_by_role("button", name="研判分类").click()
    session_id = _plan_and_schedule(bench, browser, problem)

    chair = browser.new_page(locale="zh-CN")
    sign_in(chair, bench.base, "sw-sj", f"/sessions/{session_id}")
    card = chair.locator("article", has_text=problem)
    card.get_by_label("主办部门").select_option("430800-zgj")
    card.get_by_role("button", name="现场交办").click()
    expect(chair.locator("p.notice")).to_have_text("已交办。")

    zgj = browser.new_page(locale="zh-CN")
    sign_in(zgj, bench.base, "zgj", f"/problems/{problem}")
    _submit(zgj, "签收")
    _submit(zgj, "报送落实情况", text="已会同水务公司现场勘查。")
    _submit(zgj, "报送办理结果", outcome="solved", text="污水管网已接入园区主管。")
    expect(zgj.locator(".state").first).to_have_text("已报结果待回访")

    collector.goto(f"{bench.base}/visits")
    visit = collector.locator("article", has_text=problem)
    visit.get_by_label("企业评价").select_option("true")
    visit.get_by_role("button", name="记录回访").click()
    expect(collector.locator("p.notice")).to_have_text("已回访。")
    assert world.ledger.problem(world.admin, problem).state.value == "closed"

    enterprise = browser.new_page(locale="zh-CN")  # the enterprise, not signed in
    enterprise.goto(f"{bench.base}/status")
    enterprise.get_by_label("问题编号").fill(problem)
    enterprise.get_by_label("查询码").fill(code)
    enterprise.get_by_role("button", name="查询").click()
    expect(enterprise.locator("section.result")).to_contain_text("已销号")
    expect(enterprise.locator("section.result")).to_contain_text("按期完成")


def _submit(page: Page, action: str, **fields: str) -> None:
    """Open the problem page's form of `action`, fill `fields` by name, submit, and see it done."""
    block = page.locator("details.action").filter(has=page.locator(f"summary:text-is('{action}')"))
    if block.get_attribute("open") is None:  # the page's first form is open already
        block.locator("summary").click()
    for name, value in fields.items():
        field = block.locator(f"[name={name}]")
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    block.get_by_role("button", name=action).click()
    expect(page.locator("p.notice")).to_have_text(f"已{action}。")
