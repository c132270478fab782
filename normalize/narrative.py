"""The narrative report: sections by heading, and figures stated in sentences (facts)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import regex

from jixiao.base.data import read_csv
from jixiao.base.labels import nfkc, simplified
from jixiao.base.model import Fact, Section

from .text import is_page_number
from .values import leading_place as _leading_place
from .values import parse_decimal, parse_money, parse_percent

# A number starts where its digits start, and has at most 24 digits and six groups before its point: a
# pattern tried from inside a run of digits scans it to its end each time (a megabyte of them, hours).
_NUM = r"(?<!\d)\d{1,24}(?:,\d{3}){0,6}(?:\.\d{1,12})?"
_UNIT = r"亿元|万元|千元|元"
_HEADING = regex.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
_SENTENCE = regex.compile(r"[^。！？!?\n]+[。！？!?]?")
# an item's name starts where the previous item ended (\G) or where its run of name characters starts
_ITEM = regex.compile(rf"(?:\G|(?<![\p{{Han}}A-Za-z（）()]))([\p{{Han}}A-Za-z（）()]+?)(?:为|共|计)?({_NUM})({_UNIT})")
_FIGURE = regex.compile(rf"{_NUM}\s*(?:{_UNIT}|[%％])")  # a money amount or a percentage


@dataclass(frozen=True)
class FactPattern:
    key: str
    pattern: regex.Pattern


@lru_cache(maxsize=1)
def fact_patterns() -> tuple[FactPattern, ...]:
    """Read rules/facts.csv into compiled patterns (NUM and UNIT expanded)."""
    rows = read_csv("facts.csv")
    return tuple(
        FactPattern(r["key"], regex.compile(r["pattern"].replace("(?P<unit>UNIT)", _UNIT_OR_STATED).replace("NUM", _NUM).replace("UNIT", _UNIT)))
        for r in rows
    )


# A money figure's unit, or none where the figure ends (a unit stated once for the paragraph: 「全年预算数856.4万元，
# …，全年执行数820.18，」); a number that runs into a word (3个, 12.5%) is no such figure
_UNIT_OR_STATED = r"(?:(?P<unit>UNIT)|(?![\d.%％\p{Han}]|[,，]\d))"
_STATED_UNIT = regex.compile(rf"{_NUM}\s*({_UNIT})")


def _paragraph_unit(text: str, at: int) -> str | None:
    """The money unit the paragraph around position at states before it, when it states one only."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[start : end if end >= 0 else len(text)]
    units = [(m.start() + start, m.group(1)) for m in _STATED_UNIT.finditer(line)]
    if len({u for _, u in units}) != 1 or units[0][0] > at:
        return None
    return units[0][1]


def is_heading(text: str) -> bool:
    """Whether a paragraph is a section heading: 「二、项目资金使用及管理情况」 or a short bare title."""
    s = text.strip()
    if not s or len(s) > 40:
        return False
    if _HEADING.match(s):
        return True
    return len(s) <= 20 and not regex.search(r"[，,；;：:\d]", s) and not s.endswith(("。", "！", "？"))


def sections(paragraphs: list[str]) -> list[Section]:
    """Given narrative paragraphs, return sections; a heading followed at once by another is a title; a page
    number standing alone is left out."""
    out: list[Section] = []
    heading: str | None = None
    body: list[str] = []

    def close() -> None:
        if body:
            out.append(Section(len(out) + 1, heading, "\n".join(body)))

    for text in (p.strip() for p in paragraphs):
        if not text or is_page_number(text):
            continue
        if is_heading(text):
            close()
            heading, body = text, []
        else:
            body.append(text)
    close()
    return out


def _figure(parse, *args) -> Decimal | None:
    """A figure a sentence states, None when it has more digits than any real one (no fact is made of it)."""
    try:
        return parse(*args)
    except ValueError:
        return None


