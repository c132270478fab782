"""The `jixiao` command: a thin layer over `jixiao.ingest` and `jixiao.warehouse`."""

from __future__ import annotations

if __name__ == "__main__":  # python -m jixiao.cli: a signal while the rest loads is said too (jixiao/entry.py)
    from jixiao.entry import guard

    guard()

import dataclasses
import json
import os
import shlex
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jixiao import __version__
from jixiao.base.errors import SettingError, StepFailed
from jixiao.base.i18n import N_, _, ngettext
from jixiao.base.model import LOW_COVERAGE_PCT, NARRATIVE_KINDS
from jixiao.base.render import printable, shown_path
from jixiao.entry import STOPPED

DEFAULT_DB = "jixiao.duckdb"
# Below this a reader cannot load the OCR libraries (onnxruntime, OpenCV) under its address-space cap
# and good files fail with loader errors; a scanned page needs about 2 GB.
MIN_MEMORY_MB = 1024

EXIT_CODES = """\b
Exit codes:
  0  every file was read (or holds no report); the command did what it said
  1  some files failed (each with its sentence; failures accepted with `jixiao ignore` are listed, not counted),
     a step after reading failed (linking: said in a sentence), or a file could not be shown
  2  usage: a wrong option or value, or SQL that `query` refuses or cannot run
  3  the warehouse could not be opened: missing, locked by another process, not DuckDB, damaged or unwritable
130 stopped by Ctrl-C or SIGTERM: what was committed is kept, and the same command goes on from there"""


class WarehouseError(click.ClickException):
    """The warehouse could not be opened; exit code 3 (see EXIT_CODES)."""

    exit_code = 3


def open_warehouse(db: str, read_only: bool = False, wait: float = 0.0, locked: bool = False, create: bool = True):
    """Open the warehouse for a command; every failure is one sentence and its exit code, never a traceback."""
    from jixiao.warehouse import WarehouseUnavailable, connect, connect_locked

    try:
        said = (lambda text: click.echo(text, err=True)) if wait else None  # a wait is never silent
        return connect_locked(db, wait, said) if locked else connect(db, read_only=read_only, wait_s=wait, create=create, on_wait=said)
    except SettingError as exc:
        raise click.UsageError(str(exc)) from exc
    except WarehouseUnavailable as exc:
        raise WarehouseError(str(exc)) from exc


# words the summaries count, and the severities they name, for the catalog (their Chinese carries its measure word)
COUNTED = (
    N_("file"),
    N_("more file"),
    N_("report"),
    N_("finding"),
    N_("shard"),
    N_("document"),
    N_("project"),
    N_("correction"),
    N_("error"),
    N_("warning"),
    N_("info"),
)


# click's own sentences (it translates them through the standard gettext, bound to our catalog by
# jixiao.base.i18n.set_language), kept here so the catalog holds their Chinese
CLICK_SENTENCES = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter: {param_name}"),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("default: {default}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("Aborted!"),
    N_("Stopped. Every document committed so far is kept; run the same command again to go on."),
)  # entry.STOPPED


def plural(n: int, word: str) -> str:
    """n and a counted word (「1 file」, 「2 files」); in Chinese the word with its measure (「2 个文件」)."""
    from jixiao.base.i18n import language

    if language() == "zh":
        return f"{n} {_(word)}"
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _unraisable(hook):
    """sys.unraisablehook for the command: a signal that landed inside a finaliser (a `__del__` running when the
    collector ran, where Python can only print it, with a traceback) is raised again in the main thread, where
    the command stops with its sentence; anything else is printed as Python would."""

    def said(unraisable) -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            import _thread
            import threading

            # a moment later, from another thread: raised while this hook runs, it would only be printed again
            later = threading.Timer(0.05, _thread.interrupt_main)
            later.daemon = True
            later.start()
            return
        hook(unraisable)

    return said


def _interrupted(exc: BaseException | None) -> bool:
    """Ctrl-C or SIGTERM, however it surfaced: as KeyboardInterrupt, as DuckDB's own 'Query interrupted'
    when it landed inside a statement, or as the cause of another error (an ImportError when it landed
    while a native module was being loaded)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (KeyboardInterrupt, click.exceptions.Abort)) or (isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower()):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


if TYPE_CHECKING:
    _CommandBase = click.Command  # what _Translated is mixed into: its super() calls are click.Command's
else:
    _CommandBase = object


class _Translated(_CommandBase):
    """Help shown in the reader's language (jixiao.base.i18n): click keeps help as plain strings, written
    in English here; each is looked up in the catalog when it is shown, so --lang and JIXIAO_LANG apply."""

    def format_help_text(self, ctx, formatter):
        with _shown_as(self, "help"):
            super().format_help_text(ctx, formatter)

    def format_epilog(self, ctx, formatter):
        with _shown_as(self, "epilog"):
            super().format_epilog(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _shown_as(self, "help"):
            return super().get_short_help_str(limit)


@contextmanager
def _shown_as(obj, attr: str):
    import inspect

    text = getattr(obj, attr)
    if text:
        setattr(obj, attr, _(inspect.cleandoc(text)))
    try:
        yield
    finally:
        setattr(obj, attr, text)


class Command(_Translated, click.Command):
    pass


class Option(click.Option):
    def get_help_record(self, ctx):
        with _shown_as(self, "help"):
            return super().get_help_record(ctx)


def option(*names, **kwargs):
    """click.option whose help is shown in the reader's language."""
    return click.option(*names, cls=Option, **kwargs)


def _choose_language(ctx, param, value) -> None:
    from jixiao.base.i18n import set_language

    set_language(value)


