"""The JSON format: every figure, definition and problem id, for machines."""

from __future__ import annotations

import json

from govbiz.ports.report_format import Report

__all__ = ["JsonFormat"]


class JsonFormat:
    """JSON, UTF-8 with Chinese kept readable (`.json`); renders any `Report`."""

    name = "json"
    suffix = ".json"

    def render(self, report: Report) -> bytes:
        """`report.to_dict()` as indented JSON."""
        return (json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
