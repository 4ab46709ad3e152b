"""The shared path of file-based sources (Excel and CSV releases).

A file source reads either a local file (``roamwatch collect SOURCE --file PATH``) or the URL
in its configuration (``url``). The file is archived like any response, its SHA-256 recorded,
and re-importing a file already imported by a successful run is a no-op (``--full`` forces it).
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from collectors.base import Batch, Collector, RunContext, SourceError

Rows = list[tuple[Any, ...]]


#: What a URL answers when it gives a web page (a consent form, a moved file) instead of data.
_HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml version", b"<head")


def planned_files(settings: dict[str, Any]) -> list[str]:
    """The local files of this run (``--file``, repeatable), as absolute paths."""
    files = settings.get("file") or []
    return [str(Path(f).expanduser()) for f in (files if isinstance(files, list) else [files])]


def read_unit(ctx: RunContext, unit: str) -> bytes:
    """A file's bytes (a local path, or a URL fetched through the run's HTTP client), archived
    in the run's raw directory. A URL that answers a web page instead of a file is an error."""
    if unit.startswith(("http://", "https://")):
        content = ctx.http.get(unit).content
        if content[:200].lstrip().lower().startswith(_HTML_STARTS):
            raise SourceError(
                f"{unit} answered a web page, not a data file: the provider may have moved it or "
                "put it behind a form; download it by hand and import it with --file"
            )
        return content
    path = Path(unit)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if ctx.http.archive is not None:
        ctx.http.archive.store(path.resolve().as_uri(), None, content)
    return content


def already_imported(ctx: RunContext, content: bytes, unit: str) -> Batch | None:
    """An empty batch when a successful run already imported these exact bytes (and the run is
    not ``--full``), else None."""
    digest = hashlib.sha256(content).hexdigest()
    if ctx.full or not ctx.file_imported(digest):
        return None
    ctx.log(f"{unit} (sha256 {digest[:12]}) was already imported; nothing to do")
    batch = Batch()
    batch.skipped["file already imported"] += 1
    return batch


class FileCollector(Collector):
    """Base class of file sources: implement :meth:`parse_file`."""

    reads_files = True
    #: Run by a bare ``roamwatch collect`` only when a ``url`` is configured.
    file_source = True

    def plan(self, ctx: RunContext) -> list[str]:
        files = planned_files(ctx.settings)
        if files:
            return files
        url = ctx.settings.get("url")
        if not url:
            raise SourceError(
                f"{self.name}: no file given and no url configured; use "
                f"`roamwatch collect {self.name} --file PATH` or set [sources.{self.name}].url"
            )
        return [url]

    def read(self, ctx: RunContext, unit: str) -> bytes:
        """The file's bytes, archived in the run's raw directory."""
        return read_unit(ctx, unit)

    def fetch(self, ctx: RunContext, unit: str) -> Batch:
        content = self.read(ctx, unit)
        done = already_imported(ctx, content, unit)
        if done is not None:
            return done
        return self.parse_file(ctx, content, Path(unit).name)

    def parse_file(self, ctx: RunContext, content: bytes, filename: str) -> Batch:
        raise NotImplementedError


def check_complete_csv(rows: Rows, content: bytes, filename: str) -> None:
    """A CSV file that does not end with a line break and whose last row is shorter than the
    rows before it was cut off mid-row (a truncated download or copy): refuse it whole rather
    than store a cut value."""
    if len(rows) < 2 or content.rstrip(b" \t").endswith((b"\n", b"\r")):
        return
    width = max(len(r) for r in rows[:-1])
    last = rows[-1]
    if len(last) < width:
        raise SourceError(
            f"{filename}: the file ends in the middle of a row ({len(last)} of {width} cells, no "
            "final line break): it was cut off; download or copy it again"
        )


def read_sheets(content: bytes, filename: str) -> dict[str, Rows]:
    """Every sheet of an .xlsx/.xls workbook, or a CSV file, as lists of row tuples.

    The format is told by the bytes, not the name: ``PK`` is xlsx, the OLE2 signature is xls,
    anything else is read as CSV (UTF-8, with or without BOM). Formulas come back as their
    cached values. An unreadable file raises :class:`SourceError` naming it.
    """
    if not content:
        raise SourceError(f"{filename}: the file is empty")
    if content[:2] == b"PK":
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)]
                        for ws in book.worksheets}
            finally:
                book.close()
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
            raise SourceError(f"{filename}: not a readable .xlsx workbook ({exc})") from exc
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        import xlrd

        try:
            book = xlrd.open_workbook(file_contents=content)
        except Exception as exc:  # noqa: BLE001 - xlrd raises many unrelated types
            raise SourceError(f"{filename}: not a readable .xls workbook ({exc})") from exc
        sheets: dict[str, Rows] = {}
        for sheet in book.sheets():
            rows = []
            for i in range(sheet.nrows):
                cells = []
                for cell in sheet.row(i):
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        cells.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        cells.append(None)
                    else:
                        cells.append(cell.value)
                rows.append(tuple(cells))
            sheets[sheet.name] = rows
        return sheets
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{filename}: neither an Excel workbook nor UTF-8 CSV text ({exc})"
        ) from exc
    if "\x00" in text:
        raise SourceError(f"{filename}: binary content, neither an Excel workbook nor CSV")
    rows = [tuple(c if c.strip() else None for c in r) for r in csv.reader(io.StringIO(text))]
    check_complete_csv(rows, content, filename)
    return {filename: rows}
