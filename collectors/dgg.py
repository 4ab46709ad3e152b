"""Digital Gender Gaps (digitalgendergaps.org, Oxford): monthly national gender-gap estimates.

``GET {base}/api/v1/query_national?date=YYYYMM`` answers (checked in the API's source,
OxfordDemSci/dgg-www ``api/app/endpoints.py`` and ``utils.py``)::

    {"status": 200, "message": "OK: ...", "data": {"GB": {"202206": {"<model>": 0.98, ...}}}}

Quirks the parser handles: errors come back with HTTP 200 and ``status`` 400/500 in the body;
a month without data answers ``data: {}`` (some deployments answer 404); missing values are
``null`` (``-999`` is the database's fill value and is read as missing too); the API's own
documentation decodes ``data`` with ``json.loads``, so a JSON *string* is accepted as well.
The API is rate limited (60 requests a minute): 429 with ``Retry-After`` is honoured by the
shared HTTP client.

Values are female-to-male ratios (1 = parity). Of the four series per topic, roamwatch stores
the **online model prediction** (``internet_online_model_prediction``,
``mobile_online_model_prediction``): it is DGG's own headline estimate, built from the Facebook
Gender Gap Index, the only series updated monthly and the one with the widest coverage (the
API's model descriptions rate it "Coverage: Best", internet accuracy "Very good"). The
``ground_truth_*`` series are ITU/GSMA survey figures (annual, collected from ITU directly), and
the offline/combined models are annual with moderate coverage. ``internet_model`` /
``mobile_model`` select another series.

**The project's own download** (``national.csv``: ``iso2``, ``date`` as YYYYMM, then one column
per model series, empty where there is no estimate) imports with ``roamwatch collect dgg --file
national.csv``: every month in the file, each checked exactly like an API answer for that month.
Re-importing the same file is a no-op.

Licence: free for academic, research and informational purposes only; no commercial use.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from collectors.base import Batch, Collector, PublishedFile, RunContext, SourceError
from collectors.files import already_imported, planned_files, read_unit
from collectors.http import HttpError
from roamwatch.countries import iso2_to_iso3
from roamwatch.i18n import N_
from roamwatch.warehouse.store import MetricInfo, SourceInfo

MODELS = (
    "internet_online_model_prediction", "internet_offline_model_prediction",
    "internet_online_offline_model_prediction", "ground_truth_internet_gg",
    "mobile_online_model_prediction", "mobile_offline_model_prediction",
    "mobile_online_offline_model_prediction", "ground_truth_mobile_gg",
)
# metric code → (setting naming the model column, default column, name)
METRICS = {
    "internet_gg": ("internet_model", "internet_online_model_prediction",
                    "Internet use gender gap: female-to-male ratio (1 = parity)"),
    "mobile_gg": ("mobile_model", "mobile_online_model_prediction",
                  "Mobile phone use gender gap: female-to-male ratio (1 = parity)"),
}
FILL_VALUE = -999.0
MAX_RATIO = 5.0  # a female-to-male ratio above this is not a plausible estimate


def month_index(value: str | date) -> int:
    """``"2022-06"``/``"202206"``/a date → months since year 0."""
    if isinstance(value, date):
        return value.year * 12 + value.month - 1
    text = str(value).strip().replace("-", "")
    if len(text) != 6 or not text.isdigit() or not 1 <= int(text[4:]) <= 12:
        raise SourceError(f"dgg: {value!r} is not a month (YYYY-MM)")
    return int(text[:4]) * 12 + int(text[4:]) - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def plan_months(settings: dict[str, Any], latest: date | None, full: bool,
                today: date | None = None) -> list[str]:
    """Months to ask for, oldest first: ``months_back`` up to ``end_month`` on a first (or full)
    run, else from the latest stored month minus one (``start_month`` sets a floor)."""
    end = month_index(settings.get("end_month") or (today or datetime.now(UTC).date()))
    back = int(settings.get("months_back", 24))
    if back < 1:
        raise SourceError(f"dgg: months_back={back} must be at least 1")
    start = end - back + 1
    if latest is not None and not full:
        start = month_index(latest) - 1
    if settings.get("start_month"):
        start = max(start, month_index(settings["start_month"]))
    return [month_label(i) for i in range(start, end + 1)]


def _number(value: Any) -> tuple[float | None, str]:
    if value is None:
        return None, "missing"
    if isinstance(value, bool):
        return None, "garbage"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None, "garbage"
    if math.isnan(number) or number == FILL_VALUE:
        return None, "missing"
    return number, "value"


def parse_national(payload: Any, month: str, models: dict[str, str], url: str) -> Batch:
    """One ``query_national`` answer → observations of ``dgg.<code>`` for ``month``."""
    if not isinstance(payload, dict):
        raise SourceError(f"DGG answer from {url} is {type(payload).__name__}, not an object")
    status = payload.get("status", 200)
    if str(status) != "200":
        raise SourceError(f"DGG API error {status} for {url}: {payload.get('message', '')}")
    if "data" not in payload:
        raise SourceError(f"DGG answer from {url} has no 'data' (keys: {sorted(payload)})")
    data = payload["data"]
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise SourceError(f"DGG 'data' from {url} is a string but not JSON: {exc}") from exc
    batch = Batch(notes={"month": month})
    if data in (None, {}, []):
        batch.skipped["month without data"] += 1
        batch.notes["countries"] = 0
        return batch
    if not isinstance(data, dict):
        raise SourceError(f"DGG 'data' from {url} is {type(data).__name__}, not an object")
    wanted = month.replace("-", "")
    records: list[dict[str, Any]] = []
    columns_seen: set[str] = set()
    countries = 0
    for iso2, dates in data.items():
        if not isinstance(dates, dict):
            batch.rejected["country entry is not an object"] += 1
            continue
        values = None
        for key, entry in dates.items():
            if str(key).strip() == wanted:
                values = entry
            else:
                batch.rejected["row for another month"] += 1
        if values is None:
            continue
        if not isinstance(values, dict):
            batch.rejected["month entry is not an object"] += 1
            continue
        columns_seen |= set(values)
        iso3 = iso2_to_iso3(str(iso2))
        if iso3 is None:
            batch.unmapped[str(iso2)] += 1
            continue
        countries += 1
        for code, column in models.items():
            number, state = _number(values.get(column))
            if state == "missing":
                batch.skipped["no value"] += 1
            elif state == "garbage":
                batch.rejected["value not numeric"] += 1
            elif not 0.0 <= number <= MAX_RATIO:
                batch.rejected["ratio out of range"] += 1
            else:
                records.append(
                    {"metric": f"dgg.{code}", "country": iso3, "period": month, "value": number}
                )
    missing = sorted(set(models.values()) - columns_seen)
    if columns_seen and missing:
        raise SourceError(
            f"DGG answer from {url} lacks the expected column(s) {missing} in every row "
            f"(found {sorted(columns_seen)[:10]}): the API changed"
        )
    batch.observations = pd.DataFrame(records, columns=["metric", "country", "period", "value"])
    batch.notes["countries"] = countries
    return batch


def parse_national_csv(content: bytes, filename: str, models: dict[str, str]) -> Batch:
    """DGG's ``national.csv`` (every month it holds) → one batch, each month checked as an API
    answer of that month would be (:func:`parse_national`)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"dgg: {filename} is not UTF-8 CSV text ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    if "iso2" not in header or "date" not in header:
        raise SourceError(
            f"dgg: {filename} needs iso2 and date columns (found: {', '.join(header[:12])}); "
            "this is not the Digital Gender Gaps national file (national.csv)"
        )
    months: dict[str, dict[str, dict[str, Any]]] = {}
    bad_dates = 0
    for row in reader:
        row = {(k or "").strip(): v for k, v in row.items()}
        iso2, when = (row.get("iso2") or "").strip(), (row.get("date") or "").strip()
        try:
            month = month_label(month_index(when))
        except SourceError:
            bad_dates += 1
            continue
        values = {k: (None if v is None or not v.strip() else v.strip())
                  for k, v in row.items() if k not in ("iso2", "date")}
        months.setdefault(month, {})[iso2] = {when: values}
    if not months:
        raise SourceError(f"dgg: {filename}: no row with a month (YYYYMM) in its date column")
    batch = Batch(notes={"file": filename, "months": sorted(months)})
    frames = []
    for month, data in sorted(months.items()):
        part = parse_national({"status": 200, "data": data}, month, models, f"{filename} {month}")
        frames.append(part.observations)
        for total, counts in ((batch.rejected, part.rejected), (batch.skipped, part.skipped),
                              (batch.unmapped, part.unmapped)):
            total.update(counts)
        batch.notes.setdefault("countries", {})[month] = part.notes.get("countries", 0)
    if bad_dates:
        batch.rejected["date is not a month (YYYYMM)"] += bad_dates
    batch.observations = pd.concat(frames, ignore_index=True)
    return batch


