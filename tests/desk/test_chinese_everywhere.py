"""No English sentence reaches a Chinese reader, and no Chinese sentence frame an English one: checked on what
is shown — every page of the desk, the output of the everyday commands beyond their help (check, labels, link,
export, ignore, search, correct, show --unread), every finding's template and every failure stored — over an
archive ingested in Chinese, with a correction, a refused correction, a review and an accepted failure in it."""

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
    outputs["ignore"] = _invoke("ignore", str(desk_archive / "broken.pdf"), "--reason", "原件损坏，已索要", "--by", "审核员",
                                "--db", str(db)).output
    return db, rid, outputs


def test_the_commands_speak_chinese(zh_db, desk_archive, tmp_path):
    db, _rid, outputs = zh_db
    outputs = dict(outputs)
    for args in (["check"], ["labels"], ["link"], ["ignore", "--list"], ["search", "政务服务"],
                 ["export", "--format", "csv", "--chinese", "--out", str(tmp_path / "csv")]):
        run = _invoke(*args, "--db", str(db))
        assert run.exit_code == 0, run.output
        outputs[" ".join(args)] = run.output
    outputs["show --unread"] = _invoke("show", str(desk_archive / "notice.docx"), "--unread").output
    said = {name: english_in(line) for name, text in outputs.items() for line in text.splitlines() if english_in(line)}
    assert said == {}, said
    assert all(_HAN.search(text) for name, text in outputs.items() if text.strip()), outputs  # said in Chinese, not silent


def test_every_desk_page_speaks_chinese(zh_db, tmp_path):
    db, rid, _outputs = zh_db
    set_language("zh")
    try:
        client = TestClient(create_app(db, pages_dir=tmp_path / "pages", user="审核员"), base_url="http://127.0.0.1")
        con = duckdb.connect(str(db), read_only=True)
        reports = [r for (r,) in con.execute("SELECT report_id FROM reports ORDER BY report_id").fetchall()]
        con.close()
        paths = ["/", "/reports", "/reports?max_rate=80", "/findings", "/findings?verdict=open", "/corrections",
                 "/search?q=政务服务", "/search?q=资金&kind=problem", "/report/no-such-report"]
        paths += [f"/report/{r}" for r in reports]
        pages = {path: client.get(path) for path in paths}
        page = pages[f"/report/{rid}"].text
        key = re.search(r'name="form_key" value="([^"]+)"', page)[1]
        refused = client.post(f"/report/{rid}/correct", data={"column": "spent_yuan", "value": "九十四万", "reason": "核对",
                                                              "form_key": key})
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
    sentences = [s for (s,) in con.execute("""SELECT error FROM documents WHERE error IS NOT NULL UNION ALL
                                               SELECT not_report_reason FROM documents WHERE not_report_reason IS NOT NULL UNION ALL
                                               SELECT message FROM findings UNION ALL SELECT reason FROM project_links""").fetchall()]
    con.close()
    assert sentences, "the archive gives failures, findings and links to read"
    said = {s: english_in(s) for s in sentences if english_in(s)}
    assert said == {}, said
