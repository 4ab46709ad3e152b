"""World Bank Indicators API v2 (World Development Indicators, Gender Statistics).

``GET {base}/country/all/indicator/{code}?format=json&per_page=N&page=P&date=Y1:Y2`` answers
``[header, rows]``; the header carries ``page``, ``pages``, ``per_page``, ``total`` and
``lastupdated``; ``rows`` is ``null`` when nothing matches. An error comes back as a list whose
first element carries ``message``. Regions and income groups are mixed in with economies:
``{base}/country`` metadata marks them with region id ``NA``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pandas as pd

from collectors.base import Batch, Collector, RunContext, SourceError
from roamwatch.i18n import N_
from roamwatch.warehouse.store import MetricInfo, SourceInfo

COUNTRIES_UNIT = "country metadata"


def _check_error(payload: Any, url: str) -> None:
    """Raise :class:`SourceError` for the API's error payload shapes."""
    if isinstance(payload, dict) and "message" in payload:
        payload = [payload]
    if isinstance(payload, list) and payload and isinstance(payload[0], dict):
        if "message" in payload[0]:
            messages = payload[0]["message"]
            if isinstance(messages, list):
                text = "; ".join(
                    f"{m.get('key', '')}: {m.get('value', '')}".strip(": ")
                    for m in messages
                    if isinstance(m, dict)
                )
            else:
                text = str(messages)
            raise SourceError(f"World Bank API error for {url}: {text or messages}")
    if not (isinstance(payload, list) and len(payload) >= 2 and isinstance(payload[0], dict)):
        raise SourceError(
            f"unexpected World Bank payload from {url}: expected [header, rows], "
            f"got {type(payload).__name__}"
        )
    header = payload[0]
    for key in ("page", "pages"):
        if key not in header:
            raise SourceError(f"World Bank header from {url} lacks {key!r}: {header}")
    if payload[1] is not None and not isinstance(payload[1], list):
        raise SourceError(f"World Bank rows from {url} are {type(payload[1]).__name__}, not a list")


def parse_countries(rows: list[dict]) -> tuple[pd.DataFrame, set[str]]:
    """Split ``/v2/country`` rows into economies (a frame) and aggregate codes (ISO3 and ISO2)."""
    economies, aggregates = [], set()
    for row in rows:
        iso3 = (row.get("id") or "").strip().upper()
        iso2 = (row.get("iso2Code") or "").strip().upper()
        region = row.get("region") or {}
        if (region.get("id") or "").strip().upper() == "NA" or not iso3:
            aggregates.update(code for code in (iso3, iso2) if code)
            continue
        income = (row.get("incomeLevel") or {}).get("value")
        economies.append(
            {
                "iso3": iso3,
                "iso2": iso2 or None,
                "name_en": (row.get("name") or iso3).strip(),
                "region": (region.get("value") or "").strip() or None,
                "income_group": (income or "").strip() or None,
            }
        )
    frame = pd.DataFrame(
        economies, columns=["iso3", "iso2", "name_en", "region", "income_group"]
    )
    return frame, aggregates


def parse_indicator_rows(
    rows: list[dict], metric_id: str, aggregates: set[str]
) -> tuple[pd.DataFrame, Counter, Counter]:
    """Turn data rows into (metric, country, period, value) rows; aggregates and nulls skipped."""
    out, rejected, skipped = [], Counter(), Counter()
    for row in rows:
        if not isinstance(row, dict):
            rejected["row is not an object"] += 1
            continue
        iso3 = (row.get("countryiso3code") or "").strip().upper()
        iso2 = ((row.get("country") or {}).get("id") or "").strip().upper()
        if not iso3 or iso3 in aggregates or iso2 in aggregates:
            skipped["aggregate"] += 1
            continue
        if "date" not in row or "value" not in row:
            rejected["missing date or value field"] += 1
            continue
        if row["value"] is None:
            skipped["no value"] += 1
            continue
        out.append(
            {"metric": metric_id, "country": iso3, "period": str(row["date"]), "value": row["value"]}
        )
    return pd.DataFrame(out, columns=["metric", "country", "period", "value"]), rejected, skipped


class WorldBank(Collector):
    name = "worldbank"
    collected_from = "the World Bank Indicators API v2"
    source = SourceInfo(
        id="worldbank",
        name="World Bank World Development Indicators and Gender Statistics",
        homepage="https://data.worldbank.org/",
        licence="CC BY 4.0",
        licence_url="https://datacatalog.worldbank.org/public-licenses#cc-by",
        citation="The World Bank: World Development Indicators (via the Indicators API v2).",
        terms=N_("World Bank Terms of Use for Datasets apply; attribution required."),
    )

    def __init__(self) -> None:
        self.aggregates: set[str] = set()
        self.countries = pd.DataFrame()

    def _pages(self, ctx: RunContext, path: str, params: dict[str, Any]) -> list[dict]:
        """Every row of every page of one query."""
        url = f"{ctx.settings['base_url']}/{path}"
        rows: list[dict] = []
        page, pages = 1, 1
        while page <= pages:
            payload = ctx.http.get_json(url, {**params, "format": "json", "page": page})
            _check_error(payload, url)
            header = payload[0]
            try:
                pages = int(header["pages"])
            except (TypeError, ValueError) as exc:
                raise SourceError(f"World Bank header from {url} has a bad 'pages': {header}") from exc
            rows.extend(payload[1] or [])
            page += 1
        return rows

    def plan(self, ctx: RunContext) -> list[str]:
        rows = self._pages(ctx, "country", {"per_page": 1000})
        self.countries, self.aggregates = parse_countries(rows)
        if self.countries.empty:
            raise SourceError("World Bank country metadata listed no economies")
        codes = [ind["code"] for ind in ctx.settings.get("indicators", [])]
        return [COUNTRIES_UNIT, *codes]

    def _metric(self, indicator: dict[str, Any]) -> MetricInfo:
        return MetricInfo(
            id=f"worldbank.{indicator['code']}",
            source="worldbank",
            source_code=indicator["code"],
            name=indicator.get("name", indicator["code"]),
            unit=indicator.get("unit", ""),
            frequency="year",
            description=indicator.get("description", ""),
        )

    def fetch(self, ctx: RunContext, unit: str) -> Batch:
        if unit == COUNTRIES_UNIT:
            return Batch(countries=self.countries)
        indicator = next(i for i in ctx.settings["indicators"] if i["code"] == unit)
        metric = self._metric(indicator)
        this_year = date.today().year
        first = int(ctx.settings.get("first_year", 1960))
        if not ctx.full and ctx.latest_period(metric.id) is not None:
            first = max(first, this_year - int(ctx.settings.get("recent_years", 5)))
        rows = self._pages(
            ctx,
            f"country/all/indicator/{unit}",
            {"date": f"{first}:{this_year}", "per_page": int(ctx.settings.get("per_page", 20000))},
        )
        frame, rejected, skipped = parse_indicator_rows(rows, metric.id, self.aggregates)
        return Batch(observations=frame, metrics=[metric], rejected=rejected, skipped=skipped)


COLLECTORS = (WorldBank,)
