"""Access Now #KeepItOn STOP: one event per internet shutdown and country.

The data is a public Google Sheet (CSV export of one sheet, or the whole workbook as .xlsx);
the collector reads a CSV or every sheet of a workbook. One row is one shutdown, with
``start_date``, ``end_date`` (empty while ongoing), ``country`` (UN-style names, several
separated by ``;``), type, extent, affected networks and ``*_affected`` service flags.

The yearly sheets use different headers (2020 onward: ``shutdown_type``/``shutdown_extent``;
2019: ``shutdown_type_new``/``full or service-based``/``Facebook_affected``; 2016–2018:
``shutdown_type_group``/``services_affected``, where ``shutdown_type`` lists networks). Each
canonical field has an explicit list of known header variants in :data:`FIELDS`; a sheet that
has STOP headers but lacks a required field fails with the file, sheet and field named.

Event ids are a hash of source, country, start, normalised type and extent, area and the
occurrence of that key in its sheet. The end date is deliberately left out: an ongoing
shutdown that ends later keeps its id and is updated rather than duplicated. The same
shutdown repeated in several yearly sheets (ongoing ones are carried over) becomes one event,
taken from the newest sheet.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date, datetime
from typing import Any

import pandas as pd

from collectors.base import Batch, PublishedFile, RunContext, SourceError
from collectors.files import FileCollector, Rows, read_sheets
from roamwatch.countries import name_to_iso3
from roamwatch.warehouse.store import SourceInfo

SOURCE_ID = "accessnow"
#: The public STOP workbook (every sheet) as .xlsx, from Google Sheets' export of the sheet that
#: accessnow.org/keepiton-data-spreadsheet leads to. Unverified here (no network): the first
#: import checks it against the STOP headers and fails, naming what it found, if it is not.
STOP_XLSX_URL = ("https://docs.google.com/spreadsheets/d/"
                 "1DvPAuHNLp5BXGb0nnZDGNoiIwEeu2ogdXEIDvT4Hyfk/export?format=xlsx")
KIND = "shutdown"

# canonical field → header variants (compared stripped, lower-case, blanks collapsed), in
# order of preference. 2020–2022 sheets use the first names; see the module docstring.
FIELDS: dict[str, tuple[str, ...]] = {
    "start_date": ("start_date", "start date"),
    "end_date": ("end_date", "end date"),
    "country": ("country", "countries"),
    "shutdown_type": ("shutdown_type_new", "shutdown_type"),  # 2019 | 2016–18 and 2020+
    "shutdown_extent": ("shutdown_extent", "full or service-based", "shutdown_type_group"),
    "affected_network": ("affected_network", "services_affected"),
    "area_name": ("area_name",),
    "geo_scope": ("geo_scope",),
    "shutdown_status": ("shutdown_status",),
    "start_date_type": ("start_date_type",),
    "region": ("region", "continent"),
    "ordered_by": ("ordered_by",),
    "decision_maker": ("decision_maker",),
    "actual_cause": ("actual_cause",),
    "gov_justification": ("gov_justification", "official_just"),
    "election": ("election",),
    "violence": ("violence",),
    "event": ("event",),
    "an_link": ("an_link",),
    "info_source_link": ("info_source_link", "news_link"),
    "telcos_involved": ("telcos_involved",),
    "facebook_affected": ("facebook_affected",),
    "twitter_affected": ("twitter_affected",),
    "whatsapp_affected": ("whatsapp_affected",),
    "instagram_affected": ("instagram_affected",),
    "telegram_affected": ("telegram_affected",),
    "sms_affected": ("sms_affected",),
    "phonecall_affected": ("phonecall_affected",),
    "sms_and_phonecall_affected": ("sms_and_phone_call_affected",),  # 2019
    "other_affected": ("other_affected", "other_service_details (specify)", "service_details"),
    "source_row_id": ("id",),
}
REQUIRED = ("start_date", "end_date", "country", "shutdown_type")
SERVICE_FLAGS = (
    "facebook", "twitter", "whatsapp", "instagram", "telegram", "sms", "phonecall",
    "sms_and_phonecall",
)
# end_date texts meaning "no end known"
OPEN_ENDED = {"ongoing", "unknown", "unkown", "n/a", "na", "-", "tbd", "none", "?"}
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y", "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M", "%m/%d/%y", "%Y/%m/%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y",
    "%b %d, %Y", "%d-%b-%Y", "%d-%b-%y",
)
_LEADING_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})\b")
_EARLIEST = pd.Timestamp("1990-01-01")


def _norm_header(value: Any) -> str:
    return " ".join(str(value).strip().lower().split()) if value is not None else ""


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = " ".join(str(value).split())
    return text or None


def parse_date(value: Any) -> tuple[pd.Timestamp | None, str]:
    """A STOP date cell → (timestamp, how): how is ok, prefix, empty, open or bad.

    Accepts datetimes, Excel serial numbers (also as digit strings), ISO dates, M/D/YYYY (the
    Google Sheet's CSV export) and a few spelled-out forms. ``prefix`` means a date followed by
    a note ("4/1/2018 upon CAF visit"); ``open`` is a word such as "Ongoing" or "Unknown".
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None, "empty"
    if isinstance(value, bool):
        return None, "bad"
    if isinstance(value, datetime | date):
        return pd.Timestamp(value), "ok"
    if isinstance(value, int | float):
        return _serial(float(value))
    text = " ".join(str(value).split())
    if not text:
        return None, "empty"
    if text.lower().rstrip(".") in OPEN_ENDED:
        return None, "open"
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _serial(float(text))
    for fmt in _FORMATS:
        try:
            return pd.Timestamp(datetime.strptime(text, fmt)), "ok"
        except ValueError:
            continue
    lead = _LEADING_DATE.match(text)
    if lead:
        stamp, how = parse_date(lead.group(1))
        if how == "ok":
            return stamp, "prefix"
    return None, "bad"


def _serial(days: float) -> tuple[pd.Timestamp | None, str]:
    if not 20000 <= days <= 80000:  # 1954 … 2119: anything else is not a date
        return None, "bad"
    return _EXCEL_EPOCH + pd.Timedelta(days=days), "ok"


def _tokens(value: str | None) -> list[str]:
    if not value:
        return []
    return [t.strip().lower() for t in re.split(r",|;|/|&|\band\b", value) if t.strip()]


def norm_type(value: str | None) -> str | None:
    """"Shutdown", "Throttle" or "Shutdown, Throttle"; network names (2016–18) mean Shutdown."""
    found = set()
    for token in _tokens(value):
        if "throttl" in token:
            found.add("Throttle")
        elif "unknown" in token or "unkown" in token:
            continue
        else:  # "shutdown", or a network/service name in the 2016–18 sheet
            found.add("Shutdown")
    return ", ".join(sorted(found)) or None


def norm_extent(value: str | None) -> str | None:
    """"Full network", "Service-based" or both; 2016–18 network groups count as full network."""
    found = set()
    for token in _tokens(value):
        if "service" in token:
            found.add("Service-based")
        elif any(w in token for w in ("full", "internet", "mobile", "broadband", "network")):
            found.add("Full network")
    return ", ".join(sorted(found)) or None


def norm_networks(value: str | None) -> list[str]:
    names = {"broadband": "Broadband", "mobile": "Mobile", "sms": "SMS", "telephon": "Telephony",
             "landline": "Telephony", "phone": "Telephony"}
    found: list[str] = []
    for token in _tokens(value):
        for word, name in names.items():
            if word in token and name not in found:
                found.append(name)
    return found


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = (_text(value) or "").lower()
    if text in ("yes", "true", "1", "y"):
        return True
    if text in ("no", "false", "0", "n", "none"):
        return False
    return None


def find_columns(rows: Rows, where: str) -> tuple[int, dict[str, int]] | None:
    """(header row index, canonical field → column) or None when the sheet has no STOP header.

    A header is the first of the first five rows naming at least two required fields; one that
    lacks a required field raises :class:`SourceError`.
    """
    for i, row in enumerate(rows[:5]):
        headers = {_norm_header(c): j for j, c in reversed(list(enumerate(row))) if c is not None}
        columns = {}
        for field, variants in FIELDS.items():
            for variant in variants:
                if variant in headers:
                    columns[field] = headers[variant]
                    break
        if sum(f in columns for f in REQUIRED) < 2:
            continue
        missing = [f for f in REQUIRED if f not in columns]
        if missing:
            raise SourceError(
                f"accessnow: {where}: required column(s) {', '.join(missing)} not found "
                f"(known header variants: {', '.join(v for f in missing for v in FIELDS[f])}; "
                f"headers present: {[str(c).strip() for c in row if c is not None]})"
            )
        return i, columns
    return None


def _event_id(iso3: str, start: pd.Timestamp, key: tuple, occurrence: int) -> str:
    text = "|".join([SOURCE_ID, iso3, start.isoformat(), *map(str, key), str(occurrence)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def parse_sheet(rows: Rows, sheet: str, filename: str, batch: Batch) -> list[dict] | None:
    """One sheet → event records, or None when the sheet has no STOP header."""
    where = f"{filename}, sheet {sheet!r}" if sheet != filename else filename
    found = find_columns(rows, where)
    if found is None:
        return None
    header_at, cols = found

    def cell(row: tuple, field: str) -> Any:
        j = cols.get(field)
        return row[j] if j is not None and j < len(row) else None

    occurrences: Counter = Counter()
    events = []
    for offset, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if all(_text(c) is None for c in row):
            continue  # blank spreadsheet row
        countries_text = _text(cell(row, "country"))
        if not countries_text:
            batch.rejected["shutdown without a country"] += 1
            continue
        start, how = parse_date(cell(row, "start_date"))
        if start is None or start < _EARLIEST:
            batch.rejected["start_date not a date"] += 1
            continue
        end, end_how = parse_date(cell(row, "end_date"))
        if end_how == "bad":
            batch.skipped["end_date not a date (kept, end left empty)"] += 1
        if end is not None and end < start:
            batch.rejected["end_date before start_date"] += 1
            continue
        raw = {f: _text(cell(row, f)) for f in ("shutdown_type", "shutdown_extent",
                                                "affected_network", "end_date")}
        kind_of = norm_type(raw["shutdown_type"])
        extent = norm_extent(raw["shutdown_extent"])
        area = _text(cell(row, "area_name"))
        details = {
            "type": kind_of,
            "extent": extent,
            "networks": norm_networks(raw["affected_network"]),
            "area": area,
            "geo_scope": _text(cell(row, "geo_scope")),
            "status": _text(cell(row, "shutdown_status")),
            "start_date_type": _text(cell(row, "start_date_type")),
            "region": _text(cell(row, "region")),
            "services": {s: _flag(cell(row, f"{s}_affected")) for s in SERVICE_FLAGS
                         if f"{s}_affected" in cols},
            "other_services": _text(cell(row, "other_affected")),
            "ordered_by": _text(cell(row, "ordered_by")),
            "decision_maker": _text(cell(row, "decision_maker")),
            "actual_cause": _text(cell(row, "actual_cause")),
            "justification": _text(cell(row, "gov_justification")),
            "election": _flag(cell(row, "election")),
            "violence": _flag(cell(row, "violence")),
            "event": _text(cell(row, "event")),
            "link": _text(cell(row, "an_link")),
            "telcos": _text(cell(row, "telcos_involved")),
            "raw": raw,
            "sheet": sheet,
            "row": offset,
            "source_row_id": _text(cell(row, "source_row_id")),
        }
        names = [n.strip() for n in countries_text.split(";") if n.strip()]
        if len(names) > 1:
            details["countries"] = names
        key = (kind_of, extent, (area or "").lower())
        for name in names:
            iso3 = name_to_iso3(name)
            if iso3 is None:
                batch.unmapped[name] += 1
                continue
            occurrences[(iso3, start, key)] += 1
            n = occurrences[(iso3, start, key)]
            events.append({
                "id": _event_id(iso3, start, key, n),
                "source": SOURCE_ID,
                "country": iso3,
                "start_time": start,
                "end_time": end,
                "kind": KIND,
                "severity": None,
                "details": {**details, "country_name": name},
            })
    return events


def _newest_first(name: str) -> tuple[int, str]:
    years = [int(y) for y in re.findall(r"(?<!\d)(20\d{2})(?!\d)", name)]
    return (-max(years) if years else 0, name)


class Stop(FileCollector):
    name = "accessnow"
    source = SourceInfo(
        id=SOURCE_ID,
        name="Access Now, #KeepItOn STOP (Shutdown Tracker Optimization Project)",
        homepage="https://www.accessnow.org/campaign/keepiton/",
        licence="Not stated by Access Now (unverified); cite Access Now #KeepItOn",
        licence_url="https://www.accessnow.org/keepiton-data/",
        citation="Access Now, #KeepItOn STOP data",
        terms=(
            "The STOP sheet is published openly but states no licence: attribute Access Now "
            "#KeepItOn and check with Access Now before republishing the rows."
        ),
    )
    defaults = {
        "enabled": True,
        "schedule": "0 7 * * 1",  # weekly, Monday 07:00 UTC: the sheet gets ad-hoc updates
        # The whole public workbook; one sheet's CSV export (…/export?format=csv&gid=<gid>)
        # or a downloaded .xlsx/.csv (--file) work the same.
        "url": STOP_XLSX_URL,
    }
    published_file = PublishedFile(
        page="https://www.accessnow.org/keepiton-data/",
        what="the #KeepItOn STOP data sheet, as .xlsx (every yearly sheet) or one sheet as .csv",
        example="KeepItOn-STOP-data.xlsx",
    )

    def parse_file(self, ctx: RunContext, content: bytes, filename: str) -> Batch:
        batch = Batch()
        sheets = read_sheets(content, filename)
        events: dict[str, dict] = {}
        data_sheets = 0
        for sheet in sorted(sheets, key=_newest_first):
            rows = sheets[sheet]
            records = parse_sheet(rows, sheet, filename, batch)
            if records is None:
                filled = sum(1 for r in rows if any(_text(c) for c in r))
                batch.skipped[f"sheet without STOP headers: {sheet.strip()}"] += filled
                continue
            data_sheets += 1
            for record in records:
                if record["id"] in events:
                    batch.skipped["shutdown repeated from a newer sheet"] += 1
                    continue
                events[record["id"]] = record
        if not data_sheets:
            raise SourceError(
                f"accessnow: {filename}: no sheet has the STOP columns "
                f"({', '.join(REQUIRED)}); is this the #KeepItOn STOP data?"
            )
        frame = pd.DataFrame(
            list(events.values()),
            columns=["id", "source", "country", "start_time", "end_time", "kind", "severity",
                     "details"],
        )
        frame["start_time"] = pd.to_datetime(frame["start_time"])
        frame["end_time"] = pd.to_datetime(frame["end_time"])
        batch.events = frame
        ctx.log(f"{filename}: {len(frame)} shutdown events from {data_sheets} sheet(s)")
        return batch


COLLECTORS = (Stop,)
