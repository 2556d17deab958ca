"""Completion metrics (办结率 and the like), exact, explainable and reproducible.

Usage::

    from govbiz.metrics import LedgerProblems, GroupContext, compute_metrics, render_markdown

    result = compute_metrics(
        LedgerProblems(ledger, viewer), as_of,
        metrics=["assigned", "completed", "completion_rate"], group_by="department",
        context=GroupContext.from_ledger(ledger, viewer),
    )
    result.figure("completion_rate").text()        # '64.3%'
    result.figure("completion_rate").numerator     # the ids of the completed problems
    print(render_markdown(result))                 # every rate next to its definition

A metric is a `MetricDefinition` (numerator, denominator, exclusions,
rounding, a one-line description in Chinese and English) looked up by name in
a `MetricRegistry`; figures are evaluated as of an instant, each problem in
its state then (events replayed up to it), in one streaming pass.
"""

from govbiz.metrics.asof import LedgerProblems, ProblemSource, ReplayedStreams, StoredProblems, problem_as_of
from govbiz.metrics.compute import MetricRequest, MetricSource, PythonMetricSource, compute_metrics
from govbiz.metrics.definitions import Fact, Measure, MetricDefinition, MetricKind, Rounding
from govbiz.metrics.facts import ProblemFacts, facts_of
from govbiz.metrics.figures import Bucket, Figure, GroupFigures, MetricsResult
from govbiz.metrics.grouping import (
    NONE_KEY,
    GroupContext,
    Grouping,
    group_key,
    parse_cross_grouping,
    parse_grouping,
)
from govbiz.metrics.ranking import Ranking, RankRow, rank
from govbiz.metrics.registry import MetricRegistry, standard_registry
from govbiz.metrics.render import render_markdown, render_ranking_markdown, to_json, to_record
from govbiz.metrics.rollup import roll_up
from govbiz.metrics.standard import COMPLETION_RATE_EXCLUDING_LONG_TERM, STANDARD_METRICS

__all__ = [
    "COMPLETION_RATE_EXCLUDING_LONG_TERM",
    "NONE_KEY",
    "STANDARD_METRICS",
    "Bucket",
    "Fact",
    "Figure",
    "GroupContext",
    "GroupFigures",
    "Grouping",
    "LedgerProblems",
    "Measure",
    "MetricDefinition",
    "MetricKind",
    "MetricRegistry",
    "MetricRequest",
    "MetricSource",
    "MetricsResult",
    "ProblemFacts",
    "ProblemSource",
    "PythonMetricSource",
    "RankRow",
    "Ranking",
    "ReplayedStreams",
    "Rounding",
    "StoredProblems",
    "compute_metrics",
    "facts_of",
    "group_key",
    "parse_cross_grouping",
    "parse_grouping",
    "problem_as_of",
    "rank",
    "render_markdown",
    "render_ranking_markdown",
    "roll_up",
    "standard_registry",
    "to_json",
    "to_record",
]
