"""A local World Bank Indicators API v2: ``/v2/country`` and ``/v2/country/all/indicator/{code}``.

Speaks the real format: ``[header, rows]`` with page/pages/per_page/total/sourceid/lastupdated,
rows ``null`` when nothing matches, the error payload ``[{"message": [{id, key, value}]}]``,
aggregates mixed in with economies (income groups with an empty ``countryiso3code``).
Values are a deterministic function of (indicator, country, year) so tests can check them.
"""

from __future__ import annotations

import hashlib
import math

from collectors.local_servers.base import LocalServer, Reply, json_reply

# (iso3, iso2, name, region id, region name, income id, income name)
ECONOMIES = [
    ("KEN", "KE", "Kenya", "SSF", "Sub-Saharan Africa ", "LMC", "Lower middle income"),
    ("UGA", "UG", "Uganda", "SSF", "Sub-Saharan Africa ", "LIC", "Low income"),
    ("BRA", "BR", "Brazil", "LCN", "Latin America & Caribbean ", "UMC", "Upper middle income"),
    ("EST", "EE", "Estonia", "ECS", "Europe & Central Asia", "HIC", "High income"),
    ("CHN", "CN", "China", "EAS", "East Asia & Pacific", "UMC", "Upper middle income"),
    ("IRN", "IR", "Iran, Islamic Rep.", "MEA", "Middle East & North Africa", "UMC",
     "Upper middle income"),
    ("XKX", "XK", "Kosovo", "ECS", "Europe & Central Asia", "UMC", "Upper middle income"),
    ("FRA", "FR", "France", "ECS", "Europe & Central Asia", "HIC", "High income"),
]
# (iso3 as given in data rows, iso2, name)
AGGREGATES = [
    ("WLD", "1W", "World"),
    ("SSF", "ZG", "Sub-Saharan Africa"),
    ("AFE", "ZH", "Africa Eastern and Southern"),
    ("", "XD", "High income"),
    ("", "XM", "Low income"),
]
KNOWN_INDICATORS = {
    "IT.NET.USER.ZS": "Individuals using the Internet (% of population)",
    "IT.NET.USER.FE.ZS": "Individuals using the Internet, female (% of female population)",
    "IT.NET.USER.MA.ZS": "Individuals using the Internet, male (% of male population)",
    "IT.NET.BBND.P2": "Fixed broadband subscriptions (per 100 people)",
    "IT.CEL.SETS.P2": "Mobile cellular subscriptions (per 100 people)",
    "IT.NET.SECR.P6": "Secure Internet servers (per 1 million people)",
    "EG.ELC.ACCS.ZS": "Access to electricity (% of population)",
    "NY.GNP.PCAP.CD": "GNI per capita, Atlas method (current US$)",
    "SE.ADT.LITR.ZS": "Literacy rate, adult total (% of people ages 15 and above)",
}
FIRST_YEAR, LAST_YEAR = 2000, 2023


def value_for(indicator: str, country: str, year: int) -> float | None:
    """The server's value; ``None`` (JSON null) for some country-years, as the real API has."""
    h = int(hashlib.sha256(f"{indicator}|{country}|{year}".encode()).hexdigest()[:8], 16)
    if h % 7 == 0:
        return None
    return round((h % 10000) / 100.0, 2)


def error_payload(key: str = "Invalid value",
                  value: str = "The provided parameter value is not valid") -> list:
    return [{"message": [{"id": "120", "key": key, "value": value}]}]


class WorldBankServer(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self.extra_field = False  # schema drift: a new unknown field in every row
        self.overrides: dict[tuple[str, str, int], object] = {}

    def country_rows(self) -> list[dict]:
        rows = []
        for iso3, iso2, name, rid, rname, iid, iname in ECONOMIES:
            rows.append({
                "id": iso3, "iso2Code": iso2, "name": name,
                "region": {"id": rid, "iso2code": "ZG", "value": rname},
                "adminregion": {"id": "", "iso2code": "", "value": ""},
                "incomeLevel": {"id": iid, "iso2code": "XN", "value": iname},
                "lendingType": {"id": "IBD", "iso2code": "XF", "value": "IBRD"},
                "capitalCity": "", "longitude": "", "latitude": "",
            })
        for iso3, iso2, name in AGGREGATES:
            rows.append({
                "id": iso3 or {"XD": "HIC", "XM": "LIC"}[iso2], "iso2Code": iso2, "name": name,
                "region": {"id": "NA", "iso2code": "NA", "value": "Aggregates"},
                "adminregion": {"id": "", "iso2code": "", "value": ""},
                "incomeLevel": {"id": "NA", "iso2code": "NA", "value": "Aggregates"},
                "lendingType": {"id": "", "iso2code": "", "value": "Aggregates"},
                "capitalCity": "", "longitude": "", "latitude": "",
            })
        return rows

    def data_rows(self, indicator: str, first: int, last: int) -> list[dict]:
        rows = []
        entities = [(e[0], e[1], e[2]) for e in ECONOMIES] + AGGREGATES
        for iso3, iso2, name in entities:
            for year in range(max(first, FIRST_YEAR), min(last, LAST_YEAR) + 1):
                value = self.overrides.get((indicator, iso3, year), value_for(indicator, iso3, year))
                row = {
                    "indicator": {"id": indicator, "value": KNOWN_INDICATORS[indicator]},
                    "country": {"id": iso2, "value": name},
                    "countryiso3code": iso3,
                    "date": str(year),
                    "value": value,
                    "unit": "", "obs_status": "", "decimal": 1,
                }
                if self.extra_field:
                    row["footnote"] = {"note": "new field"}
                rows.append(row)
        rows.sort(key=lambda r: (-int(r["date"]), r["country"]["value"]))
        return rows

    @staticmethod
    def _page(rows: list[dict], query: dict[str, str]) -> Reply:
        per_page = int(query.get("per_page", 50))
        page = int(query.get("page", 1))
        total = len(rows)
        pages = max(1, math.ceil(total / per_page)) if total else 0
        chunk = rows[(page - 1) * per_page: page * per_page]
        header = {"page": page, "pages": pages, "per_page": per_page, "total": total,
                  "sourceid": "2", "lastupdated": "2025-07-01"}
        return json_reply([header, chunk or None])

    def handle(self, path: str, query: dict[str, str]) -> Reply:
        parts = [p for p in path.split("/") if p]
        if query.get("format") != "json":
            return Reply(status=200, body=b"<?xml version='1.0'?><wb:data/>")
        if parts == ["v2", "country"]:
            return self._page(self.country_rows(), query)
        if len(parts) == 5 and parts[:3] == ["v2", "country", "all"] and parts[3] == "indicator":
            indicator = parts[4]
            if indicator not in KNOWN_INDICATORS:
                return json_reply(error_payload())
            date = query.get("date", f"{FIRST_YEAR}:{LAST_YEAR}")
            first, _, last = date.partition(":")
            return self._page(self.data_rows(indicator, int(first), int(last or first)), query)
        return json_reply(error_payload("Invalid format", "The indicator was not found"))
