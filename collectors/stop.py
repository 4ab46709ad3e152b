"""Access Now #KeepItOn STOP: one event per internet shutdown and country.

The data is a public Google Sheet (CSV export of one sheet, or the whole workbook as .xlsx);
the collector reads a CSV or every sheet of a workbook. One row is one shutdown, with
``start_date``, ``end_date``, ``shutdown_status`` (Ended / Ongoing / Unknown, 2020 onward),
``country`` (UN-style names, several separated by ``;``), type, extent, affected networks and
``*_affected`` service flags.

The yearly sheets use different headers (2020 onward: ``shutdown_type``/``shutdown_extent``;
2019: ``shutdown_type_new``/``full or service-based``/``Facebook_affected``; 2016–2018:
``shutdown_type_group``/``services_affected``, where ``shutdown_type`` lists networks). Each
canonical field has an explicit list of known header variants in :data:`FIELDS`; a sheet that
has STOP headers but lacks a required field fails with the file, sheet and field named.

**End state** (``event.end_state``, see :mod:`roamwatch.events`): ``known`` when the end date
parses and does not precede the start; ``ongoing`` only where the sheet says so (status
"Ongoing", or an end-date cell reading "ongoing" in the older sheets without a status column),
running up to the last day of the sheet that says so (``details.as_of``); ``unknown`` otherwise.
A row whose end precedes its start, or whose end is not a date, is kept as a start-day event
with its end unknown and a ``details.quality`` flag, and counted in the run record's notes.

**Coverage**: the dataset covers the years of its sheets (years named in the sheet name, e.g.
"2016+2017+2018", "2022 Data"; else the ``count_year`` column; else the years from the earliest
to the latest start date, from 2016, the first year STOP documents). Its *last update* is
31 December of the newest sheet year, or, when that day is still to come, the latest date the
file mentions. The batch
declares these windows (``source_coverage``, every country): inside them a country-year without
a shutdown is "none recorded"; outside them it is no data. A file with a 2023 sheet extends the
window by itself.

The workbook's "Need more details" sheet lists reports Access Now has not documented yet (a
year, a country and a source link, no date): they are not events, and the run record counts
them as skipped under that name (2 of the 3 in the 2016–2022 workbook are shutdowns the yearly
sheets record with their dates).

**Repeats**: a shutdown still going on is carried over into the next yearly sheet. Copies of
one shutdown in several sheets (same country, start day and type; area text equal once
normalised, "Nationwide" = "National" = "Entire country", or missing in one copy; or
reworded, when the sheet has one such copy and the other sheets one such event) become one
event: the newest sheet's copy, unless its end is unknown and an older copy gives the end. The
other copies are listed in ``details.merged_copies`` and counted in the run record's notes.

Event ids are a hash of source, country, start, normalised type and extent, area and the
occurrence of that key in its sheet. The end date is deliberately left out: an ongoing
shutdown that ends later keeps its id and is updated rather than duplicated. Ids of the copies
a merge leaves out are removed from the warehouse if an earlier import stored them.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime
from typing import Any

import pandas as pd

from collectors.base import Batch, PublishedFile, RunContext, SourceError, setting_date
from collectors.files import FileCollector, Rows, read_sheets
from roamwatch.countries import name_to_iso3
from roamwatch.events import KNOWN, ONGOING, UNKNOWN
from roamwatch.i18n import N_
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
    "count_year": ("count_year",),
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
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
#: The first year #KeepItOn STOP documents (its oldest sheet is "2016+2017+2018").
FIRST_STOP_YEAR = 2016
#: Area texts meaning the whole country (compared lower-case, punctuation and blanks collapsed).
NATIONAL_AREAS = frozenset({
    "nationwide", "nation wide", "national", "entire country", "the entire country",
    "whole country", "the whole country", "countrywide", "country wide", "all country",
    "all over the country", "across the country",
})


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


def norm_area(value: str | None) -> str:
    """Area text for matching repeats: "national" for the whole country, "" when missing."""
    text = " ".join(re.sub(r"[^\w\s-]+", " ", (value or "").lower()).replace("-", " ").split())
    return "national" if text in NATIONAL_AREAS else text


def _end_state(start: pd.Timestamp, end: pd.Timestamp | None, end_how: str, raw_end: str | None,
               status: str | None) -> tuple[pd.Timestamp | None, str, list[str]]:
    """(end kept, end state, quality flags) of one row; see the module docstring."""
    flags: list[str] = []
    said_ongoing = (status or "").lower() == "ongoing" or (
        status is None and end_how == "open" and (raw_end or "").lower().startswith("ongoing"))
    if end is not None and end < start:
        flags.append(f"end_date {raw_end!r} precedes start_date: kept as a start-day event, "
                     "end unknown")
        return None, UNKNOWN, flags
    if end is not None:
        if end_how == "prefix":
            flags.append(f"end_date {raw_end!r}: the leading date is used")
        if said_ongoing:
            flags.append("status says Ongoing but an end date is given: the end date is kept")
        return end, KNOWN, flags
    if end_how == "bad":
        flags.append(f"end_date {raw_end!r} is not a date: end unknown")
        return None, UNKNOWN, flags
    if said_ongoing:
        return None, ONGOING, flags
    if (status or "").lower() == "ended":
        flags.append("status says Ended but no end date is given: end unknown")
    return None, UNKNOWN, flags


@dataclass
class SheetResult:
    """One sheet's copies of events, and what the sheet tells about its coverage."""

    name: str
    copies: list[dict] = dc_field(default_factory=list)
    count_years: set[int] = dc_field(default_factory=set)
    start_years: set[int] = dc_field(default_factory=set)
    latest: pd.Timestamp | None = None
    quality: Counter = dc_field(default_factory=Counter)

    def years(self) -> list[int]:
        """The years this sheet covers: named in its title, else its count_year values, else
        the years from its earliest to its latest start date, from :data:`FIRST_STOP_YEAR` on."""
        named = sorted({int(y) for y in _YEAR.findall(self.name)})
        if named:
            return named
        if self.count_years:
            return sorted(self.count_years)
        years = [y for y in self.start_years if y >= FIRST_STOP_YEAR]
        return list(range(min(years), max(years) + 1)) if years else []


