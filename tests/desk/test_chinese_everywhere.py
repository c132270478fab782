"""No English sentence reaches a Chinese reader, and no Chinese sentence frame an English one: checked on what
is shown — every page of the desk, the output of the everyday commands beyond their help (check, labels, link,
export, ignore, search, correct, show --unread), every finding's template and every failure stored — over an
archive ingested in Chinese, with a correction, a refused correction, a review and an accepted failure in it. And
the other way round: an English reader of that archive sees the desk's own words in English, every page of it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import duckdb
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from jixiao.base.i18n import set_language
from jixiao.base.messages import _Shown, templates
from jixiao.cli import main
from jixiao.desk.app import create_app
from tests.desk.conftest import in_chinese

# three or more English words in a row, once paths, file names, options, codes and column names are taken out
_ENGLISH = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,;:]+[A-Za-z][a-z]+){2,}\b")
_NOT_WORDS = re.compile(r"jixiao(?: [a-z]+)+|--[\w-]+|`[^`]*`|\S*/\S*|\S+\.\w+|[A-Z_]{2,}\w*|\w+_\w+|https?:\S+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def english_in(text: str) -> list[str]:
    """The English word runs of a text a Chinese reader is shown."""
    return [m.group(0) for m in _ENGLISH.finditer(_NOT_WORDS.sub(" ", text))]


class _Text(HTMLParser):
    """A page's text as shown: each text node, scripts and styles aside, and the titles and placeholders a
    reader sees on hover or in an empty field."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.nodes += [v for k, v in attrs if k in ("title", "placeholder", "aria-label", "alt") and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.nodes.append(data.strip())


