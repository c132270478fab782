"""Value parsers: money, percentages, scores, dates, date ranges and fiscal years.

Policy for a bad value: every parser raises `ValueError` with a short reason; the caller
stores NULL and a finding (see `normalize.reading.ReadContext.parse`). Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, DecimalException, InvalidOperation

import regex

from jixiao.base.labels import nfkc, simplified

from .text import clean_text

UNIT_FACTORS = {"亿元": Decimal(100000000), "万元": Decimal(10000), "万": Decimal(10000), "千元": Decimal(1000), "元": Decimal(1)}
CENT = Decimal("0.01")
MAX_DIGITS = 40  # far past any figure a column holds (money below 10^16); more is a slip or garbage, never read

_NUMBER = regex.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_CN_DIGITS = {
    "〇": "0",
    "○": "0",
    "零": "0",
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
    "Ｏ": "0",
    "О": "0",
}


_SPACE = regex.compile(r"\s+")


def _compact(text: str) -> str:
    """NFKC and no whitespace: 「1 270 000」 and 「93.65\\n%」 are one token."""
    return _SPACE.sub("", nfkc(text))


def parse_decimal(text: str) -> Decimal:
    """Given '1,270,000.00' or '97' (thousands separators allowed), return the Decimal."""
    s = _compact(text).replace("，", ",")
    if not _NUMBER.match(s):
        raise ValueError("not a number")
    digits = sum(ch.isdigit() for ch in s)
    if digits > MAX_DIGITS:
        raise ValueError(f"{digits} digits, far more than any real figure")
    try:
        return Decimal(s.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - guarded by the pattern
        raise ValueError(f"not a number: {text!r}") from exc


def _cents(value: Decimal) -> Decimal:
    """value rounded to cents; a figure of 27 digits or more has no cents in Decimal's 28 digits and is no real figure."""
    try:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    except DecimalException as exc:
        raise ValueError("far more digits than any real figure") from exc


def parse_money(text: str | None, unit: str | None = None) -> Decimal | None:
    """Given a money cell and the unit its column or caption states, return yuan (2 decimals).

    A unit written in the cell (127万元) wins over the column's; no unit at all means 元.
    Empty cells and markers (—, /, 无) give None.
    """
    s = clean_text(text)
    if s is None:
        return None
    s = _compact(simplified(s))  # 「10萬」 is 10万
    m = regex.match(r"^(.*?)(亿元|万元|千元|元|万)$", s)
    if m:
        s, unit = m.group(1), m.group(2)
    value = parse_decimal(s)
    factor = UNIT_FACTORS.get(unit or "元")
    if factor is None:
        raise ValueError(f"unknown money unit {unit!r}")
    return _cents(value * factor)


def parse_percent(text: str | None, fraction_ok: bool = False) -> Decimal | None:
    """Given '74.36%' (or '74.36' in a % column), return percent; '0.7436' only when fraction_ok.

    fraction_ok is for columns born in spreadsheets, where 0.9365 formatted as 93.65 % is stored.
    Elsewhere a bare 0.9365 may be a fraction or a percent: it raises rather than guess.
    Rates above 100 % are real (more spent than budgeted) and kept.
    """
    s = clean_text(text)
    if s is None:
        return None
    s = _compact(s)
    had_sign = s.endswith("%")
    s = s.rstrip("%")
    value = parse_decimal(s)
    if not had_sign and Decimal(0) < value < Decimal(1) and "." in s:
        if not fraction_ok:
            raise ValueError(f"{text!r} may be a fraction or a percent")
        value *= 100
    elif not had_sign and fraction_ok and value == Decimal(1) and "." in s:
        value *= 100
    return _cents(value)


def is_fraction(text: str | None) -> bool:
    """Whether a rate is written as a bare number from 0 to 1 without % (0.958, 1.00), which may be a fraction
    or a percent."""
    s = clean_text(text)
    if s is None:
        return False
    s = _compact(s)
    try:
        value = parse_decimal(s)
    except ValueError:
        return False
    return Decimal(0) < value <= Decimal(1)


