"""The review desk: a local web app over one warehouse (Starlette, server-rendered pages, htmx).

Safe by default: it answers on loopback only to loopback host names (no DNS rebinding); on any other
address every request needs the token printed at start. Every change (a correction, a finding's
review) is a POST that carries the page's form key, so another site cannot make one. Pages read
through the locked-down read-only connection; only corrections and reviews open the file for
writing, for the moment they write. There is no SQL endpoint, and a source file is found by its
doc_id in the warehouse, never by a path from the request.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlencode

import duckdb
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from jixiao.base.i18n import N_, _, language, ngettext
from jixiao.base.model import NARRATIVE_KINDS
from jixiao.base.render import text_of
from jixiao.edits import typed_value
from jixiao.extract.formats import FORMATS
from jixiao.rules import resolved_findings
from jixiao.warehouse import CorrectionRefused, ReviewRefused, WarehouseUnavailable, connect, connect_locked, correct, review, search
from jixiao.warehouse.export import chinese_headers
from jixiao.warehouse.reviews import VERDICTS
from jixiao.warehouse.schema import CORRECTABLE

from . import data
from .chart import execution_chart
from .sources import Box, SourceMissing, Sources

log = logging.getLogger("jixiao.desk")

HERE = Path(__file__).parent
LOCK_WAIT_S = 5.0  # an ingest writing holds the file: a page waits this long, then says so
COOKIE = "jixiao_desk"
DOC_ID = re.compile(r"[0-9a-f]{64}")


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine's own: localhost, 127.x.y.z, ::1 (never a name
    that merely starts like one, 127.0.0.1.evil.example)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# a verdict as the desk shows it (the Chinese of each is warehouse.reviews.VERDICTS)
VERDICT_WORDS = {"confirmed": N_("Confirmed wrong"), "explained": N_("Explained"), "false_alarm": N_("False alarm"), "open": N_("To review")}


class Verdicts(Mapping[str, str]):
    """Verdict → its words, in the language in effect when a page reads them."""

    def __getitem__(self, verdict: str) -> str:
        return _(VERDICT_WORDS[verdict])

    def __iter__(self) -> Iterator[str]:
        return iter(VERDICTS)

    def __len__(self) -> int:
        return len(VERDICTS)


@dataclass
class Desk:
    """One served warehouse and what the pages need beside it."""

    db: Path
    sources: Sources
    user: str
    form_key: str  # in every page; a POST without it is refused (cross-site requests)
    token: str | None  # on a non-loopback address: required on every request
    loopback: bool

    def __post_init__(self) -> None:
        self._lock = threading.Lock()  # one connection at a time: DuckDB will not mix read-only and writing ones

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            con = connect_locked(self.db, wait_s=LOCK_WAIT_S)
            try:
                yield con
            finally:
                con.close()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            con = connect(self.db, create=False, wait_s=LOCK_WAIT_S)
            try:
                yield con
            finally:
                con.close()


def create_app(
    db: str | Path,
    *,
    pages_dir: str | Path | None = None,
    user: str = "reviewer",
    token: str | None = None,
    loopback: bool = True,
    preconvert: bool = False,
) -> Starlette:
    """The desk over db. pages_dir keeps PDFs converted from Word and spreadsheet files
    (default: beside db, DB.pages). token: required on every request (for non-loopback hosts).
    preconvert: convert those files' pages ahead in a background thread (app.state.preconverting)."""
    db = Path(db)
    connect(db, create=False).close()  # missing or not a warehouse: say so now; an old one is migrated once here
    desk = Desk(db, Sources(Path(pages_dir) if pages_dir else db.with_name(db.name + ".pages")), user, secrets.token_urlsafe(24), token, loopback)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.filters.update(money=_money, num=_num, text=lambda v: "" if v is None else text_of(v))
    # _ and ngettext translate when a page is rendered, so each page is in the language in effect then
    env.globals.update(header=_header, verdicts=Verdicts(), correctable=CORRECTABLE, _=_, ngettext=ngettext, language=language)

    def page(request: Request, name: str, status: int = 200, **context) -> Response:
        return templates.TemplateResponse(request, name, {"desk": desk, **context}, status_code=status)

    def failure(request: Request, sentence: str, status: int) -> Response:
        return page(request, "error.html", status, sentence=sentence)

    def overview(request: Request) -> Response:
        with desk.reading() as con:
            o = data.overview(con)
        return page(request, "overview.html", o=o, chart=execution_chart(o["rates"]))

    def reports(request: Request) -> Response:
        q = request.query_params
        f = data.ReportFilter(
            year=_int(q.get("year")),
            unit=q.get("unit") or None,
            text=(q.get("q") or "").strip() or None,
            under_pct=_decimal(q.get("under")),
            with_findings=q.get("findings") == "1",
        )
        with desk.reading() as con:
            listed = data.report_list(con, f, _int(q.get("page")) or 1, data.PAGE_ROWS)
            years, units = data.years_and_units(con)
        return page(request, "reports.html", rows=listed.rows, listed=listed, pager=_pager(request, listed), f=f, years=years, units=units)

    def report_page(request: Request, report_id: str, message: str | None = None, status: int = 200, refusal: dict | None = None) -> Response:
        with desk.reading() as con:
            view = data.report_view(con, report_id)
        if view is None:
            return failure(request, _("There is no report {report_id} in this warehouse.").format(report_id=report_id), 404)
        viewer = _viewer(desk, view)
        name = "_report_main.html" if request.headers.get("HX-Request") else "report.html"
        return page(request, name, status, v=view, viewer=viewer, message=message, refusal=refusal)

    def report(request: Request) -> Response:
        return report_page(request, request.path_params["report_id"])

    async def correct_value(request: Request) -> Response:
        form = await _form(request, desk)
        if form is None:
            return failure(request, _("This change came without the desk's form key (from another site?) and was refused."), 403)
        report_id = request.path_params["report_id"]
        message, refused = await run_in_threadpool(_correct, desk, report_id, form)
        # a refused value stays in its field beside the reason in red, so the person fixes it rather than types it again
        refusal = {"column": form.get("column"), "value": form.get("value", ""), "reason": form.get("reason", "")} if refused else None
        if request.headers.get("HX-Request"):  # htmx swaps only a 2xx answer
            return await run_in_threadpool(report_page, request, report_id, message, 200, refusal)
        if refused:
            return await run_in_threadpool(report_page, request, report_id, message, 422, refusal)
        return RedirectResponse(f"/report/{report_id}", status_code=303)

    def findings(request: Request) -> Response:
        q = request.query_params
        rule, severity, verdict = q.get("rule") or None, q.get("severity") or None, q.get("verdict") or None
        with desk.reading() as con:
            listed = data.findings_list(con, rule, severity, verdict, _int(q.get("page")) or 1, data.PAGE_ROWS)
            rules = data.rules_and_counts(con)
        return page(
            request,
            "findings.html",
            rows=listed.rows,
            listed=listed,
            pager=_pager(request, listed),
            rules=rules,
            rule=rule,
            severity=severity,
            verdict=verdict,
        )

    async def review_finding(request: Request) -> Response:
        form = await _form(request, desk)
        if form is None:
            return failure(request, _("This change came without the desk's form key (from another site?) and was refused."), 403)
        key = (form.get("report_id", ""), form.get("rule", ""), form.get("message", ""))
        message = await run_in_threadpool(_review, desk, key, form)
        if not request.headers.get("HX-Request"):
            return RedirectResponse("/findings", status_code=303)
        row = await run_in_threadpool(_finding, desk, key)
        if row is None:
            return failure(request, message or _("That finding is no longer in the warehouse."), 404)
        return page(request, "_finding_row.html", f=row, message=message, with_report=form.get("context") != "report")

    def corrections(request: Request) -> Response:
        with desk.reading() as con:
            rows = data.all_corrections(con)
        return page(request, "corrections.html", rows=rows)

    def search_page(request: Request) -> Response:
        q = request.query_params
        words, kind = (q.get("q") or "").strip(), q.get("kind") if q.get("kind") in NARRATIVE_KINDS else None
        year = _int(q.get("year"))
        hits = []
        if words:
            with desk.reading() as con:
                hits = search(con, words, db_path=desk.db, kind=kind, years=(year,) if year else (), limit=50)
        return page(request, "search.html", hits=hits, words=words, kind=kind, year=year, kinds=NARRATIVE_KINDS)

    def source_page(request: Request) -> Response:
        doc_id, number = request.path_params["doc_id"], request.path_params["page"]
        if not DOC_ID.fullmatch(doc_id):
            return PlainTextResponse(_("Not a document id."), 404)
        with desk.reading() as con:
            known = data.document_of(con, doc_id)
        if known is None:
            return PlainTextResponse(_("No such document in this warehouse."), 404)
        try:
            png = desk.sources.png(desk.sources.pdf(doc_id, *known), number)
        except SourceMissing as exc:
            return PlainTextResponse(str(exc), 404)
        except ValueError:
            return PlainTextResponse(_("The document has no such page."), 404)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    routes = [
        Route("/", overview),
        Route("/reports", reports),
        Route("/report/{report_id}", report),
        Route("/report/{report_id}/correct", correct_value, methods=["POST"]),
        Route("/findings", findings),
        Route("/findings/review", review_finding, methods=["POST"]),
        Route("/corrections", corrections),
        Route("/search", search_page),
        Route("/source/{doc_id}/{page:int}.png", source_page),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, desk=desk)],
        exception_handlers={WarehouseUnavailable: lambda request, exc: failure(request, str(exc), 503)},
    )
    app.state.desk = desk
    app.state.preconverting = start_preconverting(desk) if preconvert else None
    return app


