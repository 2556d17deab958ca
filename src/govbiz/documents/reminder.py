"""The reminder letter (催办通知书), or supervision letter (督办函) when seriously overdue.

A department whose clock has run out gets a reminder the working day after
(催办通知书), which names the day from which it will be proposed for a
critical circular; one whose clock has reached the escalation ladder's
criticism rung (拟通报批评, `govbiz.deadlines.EscalationPolicy`) gets the
firmer supervision letter (督办函).  A clock the county's ladder leaves out
is judged by its warning level (seriously overdue: 督办函).  The overdue items are the
circular draft's (`govbiz.supervision.generate_circular`), so a letter and
the circular of the same instant name the same clocks.
"""

from __future__ import annotations

from collections.abc import Iterable

from govbiz.deadlines import Rung, WarningLevel
from govbiz.documents.circular import chinese_instant, overdue_table
from govbiz.documents.model import OfficialDocument, Paragraph, chinese_date
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


def _firm(item: OverdueItem) -> bool:
    """True when the item calls for the firmer 督办函: the ladder's criticism rung, or (for a clock that
    does not escalate) seriously overdue.  Otherwise the letter is the ladder's 催办通知书."""
    if item.rung is not None:
        return item.rung is Rung.CRITICISM
    return item.level is WarningLevel.SERIOUSLY_OVERDUE


def _letter(
    draft: CircularDraft,
    department: str,
    items: tuple[OverdueItem, ...],
    settings: DocumentSettings,
    *,
    offset: int,
    reply_days: int,
) -> OfficialDocument:
    serious = any(_firm(i) for i in items)
    name = draft.name(department)
    kind = "督办函" if serious else "催办通知书"
    if serious:
        warning = "逾期仍未报送的，将在督查通报中予以书面通报批评，并纳入年度考核。"
    else:
        days = sorted({i.criticism_day for i in items if i.criticism_day is not None})
        warning = (
            f"至{chinese_date(days[0])}仍未报送的，将在督查通报中提请书面通报批评。"
            if days
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
