"""ITU World Telecommunication/ICT Indicators, from ITU's published Excel files.

ITU publishes its indicators as Excel workbooks (``.xls`` up to 2019, ``.xlsx`` since); the
DataHub JSON API (``https://api.datahub.itu.int/v2``) is undocumented and has answered 403 to
anonymous clients, so files are the primary path (``roamwatch collect itu --file PATH``, the
``files`` setting, or a configured ``url``). Layouts handled, told apart by their headers, never by
row numbers of one release:

* **Time series** (``Individuals_Internet_2000-2018``, ``Fixed_broadband_…``, ``Mobile_cellular_…``,
  sheet "Final"): a title row, a header row of years, economy names in the first text column,
  and one or two blocks of year columns: counts (``Fixed-broadband subscriptions``) and rates
  (``… per 100 inhabitants``), then ``Notes YYYY`` / ``Source YYYY`` columns. Only the rate block
  (per 100 inhabitants, or the percentage for Internet use) is stored; counts are skipped.
* **Internet use by gender** (``Individuals using the internet by gender``): economy name,
  latest year, all individuals / male / female in %. Each row lands at its own latest year;
  the all-individuals column (the time series rounded to 0.1) only with ``gender_total``.
  The all-individuals value lies between the female and the male one (it is their
  population-weighted mean); a row where it does not contradicts itself and is rejected whole.
* **Core household indicators** (``CoreHouseholdIndicators_…``): economy names, then per
  indicator a value column headed by its ITU code (``(HH6)`` Internet access at home, ``(HH4)``
  computer, ``(HH5)`` individuals using a computer, ``(HH10)`` individuals using a mobile phone),
  a footnote column and a "Year of data" column: each value lands at its own year. Radio, TV and
  fixed-line columns are skipped; HH7 (individuals using the Internet) only with
  ``household_internet_use`` (it repeats the time series, rounded).
* **Long tables** (one row per economy, indicator and year: ``economy, indicator, year, value``,
  or ITU DataHub's ``entityName, entityIso, seriesName, dataYear, dataValue``): the indicator of
  each row comes from its name (and unit column, if any); counts are skipped, rates stored.
* **Price baskets** (``ITU_ICTPriceBaskets_…``; the layout of that file could not be checked
  against a real copy here): a table of years as columns, either one basket per sheet or with
  ``basket`` and ``unit`` label columns; only values expressed as % of GNI per capita of the
  mobile-broadband and fixed-broadband baskets are stored.

The indicator of each file comes from its title/header text (or the ``indicator`` option: one
metric code for every file, or a table ``{file name = code}``). Values such as ``"2.5 e"`` keep
their number (the letter is a note flag, counted in the run notes); ``..``, ``-`` and blanks
are missing; anything else is rejected and counted. A share (%) outside 0–100 and a by-gender row
whose total is not between its female and male values are rejected as contradictions of the
source itself, which makes the run ``partial``. Aggregates ("World", regions, "LDCs")
are skipped; names that map to no country are reported in the run's ``unmapped`` counts.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from collectors.base import Batch, PublishedFile, RunContext, SourceError
from collectors.files import FileCollector, Rows, read_sheets
from roamwatch.countries import NAME_ALIASES, is_iso3, name_to_iso3
from roamwatch.i18n import N_
from roamwatch.warehouse.store import MetricInfo, SourceInfo

PRICE_BASKET_URL = (
    "https://www.itu.int/en/ITU-D/Statistics/Documents/publications/prices2024/"
    "ITU_ICTPriceBaskets_2008-2024.xlsx"
)

# metric code → (name, unit, kind); kind "pct" is bounded to 0–100.
METRICS: dict[str, tuple[str, str, str]] = {
    "internet_use": ("Individuals using the Internet (%)", "%", "pct"),
    "internet_use_female": ("Individuals using the Internet, female (% of females)", "%", "pct"),
    "internet_use_male": ("Individuals using the Internet, male (% of males)", "%", "pct"),
    "mobile_broadband_subs_per100": (
        "Active mobile-broadband subscriptions per 100 inhabitants", "per 100 inhabitants", "rate"),
    "fixed_broadband_subs_per100": (
        "Fixed-broadband subscriptions per 100 inhabitants", "per 100 inhabitants", "rate"),
    "mobile_cellular_subs_per100": (
        "Mobile-cellular telephone subscriptions per 100 inhabitants", "per 100 inhabitants", "rate"),
    "mobile_broadband_basket_gni": (
        "Mobile-broadband basket price (% of GNI per capita)", "% of GNI per capita", "price"),
    "fixed_broadband_basket_gni": (
        "Fixed-broadband basket price (% of GNI per capita)", "% of GNI per capita", "price"),
    "households_internet": (
        "Households with Internet access at home (%)", "% of households", "pct"),
    "households_computer": ("Households with a computer (%)", "% of households", "pct"),
    "computer_use": ("Individuals using a computer (%)", "%", "pct"),
    "mobile_phone_use": ("Individuals using a mobile cellular telephone (%)", "%", "pct"),
}
#: ITU core household indicator code → metric code (None: not stored by roamwatch).
HOUSEHOLD_CODES: dict[str, str | None] = {
    "hh1": None,  # radio
    "hh2": None,  # TV
    "hh3f": None,  # fixed-line telephone
    "hh3m": None,  # mobile-cellular telephone in the household
    "hh4": "households_computer",
    "hh5": "computer_use",
    "hh6": "households_internet",
    "hh7": "internet_use",  # only with household_internet_use: it repeats the time series
    "hh10": "mobile_phone_use",
}
GENDER = "internet_use_by_gender"  # a file layout that yields three metrics
#: How far outside [min(female, male), max(female, male)] the total may lie (values are
#: published to 0.1).
GENDER_TOLERANCE = 0.1
PRICES = "price_baskets"  # a price table mixing baskets: the metric comes from each row
HOUSEHOLD = "core_household"  # the core household indicators table: one metric per code
LAYOUTS = (GENDER, PRICES, HOUSEHOLD)

# Economies ITU lists that have no ISO 3166-1 code of their own (Ascension is part of SHN,
# which ITU lists separately as "St. Helena"): counted as unmapped, never guessed.
KNOWN_UNMAPPED = frozenset({"ascension", "neth. antilles", "netherlands antilles"})

_AGGREGATE = re.compile(
    r"^(world|africa|americas|the americas|arab states|asia ?(&|and) ?pacific|asia-pacific|"
    r"cis|commonwealth of independent states|europe|developed|developing|"
    r"developed countries|developing countries|developed economies|developing economies|"
    r"ldcs?|lldcs?|sids|least developed countries|land-?locked developing countries|"
    r"small island developing states|low income|lower[- ]middle income|upper[- ]middle income|"
    r"high income|middle income|total|global|international|regions?)\b",
    re.IGNORECASE,
)
_MISSING = frozenset({"", "..", "...", "-", "–", "—", "n/a", "na", "n.a.", "x", "…"})
_PLAIN_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_FLAGGED_NUMBER = re.compile(
    r"^(?P<num>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+)\s*"
    r"(?P<flag>[A-Za-z]{1,2}|\*{1,3}|\(\s*\w{1,2}\s*\)|\[\s*\w{1,2}\s*\])$"
)
_YEAR_TEXT = re.compile(r"^\s*((?:19|20)\d{2})\s*$")
_NAME_NOTE = re.compile(r"(\s*\(\d{1,2}\)|\s*\*+|\s+\d{1,2})+$")


# -- cells ---------------------------------------------------------------------------------------
def parse_value(value: Any) -> tuple[float | None, str]:
    """One data cell → (number, status); status is ``value``, ``flagged``, ``missing`` or
    ``garbage``. ``"2.5 e"`` is 2.5 with a note flag; ``".."``, ``"-"`` and blanks are missing."""
    if value is None or isinstance(value, bool):
        return None, "missing"
    if isinstance(value, int | float):
        number = float(value)
        return (None, "missing") if math.isnan(number) else (number, "value")
    text = " ".join(str(value).split())
    if text.lower() in _MISSING:
        return None, "missing"
    if _PLAIN_NUMBER.match(text):
        return float(text), "value"
    match = _FLAGGED_NUMBER.match(text)
    if match:
        return float(match["num"].replace(",", "")), "flagged"
    return None, "garbage"


def cell_year(value: Any) -> int | None:
    """A header cell holding only a year (``2018``, ``2018.0``, ``"2018"``) → the year."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        if isinstance(value, float) and (math.isnan(value) or not value.is_integer()):
            return None
        year = int(value)
    else:
        match = _YEAR_TEXT.match(str(value))
        if not match:
            return None
        year = int(match[1])
    return year if 1960 <= year <= 2100 else None


