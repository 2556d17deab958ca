"""govbiz county profile for 张家界市 (Zhangjiajie) and its counties.

Registered through the `govbiz` entry-point group; answers
`govbiz_county_profile` for 430800 (the city) and its four counties.
Because it answers for the city, its answers for the counties are the base
(the city layer): a county's own plugin (永定区's vendor, say) may refine
parts of it, such as the county's departments or notifications, by
returning `govbiz.profile.ProfileParts` for that county alone.
"""

from __future__ import annotations

from govbiz import hookimpl
from govbiz.domain import Chair, Department
from govbiz.profile import DEFAULT_CATEGORIES, DEFAULT_SOURCES, CountyProfile

__all__ = ["CITY", "COUNTIES", "city_profile", "govbiz_county_profile"]

#: 张家界市
CITY = "430800"
#: The city's districts and counties (区县), by division code.
COUNTIES = {
    "430802": "永定区",
    "430811": "武陵源区",
    "430821": "慈利县",
    "430822": "桑植县",
}

#: The default categories (土地规划, 融资 ...) plus 营商环境, for the special session on it.
CATEGORIES = (*(c for c in DEFAULT_CATEGORIES if c != "其他"), "营商环境", "其他")

#: (code suffix, full name, short name) of the city's departments that take assignments.
_CITY_DEPARTMENTS = (
    ("zgj", "张家界市自然资源和规划局", "市自规局"),
    ("zjj", "张家界市住房和城乡建设局", "市住建局"),
    ("xcb", "中共张家界市委宣传部", "市委宣传部"),
    ("fgw", "张家界市发展和改革委员会", "市发改委"),
    ("gxj", "张家界市工业和信息化局", "市工信局"),
    ("czj", "张家界市财政局", "市财政局"),
    ("rsj", "张家界市人力资源和社会保障局", "市人社局"),
    ("scjg", "张家界市市场监督管理局", "市市场监管局"),
    ("sthj", "张家界市生态环境局", "市生态环境局"),
    ("jtj", "张家界市交通运输局", "市交通运输局"),
    ("wlgt", "张家界市文化旅游广电体育局", "市文旅广体局"),
    ("spj", "张家界市行政审批服务局", "市行政审批局"),
    ("jrb", "张家界市地方金融监督管理局", "市金融办"),
    ("rmyh", "中国人民银行张家界市分行", "人行张家界市分行"),
    ("swj", "国家税务总局张家界市税务局", "市税务局"),
    ("cgj", "张家界市城市管理和综合执法局", "市城管执法局"),
)

#: Leaders who chair reception days or take part, as the article names them.
_CITY_LEADERS = (
    Chair(title="市委书记", name="刘革安"),
    Chair(title="市委副书记、市长", name="王洪斌"),
    Chair(title="市委常委、常务副市长"),
    Chair(title="副市长"),
    Chair(title="市纪委书记、市监委主任", name="王令波"),
    Chair(title="市委常委、市委统战部部长", name="廖国豪"),
)

#: Departments each county has for county-level reception days.
_COUNTY_DEPARTMENTS = (
    ("zrzy", "自然资源局"),
    ("zjj", "住房和城乡建设局"),
    ("fgj", "发展和改革局"),
    ("spj", "行政审批服务局"),
)


def city_profile() -> CountyProfile:
    """The city's profile: its departments, leaders, categories and sources."""
    departments = tuple(
        Department(code=f"{CITY}-{suffix}", name=name, short_name=short, county=CITY)
        for suffix, name, short in _CITY_DEPARTMENTS
    )
    return CountyProfile(
        categories=CATEGORIES,
        sources=DEFAULT_SOURCES,
        name="张家界市",
        departments=departments,
        leaders=_CITY_LEADERS,
    )


def county_profile(code: str) -> CountyProfile:
    """A county's profile: the city's categories and sources, its own departments."""
    county_name = COUNTIES[code]
    departments = tuple(
        Department(code=f"{code}-{suffix}", name=f"{county_name}{name}", short_name=name, county=code)
        for suffix, name in _COUNTY_DEPARTMENTS
    )
    leaders = (Chair(title=f"{county_name}委书记"), Chair(title=f"{county_name}长"))
    return CountyProfile(
        categories=CATEGORIES,
        sources=DEFAULT_SOURCES,
        name=county_name,
        departments=departments,
        leaders=leaders,
    )


@hookimpl
def govbiz_county_profile(county: str) -> CountyProfile | None:
    """The profile of 张家界市 or one of its counties; `None` for anywhere else."""
    if county == CITY:
        return city_profile()
    if county in COUNTIES:
        return county_profile(county)
    return None