def facts(text: str) -> list[Fact]:
    """Given narrative text, return the figures its sentences state, each (key, value) once."""
    out: list[Fact] = []
    seen: set[tuple[str, Decimal]] = set()

    def add(key: str, value: Decimal | None, unit: str, written: str) -> None:
        if value is not None and (key, value) not in seen:
            seen.add((key, value))
            out.append(Fact(key, value, unit, written))  # type: ignore[arg-type]

    plain_text = nfkc(simplified(text.replace("\r", "")))
    for m in _SENTENCE.finditer(text.replace("\r", "")):
        written = m.group(0).strip()
        sentence = nfkc(simplified(written))  # patterns read the simplified NFKC form; the fact keeps the sentence as written
        listed: list[tuple[int, int]] = []  # expense lists: their items are no budget, spent or balance
        for fp in fact_patterns():
            if fp.key == "pass":
                continue
            for hit in fp.pattern.finditer(sentence):
                if any(a < hit.end() and hit.start() < b for a, b in listed):
                    continue
                if fp.key == "expense_list":
                    listed.append((hit.start(), len(sentence)))
                    for item in _ITEM.finditer(sentence, hit.end()):
                        add(f"expense:{item.group(1).strip('，、,;；')}", _figure(parse_money, item.group(2), item.group(3)), "yuan", written)
                    continue
                num = hit.group("num")
                if fp.key.endswith("rate"):
                    add(fp.key, _figure(parse_percent, num + "%"), "pct", written)
                elif fp.key.startswith("score"):
                    add(fp.key, _figure(parse_decimal, num), "points", written)
                else:
                    unit = hit.group("unit")
                    if unit is None and len(plain_text) == len(text.replace("\r", "")):
                        unit = _paragraph_unit(plain_text, m.start() + m.group(0).index(written) + hit.start())
                    if unit is not None:
                        add(fp.key, _figure(parse_money, num, unit), "yuan", written)
    return out


def figure_sentences(text: str) -> list[tuple[str, bool]]:
    """Given narrative text, return its figure-bearing sentences (a money amount or a percentage) and
    whether each was understood: a fact pattern, or a `pass` pattern of rules/facts.csv, reads it."""
    out = []
    for m in _SENTENCE.finditer(text.replace("\r", "")):
        written = m.group(0).strip()
        sentence = nfkc(simplified(written))
        if not _FIGURE.search(sentence):
            continue
        out.append((written, any(fp.pattern.search(sentence) for fp in fact_patterns())))
    return out


# --- the head of a report without a form: title, project, who runs it ------------------------------

# Lines a web page puts around a report it publishes (breadcrumb, date/source/views line, info box,
# print/close links): no title, no sentence of the report
_PORTAL = regex.compile(
    r"当前位置|首页\s*[>＞»›]|[>＞»›]\s*\S+\s*[>＞»›]|发布(?:日期|时间|机构)\s*[:：]|来源\s*[:：]|浏览(?:次数|量)|"
    r"阅读(?:次数|量)|点击(?:数|量|率)\s*[:：]|字号\s*[:：]|索引号\s*[:：]|【?打印(?:本页)?】?\s*【?关闭|分享到"
)
_TITLE_LIKE = regex.compile(r"绩效|自评|评价")
_TITLE_END = regex.compile(r"(?:报告|表|总结|情况)\s*$")
_TITLE_MAX = 80


def is_portal_line(text: str) -> bool:
    """Whether a line is a web page's chrome around a published report (当前位置：首页 > …, 发布日期：… 来源：… 浏览次数：…)."""
    return bool(_PORTAL.search(nfkc(simplified(text))))


# OCR of a scan may join the title and the first heading into one line: 「…绩效自评报告一、项目概况」
_GLUED_HEADING = regex.compile(r"(?<=报告|表|总结)\s*一\s*[、.．][^，。；]{0,20}$")


def is_numbered(text: str) -> bool:
    """Whether a line opens as a numbered heading does: 「三、…」, 「（二）…」."""
    return bool(_HEADING.match(text) or regex.match(r"\s*[（(][一二三四五六七八九十\d]{1,3}[)）]", text))


def title_part(text: str) -> str:
    """A title line without a first heading run into it."""
    return _GLUED_HEADING.sub("", text.strip())


def title_index(texts: list[str], within: int = 8) -> int | None:
    """The index of a report's title among its first lines: a line naming a performance evaluation (绩效, 自评,
    评价) and ending as a title does (…报告, …表, …总结), no sentence, no numbered heading (「三、绩效目标完成
    情况」) and no web page chrome; None when none is."""
    for i, text in enumerate(texts[:within]):
        s = title_part(nfkc(simplified(text)))
        if not s or len(s) > _TITLE_MAX or is_portal_line(s) or regex.search(r"[，。；！？,;]", s) or is_numbered(s):
            continue
        if _TITLE_LIKE.search(s) and _TITLE_END.search(s):
            return i
    return None