def text_of(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("_", " ").split())


def clean_name(name: str) -> str:
    """An economy name without trailing footnote markers (``"Kenya (3)"``, ``"Cuba*"``)."""
    return _NAME_NOTE.sub("", text_of(name)).strip()


def map_economy(name: str) -> tuple[str | None, str]:
    """(ISO3, kind) with kind ``country``, ``aggregate`` or ``unmapped``."""
    clean = clean_name(name)
    key = clean.lower()
    if _AGGREGATE.match(key) and key not in NAME_ALIASES:
        return None, "aggregate"
    iso3 = name_to_iso3(clean)
    if iso3 and is_iso3(iso3):
        return iso3, "country"
    return None, "unmapped"


# -- which indicator -----------------------------------------------------------------------------
def detect_indicator(text: str) -> str | None:
    """The metric code a file's title/header text (plus its file name) describes, if any."""
    t = _norm(text)
    mobile_bb = "mobile broadband" in t or "data only" in t
    fixed_bb = "fixed broadband" in t
    if any(w in t for w in ("basket", "price", "gni")):
        if mobile_bb and not fixed_bb:
            return "mobile_broadband_basket_gni"
        if fixed_bb and not mobile_bb:
            return "fixed_broadband_basket_gni"
        return PRICES
    if ("gender" in t or " sex" in f" {t}") and ("internet" in t):
        return GENDER
    if ("using the internet" in t or "using internet" in t or "internet users" in t
            or "individuals internet" in t):
        return "internet_use"
    if mobile_bb:
        return "mobile_broadband_subs_per100"
    if fixed_bb:
        return "fixed_broadband_subs_per100"
    if "mobile cellular" in t:
        return "mobile_cellular_subs_per100"
    return None