class Commands(_Translated, click.Group):
    """The command group (its commands' help in the reader's language); wherever Ctrl-C or SIGTERM lands (while options are parsed, inside a database
    statement, while rules run), the command stops with one sentence and exit code 130, never a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from jixiao.base.i18n import set_language

        set_language(None)  # JIXIAO_LANG or the locale, for click's own sentences too (--lang sets it again)
        before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # from here on, as KeyboardInterrupt
        signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop, as Ctrl-C
        unraisable_before = sys.unraisablehook
        sys.unraisablehook = _unraisable(unraisable_before)

        def finished() -> None:
            """The work is over (done, failed or stopped). Run as the command (entry.guard ran), a signal from
            here on has nothing left to stop and is ignored (Python's shutdown would otherwise die of it);
            run by a test's CliRunner, the runner's own handlers take signals again."""
            from jixiao import entry

            signal.signal(signal.SIGINT, signal.SIG_IGN if entry.GUARDED else before[0])
            signal.signal(signal.SIGTERM, signal.SIG_IGN if entry.GUARDED else before[1])
            sys.unraisablehook = unraisable_before

        code = 0
        try:
            super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except SystemExit as exc:  # a command's own exit code (ingest: 1 when files failed)
            code = exc.code
        except BaseException as exc:
            if not _interrupted(exc):
                raise
            finished()
            click.echo(_(STOPPED), err=True)
            # what was to be kept is committed and closed by now; end here, before the interpreter's own
            # shutdown, where a native library that saw the signal may raise it again (exit by SIGINT)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        finished()
        sys.exit(code)


Commands.command_class = Command  # @main.command() makes commands whose help is translated


def wait_option(command):
    return option(
        "--wait",
        type=click.FloatRange(min=0),
        default=0.0,
        show_default=True,
        metavar="SECONDS",
        help="When another process is writing the warehouse, wait up to this long for it.",
    )(command)


def to_json(obj) -> str:
    from jixiao.base.render import json_value

    return json.dumps(
        dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) and not isinstance(obj, type) else obj,
        ensure_ascii=False,
        indent=2,
        default=json_value,
    )


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="jixiao", cls=Option)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_choose_language,
    cls=Option,
    help="Language of everything shown: zh (中文, the default) or en [default: JIXIAO_LANG, else the locale, else zh].",
)
def main() -> None:
    """Turn budget-performance self-evaluation reports (绩效自评报告/自评表) into a DuckDB warehouse.

    \b
    Example:
      jixiao ingest reports/ --db warehouse.duckdb
      jixiao query "SELECT fiscal_year, project_name, execution_rate_pct FROM v_spending" --db warehouse.duckdb
    """


@main.command()
# not exists=True: a broken link or a link loop named here fails alone, with its sentence (ingest.listing.list_files)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file to create or add to.")
@option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Reader processes [default: all cores].")
@option(
    "--timeout",
    type=click.FloatRange(min=0.001),
    default=120.0,
    show_default=True,
    help="Seconds a page may take (a file without pages counts as one); a file over its limit is stopped and marked failed.",
)
@option(
    "--file-timeout",
    type=click.FloatRange(min=0.001),
    default=3600.0,
    show_default=True,
    help="Seconds one file may take at most, whatever its page count says (a PDF of 2,000 copies of one page).",
)
@option(
    "--memory-mb",
    type=click.IntRange(min=MIN_MEMORY_MB),
    default=3072,
    show_default=True,
    help=f"Memory cap per reader process ({MIN_MEMORY_MB} at least: a reader needs that to start); a file that needs more is marked failed.",
)
@option("--reread", is_flag=True, help="Read files again even when their bytes are already stored.")
@option(
    "--lexicon",
    "lexicon",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Your own lexicon, merged over the packaged one [default: $JIXIAO_LEXICON or ~/.config/jixiao/lexicon.csv].",
)
@option(
    "--retry-failed",
    is_flag=True,
    help="Read again the files stored as failed for their own reasons (a timeout, crash or memory failure is retried anyway).",
)
@option("--json", "as_json", is_flag=True, help="Print the summary as JSON (no progress output).")
@option("--include", multiple=True, metavar="GLOB", help="Read only files whose name or path matches (repeatable).")
@option("--exclude", multiple=True, metavar="GLOB", help="Pass over files whose name or path matches (repeatable).")
@option("--verbose", "-v", is_flag=True, help="Also list the files a folder walk skipped, with why.")
@option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: reader processes on this machine; ray: Ray actors writing Parquet shards to --stage, loaded at the end.",
)
@option(
    "--address",
    default=None,
    metavar="auto|ray://HOST:10001",
    help="(ray) The Ray cluster to join [default: start one on this machine with --jobs CPUs].",
)
@option(
    "--stage",
    "stage",
    default=None,
    metavar="DIR_OR_URI",
    help="(ray) Where the shards go: a folder every node sees, or s3://, gs://, hdfs:// [default: DB.stage beside the warehouse].",
)
@option(
    "--shard-files",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="(ray) Files per shard, the unit a killed reader redoes [default: about two shards a reader, 8 to 64 files].",
)
@wait_option
def ingest(
    paths: tuple[Path, ...],
    db: str,
    jobs: int | None,
    timeout: float,
    file_timeout: float,
    memory_mb: int,
    reread: bool,
    lexicon: Path | None,
    retry_failed: bool,
    as_json: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    verbose: bool,
    engine: str,
    address: str | None,
    stage: str | None,
    shard_files: int | None,
    wait: float,
) -> None:
    """Read report files (folders recursively) into the warehouse.

    Every file gets a row in `documents`: ok, not_report, or failed with one sentence saying why.
    The same bytes ingested again change nothing, unchanged files are skipped without reading,
    and a run killed at any moment can simply be run again.

    Exit code: 0 when every file was read or holds no report (or its failure was accepted with
    jixiao ignore), 1 when some failed, 2 on usage errors,
    3 when the warehouse could not be opened.

    \b
    Example:
      jixiao ingest 2021/ 2022/ --db yuhua.duckdb
      jixiao ingest archive/ --jobs 2 --timeout 60 --json
      jixiao ingest /shared/archive --engine ray --address auto --stage /shared/stage --db province.duckdb
    """
    from jixiao.ingest.options import IngestOptions, commit_every
    from jixiao.ingest.progress import reporter
    from jixiao.ingest.run import ingest as run_ingest
    from jixiao.warehouse import WarehouseUnavailable

    for path in paths:
        if not path.exists() and not path.is_symlink():  # a typo: nothing to read, said before any work
            raise click.UsageError(_("No such file or folder: {path}").format(path=shown_path(path)))
    _check_lexicon(lexicon)

    with reporter(enabled=not as_json) as rep:
        try:
            options = IngestOptions(
                reread=reread,
                retry_failed=retry_failed,
                jobs=jobs,
                timeout_s=timeout,
                file_timeout_s=file_timeout,
                memory_mb=memory_mb,
                include=include,
                exclude=exclude,
                wait_s=wait,
                group=commit_every(),  # a bad setting is said before any work
            )
            if engine == "ray":
                from jixiao.ingest.ray_engine import RaySettings, ingest_ray

                on_ray = RaySettings(address, stage or str(Path(db).with_name(Path(db).name + ".stage")), shard_files)
                summary = ingest_ray(paths, db, options, on_ray, progress=rep)
            elif address or stage or shard_files:
                raise SettingError(_("--address, --stage and --shard-files belong to --engine ray."))
            else:
                summary = run_ingest(paths, db, options, progress=rep)
        except WarehouseUnavailable as exc:
            raise WarehouseError(str(exc)) from exc
        except StepFailed as exc:
            raise click.ClickException(str(exc)) from exc
        except SettingError as exc:
            raise click.UsageError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        s = summary
        status = _("{ok} ok, {not_report} not_report, {failed} failed").format(**{k: s.status.get(k, 0) for k in ("ok", "not_report", "failed")})
        # every file is in exactly one of these: read, unchanged, already stored, failed before, not opened
        extra = "".join(
            part
            for n, part in (
                (s.still_failed, _(", {n} failed before and not retried (--retry-failed reads them again)").format(n=s.still_failed)),
                (s.not_opened, _(", {n} could not be opened").format(n=s.not_opened)),
                (s.staged, _(", {n} read into the stage by an earlier run").format(n=s.staged)),
                (
                    len(s.skipped),
                    _("; {files} skipped (not reports by their kind; --verbose lists them)").format(files=plural(len(s.skipped), "more file")),
                ),
                (s.filtered, _("; {files} left out by --include/--exclude").format(files=plural(s.filtered, "more file"))),
            )
            if n
        )
        click.echo(
            _(
                "{files}: {stored} read ({status}), {unchanged} unchanged, {already} already stored{extra}; {reports}, {findings} "
                "→ {db} in {seconds} s"
            ).format(
                files=plural(s.files, "file"),
                stored=s.stored,
                status=status,
                unchanged=s.unchanged,
                already=s.already_stored,
                extra=extra,
                reports=plural(s.reports, "report"),
                findings=plural(s.findings, "finding"),
                db=db,
                seconds=f"{s.wall_seconds:.1f}",
            )
        )
        if s.coverage_pct is not None:
            click.echo(
                _(
                    "coverage: {pct} % of the filled cells and figure sentences of the reports read were understood; "
                    "{low} documents under {limit} % (jixiao show FILE --unread lists what was not)"
                ).format(pct=s.coverage_pct, low=s.low_coverage, limit=LOW_COVERAGE_PCT)
            )
        if verbose:
            for where, why in s.skipped:
                click.echo(_("  skipped: {path}: {why}").format(path=shown_path(where), why=why))
        for where, error in s.failures:
            click.echo(_("  failed: {path}: {error}").format(path=shown_path(where), error=error))
        for where, error, why in s.acknowledged:
            click.echo(_("  failed, accepted: {path}: {error} (why: {reason})").format(path=shown_path(where), error=error, reason=why))
        for problem in s.problems:
            click.echo(_("  problem: {problem}").format(problem=problem))
    sys.exit(1 if summary.failures or summary.problems else 0)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option(
    "--stage",
    type=click.Choice(["normalize", "extract"]),
    default="normalize",
    show_default=True,
    help="extract: the document model (paragraphs, table grids); normalize: the records that would be stored.",
)
@option("--unread", is_flag=True, help="List only the cells and figure sentences that were not understood, with their place.")
@option("--timeout", type=click.FloatRange(min=0.001), default=120.0, show_default=True, help="Seconds a page may take, as in ingest.")
@option(
    "--file-timeout",
    type=click.FloatRange(min=0.001),
    default=3600.0,
    show_default=True,
    help="Seconds the file may take at most, whatever its page count, as in ingest.",
)
@option(
    "--memory-mb", type=click.IntRange(min=MIN_MEMORY_MB), default=3072, show_default=True, help="Memory cap of the reader process, as in ingest."
)
def show(file: Path, stage: str, unread: bool, timeout: float, file_timeout: float, memory_mb: int) -> None:
    """Print, as JSON, what one file would store (no database is touched).

    The file is read in a reader process under the same time and memory limits as ingest; a file
    that cannot be read prints its sentence and exits with 1.

    \b
    Example:
      jixiao show report.pdf
      jixiao show report.docx --stage extract
      jixiao show report.pdf --unread
    """
    from jixiao.base.model import DocumentResult
    from jixiao.ingest.options import IngestOptions
    from jixiao.ingest.reading import read_limited

    if unread and stage == "extract":
        raise click.UsageError(_("--unread lists what normalize did not understand; it cannot go with --stage extract."))
    if file.is_fifo() or not file.is_file():
        raise click.ClickException(_("{file} is not a regular file, so it was not read.").format(file=shown_path(file)))
    result = read_limited(file, IngestOptions(timeout_s=timeout, file_timeout_s=file_timeout, memory_mb=memory_mb), stage)
    if isinstance(result, DocumentResult) and result.status == "failed":
        raise click.ClickException(result.error or _("The file could not be read."))
    if unread:
        c = result.coverage
        if c is None:
            raise click.ClickException(_("The file holds no form or narrative to read."))
        tail = _("; not understood:") if c.unread else _("; everything was understood.")
        if result.status == "not_report":
            click.echo(_("{file}: not a report. {reason}").format(file=shown_path(file), reason=result.not_report_reason or "").rstrip())
        click.echo(
            _("{file}: {understood} of {items} filled cells and figure sentences understood ({pct} %){tail}").format(
                file=shown_path(file), understood=c.understood, items=c.items, pct=c.pct, tail=tail
            )
        )
        for u in c.unread:
            page = f" p.{u.page}" if u.page else ""
            click.echo(f"  {u.place}{page}  {printable(u.text).replace(chr(10), ' ')[:120]}")
        return
    click.echo(to_json(result))


@main.command()
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file to check.")
@option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@wait_option
def check(db: str, as_json: bool, wait: float) -> None:
    """Re-run every consistency rule (rules/checks/*.sql) over the warehouse.

    Use it after changing a rule or the lexicon; the findings of every report are replaced.

    \b
    Example:
      jixiao check --db yuhua.duckdb
      jixiao query "SELECT rule, message FROM findings WHERE severity = 'error'" --db yuhua.duckdb
    """
    from jixiao.ingest.owed import finish_pending
    from jixiao.rules import check as run_check

    con = open_warehouse(db, wait=wait, create=False)
    try:
        problems = finish_pending(con).problems  # a killed ingest's links, before the findings are recounted
        summary = run_check(con)
    except StepFailed as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        con.close()
    if as_json:
        click.echo(json.dumps({**summary.as_dict(), "problems": problems}, ensure_ascii=False, indent=2))
    else:
        total = sum(n for _, _, n, _ in summary.findings)
        click.echo(_("{rules} rules checked: {total} findings").format(rules=summary.rules, total=total))
        for rule, severity, count, example in summary.findings:
            click.echo(
                _("  {severity} {rule} {count}  e.g. {example}").format(
                    severity=f"{_(severity):7}", rule=f"{rule:26}", count=f"{count:6}", example=example
                )
            )
        for problem in problems:
            click.echo(_("  problem: {problem}").format(problem=problem), err=True)
    sys.exit(1 if problems else 0)


@main.command()
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file to read (opened read-only).")
@option("--json", "as_json", is_flag=True, help="Print the labels as JSON.")
@option(
    "--add",
    "additions",
    multiple=True,
    metavar="CONTEXT,KEY,LABEL",
    help="Teach the lexicon a label (repeatable), e.g. 'field,department_name,部门'; kept in your own lexicon file.",
)
@option(
    "--lexicon",
    "lexicon",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Your own lexicon file [default: $JIXIAO_LEXICON or ~/.config/jixiao/lexicon.csv].",
)
@wait_option
def labels(db: str, as_json: bool, additions: tuple[str, ...], lexicon: Path | None, wait: float) -> None:
    """List labels met at ingest that the lexicon does not know, with counts and an example file,
    rows that look like the head of a block it does not know, and indicator names no kind places.

    Each label is kept in `fields` with an empty key; each unknown block is an `unknown_block`
    finding. To teach one, add it with --add CONTEXT,KEY,LABEL: it goes into your own lexicon
    (outside the installed package, merged over it at every ingest), and the files holding it
    are named so that they can be read again with jixiao ingest --reread. An indicator name is placed by a line of
    rules/indicator_kinds.csv (kind,direction,context,words).

    \b
    Example:
      jixiao labels --db yuhua.duckdb
      jixiao labels --add 'field,department_name,部门' --db yuhua.duckdb
    """
    from jixiao.warehouse import unknown_blocks, unmapped_labels, unplaced_indicators

    if additions and not Path(db).exists():  # teaching needs no warehouse; it names the files to read again when there is one
        _teach(additions, lexicon, [], db)
        return
    con = open_warehouse(db, locked=True, wait=wait)
    try:
        found, blocks, unplaced = unmapped_labels(con), unknown_blocks(con), unplaced_indicators(con)
    finally:
        con.close()
    if additions:
        _teach(additions, lexicon, found, db)
        return
    if as_json:
        click.echo(
            json.dumps(
                {
                    "labels": [dataclasses.asdict(u) for u in found],
                    "blocks": [dataclasses.asdict(b) for b in blocks],
                    "indicators": [dataclasses.asdict(u) for u in unplaced],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(_("{n} labels the lexicon does not know").format(n=len(found)))
    for u in found:
        click.echo(
            _("  {count}  {label}    e.g. 「{example}」 in {path}").format(
                count=f"{u.count:5}", label=printable(u.label), example=printable(u.example_label), path=shown_path(u.example_path)
            )
        )
    click.echo(_("{n} blocks the lexicon does not know").format(n=len(blocks)))
    for b in blocks:
        click.echo(_("  {count}  {heads}    e.g. in {path}").format(count=f"{b.count:5}", heads=printable(b.heads), path=shown_path(b.example_path)))
    click.echo(_("{n} indicator names no kind places (rules/indicator_kinds.csv)").format(n=len(unplaced)))
    for i in unplaced:
        click.echo(
            _("  {count}  {name}    e.g. 「{example}」 under {level2} in {path}").format(
                count=f"{i.count:5}",
                name=printable(i.name),
                example=printable(i.example_name),
                level2=printable(i.level2 or "—"),
                path=shown_path(i.example_path),
            )
        )


# the kinds of narrative text as a reader calls them (narrative_items.kind)
_KIND_NAMES = {
    "achievement": N_("target completion"),
    "problem": N_("problem"),
    "cause": N_("cause"),
    "improvement": N_("improvement"),
    "results_use": N_("use of results"),
}


@main.command()
@click.argument("words")
@option(
    "--kind",
    type=click.Choice(NARRATIVE_KINDS),
    default=None,
    help="Only this kind of text: achievement (目标完成情况), problem (存在的问题), cause (原因分析), improvement (改进措施/下一步), "
    "results_use (结果应用).",
)
@option("--year", "years", type=int, multiple=True, help="Only reports of this fiscal year (give it again for more years).")
@option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="How many sentences to show.")
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file.")
@option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@wait_option
def search(words: str, kind: str | None, years: tuple[int, ...], limit: int, db: str, as_json: bool, wait: float) -> None:
    """Find sentences of the reports' narrative by their Chinese words, best first, each with its report, year and
    project.

    Words are cut as jieba cuts them (资金拨付滞后 is 资金 / 拨付 / 滞后) and ranked by tantivy's BM25. The index is
    made on the first search beside the warehouse (FILE.search/) and again after an ingest changed the narrative.

    \b
    Example:
      jixiao search "资金拨付滞后" --kind problem --db yuhua.duckdb
      jixiao search "预算编制不精准" --year 2021 --year 2022 --json --db yuhua.duckdb
    """
    from jixiao.warehouse import search as find

    con = open_warehouse(db, locked=True, wait=wait)
    try:
        hits = find(con, words, db_path=db, kind=kind, years=years, limit=limit)
    finally:
        con.close()
    if as_json:
        click.echo(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    click.echo(ngettext("{n} sentence found", "{n} sentences found", len(hits)).format(n=len(hits)))
    for h in hits:
        click.echo(
            _("{year}  {project}  [{kind}]  {path}").format(
                year=h.fiscal_year or "—",
                project=printable(h.project_name or "—"),
                kind=_(_KIND_NAMES[h.kind]) if h.kind in _KIND_NAMES else "—",
                path=shown_path(h.path or h.report_id),
            )
        )
        click.echo(f"    {printable(h.sentence)}")


def _check_lexicon(lexicon: Path | None) -> None:
    """The user's lexicon is read here once, so that a line it cannot use is one sentence before any work (the
    readers, which inherit the environment, would fail every file on it)."""
    from jixiao.normalize.lexicon import USER_LEXICON_ENV, default_lexicon

    if lexicon is not None:
        os.environ[USER_LEXICON_ENV] = str(lexicon.resolve())
    try:
        default_lexicon()
    except SettingError as exc:
        raise click.UsageError(str(exc)) from exc


def _teach(additions: tuple[str, ...], lexicon: Path | None, found, db: str) -> None:
    """Add each CONTEXT,KEY,LABEL to the user's lexicon and name the files to read again."""
    import csv as _csv

    from jixiao.base.labels import canonical_label
    from jixiao.normalize.lexicon import add_entry

    for addition in additions:
        cells = next(_csv.reader([addition]), [])
        if len(cells) != 3:
            raise click.UsageError(
                _("--add takes CONTEXT,KEY,LABEL, e.g. 'field,department_name,部门'; 「{given}」 is not that.").format(given=printable(addition))
            )
        context, key, label = cells
        try:
            written = add_entry(context, key, label, path=lexicon)
        except SettingError as exc:
            raise click.UsageError(str(exc)) from exc
        holding = next((u.paths for u in found if u.label == canonical_label(cells[2])), ())
        click.echo(
            _("「{label}」 is now read as {key} ({context}); written to {path}.").format(
                label=printable(cells[2].strip()), key=cells[1].strip(), context=cells[0].strip(), path=shown_path(written)
            )
        )
        if holding:
            own = f"--lexicon {shlex.quote(str(written))} " if lexicon else ""
            click.echo(
                ngettext("{n} file holds it unread; read it again with:", "{n} files hold it unread; read them again with:", len(holding)).format(
                    n=len(holding)
                )
            )
            click.echo(
                f"  jixiao ingest --reread {own}--db {shlex.quote(db)} "
                + " ".join(shlex.quote(p) for p in holding[:20])
                + (" …" if len(holding) > 20 else "")
            )


@main.command()
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file.")
@option(
    "--map",
    "map_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Project mapping file (project_key,project_name,implementing_unit) [default: $JIXIAO_PROJECT_MAP or rules/project_map.csv].",
)
@wait_option
def link(db: str, map_path: Path | None, wait: float) -> None:
    """Recompute which reports are the same project across years (done after every ingest too).

    Every link keeps its reason in `project_links`; the mapping file overrides the automatic links.

    \b
    Example:
      jixiao link --db yuhua.duckdb --map my_projects.csv
      jixiao query "SELECT project_key, reason FROM project_links" --db yuhua.duckdb
    """
    from jixiao.ingest.owed import link_failed
    from jixiao.warehouse import relink

    con = open_warehouse(db, wait=wait, create=False)
    try:
        n = relink(con, map_path, full=True)
    except SettingError as exc:  # the mapping file: the user's to mend
        raise click.UsageError(str(exc)) from exc
    except Exception as exc:  # a bug in linking: one sentence, the warehouse as it was
        raise click.ClickException(link_failed(exc)) from exc
    finally:
        con.close()
    click.echo(plural(n, "project"))


@main.command()
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file (opened read-only).")
@option("--format", "fmt", type=click.Choice(["parquet", "csv", "xlsx"]), required=True, help="Output format.")
@option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write into.")
@option("--chinese", is_flag=True, help="Chinese column headers (CSV and xlsx) and sheet names (xlsx).")
@option("--no-bom", is_flag=True, help="CSV without the byte-order mark Excel needs (for tools that dislike it).")
@wait_option
def export(db: str, fmt: str, out: Path, chinese: bool, no_bom: bool, wait: float) -> None:
    """Write every table and analyst view as Parquet or CSV files, or one Excel workbook (a sheet each).

    CSV files start with a byte-order mark so that Excel opens them as UTF-8; the workbook's
    money columns show thousands separators and two decimals, its header row stays frozen.

    \b
    Example:
      jixiao export --format xlsx --out exports/ --chinese --db yuhua.duckdb
    """
    import duckdb

    from jixiao.warehouse.export import export as run_export

    con = open_warehouse(db, read_only=True, wait=wait)
    notes: list[str] = []
    try:
        written = run_export(con, out, fmt, chinese, bom=not no_bom, notes=notes)
    except (OSError, duckdb.IOException) as exc:
        raise click.ClickException(
            _("The export could not be written to {out} ({why}).").format(out=out, why=getattr(exc, "strerror", None) or str(exc).splitlines()[0])
        ) from exc
    finally:
        con.close()
    click.echo(_("{files} written to {out}").format(files=plural(len(written), "file"), out=out))
    for note in notes:
        click.echo(f"  {note}")


@main.command(context_settings={"ignore_unknown_options": True})  # a VALUE may be negative: -5
@click.argument("report_id")
@click.argument("column")
@click.argument("value")
@option("--reason", required=True, help="Why: what the source says (e.g. 「原表第2页实际支出为94.44万元」).")
@option("--by", "by", default=None, help="Who corrects [default: the login name].")
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file.")
@wait_option
def correct(report_id: str, column: str, value: str, reason: str, by: str | None, db: str, wait: float) -> None:
    """Correct a value the reader got wrong. The value read stays in `reports`; the correction is a row
    of `corrections` (old value, new value, who, when, why), and v_reports, v_spending and the views on
    them show the corrected value. Corrections survive ingesting the archive again, --reread included.

    VALUE is written as on the form: money as 94.44万元 or 944400 (元), a rate as 74.36%, a score as
    97; NULL when the true value is unknown.

    \b
    Example:
      jixiao correct 3f2a…:1 spent_yuan 94.44万元 --reason "原表第2页实际支出为94.44万元" --db yuhua.duckdb
      jixiao corrections --db yuhua.duckdb
    """
    import getpass

    from jixiao.edits import typed_value
    from jixiao.rules import resolved_findings
    from jixiao.warehouse import CorrectionRefused
    from jixiao.warehouse import correct as run_correct

    try:
        typed = typed_value(column, value)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    con = open_warehouse(db, wait=wait, create=False)
    try:
        c = run_correct(con, report_id, column, typed, by or getpass.getuser(), reason, resolves=resolved_findings)
    except CorrectionRefused as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        con.close()
    click.echo(
        _("correction {id}: {report} {column} {old} → {new} (by {by})").format(
            id=c.correction_id, report=c.report_id, column=c.column_name, old=c.old_value, new=c.new_value, by=c.corrected_by
        )
    )
    for rule, message in c.resolved:
        click.echo("  " + _("closes finding {rule}: {message}").format(rule=rule, message=message))


@main.command()
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file (opened read-only).")
@option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@wait_option
def corrections(db: str, as_json: bool, wait: float) -> None:
    """List every correction: report, value, old → new, who, when, why.

    \b
    Example:
      jixiao corrections --db yuhua.duckdb --json
    """
    from jixiao.warehouse import corrections as list_corrections

    con = open_warehouse(db, locked=True, wait=wait)
    try:
        found = list_corrections(con)
    finally:
        con.close()
    if as_json:
        click.echo(to_json([dataclasses.asdict(c) for c in found]))
        return
    click.echo(plural(len(found), "correction"))
    for c in found:
        click.echo(
            f"  {c.correction_id:4}  {c.corrected_at:%Y-%m-%d %H:%M}  {c.corrected_by}  {c.report_id}  {c.column_name}: "
            f"{c.old_value} → {c.new_value}  ({c.reason})"
        )


@main.command()
@click.argument("paths", nargs=-1)
@option("--reason", default=None, help="Why the failure is accepted (e.g. 「原件扫描不清，已向单位索要」).")
@option("--by", "by", default=None, help="Who accepts it [default: the login name].")
@option("--undo", is_flag=True, help="Take the acceptance back: the failure makes an ingest exit 1 again.")
@option("--list", "listing", is_flag=True, help="List the accepted failures.")
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file.")
@option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@wait_option
def ignore(paths: tuple[str, ...], reason: str | None, by: str | None, undo: bool, listing: bool, db: str, as_json: bool, wait: float) -> None:
    """Accept the failure of files someone has looked at (a scan no one can read, a file damaged at its
    source), so that ingest exits 0 when nothing new failed. They stay failed, are listed in every
    summary as accepted, and are not read again by themselves; a changed file is new again.

    A PATH is a file as given to ingest (found by its bytes) or a path as the warehouse stores it
    (an archive member: 「archive.zip!/a.doc」).

    \b
    Example:
      jixiao ignore 2021/扫描件.pdf --reason "原件扫描不清，已向单位索要" --db yuhua.duckdb
      jixiao ignore --list --db yuhua.duckdb
    """
    import getpass

    from jixiao.warehouse import AcknowledgeRefused, acknowledge, acknowledged, unacknowledge

    if listing == bool(paths):
        raise click.UsageError(_("Name the failed files to accept, or give --list (not both)."))
    con = open_warehouse(db, wait=wait, create=False) if not listing else open_warehouse(db, locked=True, wait=wait)
    try:
        if listing:
            found = acknowledged(con)
        else:
            doc_ids = [_document_of(con, path) for path in paths]
            if undo:
                n = unacknowledge(con, doc_ids)
                click.echo(ngettext("{n} accepted failure taken back.", "{n} accepted failures taken back.", n).format(n=n))
                return
            if reason is None:
                raise click.UsageError(_("Say why the failure is accepted (--reason), so that whoever reads the summary later knows."))
            try:
                found = acknowledge(con, doc_ids, reason, by or getpass.getuser())
            except AcknowledgeRefused as exc:
                raise click.UsageError(str(exc)) from exc
    finally:
        con.close()
    if as_json:
        click.echo(to_json([dataclasses.asdict(a) for a in found]))
        return
    for a in found:
        click.echo(
            _("  accepted: {path}: {error} (why: {reason}; {by})").format(
                path=shown_path(a.path), error=a.error or "", reason=a.reason, by=a.acknowledged_by or ""
            )
        )
    if listing:
        click.echo(ngettext("{n} accepted failure", "{n} accepted failures", len(found)).format(n=len(found)))


def _document_of(con, path: str) -> str:
    """The doc_id a PATH names: the bytes of a file as given, else a path as stored."""
    from jixiao.base.model import doc_id_of
    from jixiao.warehouse import documents_at

    given = Path(path)
    if given.is_file():
        return doc_id_of(given.read_bytes())
    stored = documents_at(con, path)
    if not stored:
        raise click.UsageError(_("No such file, and no document stored under the path {path}.").format(path=shown_path(path)))
    return stored[-1]


@main.command(context_settings={"ignore_unknown_options": True})  # SQL may start with a -- comment
@click.argument("sql", required=False)
@option("--file", "-f", "sql_file", type=click.File("r", encoding="utf-8"), default=None, help="Read the SQL from this file (- for standard input).")
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file to query (opened read-only).")
@option(
    "--stage",
    "stage",
    default=None,
    metavar="DIR",
    help="Query a stage's Parquet shards instead of a warehouse (its tables, not yet the views; no load needed).",
)
@option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "markdown"]),
    default="table",
    show_default=True,
    help="table: boxed on a terminal, aligned text in a pipe; every format prints values whole.",
)
@option("--csv", "as_csv", is_flag=True, help="The same as --format csv.")
@wait_option
def query(sql: str | None, sql_file, db: str, stage: str | None, fmt: str, as_csv: bool, wait: float) -> None:
    """Run SQL against the warehouse, read-only: SELECT, DESCRIBE, SHOW, EXPLAIN.

    SQL is the argument (it may start with a -- comment), or - (or --file) to read it from standard
    input or a file. Several statements separated by ; print one result each, a blank line between;
    with --format json, one array of {"statement", "rows"}. A table shows NULL as NULL. The connection cannot leave the warehouse:
    ATTACH, COPY, EXPORT, INSTALL, LOAD, SET and any write are refused (exit 2), and file-reading
    functions (read_csv, read_text, glob …) fail. Use `jixiao export` to write files.

    \b
    Example:
      jixiao query "SELECT fiscal_year, project_name, execution_rate_pct FROM v_spending WHERE execution_rate_pct < 80"
      jixiao query --format csv "SELECT * FROM v_unit_year" > unit_year.csv
      echo "SELECT count(*) FROM documents; SELECT status, count(*) FROM documents GROUP BY 1" | jixiao query -
    """
    import duckdb

    from jixiao.base import render
    from jixiao.warehouse.queries import QueryRefused, run_readonly

    if sql_file is not None:
        if sql is not None:
            raise click.UsageError(_("Give the SQL either as the argument or with --file, not both."))
        sql = sql_file.read()
    elif sql == "-":
        sql = sys.stdin.read()
    if not sql or not sql.strip():
        raise click.UsageError(_("No SQL given: pass it as the argument, or - to read standard input, or --file FILE."))
    if as_csv and fmt not in ("table", "csv"):
        raise click.UsageError(_("--csv and --format {fmt} say two different things; give one.").format(fmt=fmt))
    fmt = "csv" if as_csv else fmt
    if stage is not None:
        from jixiao.warehouse.stage import Stage, StageError, stage_connection

        if click.get_current_context().get_parameter_source("db") is not click.core.ParameterSource.DEFAULT:
            raise click.UsageError(_("Give --stage or --db, not both: a query reads one of them."))
        try:
            con = stage_connection(Stage(stage))
        except StageError as exc:
            raise click.UsageError(str(exc)) from exc
    else:
        con = open_warehouse(db, locked=True, wait=wait)
    try:
        results = run_readonly(con, sql)
    except QueryRefused as exc:
        raise click.UsageError(str(exc)) from exc
    except duckdb.PermissionException as exc:
        raise click.UsageError(
            _(
                "The query reaches outside the warehouse (a file, another database or an extension), which "
                "`jixiao query` refuses; use `jixiao export` to write files ({detail})."
            ).format(detail=str(exc).splitlines()[0])
        ) from exc
    except duckdb.Error as exc:  # the whole message: DuckDB's hints (Did you mean "reports"?) are the useful part
        raise click.UsageError(_("The SQL could not run: {detail}").format(detail=exc)) from exc
    finally:
        con.close()
    if fmt == "json" and len(results) > 1:  # one JSON document, not several one after the other
        click.echo(render.as_json_results([(r.sql, r.columns, r.rows) for r in results]))
        return
    for i, result in enumerate(results):
        if i:
            click.echo("")  # a blank line between results, in CSV too
        if fmt == "csv":
            sys.stdout.write(render.as_csv(result.columns, result.rows))
        elif fmt == "json":
            click.echo(render.as_json(result.columns, result.rows))
        elif fmt == "markdown":
            sys.stdout.write(render.as_markdown(result.columns, result.rows))
        else:
            render.print_table(result.columns, result.rows, terminal=sys.stdout.isatty())


@main.command()
@click.argument("stage")
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file to load into (created when missing).")
@option("--reread", is_flag=True, help="The stage's readings replace documents the warehouse holds already.")
@wait_option
def load(stage: str, db: str, reread: bool, wait: float) -> None:
    """Load a stage's Parquet shards (written by `ingest --engine ray`) into the warehouse, then run
    the rules and link projects as after an ingest. Loading the same stage twice, or two stages that
    overlap, adds nothing twice: documents are matched by their bytes (doc_id).

    
    Example:
      jixiao load /shared/stage --db province.duckdb
      jixiao load s3://bucket/jixiao-stage --db province.duckdb
    """
    import time

    from jixiao.ingest.loading import load as load_stage
    from jixiao.warehouse.stage import Stage, StageError

    started = time.perf_counter()
    try:
        staged = Stage(stage).must_exist()  # before the warehouse: a wrong path creates no empty file
    except StageError as exc:
        raise click.UsageError(str(exc)) from exc
    con = open_warehouse(db, wait=wait)
    try:
        loaded = load_stage(con, staged, reread)
    except StageError as exc:
        raise click.UsageError(str(exc)) from exc
    except StepFailed as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        con.close()
    click.echo(
        _("{shards} from {stage}: {documents} written, {findings} → {db} in {seconds} s").format(
            shards=plural(loaded.shards, "shard"),
            stage=stage,
            documents=plural(loaded.documents, "document"),
            findings=plural(loaded.findings, "finding"),
            db=db,
            seconds=f"{time.perf_counter() - started:.1f}",
        )
    )
    for problem in loaded.problems:
        click.echo(_("  problem: {problem}").format(problem=problem), err=True)
    if loaded.problems:
        sys.exit(1)


@main.command()
@option("--db", default=DEFAULT_DB, show_default=True, help="Warehouse file to review.")
@option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; any address but loopback needs the token printed at start.")
@option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free one).")
@option("--user", default=None, help="Name recorded with corrections and reviews [default: the login name].")
@option(
    "--pages",
    "pages_dir",
    default=None,
    metavar="DIR",
    help="Where PDFs converted from Word and spreadsheet files are kept [default: DB.pages beside the warehouse].",
)
def serve(db: str, host: str, port: int, user: str | None, pages_dir: str | None) -> None:
    """Start the review desk in the browser: an overview of the archive, each report's values beside
    the page they came from, findings to mark confirmed / explained / false alarm, and corrections
    kept in their own table (never over the value read).

    It listens on 127.0.0.1 unless --host says otherwise; then every request needs the token it
    prints. It has no SQL endpoint, and opens the warehouse for writing only to record a correction
    or a review. Stop it with Ctrl-C.

    \b
    Example:
      jixiao serve --db yuhua.duckdb            # then open http://127.0.0.1:8000/
    """
    import getpass
    import secrets
    import socket

    import uvicorn

    from jixiao.desk import create_app, is_loopback
    from jixiao.warehouse import WarehouseUnavailable

    loopback = is_loopback(host)
    token = None if loopback else secrets.token_urlsafe(24)
    try:
        app = create_app(db, pages_dir=pages_dir, user=user or getpass.getuser(), token=token, loopback=loopback, preconvert=True)
    except SettingError as exc:
        raise click.UsageError(str(exc)) from exc
    except WarehouseUnavailable as exc:
        raise WarehouseError(str(exc)) from exc
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:  # a taken port: one sentence
        try:
            probe.bind((host, port))
            port = probe.getsockname()[1]
        except OSError as exc:
            raise click.UsageError(
                _("Cannot listen on {host}:{port} ({why}); choose another --port or --host.").format(host=host, port=port, why=exc.strerror)
            ) from exc
    shown = host
    if host in ("0.0.0.0", "::"):  # every address of this machine: name one others can open
        try:
            shown = socket.gethostbyname(socket.gethostname())
        except OSError:
            shown = socket.gethostname()
    shown = f"[{shown}]" if ":" in shown else shown
    address = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    click.echo(
        _("review desk for {db} at {address}").format(db=db, address=address)
        + ("" if loopback else _("  (the token is needed: share the whole address)"))
    )
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        app.state.desk.sources.stopping.set()  # pages converted ahead: no further LibreOffice run


if __name__ == "__main__":  # pragma: no cover
    main()
