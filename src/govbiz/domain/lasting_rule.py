"""Lasting rules (长效机制) born from recurring problems (共性问题)."""

from __future__ import annotations

from datetime import date

import attrs

from govbiz.domain.text import division_code, optional_text, required_text

__all__ = ["LastingRule"]


@attrs.frozen(slots=True)
class LastingRule:
    """A policy document that settles a kind of problem for many enterprises.

    For example 市委宣传部《关于加强户外公益广告内容管理和发布工作的意见》 or
    市住建局《室内装饰装修管理办法》 from the article.  Problems link to it with
    the `link_lasting_rule` action.
    """

    id: str
    county: str = attrs.field(validator=division_code)
    title: str = attrs.field(validator=required_text(300))
    issued_by: str
    issued_on: date
    document_number: str = attrs.field(default="", validator=optional_text())
    summary: str = attrs.field(default="", validator=optional_text())
