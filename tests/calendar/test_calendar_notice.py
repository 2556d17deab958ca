"""Parsing and validating notice data: errors name the field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from govbiz.calendar import HolidayNotice, HolidayRange, national_notices, parse_notices
from govbiz.errors import ValidationError


def _notice(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "year": 2027,
        "number": "国办发明电〔2026〕99号",
        "title": "国务院办公厅关于2027年部分节假日安排的通知",
        "published": "2026-11-01",
        "holidays": [{"name": "元旦", "first": "2027-01-01", "last": "2027-01-03",
                      "working": ["2027-01-09"]}],
    }
    data.update(changes)
    return data


def test_plain_dict_with_iso_strings() -> None:
    notice = HolidayNotice.from_dict(_notice())
    assert notice.published == date(2026, 11, 1)
    assert notice.issuer == "国务院办公厅"
    assert notice.holidays == (
        HolidayRange("元旦", date(2027, 1, 1), date(2027, 1, 3), (date(2027, 1, 9),)),
    )
    assert list(notice.holidays[0].rest_days()) == [date(2027, 1, d) for d in (1, 2, 3)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"year": "2027"}, "notice.year"),
        ({"number": ""}, "notice.number"),
        ({"published": "1 Nov"}, "notice.published"),
        ({"holidays": []}, "notice.holidays"),
        ({"holidays": [{"name": "元旦", "first": "2027-01-03", "last": "2027-01-01"}]},
         "notice.holidays[0].last"),
        ({"holidays": [{"name": "元旦", "first": "2025-01-01", "last": "2025-01-01"}]},
         "notice.holidays[0].first"),
        ({"holidays": [{"name": "元旦", "first": "2027-01-01", "last": "2027-01-01",
                        "working": ["2027-01-04"]}]}, "notice.holidays[0].working[0]"),
        ({"holidays": [{"name": "元旦", "first": "2027-01-01", "last": "2027-01-03",
                        "working": ["2027-01-02"]}]}, "notice.holidays[0].working[0]"),
        ({"holidays": [{"name": "", "first": "2027-01-01", "last": "2027-01-01"}]},
         "notice.holidays[0].name"),
        ({"holidays": [{"name": "a", "first": "2027-01-01", "last": "2027-01-02"},
                       {"name": "b", "first": "2027-01-02", "last": "2027-01-02"}]},
         "notice.holidays"),
    ],
)
def test_bad_data_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        HolidayNotice.from_dict(_notice(**changes))
    assert caught.value.field == field


def test_a_file_of_several_notices_and_a_bare_one() -> None:
    assert len(parse_notices({"notice": [_notice(), _notice()]})) == 2
    assert parse_notices(_notice())[0].year == 2027
    with pytest.raises(ValidationError) as caught:
        parse_notices({"notice": []})
    assert caught.value.field == "notice"


def test_shipped_notices_cover_2004_to_2026_with_amendments() -> None:
    notices = national_notices()
    assert sorted({n.year for n in notices}) == list(range(2004, 2027))
    amended = sorted(n.year for n in notices if sum(m.year == n.year for m in notices) > 1)
    assert sorted(set(amended)) == [2015, 2019, 2020]
    assert notices is national_notices()