def settle_fraction(text: str, part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """A rate written as a bare number from 0 to 1 (0.958, 1.00) read by the figures beside it: the percent when
    part ÷ whole (全年执行数 ÷ 全年预算数, B/A) agrees with it as a fraction to the digits written (95.80), the number
    itself when B/A agrees with it as a percent, else None (unsettled)."""
    if part is None or not whole or not is_fraction(text):
        return None
    value = parse_decimal(_compact(clean_text(text) or ""))
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a fraction (is_fraction) is finite: no 'n' or 'F' here
    tolerance = Decimal(5) / Decimal(10) ** (max(2, -exponent) + 1)
    ratio = part / whole
    if abs(ratio - value) <= tolerance:
        return (value * 100).quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(ratio * 100 - value) <= tolerance:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    return None


def parse_score(text: str | None) -> Decimal | None:
    """Given a score or weight cell ('4.00', '47', '10分'), return the Decimal."""
    s = clean_text(text)
    if s is None:
        return None
    s = _compact(s).removesuffix("分").rstrip("%")
    return parse_decimal(s)


def _cn_to_digits(text: str) -> str:
    """Turn 二〇二一年十二月三十一日 into 2021年12月31日."""

    def number(m: regex.Match) -> str:
        s = m.group(0)
        if "十" not in s:
            return "".join(_CN_DIGITS.get(ch, ch) for ch in s)
        tens, _, ones = s.partition("十")
        return str((int(_CN_DIGITS.get(tens, "1")) if tens else 1) * 10 + (int(_CN_DIGITS[ones]) if ones else 0))

    return regex.sub(r"[〇○零一二三四五六七八九十]+", number, text)


_DATE = regex.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:年|[-./])\s*(?P<m>\d{1,2})\s*(?:月|[-./])\s*(?P<d>\d{1,2})\s*日?"
    r"|(?P<y2>(?:19|20)\d{2})(?P<m2>[01]\d)(?P<d2>[0-3]\d)"
)


def _date_from(m: regex.Match) -> dt.date:
    y, mo, d = (m.group("y"), m.group("m"), m.group("d")) if m.group("y") else (m.group("y2"), m.group("m2"), m.group("d2"))
    try:
        return dt.date(int(y), int(mo), int(d))
    except ValueError as exc:
        raise ValueError(f"no such date: {m.group(0)!r}") from exc


def parse_date(text: str | None) -> dt.date | None:
    """Given 2021年1月7日, 2021-01-07, 2021/1/7, 2021.1.7, 20210107 or 二〇二一年一月七日, return the date."""
    s = clean_text(text)
    if s is None:
        return None
    s = _cn_to_digits(_compact(s))
    m = _DATE.fullmatch(s) or _DATE.match(s)
    if not m:
        raise ValueError(f"not a date: {text!r}")
    return _date_from(m)


def parse_date_range(text: str | None) -> tuple[dt.date | None, dt.date | None]:
    """Given '2021年1月1日到2021年12月31日' (至, -, ~, —), return (start, end)."""
    s = clean_text(text)
    if s is None:
        return None, None
    s = _cn_to_digits(_compact(s))
    found = list(_DATE.finditer(s))
    if len(found) == 2:
        return _date_from(found[0]), _date_from(found[1])
    # 2021年1月1日-12月31日: the end omits the year
    m = regex.fullmatch(r"(?P<start>.+?日)(?:到|至|-|—|~|～)+(?P<m>\d{1,2})月(?P<d>\d{1,2})日?", s)
    if m and len(found) == 1:
        start = _date_from(found[0])
        try:
            return start, dt.date(start.year, int(m.group("m")), int(m.group("d")))
        except ValueError:
            pass
    raise ValueError(f"not a date range: {text!r}")


_YEAR = regex.compile(r"(?<!\d)((?:19|20)\s*\d\s*\d)\s*年(?P<tail>度?)(?!\s*\d{1,2}\s*月)")
_CN_YEAR = regex.compile(r"([〇○零一二三四五六七八九]{4})\s*年(?P<tail>度?)")


def find_fiscal_year(text: str) -> int | None:
    """Given a title or caption, return the year it names: 「雨花区20 21 年度」, 「（2021年度）」, 「二〇二一年度」,
    「2019年度)」; a date (2022年8月10日) names no fiscal year, and 「年度」 wins over a bare 「年」."""
    s = nfkc(text)
    found = [(bool(m.group("tail")), int(regex.sub(r"\s+", "", m.group(1)))) for m in _YEAR.finditer(s)]
    found += [(bool(m.group("tail")), int(_cn_to_digits(m.group(1)))) for m in _CN_YEAR.finditer(s)]
    if not found:
        return None
    with_tail = [year for tail, year in found if tail]
    return with_tail[0] if with_tail else found[0][1]