def indicator_option(option: Any, filename: str) -> str | None:
    """The ``indicator`` override for one file: a code for every file, or ``{name: code}``."""
    if option in (None, ""):
        return None
    if isinstance(option, dict):
        option = option.get(filename) or option.get(Path(filename).stem)
        if option in (None, ""):
            return None
    code = str(option).strip().removeprefix("itu.")
    if code not in METRICS and code not in LAYOUTS:
        raise SourceError(
            f"itu: indicator={option!r} is not one of {', '.join([*METRICS, *LAYOUTS])}"
        )
    return code


def check_indicator_option(option: Any) -> None:
    """Fail early on a misspelt ``indicator`` setting (before any file is read)."""
    values = option.values() if isinstance(option, dict) else [option]
    for value in values:
        indicator_option(value, "")


# -- layouts -------------------------------------------------------------------------------------
def is_rate_text(text: str) -> bool:
    """Text naming a rate (per 100, a percentage, a share of GNI), not a count."""
    t = _norm(text)
    return (any(w in t for w in ("per 100", "percentage", "%", "per cent", "percent", "gni"))
            or "pct" in t.split())


@dataclass
class Block:
    """A run of year columns under one title (counts, or per-100 values)."""

    columns: dict[int, int]  # column index → year
    title: str

    @property
    def is_rate(self) -> bool:
        t = _norm(self.title)
        return is_rate_text(t)

    @property
    def is_count(self) -> bool:
        return bool(self.title) and not self.is_rate and "metadata" not in _norm(self.title)


def find_year_header(rows: Rows, scan: int = 40) -> int | None:
    """The first row (of the first ``scan``) with three adjacent cells of increasing years
    (a data row of "year of data" cells does not qualify)."""
    for i, row in enumerate(rows[:scan]):
        years = [cell_year(c) for c in row]
        for j in range(len(years) - 2):
            a, b, c = years[j:j + 3]
            if a is not None and b is not None and c is not None and a < b < c:
                return i
    return None


