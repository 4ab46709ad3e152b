"""A local OONI API: ``/api/v1/aggregation`` computed from per-measurement rows.

Speaks the real format: ``{"v": 0, "dimension_count": N, "db_stats": {...}, "result": ...}``,
with the bucket definitions of the real server (ClickHouse ``fastpath``):

- anomaly_count: anomaly and not confirmed and not failed
- confirmed_count: confirmed and not failed
- failure_count: failed
- ok_count: not anomaly, not confirmed, not failed

``since`` is inclusive and ``until`` exclusive; ``time_grain`` limits follow the real server
(day grain for ranges up to 365 days). Bad parameters get what the real API gives: an unknown
axis or a bad date gets HTTP 200 with an error body (``{"error": ..., "v": 0}``); a malformed
test name, an unsupported time grain or a range too long for the grain gets HTTP 400.

The measurements are synthetic and deterministic (:func:`synthetic_measurements`), including
``ZZ`` (unknown country) and ``EU`` (not a country) probes, or read from a fastpath CSV export
(:func:`measurements_from_fastpath_csv`).
"""

from __future__ import annotations

import csv
import hashlib
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from collectors.local_servers.base import LocalServer, Reply, json_reply

AGGREGATION_PATH = "/api/v1/aggregation"
VALID_AXES = frozenset({
    "measurement_start_day", "probe_cc", "probe_asn", "test_name", "domain", "input",
    "category_code", "blocking_type",
})
SUPPORTED_AXES = ("measurement_start_day", "probe_cc", "probe_asn", "test_name")
TIME_GRAINS = ("hour", "day", "week", "month", "year", "auto")
# (longest range in days, grains allowed), as the real server checks them
GRAIN_LIMITS = ((7, {"hour", "day", "auto"}), (30, {"day", "week", "auto"}),
                (365, {"day", "week", "month", "auto"}))
LONG_RANGE_GRAINS = {"week", "month", "year", "auto"}  # ranges over 365 days
COUNTRIES = ["KE", "IR", "BR", "RU", "CN", "XK", "ZZ", "EU"]  # ZZ unknown; EU names no country
TESTS = ["web_connectivity", "signal", "whatsapp", "telegram", "facebook_messenger", "tor",
         "dnscheck"]
HISTORY_DAYS = 420
TODAY = datetime.now(UTC).date()
_TEST_NAMES = re.compile(r"^[a-z0-9_,]+$")


@dataclass(frozen=True)
class Measurement:
    cc: str
    day: date
    test: str
    anomaly: bool
    confirmed: bool
    failure: bool
    asn: int = 0


def synthetic_measurements(last: date = TODAY, days: int = HISTORY_DAYS) -> list[Measurement]:
    """A deterministic set: some country-days have no measurement at all, most have a few."""
    rows = []
    for offset in range(days):
        day = last - timedelta(days=offset)
        for cc in COUNTRIES:
            for test in TESTS:
                h = hashlib.sha256(f"{cc}|{day}|{test}".encode()).digest()
                count = h[0] % 4  # 0..3 measurements
                for i in range(count):
                    flags = h[1 + i]
                    rows.append(Measurement(
                        cc=cc, day=day, test=test,
                        anomaly=flags % 5 == 0,
                        confirmed=flags % 17 == 0,
                        failure=flags % 7 == 0,
                        asn=1000 + flags % 3,
                    ))
    return rows


def measurements_from_fastpath_csv(path: Path) -> list[Measurement]:
    """Measurements from a fastpath table export (``anomaly``/``confirmed``/``msm_failure`` t|f)."""
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append(Measurement(
                cc=row["probe_cc"],
                day=date.fromisoformat(row["measurement_start_time"][:10]),
                test=row["test_name"],
                anomaly=row["anomaly"] == "t",
                confirmed=row["confirmed"] == "t",
                failure=row["msm_failure"] == "t",
                asn=int(row["probe_asn"] or 0),
            ))
    return out


def buckets(measurements: list[Measurement]) -> dict[str, int]:
    """The five counts of a group of measurements, as the real server defines them."""
    anomaly = sum(m.anomaly and not m.confirmed and not m.failure for m in measurements)
    confirmed = sum(m.confirmed and not m.failure for m in measurements)
    failure = sum(m.failure for m in measurements)
    ok = sum(not m.anomaly and not m.confirmed and not m.failure for m in measurements)
    return {
        "anomaly_count": anomaly,
        "confirmed_count": confirmed,
        "failure_count": failure,
        "measurement_count": len(measurements),
        "ok_count": ok,
    }


def error_body(message: str) -> dict:
    return {"error": message, "v": 0}