_ADMIN = r"(?:自治区|自治州|自治县|自治旗|地区|省|市|区|县|旗|州|盟)"
# A place ends in its level, and the level is not the first character of a longer word (区域, 县域, 市场, 区划)
_PLACE = regex.compile(rf"([\p{{Han}}]{{2,12}}?{_ADMIN})(?![域场划])")
# Words that end like a place but are not an administrative area (社区, 园区 …; 城区 and 林区 are
# places in 平城区, 神农架林区, but not in 主城区, 国有林区), and prefixes meaning 「the district's」
# (区城市管理局) or 「all of」.
_NOT_PLACES = (
    "社区",
    "园区",
    "景区",
    "小区",
    "片区",
    "街区",
    "辖区",
    "市区",
    "山区",
    "矿区",
    "校区",
    "厂区",
    "牧区",
    "农区",
    "灾区",
    "库区",
    "老区",
    "开发区",
    "保护区",
    "示范区",
    "试验区",
    "实验区",
    "功能区",
    "服务区",
    "风景区",
    "管理区",
    "工业区",
    "主城区",
    "老城区",
    "中心城区",
    "国有林区",
    "天然林区",
    "重点林区",
    "集体林区",
    "经济特区",
    "超市",
    "集市",
    "红旗",
    "国旗",
    "党旗",
    "锦旗",
    "联盟",
    "同盟",
    "节省",
)
_LEADING_LEVEL = ("省", "市", "区", "县", "州", "镇", "乡", "本", "全", "各", "该")
# Words of a unit's name that no place holds before its level (教育局县 is no place); 中, 心 and 城 alone
# are in many places (中牟县, 阆中市, 城中区), only 「中心」 is not
_ORGANISATION = regex.compile(r"[局厅委办院校站所队司处室馆]|中心|部门|公司|银行|集团|协会|学会|中国|中共")


def _leading_place(s: str) -> str | None:
    """The administrative area a text opens with (雨花区, 天长市; the last of a chain: 四川省汶川县 → 汶川县),
    as written, or None."""
    plain = simplified(s)
    end = 0
    while True:
        m = _PLACE.match(plain, end)
        if not m or not _is_place(m.group(1)):
            break
        end = m.end()
        start = m.start()
    return s[start:end] if end and len(plain) == len(s) else None


def _is_place(place: str) -> bool:
    if place[0] in _LEADING_LEVEL or place.endswith(_NOT_PLACES):
        return False
    if regex.search(r"[〇○零一二三四五六七八九十]{2}|年|度", place):
        return False  # 二〇二二年度城市: a year runs into the next words
    return not _ORGANISATION.search(place[:-1])


_TITLE_WORDS = regex.compile(r"绩效|自评|评价|财政|预算|年度|支出")
_LEAD = regex.compile(r"^\s*(?:附件\s*\d*\s*[:：]?\s*)?(?:关于\s*)?(?:(?:19|20)\d{2}\s*年度?\s*)?")
_SENTENCE_MARK = regex.compile(r"[，。；！？,;]")


def leading_place(text: str) -> str | None:
    """The administrative area a text opens with (城中区教育局 → 城中区), or None."""
    return _leading_place(nfkc(text).strip())


def find_region(text: str) -> str | None:
    """Given a title or issuer line, return the administrative area it opens with (雨花区)."""
    s = nfkc(text).strip()
    plain = simplified(s)
    if not _TITLE_WORDS.search(plain) or _SENTENCE_MARK.search(s):
        return None  # a sentence (「根据市财政局…，」) names no region by what it opens with
    lead = _LEAD.match(plain if len(plain) == len(s) else s).end()
    return _leading_place(s[lead:])


# A code before a unit's name: 「219001-」, 「[155]」, 「【155】」
_CODE_PREFIX = regex.compile(r"^\s*(?:[\[【(（]\s*[0-9A-Za-z]{1,12}\s*[\]】)）]|(?=[0-9A-Za-z]*\d)[0-9A-Za-z]{2,}\s*[-—－_])\s*")


_PARTY_PREFIX = regex.compile(r"^(?:中共|中国共产党|共青团)")  # 中共雨花区委宣传部: the place after it


def region_of_unit(name: str | None) -> str | None:
    """Given a unit's name, return the place that leads it (天长市水利局 → 天长市), or None."""
    if not name:
        return None
    s = _PARTY_PREFIX.sub("", _CODE_PREFIX.sub("", nfkc(name).strip()))
    place = _leading_place(s)
    if place is None or len(s) <= len(place):
        return None
    return place
