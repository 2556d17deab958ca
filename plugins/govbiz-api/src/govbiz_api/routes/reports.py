"""`GET /v1/report`: the metrics report (统计报表) as JSON or as a file of an installed format.

`format` is a format the installed plugins register (`json`, `csv`,
`html`, `markdown` or `md`, `xlsx` with govbiz-xlsx); the report covers
what the caller may see, as `govbiz report` does for a viewer.
"""

from __future__ import annotations

import mimetypes
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from govbiz.errors import ValidationError
from govbiz_api.app import caller, services
from govbiz_api.routes.problems import aware
from govbiz_api.tokens import ApiToken

__all__ = ["MEDIA_TYPES", "router"]

router = APIRouter(tags=["reports"])

#: The media type of each report suffix (others: from `mimetypes`, else octet-stream).
MEDIA_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_ALIASES = {"md": "markdown"}


@router.get(
    "/report",
    operation_id="getReport",
    response_class=Response,
    responses={200: {"description": "The report in the format asked for"}},
)
def get_report(
    *,
    request: Request,
    token: Annotated[ApiToken, Depends(caller)],
    format: Annotated[str, Query(description="json, csv, html, md, xlsx (installed formats)")] = "json",
    county: Annotated[str | None, Query(description="Default: the caller's division")] = None,
    as_of: Annotated[datetime | None, Query(description="Default: now")] = None,
    group_by: Annotated[str, Query(description="Breakdowns, comma-separated")] = "department,category,month",
    metric: Annotated[list[str] | None, Query(description="Metrics (repeat); default: standard")] = None,
) -> Response:
    """The completion report: totals, breakdowns, overdue trend, every rate with its definition."""
    from govbiz.plugins import report_formats
    from govbiz.reports.report import REPORT_METRICS, build_metrics_report

    formats = report_formats()
    name = _ALIASES.get(format, format)
    if name not in formats:
        raise ValidationError("format", format, f"installed formats: {', '.join(sorted(formats))}")
    fmt = formats[name]
    ledger = services(request).ledger
    when = aware(as_of) or ledger.clock.now()
    report = build_metrics_report(
        ledger, token.actor, as_of=when, county=county or token.actor.county,
        groupings=[g.strip() for g in group_by.split(",") if g.strip()],
        metrics=metric or REPORT_METRICS,
    )  # fmt: skip
    media = MEDIA_TYPES.get(fmt.suffix) or mimetypes.guess_type(f"x{fmt.suffix}")[0]
    media = media or "application/octet-stream"
    headers = {}
    if fmt.suffix != ".json":
        filename = f"report-{when.date().isoformat()}{fmt.suffix}"
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(fmt.render(report), media_type=media, headers=headers)
