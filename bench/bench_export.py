"""CSV export speed: roamwatch's exports against DuckDB's own ``COPY … TO … (HEADER)``.

Publishes a snapshot of ``--rows`` observations (default 1,000,000), then writes every row as
CSV three ways from the same snapshot and the same joined selection:

- ``roamwatch export``: :meth:`Reader.observations` + :func:`roamwatch.export.write_csv`, what
  ``roamwatch export -o FILE`` does (formula text neutralised, CRLF);
- ``dashboard download``: the ``/download/data.csv`` stream (:func:`data_batches` in chunks of
  100,000 rows, each written by ``write_csv``);
- ``DuckDB COPY``: ``COPY (<the same SELECT>) TO 'file.csv' (HEADER)`` (no neutralisation).

Medians of ``--repeat`` runs; ratios are COPY time ÷ our time (1.00× = as fast as COPY).

    python -m bench.bench_export [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_ingest import make_frame
from bench.results import Results
from roamwatch.export import write_csv
from roamwatch.warehouse import dashboard_queries as q
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import Warehouse


def build(root: Path, rows: int) -> None:
    frame, metrics = make_frame(rows)
    with Warehouse(root / "warehouse.duckdb") as wh:
        wh.upsert_metrics(metrics)
        run = wh.start_run("bench", {})
        with wh.transaction():
            wh.upsert_observations(frame, run)
        wh.finish_run(run, "success", rows_written=rows)
        publish(wh.con, root / "serving")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rec = Results("export", "CSV export: roamwatch export and dashboard download against DuckDB COPY",
                  parameters=vars(args))
    times: dict[str, list[float]] = {"roamwatch export": [], "dashboard download": [], "DuckDB COPY": []}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="roamwatch-bench-export-") as tmp:
        root = Path(tmp)
        build(root, args.rows)
        with Reader.open(root / "serving") as reader:
            for _ in range(args.repeat):
                target = root / "export.csv"
                started = time.perf_counter()
                frame = reader.observations()
                with target.open("w", encoding="utf-8", newline="") as fh:
                    write_csv(frame, fh)
                times["roamwatch export"].append(time.perf_counter() - started)
                sizes["roamwatch export"] = target.stat().st_size
                del frame

                started = time.perf_counter()
                size = 0
                flt = q.DataFilter()
                for i, batch in enumerate(q.data_batches(reader, flt)):
                    buffer = io.StringIO()
                    write_csv(batch, buffer, header=i == 0)
                    size += len(buffer.getvalue().encode("utf-8"))
                times["dashboard download"].append(time.perf_counter() - started)
                sizes["dashboard download"] = size

                copy_target = (root / "copy.csv").as_posix()
                started = time.perf_counter()
                reader.con.cursor().execute(
                    "COPY (SELECT o.metric, m.name AS metric_name, m.unit, o.country, "
                    "c.name_en AS country_name, o.period, o.value, m.source, o.fetched_at "
                    "FROM observation o JOIN metric m ON m.id = o.metric "
                    "LEFT JOIN country c ON c.iso3 = o.country "
                    f"ORDER BY o.metric, o.country, o.period) TO '{copy_target}' (HEADER)")
                times["DuckDB COPY"].append(time.perf_counter() - started)
                sizes["DuckDB COPY"] = (root / "copy.csv").stat().st_size
    for name, values in times.items():
        median = statistics.median(values)
        rec.add(f"{name}, median", median, "s")
        rec.add(f"{name}, rows per second", args.rows / median, "rows/s", better="higher")
        rec.add(f"{name}, file size", sizes[name] / 1e6, "MB", better=None)
        print(f"{name:<20} median {median:6.2f} s  ({args.rows / median:,.0f} rows/s, "
              f"{sizes[name] / 1e6:.0f} MB)")
    rec.ratio("roamwatch export speed vs COPY", "DuckDB COPY, median", "roamwatch export, median",
              note="COPY time ÷ roamwatch export time")
    rec.ratio("dashboard download speed vs COPY", "DuckDB COPY, median", "dashboard download, median",
              note="COPY time ÷ /download/data.csv stream time")
    rec.write()


if __name__ == "__main__":
    main()
