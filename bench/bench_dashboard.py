"""Server time of the dashboard's world and country pages on a realistic warehouse, and memory.

Builds a synthetic warehouse the size of a real one (every ISO country; 40 yearly metrics over
30 years; OONI daily counts for 6 tests x 5 buckets over a year; outage events; ROAM-X scores),
publishes a snapshot, then asks the Dash server for each page the way a browser does: a POST to
``/_dash-update-component`` for the pages router callback (layout function + JSON), through the
Flask test client. Reports the median of cold (first request after a new snapshot: queries run)
and warm (cached) requests, separately and over all requests, and the process RSS.

    python bench/bench_dashboard.py [--days 365] [--repeat 15] [--keep DIR [--reuse]]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from bench.results import Results
from roamwatch.countries import reference_countries
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import MetricInfo, SourceInfo, Warehouse
from tests.dashclient import page_body

REGIONS = ["East Asia & Pacific", "Europe & Central Asia", "Latin America & Caribbean",
           "Middle East & North Africa", "North America", "South Asia", "Sub-Saharan Africa"]
INCOMES = ["High income", "Upper middle income", "Lower middle income", "Low income"]
OONI_TESTS = ["web_connectivity", "signal", "whatsapp", "telegram", "facebook_messenger", "tor"]
OONI_BUCKETS = ["anomaly_count", "confirmed_count", "failure_count", "ok_count", "measurement_count"]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def build_warehouse(data_dir: Path, days: int, yearly_metrics: int = 40, years: int = 30) -> dict:
    rng = np.random.default_rng(7)
    countries = pd.DataFrame(reference_countries())
    countries = countries.assign(
        region=[REGIONS[i % len(REGIONS)] for i in range(len(countries))],
        income_group=[INCOMES[i % len(INCOMES)] for i in range(len(countries))],
    )[["iso3", "iso2", "name_en", "region", "income_group"]]
    iso3 = countries["iso3"].to_numpy()
    started = time.perf_counter()
    with Warehouse(data_dir / "warehouse.duckdb") as wh:
        run_id = wh.start_run("bench", {})
        with wh.transaction():
            wh.upsert_countries(countries)
            for sid in ("worldbank", "ooni", "ioda"):
                wh.upsert_source(SourceInfo(sid, sid.upper(), f"https://example.org/{sid}", "CC BY 4.0",
                                            "https://creativecommons.org/licenses/by/4.0/", f"{sid} data"))
            # yearly metrics
            metrics = [MetricInfo(f"worldbank.BENCH.{i:02d}", "worldbank", f"BENCH.{i:02d}",
                                  f"Benchmark indicator {i}", "%", "year") for i in range(yearly_metrics)]
            if yearly_metrics:
                metrics[0] = MetricInfo("worldbank.IT.NET.USER.ZS", "worldbank", "IT.NET.USER.ZS",
                                        "Individuals using the Internet (% of population)", "%", "year")
            wh.upsert_metrics(metrics)
            first = 2024 - years + 1
            grid = pd.MultiIndex.from_product([[m.id for m in metrics], iso3, range(first, 2025)],
                                              names=["metric", "country", "year"]).to_frame(index=False)
            grid = grid[rng.random(len(grid)) > 0.15]  # gaps, as real data has
            yearly = pd.DataFrame({
                "metric": grid["metric"], "country": grid["country"], "period": grid["year"].astype(str),
                "period_start": pd.to_datetime(grid["year"].astype(str) + "-01-01").dt.date,
                "value": rng.uniform(0, 100, len(grid)).round(2),
            })
            wh.upsert_observations(yearly, run_id)
            # OONI daily counts
            ooni_metrics = [MetricInfo(f"ooni.{t}.{b}", "ooni", f"{t}.{b}", f"OONI {t}: {b}", "measurements",
                                       "day") for t in OONI_TESTS for b in OONI_BUCKETS]
            wh.upsert_metrics(ooni_metrics)
            ooni_rows = 0
            if days:
                day_index = pd.date_range(end="2026-10-31", periods=days, freq="D")
                for test in OONI_TESTS:
                    n = len(iso3) * days
                    total = rng.integers(0, 60, n)
                    anomaly = rng.binomial(total, 0.1)
                    confirmed = rng.binomial(total - anomaly, 0.02)
                    failure = rng.binomial(total - anomaly - confirmed, 0.05)
                    ok = total - anomaly - confirmed - failure
                    country = np.repeat(iso3, days)
                    period = np.tile(day_index.strftime("%Y-%m-%d").to_numpy(), len(iso3))
                    start = np.tile(day_index.date, len(iso3))
                    keep = total > 0
                    for bucket, values in zip(OONI_BUCKETS, (anomaly, confirmed, failure, ok, total),
                                              strict=True):
                        frame = pd.DataFrame({"metric": f"ooni.{test}.{bucket}", "country": country[keep],
                                              "period": period[keep], "period_start": start[keep],
                                              "value": values[keep].astype(float)})
                        ooni_rows += wh.upsert_observations(frame, run_id)
            # events
            n_events = 5000
            hours = rng.integers(0, 7 * 365 * 24, n_events)
            starts = pd.Timestamp("2019-01-01") + pd.to_timedelta(hours, "h")
            events = pd.DataFrame({
                "id": [f"ioda-{i}" for i in range(n_events)], "source": "ioda",
                "country": rng.choice(iso3, n_events), "start_time": starts,
                "end_time": starts + pd.to_timedelta(rng.integers(1, 72, n_events), "h"),
                "kind": rng.choice(["outage", "shutdown"], n_events), "severity": rng.random(n_events),
                "details": [{"signal": "bgp"}] * n_events,
            })
            wh.upsert_events(events, run_id)
            # scores: overall, 5 categories, 25 themes, 60 indicators per country-year
            keys = ([("overall", "ROAMX")] + [("category", k) for k in "ROAMX"]
                    + [("theme", f"{k}.{t}") for k in "ROAMX" for t in "ABCDE"]
                    + [("indicator", f"{k}.{t}.{i}") for k in "ROAMX" for t in "ABCD" for i in "123"])
            scores = pd.MultiIndex.from_product([iso3, range(2015, 2025), range(len(keys))],
                                                names=["country", "year", "k"]).to_frame(index=False)
            scores["level"] = [keys[k][0] for k in scores["k"]]
            scores["key"] = [keys[k][1] for k in scores["k"]]
            scores["value"] = rng.uniform(0, 100, len(scores)).round(1)
            scores["coverage"] = rng.uniform(0.2, 1, len(scores)).round(2)
            scores["details"] = '{"inputs": ["worldbank.IT.NET.USER.ZS"]}'
            wh.con.register("bench_scores", scores)
            wh.con.execute("INSERT INTO score SELECT country, year, level, key, value, coverage, details "
                           "FROM bench_scores")
            wh.con.unregister("bench_scores")
        wh.finish_run(run_id, "success", rows_written=len(yearly) + ooni_rows)
        snapshot = publish(wh.con, data_dir / "serving")
    size = sum(p.stat().st_size for p in (data_dir / "serving" / snapshot).glob("*.parquet"))
    return {"snapshot": snapshot, "observations": len(yearly) + ooni_rows, "events": n_events,
            "countries": len(iso3), "build_s": round(time.perf_counter() - started, 1),
            "snapshot_mb": round(size / 1e6, 1)}


def page_request(client, deps: list, path: str) -> tuple[float, int]:
    """POST the pages router callback for ``path`` (what the browser sends) and time it."""
    body = page_body(deps, path)
    started = time.perf_counter()
    reply = client.post("/_dash-update-component", json=body)
    elapsed = time.perf_counter() - started
    assert reply.status_code == 200, reply.get_data(as_text=True)[:500]
    return elapsed, len(reply.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365, help="days of OONI history (0: none)")
    parser.add_argument("--repeat", type=int, default=15, help="warm requests per page")
    parser.add_argument("--keep", type=Path, help="build the warehouse here and keep it")
    parser.add_argument("--reuse", action="store_true", help="with --keep: reuse a warehouse built before")
    args = parser.parse_args()
    rec = Results("dashboard", "Dashboard page time (cold and warm) and memory",
                  parameters={"days": args.days, "repeat": args.repeat})
    rec.notes.append("Server time of the pages router callback through the Flask test client "
                     "(no HTTP, no browser): cold = first request after a new snapshot.")

    tmp = None
    if args.keep:
        data_dir = args.keep
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="roamwatch-bench-")
        data_dir = Path(tmp.name)
    if args.reuse and (data_dir / "serving" / "CURRENT").exists():
        info = {"reused": str(data_dir)}
    else:
        # Built in a child process, so the RSS below is the dashboard's alone.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            info = pool.submit(build_warehouse, data_dir, args.days).result()
    print(json.dumps({"warehouse": info}))

    os.environ["ROAMWATCH_DATA_DIR"] = str(data_dir)
    from dashboard import data
    from dashboard.app import create_app
    from roamwatch.config import load_config

    rss_before = rss_mb()
    app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": str(data_dir)}))
    client = app.server.test_client()
    client.get("/")  # first request: Dash sets up the router callback
    deps = client.get("/_dash-dependencies").get_json()

    pages = {
        "world": "/",
        "world_metric": "/?metric=worldbank.IT.NET.USER.ZS&year=2020",
        "world_ooni": "/?metric=ooni:web_connectivity:confirmed&year=2026",
        "country": "/country/KEN",
        "country_fr": "/country/BRA?lang=fr",
        "data": "/data?countries=KEN",
    }
    results = {}
    svc = data.get()
    for name, path in pages.items():
        # cold: as after a new snapshot (no cached query result, no cached page)
        svc.clear_caches()
        cold, size = page_request(client, deps, path)
        warm = [page_request(client, deps, path)[0] for _ in range(args.repeat)]
        results[name] = {"path": path, "cold_ms": round(cold * 1000, 1),
                         "warm_median_ms": round(statistics.median(warm) * 1000, 1),
                         "median_all_ms": round(statistics.median([cold, *warm]) * 1000, 1),
                         "response_kb": round(size / 1024, 1)}
        print(json.dumps({name: results[name]}))
        rec.add(f"{name} cold", results[name]["cold_ms"], "ms", note=path)
        rec.add(f"{name} warm (median)", results[name]["warm_median_ms"], "ms", note=path)
    # Every country's page, as after a new snapshot: the per-snapshot tables every page shares
    # are computed first (the app does it in the background when it sees the snapshot), then
    # each country's page is rendered for the first time, then once more (warm).
    svc.clear_caches()
    started = time.perf_counter()
    svc.warm()
    warm_up = time.perf_counter() - started
    countries = list(svc.countries()["iso3"])
    first, again, cpu = [], [], 0.0
    for c in countries:  # each page first rendered, then asked again (served from the cache)
        started = time.process_time()
        first.append(page_request(client, deps, f"/country/{c}")[0])
        cpu += time.process_time() - started
        again.append(page_request(client, deps, f"/country/{c}")[0])
    first_cpu = cpu / len(countries)
    results["country_spread"] = {"countries": len(countries),
                                 "warm_up_ms": round(warm_up * 1000, 1),
                                 "first_median_ms": round(statistics.median(first) * 1000, 1),
                                 "first_p90_ms": round(statistics.quantiles(first, n=10)[-1] * 1000, 1),
                                 "first_max_ms": round(max(first) * 1000, 1),
                                 "first_mean_cpu_ms": round(first_cpu * 1000, 1),
                                 "warm_median_ms": round(statistics.median(again) * 1000, 1)}
    print(json.dumps({"country_spread": results["country_spread"]}))
    memory = {
        "rss_before_app_mb": round(rss_before, 1), "rss_now_mb": round(rss_mb(), 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps({"memory": memory}))
    spread = results["country_spread"]
    rec.add(f"country page first render, median over all {spread['countries']} countries",
            spread["first_median_ms"], "ms", note="target <= 100 ms (issue 12)")
    rec.add("country page first render, 90th percentile", spread["first_p90_ms"], "ms")
    rec.add("country page first render, max", spread["first_max_ms"], "ms")
    rec.add("country page first render, mean CPU time of the process", spread["first_mean_cpu_ms"], "ms",
            note="less sensitive to other load on the machine than the wall time")
    rec.add("country page warm, median over all countries", spread["warm_median_ms"], "ms",
            note="target <= 10 ms (issue 12)")
    rec.add("per-snapshot tables computed before the first page", spread["warm_up_ms"], "ms")
    rec.add("RSS before the app", memory["rss_before_app_mb"], "MB")
    rec.add("RSS after all pages", memory["rss_now_mb"], "MB")
    rec.add("peak RSS", memory["max_rss_mb"], "MB", note="target <= 300 MB (issue 12)")
    if "observations" in info:
        rec.parameters.update({"observations": info["observations"], "snapshot_mb": info["snapshot_mb"]})
    rec.write()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
