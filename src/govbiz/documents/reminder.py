"""The reminder letter (催办通知书), or supervision letter (督办函) when seriously overdue.

A department whose clock has run out gets a reminder the day after
(催办通知书); one whose clock is seriously overdue (by the county's
`DeadlinePolicy` threshold) gets the firmer supervision letter (督办函),
which warns of a critical circular (通报批评).  The overdue items are the
circular draft's (`govbiz.supervision.generate_circular`), so a letter and
the circular of the same instant name the same clocks.
"""

from __future__ import annotations

from collections.abc import Iterable

from govbiz.deadlines import WarningLevel
from govbiz.documents.circular import chinese_instant, overdue_table
from govbiz.documents.model import OfficialDocument, Paragraph
from govbiz.documents.settings import DocumentSettings
from govbiz.errors import ValidationError
from govbiz.supervision.draft import CircularDraft, OverdueItem

__all__ = ["reminder_letters"]


def reminder_letters(
    draft: CircularDraft,
    settings: DocumentSettings,
    *,
    departments: Iterable[str] = (),
    problems: Iterable[str] = (),
    reply_days: int = 3,
) -> tuple[OfficialDocument, ...]:
    """A letter per department with an overdue clock at the draft's instant (narrowed to those given).

    A department or problem given with nothing overdue is a `ValidationError`
    naming it: a reminder for a clock that is not late must not go out.
    """
    wanted_departments, wanted_problems = frozenset(departments), frozenset(problems)
    items = [
        i
        for i in draft.overdue
        if (not wanted_departments or i.department in wanted_departments)
        and (not wanted_problems or i.problem_id in wanted_problems)
    ]
    late_problems = {i.problem_id for i in items}
    for problem in sorted(wanted_problems - late_problems):
        raise ValidationError("problem", problem, f"has no overdue clock as of {draft.as_of.isoformat()}")
    for department in sorted(wanted_departments - {i.department for i in items}):
        raise ValidationError(
            "department", department, f"has no overdue clock as of {draft.as_of.isoformat()}"
        )
    by_department: dict[str, list[OverdueItem]] = {}
    for item in items:
        by_department.setdefault(item.department, []).append(item)
    return tuple(
        _letter(draft, department, tuple(found), settings, offset=n, reply_days=reply_days)
        for n, (department, found) in enumerate(sorted(by_department.items()))
    )


def _letter(
    draft: CircularDraft,
    department: str,
    items: tuple[OverdueItem, ...],
    settings: DocumentSettings,
    *,
    offset: int,
    reply_days: int,
) -> OfficialDocument:
    serious = any(i.level is WarningLevel.SERIOUSLY_OVERDUE for i in items)
    name = draft.name(department)
    kind = "督办函" if serious else "催办通知书"
    warning = (
        "逾期仍未报送的，将在督查通报中予以通报批评，并纳入年度考核。"
        if serious
        else "逾期未报的，将按程序督办并在督查通报中通报。"
    )
    body = (
        Paragraph(
            f"经督查，截至{chinese_instant(draft.as_of)}，政企面对面交由你单位主办的以下{len(items)}项事项"
            "已超过期限未报送：",
        ),
        overdue_table(draft, items),
        Paragraph(
            f"请你单位高度重视，于收到本{'函' if serious else '通知'}后{reply_days}个工作日内报送办理情况；"
            f"确有困难的，书面说明原因及拟办结时间。{warning}"
        ),
    )
    return OfficialDocument(
        kind="reminder",
        issuer=settings.issuer,
        mark=settings.mark,
        number=settings.number_text("reminder", offset),
        title=f"关于{name}交办问题超期未报的{kind}",
        addressees=settings.addressees or (name,),
        body=body,
        issued_on=settings.issued_on,
        copies_to=settings.copies_to,
        printed_by=settings.printed_by,
    )
