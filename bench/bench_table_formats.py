"""Plain manifest over Parquet against Delta Lake (``deltalake``) and Iceberg (``pyiceberg``).

The evidence for docs/decisions/snapshot-layout.md. On one warehouse (the snapshot bench's:
every reference country × 60 years × 60 yearly metrics plus three years of five daily metrics,
about 2 M observations; ``--years``/``--metrics`` to change it), for the ``observation`` table
split into the same parts (source and decade; daily rows by year):

- **full write**: every part; **one-part change**: the rows of one part rewritten (what a
  one-source collection does), as each format does it natively, from the warehouse (the export
  of the rows to Arrow counted for Delta and Iceberg, as ``COPY`` is for the plain layout) —
  roamwatch's ``publish`` (of observations only here), Delta's ``write_deltalake`` with
  ``partition_by`` and an overwrite ``predicate``, Iceberg's ``append`` and ``overwrite`` with a
  filter on an identity-partitioned column, in a SQLite-backed ``SqlCatalog``;
- **reads**: one country's rows (median over 10 countries): roamwatch's reader (DuckDB over the
  manifest's files), DuckDB over the files Delta lists, polars over Delta and Iceberg, pyiceberg's
  own scan;
- **disk** after five versions, before any vacuum or snapshot expiry;
- every format must give back the same rows (count and checksum).

Needs ``pip install deltalake 'pyiceberg[sql-sqlite,pyarrow]' polars`` (not roamwatch
dependencies). Writes ``bench/results/table_formats.json``.

    python bench/bench_table_formats.py [--years 60] [--metrics 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from bench.bench_snapshot import build
from bench.results import Results
from roamwatch.warehouse import snapshot
from roamwatch.warehouse.layout import PARTS, read_manifest
from roamwatch.warehouse.partitions import OBSERVATION_PART, observation_part_filter
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import Warehouse

COUNTRIES = ["KEN", "IND", "BRA", "FRA", "CHN", "IRN", "EST", "UGA", "MEX", "EGY"]
CHANGED = "bench-2020s"  # the part a one-source collection rewrites
#: The rows of that part, selected as the plain publisher selects them (range predicates first).
ONE_PART = observation_part_filter(CHANGED)
CHECKSUM = "SELECT count(*), bit_xor(hash(metric, country, period, value)) FROM t"


def du(path: Path) -> int:
    seen, total = set(), 0
    for p in path.rglob("*"):
        if p.is_file():
            st = p.stat()
            if st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    return total


def checksum(table: pa.Table) -> tuple:
    con = duckdb.connect()
    con.register("t", table.select(["metric", "country", "period", "value"]))
    return con.execute(CHECKSUM).fetchall()[0]


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def median_ms(fn) -> float:
    times = []
    for country in COUNTRIES:
        t0 = time.perf_counter()
        fn(country)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    import polars as pl
    from deltalake import DeltaTable, write_deltalake
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.expressions import EqualTo

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=60)
    parser.add_argument("--metrics", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    # Observations only, in every format (the other tables are small and would only add to the
    # plain layout's time here).
    snapshot.PUBLISHED_TABLES = ("observation",)
    rec = Results("table_formats", "Snapshot layout: plain manifest vs Delta Lake vs Iceberg",
                  parameters=vars(args))
    with tempfile.TemporaryDirectory(prefix="roamwatch-bench-formats-") as tmp:
        root = Path(tmp)
        with Warehouse(root / "warehouse.duckdb") as wh:
            counts = build(wh, args.years, args.metrics)
            rec.parameters.update(counts)
            con = wh.con.cursor()  # build() leaves a result unfetched on wh.con

            def observations(where: str = "TRUE", params: dict | None = None) -> pa.Table:
                return con.sql(f"SELECT *, {OBSERVATION_PART} AS part FROM observation "
                               f"WHERE {where} ORDER BY part, country, metric, period",
                               params=params).to_arrow_table()

            def change(round_: int) -> pa.Table:
                """Rewrite one part's values in the warehouse (and mark the part changed)."""
                con.execute(f"""UPDATE observation SET value = value + 1, run_id = {1000 + round_}
                                WHERE ({OBSERVATION_PART}) = '{CHANGED}'""")
                con.execute(f"UPDATE partition_version SET version = uuid()::VARCHAR "
                            f"WHERE tbl = 'observation' AND part = '{CHANGED}'")

            t0 = time.perf_counter()
            data = observations()
            rec.add("observations to Arrow (shared by Delta and Iceberg)", time.perf_counter() - t0, "s")
            print(f"{data.num_rows:,} observations", flush=True)
            expected = checksum(data)

            catalog = SqlCatalog("bench", uri=f"sqlite:///{root}/iceberg.db",
                                 warehouse=f"file://{root}/iceberg")
            catalog.create_namespace("rw")
            full = {"plain": [], "delta": [], "iceberg": []}
            small = {"plain": [], "delta": [], "iceberg": []}
            for attempt in range(args.repeat):
                plain_dir, delta_dir = root / f"plain-{attempt}", root / f"delta-{attempt}"
                full["plain"].append(timed(lambda d=plain_dir: publish(con, d)))
                full["delta"].append(timed(lambda d=delta_dir: write_deltalake(
                    d, observations(), partition_by=["part"], mode="overwrite")))

                def iceberg_full(attempt=attempt):
                    schema = data.schema
                    table = catalog.create_table(f"rw.observation_{attempt}", schema=schema)
                    with table.update_spec() as spec:
                        spec.add_identity("part")
                    table.append(observations())
                    return table

                t0 = time.perf_counter()
                iceberg = iceberg_full()
                full["iceberg"].append(time.perf_counter() - t0)
                for round_ in range(4):  # four one-part changes: five versions each
                    change(attempt * 10 + round_)
                    small["plain"].append(timed(lambda d=plain_dir: publish(con, d, keep=5)))
                    small["delta"].append(timed(lambda d=delta_dir: write_deltalake(
                        d, observations(*ONE_PART), mode="overwrite", predicate=f"part = '{CHANGED}'")))
                    small["iceberg"].append(timed(lambda t=iceberg: t.overwrite(
                        observations(*ONE_PART), overwrite_filter=EqualTo("part", CHANGED))))
                print(f"run {attempt + 1}: full " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in full.items())
                      + "; one part " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in small.items()),
                      flush=True)
            now = checksum(observations())
            for name in ("plain", "delta", "iceberg"):
                rec.add(f"full write, {name}", statistics.median(full[name]), "s")
                rec.add(f"one-part change, {name}", statistics.median(small[name]), "s")
            for name in ("delta", "iceberg"):
                rec.ratio(f"one-part change, {name} / plain", f"one-part change, {name}",
                          "one-part change, plain", better="lower")

            # Same rows everywhere.
            last = args.repeat - 1
            plain_dir, delta_dir = root / f"plain-{last}", root / f"delta-{last}"
            iceberg = catalog.load_table(f"rw.observation_{last}")
            with Reader.open(plain_dir) as reader:
                plain_rows = reader.con.execute("SELECT * FROM observation").to_arrow_table()
                plain_ms = median_ms(lambda c, r=reader: r.con.execute(
                    "SELECT metric, period, value FROM observation WHERE country = ?", [c]).fetchall())
            delta = DeltaTable(str(delta_dir))
            delta_rows = delta.to_pyarrow_table()
            iceberg_rows = iceberg.scan().to_arrow()
            same = {name: checksum(rows) == now for name, rows in
                    (("plain", plain_rows), ("delta", delta_rows), ("iceberg", iceberg_rows))}
            rec.notes.append(f"same rows and checksum as the warehouse: {same}; before the changes "
                             f"{expected}, after {now}")
            if not all(same.values()):
                raise SystemExit(f"a format read back different rows: {same}")

            files = delta.file_uris()
            dcon = duckdb.connect()
            listed = ", ".join("'" + f.removeprefix("file://").replace("'", "''") + "'" for f in files)
            dcon.execute(f"CREATE VIEW observation AS SELECT * FROM read_parquet([{listed}], "
                         "hive_partitioning = false)")
            rec.add("country read, plain (roamwatch reader, DuckDB)", plain_ms, "ms")
            rec.add("country read, Delta files through DuckDB", median_ms(lambda c: dcon.execute(
                "SELECT metric, period, value FROM observation WHERE country = ?", [c]).fetchall()), "ms")
            rec.add("country read, Delta through polars", median_ms(lambda c: pl.scan_delta(
                str(delta_dir)).filter(pl.col("country") == c).select("metric", "period", "value")
                .collect()), "ms")
            rec.add("country read, Iceberg through pyiceberg", median_ms(lambda c: iceberg.scan(
                row_filter=EqualTo("country", c), selected_fields=("metric", "period", "value"))
                .to_arrow()), "ms")
            rec.add("country read, Iceberg through polars", median_ms(lambda c: pl.scan_iceberg(
                iceberg).filter(pl.col("country") == c).select("metric", "period", "value")
                .collect()), "ms")

            plain_bytes = du(plain_dir / PARTS)
            one_plain = sum(f["bytes"] for e in read_manifest(
                plain_dir / Reader.open(plain_dir).snapshot_id)["tables"].values() for f in e["files"])
            rec.add("disk, plain, one snapshot (observations)", one_plain / 1e6, "MB")
            rec.add("disk, plain, five snapshots (observations)", plain_bytes / 1e6, "MB")
            rec.add("disk, Delta, five versions (observations)", du(delta_dir) / 1e6, "MB")
            rec.add("disk, Iceberg, five snapshots (observations)",
                    du(Path(iceberg.location().removeprefix("file://"))) / 1e6, "MB")
    rec.notes.append("measured on a shared 2-core machine under load; ratios side by side in one run")
    rec.write()


if __name__ == "__main__":
    main()
