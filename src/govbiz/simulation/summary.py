"""The terminal summary of a run (仿真汇总), drawn with rich from the figures' JSON-ready data.

Rendering only reads `govbiz.simulation.figures.collect`'s output, so the
terminal and `--json` can never disagree.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

__all__ = ["render_summary"]


def render_summary(data: dict[str, Any], console: Console, *, elapsed: float | None = None) -> None:
    """Print the summary tables of `data` (from `figures.collect`) on `console`."""
    console.print(_header(data, elapsed))
    console.print(_headline(data))
    console.print(_land_rates(data))
    console.print(_sessions(data))
    console.print(_categories(data))
    console.print(_handling(data))
    console.print(_notifications(data))
    if data.get("practice"):
        console.print(_practice(data["practice"]))
        for month in data["practice"]["scores"]:
            console.print(_scores(month))
    for case in data["cases"]:
        console.print(_case(case))
    if data.get("divisions"):
        console.print(_divisions(data))
    if data["targets"]:
        console.print(_targets(data))


def _header(data: dict[str, Any], elapsed: float | None) -> Panel:
    run = data["run"]
    lines = [
        f"[bold]{data['scenario']['title']}[/bold]",
        f"截至 as of {data['as_of']} · 种子 seed {data['seed']} · {data['division']['name']} "
        f"· 区划 divisions {run['divisions']} · 事件 events {run['events']}",
    ]
    if data["scenario"]["source"]:
        lines.append(f"来源 source: {data['scenario']['source']}")
    if elapsed is not None:
        commands = sum(run["commands"].values())
        lines.append(f"{commands} ledger commands in {elapsed:.1f} s")
    return Panel("\n".join(lines), title="govbiz simulate", expand=False)


def _headline(data: dict[str, Any]) -> Table:
    table = Table(title="主要指标 Figures", title_justify="left")
    table.add_column("指标 figure")
    table.add_column("值 value", justify="right")
    table.add_column("口径 definition", overflow="fold")
    definitions = data["definitions"]
    for name, value in data["figures"].items():
        d = definitions.get(name, {})
        shown = f"{value['value']} ({value['fraction']})" if isinstance(value, dict) else str(value)
        table.add_row(f"{d.get('name_zh', name)} {name}", shown, d.get("zh", ""))
    return table


def _land_rates(data: dict[str, Any]) -> Panel:
    """The article's two land-planning rates, each with its definition."""
    definitions = data["definitions"]
    lines = []
    for row in data["categories"]:
        if row["name"] != "土地规划":
            continue
        standard = row["completion_rate"]
        article = row["completion_rate_excluding_long_term"]
        lines = [
            f"土地规划: {row['assigned']} problems from {row['enterprises']} enterprises, "
            f"{row['completed']} completed (办结), {row['in_progress']} in progress (正在办理, "
            f"{row['long_term']} long-term 长期推进)",
            f"办结率 {standard['value']} = {standard['fraction']}  ← {definitions['completion_rate']['zh']}",
            f"办结率 {article['value']} = {article['fraction']}  ← "
            f"{definitions['completion_rate_excluding_long_term']['zh']} (the article's printed figure)",
        ]
    return Panel("\n".join(lines) or "no land-planning problems", title="两个办结率 Two completion rates")


def _sessions(data: dict[str, Any]) -> Table:
    table = Table(title="接待日 Reception days", title_justify="left")
    for column in ("日期 date", "形式 kind", "主持 chair", "主题 topic", "参加 attendees", "交办 assigned"):
        table.add_column(column, justify="right" if column.startswith("交办") else "left")
    for s in data["sessions"]:
        table.add_row(
            s["date"], s["kind_zh"], s["chair"], s["topic"], "、".join(s["attendees"]), str(s["assigned"])
        )
    return table


def _categories(data: dict[str, Any]) -> Table:
    table = Table(title="按类别 By category", title_justify="left")
    columns = ("类别", "交办", "企业", "办结", "在办", "长期推进", "解决", "办结率", "办结率（剔除长期推进）")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in data["categories"]:
        table.add_row(
            row["name"], str(row["assigned"]), str(row["enterprises"]), str(row["completed"]),
            str(row["in_progress"]), str(row["long_term"]), str(row["solved"]),
            f"{row['completion_rate']['value']} ({row['completion_rate']['fraction']})",
            f"{row['completion_rate_excluding_long_term']['value']} "
            f"({row['completion_rate_excluding_long_term']['fraction']})",
        )  # fmt: skip
    return table


def _handling(data: dict[str, Any]) -> Table:
    labels = {
        "reminders": "催办 reminders (overdue clocks, daily)",
        "supervision": "督办 supervision notices (seriously overdue, research visits)",
        "circulars": "督查通报 circulars published",
        "departments_named_in_circulars": "departments named in circulars",
        "extensions": "延期 extensions approved",
        "returned": "退回 returned and reassigned",
        "unsatisfied_visits": "回访不满意 unsatisfied return visits",
        "redone": "重办 problems redone",
        "on_the_spot_deadlines": "现场明确解决期限 deadlines fixed on the spot",
        "collected_not_yet_assigned": "collected for a later session",
    }
    table = Table(title="跟踪督办 Follow-up", title_justify="left")
    table.add_column("")
    table.add_column("", justify="right")
    for key, value in data["handling"].items():
        table.add_row(labels.get(key, key), str(value))
    for rule in data["lasting_rules"]:
        table.add_row(
            f"长效机制 {rule['issued_on']} {rule['issued_by']}《{rule['title']}》",
            f"{rule['problems']} linked",
        )
    return table