def start_preconverting(desk: Desk) -> threading.Thread:
    """A background thread converting, most recent first, the stored documents LibreOffice shows that have no
    converted pages yet; a page asked for meanwhile is served as ever (waiting for its own batch, if under way)."""

    def work() -> None:
        try:
            with desk.reading() as con:
                documents = data.documents_to_show(con, [f.name for f in FORMATS if f.desk == "libreoffice"])
            done = desk.sources.preconvert(documents)
            log.info("converted the pages of %d documents ahead", done)
        except Exception:  # noqa: BLE001 - whatever failed ahead is converted when opened, as without this thread
            log.warning("converting pages ahead stopped; they are converted when opened", exc_info=True)

    thread = threading.Thread(target=work, name="desk-preconvert", daemon=True)
    thread.start()
    return thread


class Guard(BaseHTTPMiddleware):
    """Host names on loopback, the token elsewhere; and headers that keep pages to themselves."""

    def __init__(self, app, desk: Desk) -> None:
        super().__init__(app)
        self.desk = desk

    async def dispatch(self, request: Request, call_next) -> Response:
        desk = self.desk
        if desk.loopback and not is_loopback(_host_name(request.headers.get("host") or "")):
            return PlainTextResponse(_("This desk answers only as 127.0.0.1 or localhost."), 421)
        if desk.token is not None:
            given = request.query_params.get("token")
            if given is not None and secrets.compare_digest(given, desk.token):
                # the token in the address once: keep it in a cookie, and take it out of the address bar
                out = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
                out.set_cookie(COOKIE, desk.token, httponly=True, samesite="strict")
                return out
            held = request.cookies.get(COOKIE) or request.headers.get("authorization", "").removeprefix("Bearer ")
            if not (held and secrets.compare_digest(held, desk.token)):
                return PlainTextResponse(_("This desk needs its token: open the address `jixiao serve` printed."), 401)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _correct(desk: Desk, report_id: str, form: dict[str, str]) -> tuple[str, bool]:
    """Record the form's correction; the sentence to show (what changed and the findings it closed, or why nothing
    did) and whether it was refused."""
    column = form.get("column", "")
    try:
        value = typed_value(column, form.get("value", ""))
        with desk.writing() as con:
            c = correct(con, report_id, column, value, form.get("by") or desk.user, form.get("reason", ""), resolves=resolved_findings)
    except (ValueError, CorrectionRefused) as exc:
        return str(exc), True
    closed = [_("closes finding {rule}: {message}").format(rule=rule, message=message) for rule, message in c.resolved]
    done = _("Corrected {column}: {old} → {new}").format(column=_header(column), old=c.old_value or _("empty"), new=c.new_value or _("empty"))
    return _("; ").join([done, *closed]), False