def year_blocks(rows: Rows, header_at: int) -> list[Block]:
    """Runs of year columns in the header row, each with the title text above it."""
    header = rows[header_at]
    blocks: list[dict[int, int]] = []
    current: dict[int, int] = {}
    last_col, last_year = -2, None
    for col, cell in enumerate(header):
        year = cell_year(cell)
        if year is None:
            continue
        if current and (col != last_col + 1 or last_year is None or year <= last_year):
            blocks.append(current)
            current = {}
        current[col] = year
        last_col, last_year = col, year
    if current:
        blocks.append(current)
    out = []
    for cols in blocks:
        first, last = min(cols), max(cols)
        words = [
            text_of(row[c])
            for row in rows[max(0, header_at - 5):header_at]
            for c in range(first, min(last + 1, len(row)))
            if isinstance(row[c], str) and text_of(row[c])
        ]
        out.append(Block(cols, " ".join(words)))
    return out


def _label_column(rows: Rows, header_at: int, words: tuple[str, ...], before: int) -> int | None:
    for col, cell in enumerate(rows[header_at][:before]):
        if any(w in _norm(text_of(cell)) for w in words):
            return col
    return None


def economy_column(rows: Rows, header_at: int, before: int) -> int:
    """The column of economy names: headed economy/country, else the most textual one."""
    col = _label_column(rows, header_at, ("economy", "country"), before)
    if col is not None:
        return col
    counts: Counter = Counter()
    for row in rows[header_at + 1: header_at + 60]:
        for c in range(min(before, len(row))):
            if isinstance(row[c], str) and text_of(row[c]) and cell_year(row[c]) is None:
                counts[c] += 1
    if not counts:
        raise SourceError("no column of economy names left of the year columns")
    return counts.most_common(1)[0][0]