def _notifications(data: dict[str, Any]) -> Table:
    """What the library's dispatcher delivered, by trigger, with the channels and what was left."""
    from govbiz.notify.routing import Trigger

    run = data["run"]
    counts = run["notifications"]
    delivery = run.get("delivery", {})
    table = Table(title="通知 Notifications delivered", title_justify="left")
    table.add_column("")
    table.add_column("", justify="right")
    known = [t.value for t in Trigger if t.value in counts]
    for kind in [*known, *sorted(set(counts) - set(known))]:
        label = Trigger(kind).label_zh if kind in known else ""
        table.add_row(f"{label} {kind}".strip(), str(counts[kind]))
    channels = ", ".join(f"{name} {n}" for name, n in delivery.get("channels", {}).items()) or "none"
    table.add_row(f"通知 notifications (by channel: {channels})", str(sum(counts.values())))
    for key, label in (("superseded", "已失效未发送 superseded"), ("undelivered", "未投递 undelivered")):
        if delivery.get(key):
            table.add_row(label, str(delivery[key]))
    return table


def _practice(practice: dict[str, Any]) -> Table:
    """The county's practice (办理规则): returns, co-handlers, ratings, appeals, the ladder."""
    returns, co, check = practice["returns"], practice["co_handling"], practice["verification"]
    appeals, ladder = practice["appeals"], practice["escalation"]
    table = Table(title="办理规则 Practice (12345 / 督查)", title_justify="left")
    table.add_column("")
    table.add_column("", justify="right")
    def split(counts: dict[str, int], total: str, first: str, second: str) -> str:
        return f"{counts[total]} ({counts[first]} / {counts[second]})"

    rows = [
        ("退单 returns (accepted / refused)", split(returns, "requested", "accepted", "refused")),
        ("协办意见 co-handlers' replies (late)", f"{co['replies']} ({co['late']})"),
        ("协办催办 problems whose co-handlers were reminded", str(co["reminded_problems"])),
        ("回访 visits by level", "、".join(f"{k} {v}" for k, v in practice["visits"].items()) or "—"),
        ("差评核实 verified (redo / explained)", split(check, "opened", "redo", "explained")),
        ("申诉复核 appeals (granted / refused)", split(appeals, "requested", "granted", "refused")),
        ("催办通知书 reminder letters", str(ladder["reminder_letters"])),
    ]  # fmt: skip
    for label, value in rows:
        table.add_row(label, value)
    for row in ladder["criticisms"]:
        table.add_row(f"拟通报批评 {row['circular']} {row['department']}", row["problem_id"])
    return table


def _scores(month: dict[str, Any]) -> Table:
    """A month's scores (考核) and its 红黑榜 (departments with too few problems are not ranked)."""
    red, black = set(month["red_list"]), set(month["black_list"])
    table = Table(title=f"考核 Scores {month['month']}", title_justify="left")
    for column in ("名次 rank", "部门 department", "得分 score", "榜 board"):
        table.add_column(column, justify="right" if column.startswith(("名", "得")) else "left")
    names = month.get("names", {})
    for rank, (department, score) in enumerate(month["ranked"], start=1):
        board = "红榜 red" if department in red else "黑榜 black" if department in black else ""
        table.add_row(str(rank), names.get(department, department), f"{score:.1f}", board)
    if month["unranked"]:
        unranked = "、".join(names.get(d, d) for d in month["unranked"])
        table.add_row("—", unranked, "", "不排名 unranked (too few problems)")
    return table


def _case(case: dict[str, Any]) -> Table:
    table = Table(title=f"案例 Case: {case['key']}", title_justify="left")
    for column in ("问题 problem", "时间 at", "事件 event", "状态 state", "内容 text"):
        table.add_column(column, overflow="fold")
    for problem in case["problems"]:
        for i, event in enumerate(problem["events"]):
            label = f"{problem['id']}\n{problem['title']}" if i == 0 else ""
            table.add_row(
                label, event["at"].replace("T", " ")[:16], event["kind"], event["state"] or "", event["text"]
            )
    return table


def _divisions(data: dict[str, Any]) -> Table:
    table = Table(title="各市（含所辖区县）By city, counties rolled up", title_justify="left")
    for column in ("市 city", "区县 counties", "交办", "解决", "办结", "办结率"):
        table.add_column(column, justify="left" if column.startswith("市") else "right")
    for row in data["divisions"]:
        rate = row["completion_rate"]
        table.add_row(
            f"{row['name']} {row['code']}", str(row["counties"]), str(row["assigned"]), str(row["solved"]),
            str(row["completed"]), f"{rate['value']} ({rate['fraction']})",
        )  # fmt: skip
    return table


def _targets(data: dict[str, Any]) -> Group:
    applies = all(t["applies"] for t in data["targets"])
    table = Table(title="与原文核对 Article figures", title_justify="left")
    for column in ("figure", "原文 article", "仿真 simulated", ""):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for t in data["targets"]:
        mark = ("✓" if t["ok"] else "✗") if applies else "·"
        table.add_row(t["figure"], str(t["expected"]), str(t["actual"]), mark)
    note = (
        "" if applies else "The article's figures apply at the scenario's date; this run has another as-of."
    )
    return Group(table, Text(note, style="dim"))