def parse_sheet(rows: Rows, sheet: str, filename: str, batch: Batch) -> SheetResult | None:
    """One sheet → its event copies (one per row and country), or None without a STOP header."""
    where = f"{filename}, sheet {sheet!r}" if sheet != filename else filename
    found = find_columns(rows, where)
    if found is None:
        return None
    header_at, cols = found
    result = SheetResult(name=sheet)

    def cell(row: tuple, field: str) -> Any:
        j = cols.get(field)
        return row[j] if j is not None and j < len(row) else None

    def seen(stamp: pd.Timestamp | None) -> None:
        if stamp is not None and (result.latest is None or stamp > result.latest):
            result.latest = stamp

    occurrences: Counter = Counter()
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
        seen(start)
        seen(end)
        result.start_years.add(start.year)
        count_year = _text(cell(row, "count_year"))
        if count_year and re.fullmatch(r"\d{4}(\.0)?", count_year):
            result.count_years.add(int(float(count_year)))
        raw = {f: _text(cell(row, f)) for f in ("shutdown_type", "shutdown_extent",
                                                "affected_network", "end_date")}
        status = _text(cell(row, "shutdown_status"))
        end, state, flags = _end_state(start, end, end_how, raw["end_date"], status)
        for flag in flags:
            result.quality[flag.split(":")[0] if "precedes" not in flag
                           else "end_date precedes start_date"] += 1
        kind_of = norm_type(raw["shutdown_type"])
        extent = norm_extent(raw["shutdown_extent"])
        area = _text(cell(row, "area_name"))
        details = {
            "type": kind_of,
            "extent": extent,
            "networks": norm_networks(raw["affected_network"]),
            "area": area,
            "geo_scope": _text(cell(row, "geo_scope")),
            "status": status,
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
        if flags:
            details["quality"] = flags
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
            result.copies.append({
                "id": _event_id(iso3, start, key, n),
                "source": SOURCE_ID,
                "country": iso3,
                "start_time": start,
                "end_time": end,
                "end_state": state,
                "kind": KIND,
                "severity": None,
                "details": {**details, "country_name": name},
            })
    return result


def _newest_first(name: str) -> tuple[int, str]:
    years = [int(y) for y in _YEAR.findall(name)]
    return (-max(years) if years else 0, name)


def last_update(sheets: list[SheetResult], today: date) -> pd.Timestamp | None:
    """The dataset's last update: 31 December of its newest sheet year, or, when that day is
    still to come, the latest date the file mentions (not after ``today``)."""
    years = [y for s in sheets for y in s.years()]
    if not years:
        return None
    year_end = pd.Timestamp(date(max(years), 12, 31))
    if year_end.date() <= today:
        return year_end
    latest = [s.latest for s in sheets if s.latest is not None and s.latest.date() <= today]
    return max(latest).normalize() if latest else pd.Timestamp(today)


def sheet_windows(sheet: SheetResult, until: pd.Timestamp) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The days a sheet covers: its years, cut at the dataset's last update ``until``."""
    out = []
    for year in sheet.years():
        first, last = pd.Timestamp(date(year, 1, 1)), min(pd.Timestamp(date(year, 12, 31)), until)
        if last >= first:
            out.append((first, last))
    return out


def _describe(copy: dict) -> dict:
    d = copy["details"]
    end = copy["end_time"]
    return {"id": copy["id"], "sheet": d["sheet"], "row": d["row"], "area": d["area"],
            "extent": d["extent"], "end_state": copy["end_state"],
            "end": None if end is None or pd.isna(end) else end.date().isoformat()}


def merge_repeats(copies: list[dict], rank: dict[str, int]) -> tuple[list[dict], list[str], Counter]:
    """One event per shutdown from copies in several sheets (see the module docstring).

    ``rank``: sheet name → 0 for the newest sheet, 1 for the next … Returns the events, the
    ids of copies merged away (to remove if stored) and counts of merges for the run record.
    """
    def group_of(copy: dict) -> tuple:
        return copy["country"], copy["start_time"], copy["details"]["type"]

    per_sheet = Counter((group_of(c), c["details"]["sheet"]) for c in copies)
    groups: dict[tuple, list[dict]] = {}
    for copy in sorted(copies, key=lambda c: (rank[c["details"]["sheet"]], c["details"]["row"])):
        group = group_of(copy)
        area = norm_area(copy["details"]["area"])
        clusters = groups.setdefault(group, [])
        sheet = copy["details"]["sheet"]
        open_ = [c for c in clusters if sheet not in c["sheets"]]
        candidates = [c for c in open_ if c["area"] == area or not c["area"] or not area]
        exact = [c for c in candidates if c["area"] == area]
        pick = exact[0] if exact else (candidates[0] if len(candidates) == 1 else None)
        if pick is None and len(open_) == 1 and len(clusters) == 1 and per_sheet[(group, sheet)] == 1:
            # one copy in this sheet, one event from the other sheets: a carried-over shutdown
            # whose area was reworded ("Cox's Bazar refugee camp" / "Refugee Camps in Cox Bazar")
            pick = open_[0]
        if pick is None:
            clusters.append({"area": area, "sheets": {sheet}, "members": [copy]})
            continue
        pick["sheets"].add(sheet)
        pick["members"].append(copy)
        pick["area"] = pick["area"] or area
    events: list[dict] = []
    retired: list[str] = []
    counts: Counter = Counter()
    for clusters in groups.values():
        for cluster in clusters:
            members = cluster["members"]
            kept = members[0]
            if kept["end_state"] == UNKNOWN:
                kept = next((m for m in members if m["end_state"] == KNOWN), kept)
            others = [m for m in members if m is not kept]
            if others:
                kept = {**kept, "details": {**kept["details"],
                                            "merged_copies": [_describe(m) for m in others]}}
                counts["copies merged into an event from another sheet"] += len(others)
                if {norm_area(m["details"]["area"]) for m in members} != \
                        {norm_area(kept["details"]["area"])} or \
                        len({(m["details"]["area"] or "").lower() for m in members}) > 1:
                    counts["of which the area text differs"] += len(others)
                retired.extend(m["id"] for m in others if m["id"] != kept["id"])
            events.append(kept)
    return events, sorted(set(retired) - {e["id"] for e in events}), counts



def _skip_reason(sheet: str) -> str:
    """Why a sheet without STOP headers is left out (counted in the run record)."""
    if re.sub(r"\s+", " ", sheet).strip().lower() == "need more details":
        return ("undated reports in Access Now's 'Need more details' sheet (year, country and "
                "a source only; not rows of the yearly data)")
    return f"sheet without STOP headers: {sheet.strip()}"


class Stop(FileCollector):
    name = "accessnow"
    source = SourceInfo(
        id=SOURCE_ID,
        name="Access Now, #KeepItOn STOP (Shutdown Tracker Optimization Project)",
        homepage="https://www.accessnow.org/campaign/keepiton/",
        licence=N_("Not stated by Access Now (unverified); cite Access Now #KeepItOn"),
        licence_url="https://www.accessnow.org/keepiton-data/",
        citation="Access Now, #KeepItOn STOP data",
        terms=N_(
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
        # Optional ISO date "today": the import date used to tell a finished sheet year from
        # one still in progress (reproducible imports); default: the real date.
    }
    published_file = PublishedFile(
        page="https://www.accessnow.org/keepiton-data/",
        what="the #KeepItOn STOP data sheet, as .xlsx (every yearly sheet) or one sheet as .csv",
        example="KeepItOn-STOP-data.xlsx",
    )

    def parse_file(self, ctx: RunContext, content: bytes, filename: str) -> Batch:
        batch = Batch()
        today = setting_date(ctx.settings, "today", "accessnow") or date.today()
        sheets = read_sheets(content, filename)
        results: list[SheetResult] = []
        for sheet in sorted(sheets, key=_newest_first):
            rows = sheets[sheet]
            result = parse_sheet(rows, sheet, filename, batch)
            if result is None:
                filled = sum(1 for r in rows if any(_text(c) for c in r))
                batch.skipped[_skip_reason(sheet)] += filled
                continue
            results.append(result)
        if not results:
            raise SourceError(
                f"accessnow: {filename}: no sheet has the STOP columns "
                f"({', '.join(REQUIRED)}); is this the #KeepItOn STOP data?"
            )
        # Newest sheet first: by its newest year, then by name.
        results.sort(key=lambda r: (-max(r.years(), default=0), r.name))
        rank = {r.name: k for k, r in enumerate(results)}
        until = last_update(results, today)
        windows = {r.name: sheet_windows(r, until) if until is not None else [] for r in results}
        copies = []
        for result in results:
            as_of = max((w[1] for w in windows[result.name]), default=None)
            for copy in result.copies:
                if copy["end_state"] == ONGOING:
                    copy["details"]["as_of"] = None if as_of is None else as_of.date().isoformat()
                copies.append(copy)
        events, retired, merges = merge_repeats(copies, rank)
        frame = pd.DataFrame(
            events,
            columns=["id", "source", "country", "start_time", "end_time", "end_state", "kind",
                     "severity", "details"],
        )
        frame["start_time"] = pd.to_datetime(frame["start_time"])
        frame["end_time"] = pd.to_datetime(frame["end_time"])
        batch.events = frame
        batch.retired_events = retired
        covered = [w for r in results for w in windows[r.name]]
        years = sorted({y for r in results for y in r.years()})
        if covered:
            basis = (f"years of the #KeepItOn sheets in {filename}: "
                     f"{', '.join(map(str, years))}; last update {until.date().isoformat()}")
            batch.coverage = pd.DataFrame(
                [(SOURCE_ID, None, a.date(), b.date(), basis) for a, b in covered],
                columns=["source", "country", "first_day", "last_day", "basis"],
            )
        quality = Counter()
        for result in results:
            quality.update(result.quality)
        batch.notes = {
            "sheets": {r.name.strip(): r.years() for r in results},
            "last_update": None if until is None else until.date().isoformat(),
            "end_states": dict(Counter(frame["end_state"])),
            "quality_flags": dict(quality),
            "repeats": dict(merges),
        }
        merged = merges["copies merged into an event from another sheet"]
        ctx.log(f"{filename}: {len(frame)} shutdown events from {len(results)} sheet(s); "
                f"{merged} repeat(s) merged; years covered: {', '.join(map(str, years)) or 'none'}")
        return batch


COLLECTORS = (Stop,)
