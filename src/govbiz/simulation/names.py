"""Realistic, deterministic enterprise names and credit codes (企业名称与统一社会信用代码).

Names follow the usual pattern 行政区划 + 字号 + 行业 + 组织形式
(张家界鑫源建材有限公司); codes follow GB 32100-2015 with a GB 11714
organisation code inside, so both check characters are right.  Everything
comes from the `random.Random` passed in: the same seed gives the same names.
The names are invented; any likeness to a real enterprise is chance.
"""

from __future__ import annotations

import random

import attrs

from govbiz.domain.credit_code import ALPHABET, check_character

__all__ = ["GeneratedEnterprise", "NameGenerator", "credit_code", "organisation_check"]

#: 字号: two-character trade names common in Hunan.
TRADE_NAMES = (
    "鑫源", "华盛", "恒达", "武陵", "澧水", "天门", "绿源", "金鹰", "宏远", "瑞丰", "永泰", "佳美",
    "湘旅", "峰林", "溪布", "云顶", "山水", "和盛", "兴业", "万通", "长青", "荣华", "顺达", "博远",
    "嘉禾", "盛世", "锦绣", "春晖", "德隆", "凯旋", "银河", "康源", "丰泽", "汇丰", "百川", "众鑫",
    "新湘", "楚韵", "大庸", "茅岩", "索溪", "天子", "黄龙", "宝峰", "翠谷", "土家", "湘西", "雾渡",
)  # fmt: skip

#: 行业: what the enterprise does, as it appears in the name.
INDUSTRIES = (
    "旅游开发", "生物科技", "农业开发", "建材", "食品", "茶业", "文化传媒", "酒店管理", "房地产开发",
    "物流", "电子商务", "装饰工程", "广告传媒", "新能源", "医药", "莓茶", "酒业", "农副产品",
    "建筑工程", "机械制造", "环保科技", "信息技术", "商贸", "民宿管理",
)  # fmt: skip

#: 组织形式.
FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾向田覃"
GIVEN = "建国华军明伟芳娜敏静丽强磊洋勇艳杰涛超平刚桂英志红霞文斌鹏辉波宇晨浩婷"
POSITIONS = ("董事长", "总经理", "副总经理", "财务总监", "办公室主任")

#: GB 11714 organisation-code weights and characters (digits and capital letters).
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def organisation_check(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(ch, 36) * weight for ch, weight in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code(division: str, rng: random.Random) -> str:
    """A valid unified social credit code for an enterprise registered in `division`.

    `91` (工商, 企业) + the division code + a GB 11714 organisation code of the
    post-2015 `MA` form (with its own check) + the GB 32100 check character.
    """
    body = "MA" + rng.choice("4") + "".join(rng.choice(_ORG_BODY_CHARS) for _ in range(5))
    check = organisation_check(body)
    if check not in ALPHABET:  # never happens for 0-9 and X, but the alphabet is the law
        check = "0"
    head = f"91{division}{body}{check}"
    return head + check_character(head)


@attrs.frozen(slots=True)
class GeneratedEnterprise:
    """An invented enterprise: name, industry, credit code and one contact."""

    name: str
    industry: str
    credit_code: str
    contact: str
    contact_position: str
    phone: str


class NameGenerator:
    """Invents distinct enterprises for one division, deterministically from `rng`."""

    def __init__(self, division: str, place: str, rng: random.Random) -> None:
        self._division = division
        self._place = place
        self._rng = rng
        self._names: set[str] = set()
        self._codes: set[str] = set()

    def reserve(self, name: str, code: str) -> None:
        """Keep a name and code already in use (a named enterprise) from being generated."""
        self._names.add(name)
        self._codes.add(code)

    def enterprise(self) -> GeneratedEnterprise:
        """A new enterprise whose name and code differ from every earlier one."""
        rng = self._rng
        while True:
            industry = rng.choice(INDUSTRIES)
            name = f"{self._place}{rng.choice(TRADE_NAMES)}{industry}{rng.choice(FORMS)}"
            if name not in self._names:
                break
        code = credit_code(self._division, rng)
        while code in self._codes:
            code = credit_code(self._division, rng)
        self._names.add(name)
        self._codes.add(code)
        return GeneratedEnterprise(
            name=name,
            industry=industry,
            credit_code=code,
            contact=person_name(rng),
            contact_position=rng.choice(POSITIONS),
            phone="13" + "".join(rng.choice("0123456789") for _ in range(9)),
        )


def person_name(rng: random.Random) -> str:
    """An invented two- or three-character Chinese personal name."""
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return rng.choice(SURNAMES) + given


def place_name(division_name: str) -> str:
    """The place prefix of enterprise names: 张家界市 -> 张家界, 慈利县 -> 慈利县."""
    return division_name.removesuffix("市") if division_name.endswith("市") else division_name
