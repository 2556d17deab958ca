"""附件, 督查通报 and 红黑榜 in a real browser (Debian's Chromium), against real uvicorn.

A department uploads a signed scan from a phone and downloads it back;
another county's department gets the 404 page for it, and a file that only
pretends to be a PDF is refused with nothing recorded.  The supervision
office reads the draft circular as its document, publishes it (a
department may not), and finds it listed; the 红黑榜 shows each point with
its problems linked and states the minimum-assigned rule.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, expect
from test_workbench_browser import shot, sign_in
from workbench_server import Bench

from govbiz import commands as c
from govbiz.attachments import attachments

SCAN = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" + b"0" * 4000 + b"\n%%EOF\n"



def test_a_department_attaches_a_signed_scan_from_a_phone(
    bench: Bench, browser: Browser, tmp_path: Path
) -> None:
    problem = bench.city_problem.id
    scan = tmp_path / "交办单签收扫描件.pdf"
    scan.write_bytes(SCAN)
    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", accept_downloads=True)
    sign_in(phone, bench.base, "zgj", f"/problems/{problem}")
    section = phone.locator("section.attachments")
    expect(section.locator("p.empty")).to_have_text("尚无附件。")
    section.locator("summary", has_text="上传附件").click()
    section.get_by_label("文件").set_input_files(str(scan))
    section.get_by_label("说明").fill("签字盖章的交办单")
    section.get_by_role("button", name="上传附件").click()
    expect(phone).to_have_url(f"{bench.base}/problems/{problem}?done=attach")
    expect(phone.locator("p.notice")).to_have_text("已上传附件。")
    link = section.get_by_role("link", name="交办单签收扫描件.pdf")
    expect(link).to_be_visible()
    expect(section.locator("li")).to_contain_text("签字盖章的交办单")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    section.locator("summary", has_text="上传附件").click()  # the form again, open for the next file
    section.scroll_into_view_if_needed()
    shot(phone, tmp_path, "workbench-attachments-phone")
    with phone.expect_download() as download:
        link.click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == SCAN
    assert download.value.suggested_filename == "交办单签收扫描件.pdf"
    [recorded] = attachments(bench.world.ledger, bench.world.admin, problem)
    assert (recorded.size, recorded.sha256, recorded.attached_by) == (
        len(SCAN), hashlib.sha256(SCAN).hexdigest(), bench.world.zgj.id,
    )  # fmt: skip

    # Another county's department: the problem and its files are not there for it.
    county = browser.new_page(locale="zh-CN")
    sign_in(county, bench.base, "yd-zrzy")
    answer = county.goto(f"{bench.base}/problems/{problem}/attachments/{recorded.sha256}")
    assert answer is not None
    assert answer.status == 404
    assert SCAN not in answer.body()

    # A page named .pdf is not a PDF: refused, and nothing is recorded.
    fake = tmp_path / "伪装的文件.pdf"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    version = bench.world.ledger.problem(bench.world.admin, problem).version
    section.get_by_label("文件").set_input_files(str(fake))
    with phone.expect_response(f"{bench.base}/problems/{problem}/attachments") as refused:
        section.get_by_role("button", name="上传附件").click()
    assert refused.value.status == 422
    expect(phone.locator("p.alert")).to_contain_text("not a file of an accepted kind")
    assert bench.world.ledger.problem(bench.world.admin, problem).version == version


def test_the_supervision_office_drafts_and_publishes_a_circular(
    bench: Bench, browser: Browser, tmp_path: Path
) -> None:
    world, problem = bench.world, bench.city_problem.id  # to sign by 2025-04-01: overdue three days later
    world.clock.advance(timedelta(days=3))
    page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    sign_in(page, bench.base, "dcs", "/supervision")
    page.get_by_role("link", name="起草、发布督查通报").click()
    page.get_by_label("统计时段起").fill("2025-03-01")
    page.get_by_label("统计时段止").fill("2025-04-02")
    page.get_by_role("button", name="生成通报稿").click()
    document = page.locator("article.gongwen")
    expect(document.locator("h1").first).to_contain_text("2025年3月1日至2025年4月2日")
    expect(document).to_contain_text(problem)
    expect(document).to_contain_text("市自规局")
    expect(page.locator("form.publish")).to_contain_text("张督通〔2025〕1号")
    clip = {"x": 0, "y": 0, "width": 1100, "height": 1400}  # the form and the document's first page
    shot(page, tmp_path, "workbench-circular-draft", full_page=True, clip=clip)

    department = browser.new_page(locale="zh-CN")  # a department reads the draft but may not publish it
    sign_in(department, bench.base, "zgj", "/supervision/circular")
    expect(department.locator("form.publish")).to_have_count(0)
    token = department.locator("form.who input[name=csrf]").get_attribute("value")
    period = {"start": "2025-03-01", "end": "2025-04-02"}
    forged = department.request.post(
        f"{bench.base}/supervision/circular", form={"csrf": token or "", **period}
    )
    assert forged.status == 403  # the library's refusal, not a hidden button
    without_token = page.request.post(
        f"{bench.base}/supervision/circular", form={"start": "2025-03-01", "end": "2025-04-02"}
    )
    assert without_token.status == 403
    assert world.ledger.records(world.admin, "circular") == []

    page.get_by_role("button", name="发布通报").click()
    expect(page.locator("p.notice")).to_have_text("已发布通报。")
    [circular] = world.ledger.records(world.admin, "circular")
    assert page.url == f"{bench.base}/supervision/circulars/{circular.id}?done=1"
    assert problem in circular.problems
    assert "430800-zgj" in circular.departments
    assert circular.published_by == world.supervisor.id
    expect(page.get_by_role("link", name=problem)).to_be_visible()
    page.goto(f"{bench.base}/supervision/circular")
    page.locator("ul.circulars").get_by_role("link", name=circular.title).click()
    expect(page).to_have_url(f"{bench.base}/supervision/circulars/{circular.id}")
    page.goto(f"{bench.base}/supervision/circular")
    expect(page.locator("form.publish")).to_contain_text("张督通〔2025〕2号")  # numbered after the first


def test_the_red_and_black_lists_link_each_point_to_its_problems(
    bench: Bench, browser: Browser, tmp_path: Path
) -> None:
    world = bench.world
    for title in ("厂房报建", "排污许可", "土地证办理"):  # 市自规局 leads three more in March 2025
        world.assigned(title)
    solved = world.signed("道路硬化审批")
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=solved.id, outcome="solved", text="已办结"))
    housing = world.collect("保障房配套")  # 市住建局 leads one only: scored, not ranked
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=housing.id))
    world.ledger.handle(world.chair, c.AssignProblem(problem_id=housing.id, lead="430800-zjj"))
    world.clock.advance(timedelta(days=1))
    page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    sign_in(page, bench.base, "dcs", "/supervision")
    page.get_by_role("link", name="月度考核红黑榜").click()
    page.get_by_label("考核月份", exact=True).fill("2025-03")
    page.get_by_role("button", name="查看").click()
    expect(page).to_have_url(f"{bench.base}/supervision/scores?month=2025-03")
    expect(page.locator("p.hint")).to_contain_text("当月交办不少于 3 件的部门才参加排名")
    red = page.locator("section.board-red")
    expect(red).to_contain_text("市自规局")
    card = page.locator("article.score", has_text="市自规局")
    expect(card).to_contain_text("第 1 名")
    few = page.locator("article.score", has_text="市住建局")
    expect(few.locator(".unranked")).to_have_text("（1 件，不足 3 件不排名）")
    expect(red).not_to_contain_text("市住建局")
    card.get_by_role("link", name=solved.id).first.click()
    expect(page).to_have_url(f"{bench.base}/problems/{solved.id}")
    page.go_back()
    clip = {"x": 0, "y": 0, "width": 1100, "height": 1300}
    shot(page, tmp_path, "workbench-scores", full_page=True, clip=clip)
    page.goto(f"{bench.base}/supervision/scores?month=2024-01")
    expect(page.locator("p.empty").last).to_contain_text("2024-01 没有交办")
    answer = page.goto(f"{bench.base}/supervision/scores?month=2025-13")
    assert answer is not None
    assert answer.status == 422