class OoniServer(LocalServer):
    def __init__(self, measurements: list[Measurement] | None = None) -> None:
        super().__init__()
        self.measurements = synthetic_measurements() if measurements is None else measurements
        self.by_day: dict[date, list[Measurement]] = defaultdict(list)
        for m in self.measurements:
            self.by_day[m.day].append(m)
        self.extra_field = False  # schema drift: a new unknown field in every row
        self.drop_field: str | None = None  # schema drift: a bucket field missing from rows
        self.row_overrides: dict[tuple[str, str, str], dict] = {}  # (test, cc, day) → fields
        # Headers and body go out in two writes: without TCP_NODELAY each response waits ~40 ms
        # for a delayed ACK. (The handler class is this server's own, made in LocalServer.)
        self.httpd.RequestHandlerClass.disable_nagle_algorithm = True
        # serve_forever's default 0.5 s poll makes every stop() take half a second
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def add(self, *measurements: Measurement) -> None:
        """New measurements (late arrivals, revisions) served from now on."""
        with self._lock:
            for m in measurements:
                self.measurements.append(m)
                self.by_day[m.day].append(m)

    @staticmethod
    def _date(value: str | None, default: date) -> date | None:
        if value is None:
            return default
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None

    def aggregate(self, query: dict[str, str]) -> Reply:
        axes = [query[a] for a in ("axis_x", "axis_y") if query.get(a)]
        for axis in axes:
            if axis not in VALID_AXES:
                return json_reply(error_body(f"Invalid axis name: {axis}"))
            if axis not in SUPPORTED_AXES:
                return json_reply({"detail": f"axis {axis} not modelled by the local server"}, 400)
        if len(axes) == 2 and axes[0] == axes[1]:
            return json_reply(error_body("Axis X and Y cannot be the same"))
        since = self._date(query.get("since"), TODAY - timedelta(days=180))
        until = self._date(query.get("until"), TODAY + timedelta(days=1))
        if since is None or until is None:
            return json_reply(error_body("Invalid date: since/until must be YYYY-MM-DD"))
        test_names = query.get("test_name")
        if test_names is not None and not _TEST_NAMES.match(test_names):
            return json_reply({"detail": f"invalid test_name {test_names!r}"}, 400)
        grain = query.get("time_grain", "auto")
        if grain not in TIME_GRAINS:
            return json_reply({"detail": f"invalid time_grain {grain!r}"}, 400)
        span = (until - since).days
        allowed = next((g for limit, g in GRAIN_LIMITS if span <= limit), LONG_RANGE_GRAINS)
        if grain not in allowed:
            return json_reply(
                {"detail": f"Choose time_grain between {sorted(allowed)} for the given time range"},
                400,
            )
        if grain not in ("day", "auto") and "measurement_start_day" in axes:
            return json_reply({"detail": f"time_grain {grain} not modelled by the local server"}, 400)

        tests = set(test_names.split(",")) if test_names else None
        ccs = set(query["probe_cc"].split(",")) if query.get("probe_cc") else None
        asns = (
            {int(a.upper().removeprefix("AS")) for a in query["probe_asn"].split(",")}
            if query.get("probe_asn") else None
        )
        groups: dict[tuple, list[Measurement]] = defaultdict(list)
        day = since
        while day < until:
            for m in self.by_day.get(day, ()):
                if tests is not None and m.test not in tests:
                    continue
                if ccs is not None and m.cc not in ccs:
                    continue
                if asns is not None and m.asn not in asns:
                    continue
                key = tuple(self._axis_value(m, a) for a in axes)
                groups[key].append(m)
            day += timedelta(days=1)
        total_rows = sum(len(g) for g in groups.values())
        db_stats = {"row_count": len(groups), "bytes": total_rows * 120,
                    "total_row_count": total_rows, "elapsed_seconds": 0.001}
        if not axes:
            result: object = buckets([m for g in groups.values() for m in g])
        else:
            result = []
            for key in sorted(groups):
                row = buckets(groups[key])
                row.update(zip(axes, key, strict=True))
                result.append(self._drift(dict(sorted(row.items())), tests))
        return json_reply(
            {"v": 0, "dimension_count": len(axes), "db_stats": db_stats, "result": result}
        )

    @staticmethod
    def _axis_value(m: Measurement, axis: str) -> object:
        return {
            "measurement_start_day": m.day.isoformat(),
            "probe_cc": m.cc,
            "probe_asn": m.asn,
            "test_name": m.test,
        }[axis]

    def _drift(self, row: dict, tests: set[str] | None) -> dict:
        for (test, cc, day), fields in self.row_overrides.items():
            if row.get("probe_cc") != cc or row.get("measurement_start_day") != day:
                continue
            if test == "*" or tests is None or test in tests:
                row.update(fields)
        if self.extra_field:
            row["loss_ratio"] = 0.25
        if self.drop_field:
            row.pop(self.drop_field, None)
        return row

    def handle(self, path: str, query: dict[str, str]) -> Reply:
        if path.rstrip("/") == AGGREGATION_PATH:
            return self.aggregate(query)
        return json_reply({"detail": "Not Found"}, 404)
