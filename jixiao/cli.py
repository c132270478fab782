"""The `jixiao` command: a thin layer over `jixiao.pipeline` and `jixiao.warehouse`."""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from jixiao import __version__
from jixiao.errors import SettingError, StepFailed
from jixiao.normalize.form import LOW_COVERAGE_PCT

DEFAULT_DB = "jixiao.duckdb"


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def to_json(obj) -> str:
    return json.dumps(dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else obj,
                      ensure_ascii=False, indent=2, default=_json_default)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jixiao")
def main() -> None:
    """Turn budget-performance self-evaluation reports (绩效自评报告/自评表) into a DuckDB warehouse.

    \b
    Example:
      jixiao ingest reports/ --db warehouse.duckdb
      jixiao query "SELECT project_name, execution_rate_pct FROM reports" --db warehouse.duckdb
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file to create or add to.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Reader processes [default: all cores].")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=120.0, show_default=True,
              help="Seconds one file may take before it is stopped and marked failed.")
@click.option("--memory-mb", type=click.IntRange(min=256), default=3072, show_default=True,
              help="Memory cap per reader process; a file that needs more is marked failed.")
@click.option("--reread", is_flag=True, help="Read files again even when their bytes are already stored.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (no progress output).")
def ingest(paths: tuple[Path, ...], db: str, jobs: int | None, timeout: float, memory_mb: int, reread: bool, as_json: bool) -> None:
    """Read report files (folders recursively) into the warehouse.

    Every file gets a row in `documents`: ok, not_report, or failed with one sentence saying why.
    The same bytes ingested again change nothing, unchanged files are skipped without reading,
    and a run killed at any moment can simply be run again.

    Exit code: 0 when every file was read or holds no report, 1 when some failed, 2 on usage errors.

    \b
    Example:
      jixiao ingest 2021/ 2022/ --db yuhua.duckdb
      jixiao ingest archive/ --jobs 2 --timeout 60 --json
    """
    from jixiao.pipeline import ingest as run_ingest
    from jixiao.progress import reporter

    with reporter(enabled=not as_json) as rep:
        try:
            summary = run_ingest(paths, db=db, reread=reread, jobs=jobs, timeout_s=timeout, memory_mb=memory_mb,
                                 progress=rep.file if rep else None, on_total=rep.total if rep else None)
        except StepFailed as exc:
            raise click.ClickException(str(exc))
        except SettingError as exc:
            raise click.UsageError(str(exc))
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        s = summary
        status = ", ".join(f"{s.status.get(k, 0)} {k}" for k in ("ok", "not_report", "failed"))
        click.echo(f"{s.files} files: {s.stored} read ({status}), {s.unchanged} unchanged, {s.already_stored} already stored; "
                   f"{s.reports} reports, {s.findings} findings → {db} in {s.wall_seconds:.1f} s")
        if s.coverage_pct is not None:
            click.echo(f"coverage: {s.coverage_pct} % of the filled cells and figure sentences of the reports read were understood; "
                       f"{s.low_coverage} documents under {LOW_COVERAGE_PCT} % (jixiao show FILE --unread lists what was not)")
        for path, error in s.failures:
            click.echo(f"  failed: {path}: {error}")
    sys.exit(1 if summary.failures else 0)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--stage", type=click.Choice(["normalize", "extract"]), default="normalize", show_default=True,
              help="extract: the document model (paragraphs, table grids); normalize: the records that would be stored.")
@click.option("--unread", is_flag=True, help="List only the cells and figure sentences that were not understood, with their place.")
def show(file: Path, stage: str, unread: bool) -> None:
    """Print, as JSON, what one file would store (no database is touched).

    \b
    Example:
      jixiao show report.pdf
      jixiao show report.docx --stage extract
      jixiao show report.pdf --unread
    """
    from jixiao.extract import read_document
    from jixiao.pipeline import read_file

    if unread:
        result = read_file(file)
        if result.coverage is None:
            raise click.ClickException(result.error or "The file could not be read.")
        c = result.coverage
        click.echo(f"{file}: {c.understood} of {c.items} filled cells and figure sentences understood ({c.pct} %); not understood:")
        for u in c.unread:
            page = f" p.{u.page}" if u.page else ""
            click.echo(f"  {u.place}{page}  {u.text.replace(chr(10), ' ')[:120]}")
        return

    if stage == "extract":
        try:
            click.echo(to_json(read_document(file.read_bytes(), name=str(file))))
        except StepFailed as exc:
            raise click.ClickException(str(exc))
        return
    click.echo(to_json(read_file(file)))


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file to check.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def check(db: str, as_json: bool) -> None:
    """Re-run every consistency rule (rules/checks/*.sql) over the warehouse.

    Use it after changing a rule or the lexicon; the findings of every report are replaced.

    \b
    Example:
      jixiao check --db yuhua.duckdb
      jixiao query "SELECT rule, message FROM findings WHERE severity = 'error'" --db yuhua.duckdb
    """
    from pathlib import Path as _Path

    from jixiao.rules import check as run_check
    from jixiao.warehouse import connect

    if not _Path(db).exists():
        raise click.ClickException(f"There is no warehouse at {db}; run `jixiao ingest` first.")
    con = connect(db)
    try:
        summary = run_check(con)
    except StepFailed as exc:
        raise click.ClickException(str(exc))
    finally:
        con.close()
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
        return
    total = sum(n for _, _, n, _ in summary.findings)
    click.echo(f"{summary.rules} rules checked: {total} findings")
    for rule, severity, count, example in summary.findings:
        click.echo(f"  {severity:7} {rule:26} {count:6}  e.g. {example}")


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file to read (opened read-only).")
@click.option("--json", "as_json", is_flag=True, help="Print the labels as JSON.")
def labels(db: str, as_json: bool) -> None:
    """List labels met at ingest that the lexicon does not know, with counts and an example file,
    and rows that look like the head of a block it does not know.

    Each label is kept in `fields` with an empty key; each unknown block is an `unknown_block`
    finding. To teach one, add a line to rules/lexicon.csv (context,key,label), then ingest again
    with --reread.

    \b
    Example:
      jixiao labels --db yuhua.duckdb
    """
    from jixiao.warehouse import connect, unknown_blocks, unmapped_labels

    try:
        con = connect(db, read_only=True)
    except StepFailed as exc:
        raise click.ClickException(str(exc))
    try:
        found, blocks = unmapped_labels(con), unknown_blocks(con)
    finally:
        con.close()
    if as_json:
        click.echo(json.dumps({"labels": [dataclasses.asdict(u) for u in found], "blocks": [dataclasses.asdict(b) for b in blocks]},
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(found)} labels the lexicon does not know")
    for u in found:
        click.echo(f"  {u.count:5}  {u.label}    e.g. 「{u.example_label}」 in {u.example_path}")
    click.echo(f"{len(blocks)} blocks the lexicon does not know")
    for b in blocks:
        click.echo(f"  {b.count:5}  {b.heads}    e.g. in {b.example_path}")


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file.")
@click.option("--map", "map_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Project mapping file (project_key,project_name,implementing_unit) [default: $JIXIAO_PROJECT_MAP or rules/project_map.csv].")
def link(db: str, map_path: Path | None) -> None:
    """Recompute which reports are the same project across years (done after every ingest too).

    Every link keeps its reason in `project_links`; the mapping file overrides the automatic links.

    \b
    Example:
      jixiao link --db yuhua.duckdb --map my_projects.csv
      jixiao query "SELECT project_key, reason FROM project_links" --db yuhua.duckdb
    """
    from jixiao.warehouse import connect, relink

    if not Path(db).exists():
        raise click.ClickException(f"There is no warehouse at {db}; run `jixiao ingest` first.")
    con = connect(db)
    try:
        n = relink(con, map_path)
    finally:
        con.close()
    click.echo(f"{n} projects")


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file (opened read-only).")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "xlsx"]), required=True, help="Output format.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write into.")
@click.option("--chinese", is_flag=True, help="Chinese column headers (xlsx).")
def export(db: str, fmt: str, out: Path, chinese: bool) -> None:
    """Write every table and analyst view as Parquet or CSV files, or one Excel workbook (a sheet each).

    \b
    Example:
      jixiao export --format xlsx --out exports/ --chinese --db yuhua.duckdb
    """
    from jixiao.warehouse import connect
    from jixiao.warehouse.export import export as run_export

    try:
        con = connect(db, read_only=True)
    except StepFailed as exc:
        raise click.ClickException(str(exc))
    try:
        written = run_export(con, out, fmt, chinese)
    finally:
        con.close()
    click.echo(f"{len(written)} files written to {out}")


@main.command()
@click.argument("sql")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file to query (opened read-only).")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV instead of a table.")
def query(sql: str, db: str, as_csv: bool) -> None:
    """Run SQL against the warehouse, read-only.

    \b
    Example:
      jixiao query "SELECT fiscal_year, project_name, execution_rate_pct FROM reports WHERE execution_rate_pct < 80"
    """
    import duckdb

    from jixiao.warehouse import connect

    try:
        con = connect(db, read_only=True)
    except StepFailed as exc:
        raise click.ClickException(str(exc))
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise click.ClickException(str(exc).splitlines()[0])
    finally:
        con.close()
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console = Console() if sys.stdout.isatty() else Console(width=240)  # pipes and logs get whole values
    console.print(table)


if __name__ == "__main__":  # pragma: no cover
    main()