def shown(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def _invoke(*args: str, lang: str = "zh"):
    return CliRunner().invoke(main, ["--lang", lang, *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def zh_db(desk_archive, tmp_path_factory):
    """The desk's archive ingested in Chinese, with a correction, a refused one, a review and an accepted failure."""
    db = tmp_path_factory.mktemp("zh") / "zh.duckdb"
    ingest = _invoke("ingest", str(desk_archive), "--db", str(db))
    assert ingest.exit_code == 1, ingest.output  # the damaged PDF
    con = duckdb.connect(str(db), read_only=True)
    rid = con.execute("SELECT report_id FROM reports JOIN documents USING (doc_id) WHERE path LIKE '%planted.pdf'").fetchone()[0]
    con.close()
    outputs = {"ingest": ingest.output}
    outputs["correct"] = _invoke("correct", rid, "execution_rate_pct", "74.36", "--reason", "原表第2页", "--by", "审核员", "--db", str(db)).output
    refused = _invoke("correct", rid, "spent_yuan", "九十四万", "--reason", "核对", "--by", "审核员", "--db", str(db))
    assert refused.exit_code != 0
    outputs["correct refused"] = refused.output
    outputs["ignore"] = _invoke("ignore", str(desk_archive / "broken.pdf"), "--reason", "原件损坏，已索要", "--by", "审核员", "--db", str(db)).output
    return db, rid, outputs


@pytest.mark.slow
def test_the_commands_speak_chinese(zh_db, desk_archive, tmp_path):
    db, _rid, outputs = zh_db
    outputs = dict(outputs)
    for args in (
        ["check"],
        ["labels"],
        ["link"],
        ["ignore", "--list"],
        ["search", "政务服务"],
        ["export", "--format", "csv", "--chinese", "--out", str(tmp_path / "csv")],
    ):
        run = _invoke(*args, "--db", str(db))
        assert run.exit_code == 0, run.output
        outputs[" ".join(args)] = run.output
    outputs["show --unread"] = _invoke("show", str(desk_archive / "notice.docx"), "--unread").output
    said = {name: english_in(line) for name, text in outputs.items() for line in text.splitlines() if english_in(line)}
    assert said == {}, said
    assert all(_HAN.search(text) for name, text in outputs.items() if text.strip()), outputs  # said in Chinese, not silent


@pytest.mark.slow
def test_every_desk_page_speaks_chinese(zh_db, tmp_path):
    db, rid, _outputs = zh_db
    set_language("zh")
    try:
        client = TestClient(create_app(db, pages_dir=tmp_path / "pages", user="审核员"), base_url="http://127.0.0.1")
        con = duckdb.connect(str(db), read_only=True)
        reports = [r for (r,) in con.execute("SELECT report_id FROM reports ORDER BY report_id").fetchall()]
        con.close()
        paths = [
            "/",
            "/reports",
            "/reports?max_rate=80",
            "/findings",
            "/findings?verdict=open",
            "/corrections",
            "/search?q=政务服务",
            "/search?q=资金&kind=problem",
            "/report/no-such-report",
        ]
        paths += [f"/report/{r}" for r in reports]
        pages = {path: client.get(path) for path in paths}
        page = pages[f"/report/{rid}"].text
        key = re.search(r'name="form_key" value="([^"]+)"', page)[1]
        refused = client.post(f"/report/{rid}/correct", data={"column": "spent_yuan", "value": "九十四万", "reason": "核对", "form_key": key})
        pages["a refused correction"] = refused
        said = {path: found for path, r in pages.items() if (found := [e for node in shown(r.text) for e in english_in(node)])}
        assert said == {}, said
        assert all(_HAN.search(" ".join(shown(r.text))) for r in pages.values())
    finally:
        set_language("en")


class _Sample:
    """A parameter of any name, as a template shows it: a column, a count, a figure, or text as printed."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __format__(self, spec: str) -> str:
        value = "spent_yuan" if spec == "column" else 3 if spec in ("money", "pct", "num", "more") else "X"
        return format(_Shown(value, self.lang), spec)


class _Any(dict):
    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def __missing__(self, key):
        return _Sample(self.lang)


@pytest.mark.parametrize("key", sorted(templates()))
def test_every_finding_reads_in_the_readers_language(key):
    """Each template rendered with sample values: in Chinese no English words, in English no Chinese frame
    (Chinese inside 「」 or brackets is the form's own label, quoted; money is written as the forms write it, 94.44万元,
    and a list of the form's own values, 优/良, is the form's)."""
    zh = templates()[key]["zh"].format_map(_Any("zh"))
    en = templates()[key]["en"].format_map(_Any("en"))
    assert english_in(zh) == [], zh
    assert _HAN.search(zh), zh
    assert not _HAN.search(re.sub(r"「[^」]*」|[（(][^）)]*[）)]|^\S*\d\S*[:：]|[\d.,]+万?元|\S+/\S+", "", en)), en


def test_every_failure_stored_reads_in_chinese(zh_db):
    db, _rid, _outputs = zh_db
    con = duckdb.connect(str(db), read_only=True)
    sentences = [
        s
        for (s,) in con.execute("""SELECT error FROM documents WHERE error IS NOT NULL UNION ALL
                                               SELECT not_report_reason FROM documents WHERE not_report_reason IS NOT NULL UNION ALL
                                               SELECT message FROM findings UNION ALL SELECT reason FROM project_links""").fetchall()
    ]
    con.close()
    assert sentences, "the archive gives failures, findings and links to read"
    said = {s: english_in(s) for s in sentences if english_in(s)}
    assert said == {}, said


_SCRIPT_WORDS = re.compile(r'data-(?:found-cell|found-text|found-label|not-found|page-alt)="([^"]*)"')


def _script_words(html: str) -> list[str]:
    """The words desk.js shows, which it takes from the page (data-found-cell …)."""
    return _SCRIPT_WORDS.findall(html)


def _warehouse_texts(db) -> list[str]:
    """Every text the warehouse holds (names, labels and values as printed, file names, stored sentences, the
    parameters of findings), longest first: what a page shows of its data, in whatever language it was written."""
    import json

    con = duckdb.connect(str(db), read_only=True)
    columns = con.execute("""SELECT table_name, column_name, data_type FROM information_schema.columns
                             WHERE table_schema = 'main' AND data_type IN ('VARCHAR', 'JSON')""").fetchall()
    texts: set[str] = set()

    def leaves(value):
        if isinstance(value, str):
            texts.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                leaves(v)
        elif isinstance(value, list):
            for v in value:
                leaves(v)

    for table, column, kind in columns:
        for (value,) in con.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL').fetchall():
            texts.add(value)
            if kind == "JSON" or value[:1] in "[{":
                try:
                    leaves(json.loads(value))
                except ValueError:
                    pass
    con.close()
    return sorted((t for t in texts if _HAN.search(t)), key=len, reverse=True)


def _chinese_chrome(html: str, data: list[str]) -> list[str]:
    """The Chinese shown on a page that is not the warehouse's: a text node, title, placeholder … or a word desk.js
    shows, with the warehouse's texts taken out (a node that is one, or a sentence of one that search found), and a
    form's label quoted in a finding (「…」) or money as the form writes it (94.44万元)."""
    exact = set(data)
    html = re.sub(r'<td class="sentence">[^<]*</td>', "", html)  # a sentence of a report's text, as search found it
    out = []
    for node in shown(html) + _script_words(html):
        if node in exact:
            continue
        for text in data:
            node = node.replace(text, " ")
        node = re.sub(r"「[^」]*」|[\d.,]+万?元", " ", node)
        if _HAN.search(node):
            out.append(node.strip())
    return out


@pytest.mark.slow
def test_every_desk_page_speaks_english_when_asked(zh_db, tmp_path):
    """An English reader of the same Chinese warehouse: every page's chrome (navigation, titles, headings, table
    headers, buttons, labels, placeholders, hints, messages, the source pane's words) is English; the Chinese
    left is the warehouse's own (project names, units, labels and values as printed, file names, stored
    sentences) or a form's label quoted in a finding (「…」, money as the form writes it, 94.44万元)."""
    db, rid, _outputs = zh_db
    set_language("en")
    client = TestClient(create_app(db, pages_dir=tmp_path / "pages", user="reviewer"), base_url="http://127.0.0.1")
    con = duckdb.connect(str(db), read_only=True)
    reports = [r for (r,) in con.execute("SELECT report_id FROM reports ORDER BY report_id").fetchall()]
    finding = con.execute("SELECT report_id, rule, message FROM findings WHERE report_id = ? LIMIT 1", [rid]).fetchone()
    con.close()
    paths = [
        "/",
        "/reports",
        "/reports?under=80",
        "/reports?unit=no-such-unit",
        "/findings",
        "/findings?verdict=open",
        "/corrections",
        "/search",
        "/search?q=政务服务",
        "/search?q=资金&kind=problem",
        "/search?q=没有这样的词",
        "/report/no-such-report",
    ]
    paths += [f"/report/{r}" for r in reports]
    pages = {path: client.get(path) for path in paths}
    key = re.search(r'name="form_key" value="([^"]+)"', pages[f"/report/{rid}"].text)[1]
    pages["a refused correction"] = client.post(
        f"/report/{rid}/correct",
        headers={"HX-Request": "true"},
        data={"column": "spent_yuan", "value": "nine hundred", "reason": "checked", "form_key": key},
    )
    pages["a review"] = client.post(
        "/findings/review",
        headers={"HX-Request": "true"},
        data={
            "report_id": finding[0],
            "rule": finding[1],
            "message": finding[2],
            "verdict": "explained",
            "note": "seen",
            "by": "reviewer",
            "form_key": key,
        },
    )
    assert all(r.status_code in (200, 404) for r in pages.values()), {p: r.status_code for p, r in pages.items()}
    data = _warehouse_texts(db)
    said = {path: found for path, r in pages.items() if (found := _chinese_chrome(r.text, data))}
    assert said == {}, said
    assert all('<html lang="en">' in r.text for path, r in pages.items() if path.startswith("/"))
    # the same filter over the Chinese pages finds their chrome: the warehouse's texts do not hide it
    with in_chinese():
        found = _chinese_chrome(client.get("/").text + client.get(f"/report/{rid}").text, data)
    assert {"总览", "报告", "核查发现", "更正记录", "检索", "按年度", "主要数值", "更正", "读取该值的单元格"} <= set(found), found
    assert "Self-evaluation review" in pages["/"].text and 'data-found-cell="The cell the value was read from"' in pages[f"/report/{rid}"].text
