"""Format readers: bytes in, one `Document` (paragraphs and table grids in reading order) out."""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module

from jixiao.base.errors import ExtractError
from jixiao.base.i18n import _
from jixiao.base.model import Document

from .docx import read_docx
from .formats import FORMATS, READ_SUFFIXES, file_format
from .legacy import convert_legacy
from .options import ReadOptions
from .pdf import read_pdf
from .sniff import sniff_format
from .xlsx import read_xlsx

__all__ = [
    "ExtractError",
    "FORMATS",
    "READ_SUFFIXES",
    "ReadOptions",
    "file_format",
    "read_document",
    "sniff_format",
    "read_docx",
    "read_pdf",
    "read_xlsx",
]


def _reader(spec: str):
    module, name = spec.split(":")
    return getattr(import_module(f"{__name__}.{module}"), name)


def read_document(
    data: bytes, fmt: str | None = None, name: str = "", converted: bytes | None = None, options: ReadOptions | None = None
) -> Document:
    """Given a file's bytes, return its Document; raise ExtractError with one sentence when it cannot be read.

    converted: for a legacy file, the .docx/.xlsx a batch conversion already made of it.
    options: how to read it; by default what the environment says (ReadOptions.from_env), read here once
    for the file, since a reader process inherits its settings through the environment.
    """
    if not data:
        raise ExtractError(_("The file is empty."))
    form = file_format(fmt or sniff_format(data, name))
    if form.reader is None:
        raise ExtractError(_(form.refusal) if form.refusal else _("A {name} file is not read.").format(name=form.name))
    options = options or ReadOptions.from_env()
    if form.converts_to:
        converted = converted if converted is not None else convert_legacy(data, form.name)
        return replace(_reader(form.reader)(converted, options), format=form.name)  # the format is what the bytes were
    return replace(_reader(form.reader)(data, options), format=form.name)