class Parser:
    """Collects observations and counts for one file."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.batch = Batch()
        self.records: list[dict[str, Any]] = []
        self.flagged = 0
        self.seen: set[tuple[str, str, str]] = set()

    def economy(self, name: Any) -> str | None:
        iso3, kind = map_economy(text_of(name))
        if kind == "aggregate":
            self.batch.skipped["aggregate"] += 1
        elif kind == "unmapped":
            self.batch.unmapped[clean_name(text_of(name))] += 1
        return iso3

    def add(self, code: str, iso3: str, period: str, cell: Any) -> None:
        value, status = parse_value(cell)
        if status == "missing":
            self.batch.skipped["no value"] += 1
            return
        if status == "garbage":
            self.batch.rejected["value not numeric"] += 1
            return
        if status == "flagged":
            self.flagged += 1
        kind = METRICS[code][2]
        if kind == "pct" and value is not None and not 0 <= value <= 100.0:
            self.inconsistent("share outside 0–100", code, iso3, period, f"{value:g}")
            return
        if value is None or value < 0:
            self.batch.rejected["value out of range"] += 1
            return
        key = (code, iso3, period)
        if key in self.seen:
            self.batch.rejected["economy listed twice"] += 1
            return
        self.seen.add(key)
        self.records.append(
            {"metric": f"itu.{code}", "country": iso3, "period": period, "value": value}
        )

    def inconsistent(self, reason: str, code: str, iso3: str, period: str, value: str) -> None:
        self.batch.inconsistent[reason] += 1
        if len(self.batch.examples) < 5:
            self.batch.examples.append({"reason": reason, "metric": f"itu.{code}", "country": iso3,
                                        "period": period, "value": value})

    def finish(self, notes: dict[str, Any]) -> Batch:
        batch = self.batch
        batch.observations = pd.DataFrame(
            self.records, columns=["metric", "country", "period", "value"]
        )
        codes = sorted({r["metric"].removeprefix("itu.") for r in self.records})
        batch.metrics = [metric_info(c) for c in codes]
        batch.notes = {**notes, "values with a note flag": self.flagged,
                       "observations": len(self.records)}
        return batch


def _has_values(row: tuple, columns: Any) -> bool:
    return any(parse_value(row[c] if c < len(row) else None)[1] != "missing" for c in columns)


def parse_time_series(rows: Rows, code: str, header_at: int, parser: Parser) -> dict[str, Any]:
    """A sheet of economies × years; the rate block (or the single block) is stored."""
    blocks = year_blocks(rows, header_at)
    kind = "price" if code == PRICES else METRICS[code][2]
    first_year_col = min(min(b.columns) for b in blocks)
    name_col = economy_column(rows, header_at, first_year_col)
    iso_col = _label_column(rows, header_at, ("iso",), first_year_col)
    unit_col = _label_column(rows, header_at, ("unit",), first_year_col)
    basket_col = _label_column(rows, header_at, ("basket", "indicator", "series"), first_year_col)
    if code == PRICES and basket_col is None:
        raise SourceError(f"{parser.filename}: a price table mixing baskets needs a basket "
                          "column; name the basket with [sources.itu].indicator")
    rates = [b for b in blocks if b.is_rate]
    if rates:
        block = rates[0]
    elif len(blocks) == 1 and (kind == "pct" or (kind == "price" and unit_col is not None)):
        # "Individuals using the Internet" is a percentage by definition; a price table with
        # a unit column keeps only its % of GNI rows (below)
        block = blocks[0]
    else:
        titles = [b.title or "(untitled)" for b in blocks]
        raise SourceError(
            f"{parser.filename}: no per-100/percentage block among the year columns "
            f"(blocks: {titles}); roamwatch stores rates, not counts"
        )
    for row in rows[header_at + 1:]:
        name = text_of(row[name_col]) if name_col < len(row) else ""
        if not name or not _has_values(row, block.columns):
            continue
        row_code = code
        if basket_col is not None and kind == "price":
            row_code = detect_indicator(f"basket {text_of(row[basket_col])}") or ""
            if row_code not in ("mobile_broadband_basket_gni", "fixed_broadband_basket_gni"):
                parser.batch.skipped["other basket"] += 1
                continue
        if (unit_col is not None and kind == "price"
                and "gni" not in _norm(text_of(row[unit_col]))):
            parser.batch.skipped["price not in % of GNI"] += 1
            continue
        iso3 = None
        if iso_col is not None and is_iso3(text_of(row[iso_col])):
            iso3 = text_of(row[iso_col]).upper()
        else:
            iso3 = parser.economy(name)
        if iso3 is None:
            continue
        for col, year in block.columns.items():
            parser.add(row_code, iso3, str(year), row[col] if col < len(row) else None)
    skipped_blocks = [b.title for b in blocks if b is not block]
    return {"block": block.title, "years": f"{min(block.columns.values())}–"
            f"{max(block.columns.values())}", "blocks skipped": skipped_blocks}


def find_gender_header(rows: Rows, scan: int = 25) -> int | None:
    """The header row of the by-gender table: cells reading "Male" and "Female"."""
    for i, row in enumerate(rows[:scan]):
        firsts = {_first_word(c) for c in row}
        if "male" in firsts and "female" in firsts:
            return i
    return None


def _first_word(cell: Any) -> str:
    """``"Female"`` and ``"female_pct"`` → ``"female"``."""
    words = _norm(text_of(cell)).split()
    return words[0] if words else ""


def parse_gender(rows: Rows, header_at: int, parser: Parser, total: bool = False) -> dict[str, Any]:
    """Economy, latest year, all individuals, male, female (%), header words over two rows.

    The all-individuals column repeats the time series rounded to one decimal, so it is stored
    (as ``itu.internet_use``) only when ``total`` is set (setting ``gender_total``); otherwise
    importing this file after the time series would overwrite exact values with rounded ones.
    """
    width = max(len(r) for r in rows[max(0, header_at - 2): header_at + 1])
    labels = []
    for col in range(width):
        parts = [text_of(r[col]) for r in rows[max(0, header_at - 2): header_at + 1] if col < len(r)]
        labels.append(_norm(" ".join(p for p in parts if p)))
    header = [_norm(text_of(c)) for c in rows[header_at]]

    def column(test: Any, what: str) -> int:
        for col, label in enumerate(header):
            if test(label):
                return col
        for col, label in enumerate(labels):
            if test(label):
                return col
        raise SourceError(f"{parser.filename}: no {what} column in the by-gender table "
                          f"(headers: {[h for h in labels if h]})")

    cols = {
        "name": column(lambda h: "economy" in h or "country" in h, "economy"),
        "year": column(lambda h: "year" in h, "year"),
        "internet_use": column(lambda h: "individuals" in h or h in ("all", "total"), "total"),
        "internet_use_male": column(lambda h: h.split()[:1] == ["male"], "male"),
        "internet_use_female": column(lambda h: h.split()[:1] == ["female"], "female"),
    }
    value_cols = [cols[c] for c in ("internet_use", "internet_use_male", "internet_use_female")]
    for row in rows[header_at + 1:]:
        cell = row[cols["name"]] if cols["name"] < len(row) else None
        name = text_of(cell)
        if not name or not _has_values(row, value_cols):
            continue
        year = cell_year(row[cols["year"]]) if cols["year"] < len(row) else None
        if year is None:
            year_text = text_of(row[cols["year"]]) if cols["year"] < len(row) else ""
            match = re.match(r"^\s*((?:19|20)\d{2})\b", year_text)
            year = int(match[1]) if match else None
        if year is None:
            parser.batch.rejected["row without a year"] += 1
            continue
        iso3 = parser.economy(name)
        if iso3 is None:
            continue
        shares = {code: parse_value(row[cols[code]] if cols[code] < len(row) else None)[0]
                  for code in ("internet_use", "internet_use_male", "internet_use_female")}
        everyone, male, female = shares.values()
        if None not in (everyone, male, female) and not (
                min(male, female) - GENDER_TOLERANCE <= everyone <= max(male, female) + GENDER_TOLERANCE):
            parser.inconsistent("total not between the female and male values", "internet_use", iso3,
                                str(year), f"total {everyone:g}, female {female:g}, male {male:g}")
            continue
        for code in ("internet_use", "internet_use_male", "internet_use_female"):
            if code == "internet_use" and not total:
                if parse_value(row[cols[code]] if cols[code] < len(row) else None)[0] is not None:
                    parser.batch.skipped["total of the by-gender table (gender_total off)"] += 1
                continue
            col = cols[code]
            parser.add(code, iso3, str(year), row[col] if col < len(row) else None)
    return {"layout": "latest year by gender"}


_HOUSEHOLD_CODE = re.compile(r"^\(?\s*(hh\d{1,2}[a-z]?)\s*\)?$", re.IGNORECASE)


def find_household_header(rows: Rows, scan: int = 15) -> int | None:
    """The header row of the core household table: two or more cells reading ``(HHn)``."""
    for i, row in enumerate(rows[:scan]):
        if sum(1 for c in row if _HOUSEHOLD_CODE.match(text_of(c))) >= 2:
            return i
    return None


def parse_household(rows: Rows, header_at: int, parser: Parser,
                    internet_use: bool = False) -> dict[str, Any]:
    """ITU's core household indicators: per code a value, a footnote and a year-of-data column.

    Each value lands at its own year of data; a value without a year is rejected. HH7
    (individuals using the Internet) repeats the time series rounded to one decimal, so it is
    stored (as ``itu.internet_use``) only when ``internet_use`` is set.
    """
    header = rows[header_at]
    codes: dict[int, str] = {}
    for col, cell in enumerate(header):
        match = _HOUSEHOLD_CODE.match(text_of(cell))
        if match:
            codes[col] = match[1].lower()
    columns: dict[str, tuple[int, int]] = {}  # code → (value column, year column)
    for col, code in codes.items():
        year_col = next((c for c in range(col + 1, min(col + 5, len(header)))
                         if _norm(text_of(header[c])).startswith("year")), None)
        if year_col is None:
            raise SourceError(f"{parser.filename}: no 'Year of data' column after ({code.upper()})")
        columns[code] = (col, year_col)
    stored = {code: HOUSEHOLD_CODES.get(code) for code in columns}
    if not internet_use and stored.get("hh7"):
        stored["hh7"] = None
    name_col = economy_column(rows, header_at, min(codes))
    for row in rows[header_at + 1:]:
        name = text_of(row[name_col]) if name_col < len(row) else ""
        if not name or not _has_values(row, [v for v, _ in columns.values()]):
            continue
        iso3 = None
        for code, (value_col, year_col) in columns.items():
            cell = row[value_col] if value_col < len(row) else None
            if parse_value(cell)[1] == "missing":
                continue
            metric = stored[code]
            if metric is None:
                reason = ("(HH7) repeats the time series (household_internet_use off)"
                          if code == "hh7" else f"({code.upper()}) not stored by roamwatch")
                parser.batch.skipped[reason] += 1
                continue
            year = cell_year(row[year_col]) if year_col < len(row) else None
            if year is None:
                parser.batch.rejected["value without a year of data"] += 1
                continue
            iso3 = iso3 or parser.economy(name)
            if iso3 is None:
                break
            parser.add(metric, iso3, str(year), cell)
    return {"layout": "core household indicators, each value at its year of data",
            "codes": {c.upper(): m for c, m in stored.items()}}


# header words of a long table, by role (compared after _norm, as whole cells)
_LONG_ROLES: dict[str, tuple[str, ...]] = {
    "economy": ("economy", "country", "country name", "entityname", "entity name", "entity"),
    "iso": ("iso", "iso3", "iso code", "entityiso", "entity iso", "country code"),
    "indicator": ("indicator", "indicator name", "series", "seriesname", "series name",
                  "seriescode", "series code"),
    "unit": ("unit", "units", "seriesunits", "series units"),
    "year": ("year", "datayear", "data year", "time period"),
    "value": ("value", "datavalue", "data value", "obs value"),
}


def find_long_header(rows: Rows, scan: int = 10) -> tuple[int, dict[str, int]] | None:
    """A header row naming an economy, indicator, year and value column (one row per value)."""
    for i, row in enumerate(rows[:scan]):
        found: dict[str, int] = {}
        for col, cell in enumerate(row):
            h = _norm(text_of(cell))
            for role, names in _LONG_ROLES.items():
                if role not in found and h in names:
                    found[role] = col
                    break
        if {"economy", "indicator", "year", "value"} <= set(found) or (
                {"iso", "indicator", "year", "value"} <= set(found)):
            return i, found
    return None


def parse_long(rows: Rows, header_at: int, cols: dict[str, int], forced: str | None,
               parser: Parser) -> dict[str, Any]:
    """One row per economy, indicator and year; rows of counts are skipped."""
    seen: Counter = Counter()

    def cell(row: tuple, role: str) -> Any:
        col = cols.get(role)
        return row[col] if col is not None and col < len(row) else None

    for row in rows[header_at + 1:]:
        if not any(c not in (None, "") for c in row):
            continue
        label = " ".join(text_of(cell(row, r)) for r in ("indicator", "unit"))
        code = forced or detect_indicator(label)
        if code is None or code in LAYOUTS:
            parser.batch.skipped["indicator roamwatch does not store"] += 1
            continue
        if METRICS[code][2] != "pct" and not forced and not is_rate_text(label):
            parser.batch.skipped["count, not a rate"] += 1
            continue
        year = cell_year(cell(row, "year"))
        if year is None:
            year_text = text_of(cell(row, "year"))
            match = re.match(r"^\s*((?:19|20)\d{2})(?:\.0+)?\s*$", year_text)
            year = int(match[1]) if match else None
        if year is None:
            parser.batch.rejected["row without a year"] += 1
            continue
        iso = text_of(cell(row, "iso")).upper()
        iso3 = iso if is_iso3(iso) else parser.economy(cell(row, "economy"))
        if iso3 is None:
            continue
        seen[code] += 1
        parser.add(code, iso3, str(year), cell(row, "value"))
    if not seen and not parser.batch.skipped.get("count, not a rate"):
        raise SourceError(f"{parser.filename}: no row names an indicator roamwatch stores "
                          f"(indicators: {', '.join(sorted(METRICS))})")
    return {"layout": "long table, one row per economy, indicator and year",
            "rows by indicator": dict(seen)}


def parse_workbook(content: bytes, filename: str, settings: dict[str, Any]) -> Batch:
    """Every sheet of one ITU file that holds an indicator table → one :class:`Batch`."""
    sheets = read_sheets(content, filename)
    forced = indicator_option(settings.get("indicator"), filename)
    parser = Parser(filename)
    notes: dict[str, Any] = {"file": filename, "sheets": {}}
    problems: list[str] = []
    for sheet, rows in sheets.items():
        rows = [tuple(r) for r in rows]
        household_at = find_household_header(rows)
        if household_at is not None and forced in (None, HOUSEHOLD):
            try:
                info = parse_household(rows, household_at, parser,
                                       bool(settings.get("household_internet_use")))
            except SourceError as exc:
                problems.append(f"sheet {sheet!r}: {exc}")
                continue
            notes["sheets"][sheet] = {"indicator": HOUSEHOLD, **info}
            continue
        gender_at = find_gender_header(rows)
        year_at = find_year_header(rows)
        head_at = year_at if year_at is not None else gender_at
        long = find_long_header(rows) if head_at is None else None
        if long is not None:
            info = parse_long(rows, long[0], long[1], forced, parser)
            notes["sheets"][sheet] = {"indicator": forced or "from each row", **info}
            continue
        if head_at is None:
            problems.append(f"sheet {sheet!r}: no header row of years, Male/Female, household "
                            "codes (HHn) or indicator/year/value columns")
            continue
        title = " ".join(
            text_of(c) for r in rows[: head_at + 1] for c in r if isinstance(c, str)
        )
        code = forced or detect_indicator(f"{title} {sheet}") or detect_indicator(filename)
        if code is None:
            problems.append(f"sheet {sheet!r}: cannot tell the indicator from {title[:120]!r}")
            continue
        try:
            if code == GENDER:
                if gender_at is None:
                    raise SourceError(f"{filename}: sheet {sheet!r}: no Male/Female header row")
                info = parse_gender(rows, gender_at, parser, bool(settings.get("gender_total")))
            elif code in ("internet_use_male", "internet_use_female"):
                raise SourceError(f"itu: indicator {code} comes only from the by-gender layout")
            else:
                if year_at is None:
                    raise SourceError(f"{filename}: sheet {sheet!r}: no header row of years")
                info = parse_time_series(rows, code, year_at, parser)
        except SourceError as exc:
            problems.append(f"sheet {sheet!r}: {exc}")
            continue
        notes["sheets"][sheet] = {"indicator": code, **info}
    if not notes["sheets"]:
        raise SourceError(
            f"{filename}: no ITU indicator table found ({'; '.join(problems)}); name the "
            f"indicator with [sources.itu].indicator (one of {', '.join([*METRICS, *LAYOUTS])}) "
            "if the title does not"
        )
    if problems:
        notes["sheets ignored"] = problems
    return parser.finish(notes)


def metric_info(code: str) -> MetricInfo:
    name, unit, _ = METRICS[code]
    return MetricInfo(
        id=f"itu.{code}",
        source="itu",
        source_code=code,
        name=name,
        unit=unit,
        frequency="year",
        description=f"{name}. ITU World Telecommunication/ICT Indicators, from ITU's Excel "
                    "releases; values with an ITU note flag keep their number.",
    )


class Itu(FileCollector):
    name = "itu"
    source = SourceInfo(
        id="itu",
        name="ITU World Telecommunication/ICT Indicators",
        homepage="https://datahub.itu.int/",
        licence=N_("ITU terms of use (not verified; one third-party client labels the data "
                   "CC BY-NC-SA 3.0 IGO)"),
        licence_url="https://www.itu.int/en/about/Pages/terms-of-use.aspx",
        citation="ITU World Telecommunication/ICT Indicators Database, International "
                 "Telecommunication Union (ITU), Geneva.",
        terms=N_("Licence unconfirmed: ITU's terms of use apply; treat as attribution required, "
                 "possibly non-commercial, until confirmed with ITU."),
    )
    defaults = {
        "enabled": True,
        "schedule": "0 6 1 * *",  # monthly, 1st at 06:00 UTC (ITU releases are annual)
        "url": None,  # e.g. PRICE_BASKET_URL; unset: only --file / files runs
        "files": [],
        "indicator": None,
        "gender_total": False,  # also store the by-gender table's all-individuals column
        "household_internet_use": False,  # also store HH7 of the core household table
        "api": False,
        "api_base_url": "https://api.datahub.itu.int/v2",
    }

    published_file = PublishedFile(
        page="https://www.itu.int/en/ITU-D/Statistics/Pages/stat/default.aspx",
        what="the Excel files of the indicators (Individuals using the Internet; Fixed-broadband, "
             "Mobile-broadband and Mobile-cellular subscriptions; Internet use by gender; Core "
             "household indicators; ICT Price Baskets), one --file each",
        example="CoreHouseholdIndicators_Jun2019.xlsx",
    )

    def plan(self, ctx: RunContext) -> list[str]:
        if ctx.settings.get("api"):
            raise SourceError(
                "itu: the DataHub API path is not implemented (the API is undocumented and "
                "answered 403 to anonymous clients); set [sources.itu].api = false and use files"
            )
        check_indicator_option(ctx.settings.get("indicator"))
        if not ctx.settings.get("file") and ctx.settings.get("files"):
            files = ctx.settings["files"]
            return [str(Path(f).expanduser()) for f in (files if isinstance(files, list) else [files])]
        return super().plan(ctx)

    def parse_file(self, ctx: RunContext, content: bytes, filename: str) -> Batch:
        return parse_workbook(content, filename, ctx.settings)


COLLECTORS = (Itu,)