_YEAR_LEAD = regex.compile(r"^.*?(?:(?:19|20)\s*\d\s*\d|[〇○零一二三四五六七八九]{4})\s*年度?")
_TITLE_TAIL = regex.compile(
    r"(?:项目)?(?:支出)?(?:的)?(?:绩效)?(?:自评|自我评价|评价)(?:工作)?(?:总结)?(?:情况)?(?:的)?(?:报告)?"
    r"(?:及(?:自评表|评分表))?$"
)
# Words that name no project: what is left of a title once they are gone must still name something
_GENERIC = regex.compile(r"项目|支出|绩效|单位|部门|整体|专项|资金|转移支付|评价|自评|报告|总结|情况|工作|年度|的|及|和|与|[()（）《》“”\s]")


def _names_something(name: str) -> bool:
    return len(_GENERIC.sub("", simplified(name))) >= 2


def name_from_title(title: str) -> str | None:
    """The project a report's title names: 「关于平城区2022年度城市社区居家养老服务项目绩效自评情况的报告」 →
    城市社区居家养老服务; None when the title names none (「项目支出绩效自评报告」, 「…部门整体支出绩效自评报告」)."""
    text = title_part(title)
    lead = _YEAR_LEAD.match(nfkc(text))
    if lead is None or len(nfkc(text)) != len(text):
        return None  # no year before the name: what leads the title (a place, a unit) cannot be told from the name
    rest = text[lead.end() :].strip()
    plain = simplified(nfkc(rest))
    m = _TITLE_TAIL.search(plain)
    if m is None or len(plain) != len(rest):
        return None  # a title that does not end as a self-evaluation's (…开展情况的报告): where its name ends cannot be told
    head = rest[: m.start()].strip("《》 ")
    if not head or "整体" in simplified(head) or not _names_something(head):
        return None
    if _leading_place(head):
        return None  # 「2022年西平县交通运输局…资金项目」: the reporting unit runs into the name, where it ends cannot be told
    return head


_ORG_END = r"(?:局|委|厅|办|中心|站|院|所|队|会|处|室|馆|场|校|公司|政府|办公室|委员会|办事处)"
_ORG = rf"[\p{{Han}}（）()]{{2,30}}?{_ORG_END}"
_RUN_BY = regex.compile(rf"由(?P<dept>{_ORG})主管[，,、]\s*(?:由)?(?P<unit>{_ORG})(?:具体|负责)?(?:组织)?实施")
_CARRIED_OUT = regex.compile(rf"由(?P<unit>{_ORG})(?:具体|负责)(?:组织)?实施|由(?P<unit>{_ORG})(?:组织)?实施")
_IN_CHARGE = regex.compile(rf"由(?P<dept>{_ORG})主管(?!部门)")
_NAMED_SUBJECT = regex.compile(
    r"^(?:[（(][一二三四五六七八九十\d]+[)）]\s*)?(?:[^。，,]{0,8}?[。:：])?\s*"
    r"(?:(?:(?:19|20)\s*\d\s*\d|[〇○零一二三四五六七八九]{4})\s*年度?\s*)?(?P<name>[\p{Han}（）()“”\-—]{2,40}?)由"
)


def head_facts(texts: list[str]) -> dict[str, tuple[str, int]]:
    """What a narrative report's first sentences say about its project: the project a sentence opens with
    (「草原生态保护补助奖励政策项目由…组织实施」), its department (「由X主管」) and implementing unit (「由Y具体实施」,
    「由X组织实施」); key → (value as written, index of the text it came from). A name or unit is taken only
    from such a sentence, never guessed."""
    out: dict[str, tuple[str, int]] = {}
    for i, text in enumerate(texts):
        s = nfkc(simplified(text))  # read simplified (具體實施 is 具体实施); values are taken as written
        if len(s) != len(text):
            continue
        for sentence in regex.finditer(r"[^。！？!?\n]+", s):
            part, at = sentence.group(0), sentence.start()

            def written(m: regex.Match, group: str) -> str:
                return text[at + m.start(group) : at + m.end(group)]

            m = _RUN_BY.search(part)
            if m:
                out.setdefault("department", (written(m, "dept"), i))
                out.setdefault("implementing_unit", (written(m, "unit"), i))
            else:
                m = _CARRIED_OUT.search(part)
                if m:
                    out.setdefault("implementing_unit", (written(m, "unit"), i))
                elif (m := _IN_CHARGE.search(part)) is not None:
                    out.setdefault("department", (written(m, "dept"), i))
            if m is not None and "project_name" not in out:
                subject = _NAMED_SUBJECT.match(part)
                if (
                    subject
                    and _names_something(subject.group("name"))
                    and regex.search(r"(?:项目|资金|经费|工程|补助|补贴|计划|行动)$", subject.group("name"))
                ):
                    out["project_name"] = (written(subject, "name"), i)
        if len(out) == 3:
            break
    return out