def _review(desk: Desk, key: tuple[str, str, str], form: dict[str, str]) -> str | None:
    """Record the form's verdict on the finding key; None, or why it was refused."""
    try:
        with desk.writing() as con:
            review(con, *key, form.get("verdict", ""), form.get("note"), form.get("by") or desk.user)
    except ReviewRefused as exc:
        return str(exc)
    return None


def _finding(desk: Desk, key: tuple[str, str, str]) -> dict | None:
    with desk.reading() as con:
        return data.finding(con, *key)


async def _form(request: Request, desk: Desk) -> dict[str, str] | None:
    """The POSTed form, or None when it lacks the page's form key."""
    form = await request.form()
    key = request.headers.get("X-Form-Key") or form.get("form_key") or ""
    if not secrets.compare_digest(str(key), desk.form_key):
        return None
    return {k: str(v) for k, v in form.items()}


def _viewer(desk: Desk, view: data.ReportView) -> dict:
    """The source pane: the document's pages and each value's box on them (or why there is none)."""
    doc = view.document
    try:
        pdf = desk.sources.pdf(doc["doc_id"], doc["format"], view.paths)
        sizes = desk.sources.sizes(pdf)
    except SourceMissing as exc:
        return {"error": str(exc), "sizes": [], "boxes_json": "{}"}
    boxes: dict[int, Box] = {}
    for f in view.fields:
        if f["x0"] is not None and f["page"] is not None:
            boxes[f["n"]] = Box(f["page"], f["x0"], f["y0"], f["x1"], f["y1"], "cell")
        elif f["value"] is not None and doc["format"] != "pdf":
            found = desk.sources.locate(pdf, f["label"] or "", f["value"])
            if found is not None:
                boxes[f["n"]] = found
    first = min((b.page for b in boxes.values()), default=1)
    boxes_json = json.dumps({n: [b.page, b.x0, b.y0, b.x1, b.y1, b.found_by] for n, b in boxes.items()})
    return {"error": None, "sizes": sizes, "boxes_json": boxes_json, "first": first, "doc_id": doc["doc_id"]}


def _pager(request: Request, listed: data.Page) -> dict:
    """Links to the page before and after this one, with the same filters."""

    def to(number: int) -> str | None:
        if not 1 <= number <= listed.pages or number == listed.number:
            return None
        return "?" + urlencode({**{k: v for k, v in request.query_params.items() if k != "page"}, "page": number})

    return {"previous": to(listed.number - 1), "next": to(listed.number + 1), "first": to(1), "last": to(listed.pages)}


def _host_name(header: str) -> str:
    """The name in a Host header, without its port: 127.0.0.1:8000 → 127.0.0.1, [::1]:8000 → ::1."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0]


def _header(column: str) -> str:
    """A column as the reader names it: its Chinese header, or in English the column itself (as `jixiao correct` takes it)."""
    return chinese_headers().get(column, column) if language() == "zh" else column


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _num(value) -> str:
    return "" if value is None else text_of(value)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text.strip().rstrip("%")) if text and text.strip() else None
    except InvalidOperation:
        return None
