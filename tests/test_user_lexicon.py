"""A label an office writes that the packaged lexicon does not know, taught in the user's own lexicon
(jixiao labels --add) and read once the file is read again; a lexicon line that cannot be used is one sentence."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from jixiao.cli import main
from tests.fixtures import builder
from tests.fixtures import families as F


def _with_label(src: Path, dst: Path, old: str, new: str) -> Path:
    """The same Word file with a label written another way, as another office writes it."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert old in text
                data = text.replace(old, new).encode("utf-8")
            zout.writestr(item, data)
    return dst


def _department(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT department FROM reports").fetchall()


@pytest.mark.slow
def test_a_taught_label_is_read_after_the_file_is_read_again(tmp_path, monkeypatch):
    monkeypatch.setenv("JIXIAO_LEXICON", str(tmp_path / "none.csv"))  # ingest --lexicon sets it in this process
    form = F.NATIONAL
    plain = builder.write_docx(F.national_document(form, F.VARIANTS[0]), tmp_path / "plain.docx")
    odd = _with_label(plain, tmp_path / "odd.docx", "主管部门", "归口部门")
    db, lexicon = tmp_path / "w.duckdb", tmp_path / "office-lexicon.csv"
    runner = CliRunner()

    first = runner.invoke(main, ["ingest", str(odd), "--db", str(db)])
    assert first.exit_code == 0, first.output
    assert _department(db) == [(None,)]  # not known: not guessed
    listed = runner.invoke(main, ["labels", "--db", str(db)])
    assert "归口部门" in listed.output

    taught = runner.invoke(main, ["labels", "--db", str(db), "--lexicon", str(lexicon), "--add", "field,department,归口部门"])
    assert taught.exit_code == 0, taught.output
    assert "field,department,归口部门" in lexicon.read_text(encoding="utf-8").splitlines()
    assert "1 file holds it unread" in taught.output and str(odd) in taught.output
    command = re.search(r"jixiao ingest --reread .*", taught.output).group(0)
    assert f"--lexicon {lexicon}" in command

    unchanged = runner.invoke(main, ["ingest", str(odd), "--db", str(db), "--lexicon", str(lexicon)])
    assert unchanged.exit_code == 0 and _department(db) == [(None,)]  # stored bytes are not read again unasked
    again = runner.invoke(main, ["ingest", str(odd), "--db", str(db), "--lexicon", str(lexicon), "--reread"])
    assert again.exit_code == 0, again.output
    assert _department(db) == [(form["department"],)]
    assert "归口部门" not in runner.invoke(main, ["labels", "--db", str(db)]).output.split("blocks")[0].replace(
        str(lexicon), ""
    )  # the label list no longer holds it


def test_a_lexicon_line_that_cannot_be_used_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("JIXIAO_LEXICON", str(tmp_path / "none.csv"))
    db, lexicon = tmp_path / "w.duckdb", tmp_path / "lexicon.csv"
    runner = CliRunner()
    wrong_key = runner.invoke(main, ["labels", "--db", str(db), "--lexicon", str(lexicon), "--add", "field,departmnet,归口部门"])
    assert wrong_key.exit_code == 2 and "「departmnet」 is no key of the context field" in wrong_key.output
    assert not lexicon.exists()  # nothing half-written
    wrong_shape = runner.invoke(main, ["labels", "--db", str(db), "--lexicon", str(lexicon), "--add", "归口部门"])
    assert wrong_shape.exit_code == 2 and "CONTEXT,KEY,LABEL" in wrong_shape.output

    lexicon.write_text("context,key,label\nfield,department,归口部门\nfeild,department,主管处室\n", encoding="utf-8")
    plain = builder.write_docx(F.national_document(F.NATIONAL, F.VARIANTS[0]), tmp_path / "plain.docx")
    refused = runner.invoke(main, ["ingest", str(plain), "--db", str(db), "--lexicon", str(lexicon)])
    assert refused.exit_code == 2
    assert "Line 3 of the lexicon" in refused.output and "「feild」 is no context" in refused.output
    assert not db.exists()  # refused before any work
