"""Formula injection neutralised in every spreadsheet cell; SVG charts escape their labels."""

from __future__ import annotations

import re

import pytest

from govbiz.reports import neutralise, restore
from govbiz.reports.charts import Bar, Point, Series, StackedBar, bar_chart, line_chart, stacked_bar_chart

ATTACKS = ['=HYPERLINK("x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("value", ATTACKS)
def test_formula_like_text_gets_an_apostrophe_and_comes_back(value: str) -> None:
    safe = neutralise(value)
    assert safe == "'" + value
    assert restore(safe) == value


@pytest.mark.parametrize("value", ["张家界市自规局", "64.3%", "'quoted", "a=b", ""])
def test_ordinary_text_is_left_alone(value: str) -> None:
    assert neutralise(value) == value
    assert restore(value) == value


def test_bar_chart_labels_and_values_are_text_and_escaped() -> None:
    svg = bar_chart(
        "办结率", [Bar("市自规局", 64.3, "64.3%（9/14）"), Bar("<b>&", 100, "100.0%")], max_value=100
    )
    assert "市自规局" in svg and "64.3%（9/14）" in svg
    assert "&lt;b&gt;&amp;" in svg and "<b>" not in svg
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)" height="16" fill="#2e7d32"', svg)]
    assert widths[1] == pytest.approx(widths[0] * 100 / 64.3, rel=1e-3)  # bars scale to the value
    assert "http" not in svg  # no xmlns: inline SVG needs none, and the report has no URL


def test_stacked_and_line_charts_print_every_value() -> None:
    series = (Series("已办结", "#2e7d32"), Series("在办", "#1565c0"))
    svg = stacked_bar_chart("类别", series, [StackedBar("土地规划", (9, 5), "交办14件 办结率64.3%")])
    assert "已办结" in svg and ">9<" in svg and ">5<" in svg and "交办14件" in svg
    line = line_chart("超期", [Point("2025-09", 6), Point("2025-10", 9)])
    assert line.count("<circle") == 2 and ">6<" in line and ">9<" in line and "2025-10" in line