class Dgg(Collector):
    name = "dgg"
    source = SourceInfo(
        id="dgg",
        name="Digital Gender Gaps (digitalgendergaps.org)",
        homepage="https://www.digitalgendergaps.org/",
        licence=N_("Free for academic, research and informational purposes only; no commercial use"),
        licence_url="https://www.digitalgendergaps.org/",
        citation="Digital Gender Gaps project (Leverhulme Centre for Demographic Science, "
                 "University of Oxford, and partners): national digital gender gap estimates, "
                 "https://www.digitalgendergaps.org/ (API v1, query_national).",
        terms=N_("The data are free for academic, research and informational purposes; no "
                 "commercial use. The API is rate limited (60 requests a minute)."),
    )
    defaults = {
        "enabled": True,
        "base_url": "https://digitalgendergaps.org",
        "schedule": "0 7 2 * *",  # monthly, 2nd at 07:00 UTC
        "months_back": 24,
        "start_month": None,
        "end_month": None,  # default: the current month
        "internet_model": "internet_online_model_prediction",
        "mobile_model": "mobile_online_model_prediction",
    }
    #: An incremental window moves on; a month that failed must be asked for again.
    retry_failed_units = True
    reads_files = True
    collected_from = "the Digital Gender Gaps API (query_national, one request per month)"
    published_file = PublishedFile(
        page="https://github.com/OxfordDemSci/dgg-www/tree/main/sql/initial_data",
        what="national.csv: the national estimates, one row per country and month",
        example="national.csv",
    )

    def models(self, settings: dict[str, Any]) -> dict[str, str]:
        out = {}
        for code, (key, default, _) in METRICS.items():
            column = settings.get(key) or default
            if column not in MODELS:
                raise SourceError(f"dgg: {key}={column!r} is not one of {', '.join(MODELS)}")
            out[code] = column
        return out

    def metric(self, code: str, column: str) -> MetricInfo:
        return MetricInfo(
            id=f"dgg.{code}",
            source="dgg",
            source_code=column,
            name=METRICS[code][2],
            unit="ratio (female/male)",
            frequency="month",
            description=f"{METRICS[code][2]}; DGG series {column}. 1 means parity, below 1 "
                        "fewer women than men online.",
        )

    def plan(self, ctx: RunContext) -> list[str]:
        self.models(ctx.settings)
        files = planned_files(ctx.settings)
        if files:
            return files
        latest = ctx.latest_period_start("dgg.")
        if isinstance(latest, datetime):
            latest = latest.date()
        return plan_months(ctx.settings, latest, ctx.full)

    def fetch(self, ctx: RunContext, unit: str) -> Batch:
        models = self.models(ctx.settings)
        if unit in planned_files(ctx.settings):
            content = read_unit(ctx, unit)
            batch = already_imported(ctx, content, unit) or parse_national_csv(
                content, unit.rsplit("/", 1)[-1], models)
            batch.metrics = [self.metric(code, column) for code, column in models.items()]
            return batch
        url = f"{ctx.settings['base_url'].rstrip('/')}/api/v1/query_national"
        try:
            payload = ctx.http.get_json(url, {"date": unit.replace("-", "")})
        except HttpError as exc:
            if exc.status != 404:
                raise
            batch = Batch(notes={"month": unit, "countries": 0, "answer": "404"})
            batch.skipped["month without data"] += 1
            return batch
        batch = parse_national(payload, unit, models, f"{url}?date={unit.replace('-', '')}")
        batch.metrics = [self.metric(code, column) for code, column in models.items()]
        return batch


COLLECTORS = (Dgg,)
