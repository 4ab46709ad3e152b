"""File downloads as plain HTTP routes (a link reproduces them, like the pages):

- ``/download/country/<ISO3>.csv``: the tidy table of what the country page shows (section,
  metric, name, unit, period, value, source, licence); the raw rows stay on the data page;
- ``/download/country/<ISO3>/<panel>.csv``: exactly what one chart or table of that page shows;
- ``/download/chart/world.csv?<world page view>``, ``/download/chart/compare.csv?<compare view>``;
- ``/download/data.csv?<data page filters>``: exactly the data page's filtered selection;
- ``/download/data.zip?<same>``: that CSV plus ``metadata.json`` (sources, licences, citations,
  snapshot id, column meanings, metric definitions, the filter itself).

Every CSV has ``source``, ``source_name`` and ``licence`` columns; ``?excel=1`` gives the same
CSV for Excel (UTF-8 with a byte-order mark, which Excel needs to read it as UTF-8). CSV cells
that a spreadsheet would run as formulas are neutralised (:func:`roamwatch.export.write_csv`).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import flask
import pandas as pd

from dashboard import data, frames
from dashboard.components.urlstate import split_list, to_int
from roamwatch.export import provenance, write_csv
from roamwatch.warehouse import dashboard_queries as q

#: Excel reads a CSV as UTF-8 only when it starts with this byte-order mark.
BOM = "\ufeff"
DATA_COLUMN_MEANINGS = {
    "metric": "roamwatch metric id: <source>.<source code>",
    "metric_name": "the metric's name as published by the source",
    "unit": "unit of value",
    "country": "ISO 3166-1 alpha-3 code (XKX: Kosovo)",
    "country_name": "English country name",
    "region": "World Bank region of the country",
    "income_group": "World Bank income group of the country",
    "period": "the period the value refers to, as published (year, YYYY-MM or date)",
    "year": "calendar year of the start of the period",
    "value": "the observed value, unchanged from the source",
    "source": "roamwatch source id; see sources in this file for licence and citation",
    "source_name": "the source's name",
    "licence": "the source's licence or terms of use, as roamwatch records them",
}


def _csv_text(frame: pd.DataFrame, header: bool = True) -> str:
    """:func:`write_csv` of ``frame`` as text (without the header for later chunks)."""
    buffer = io.StringIO()
    write_csv(frame, buffer, header=header)
    return buffer.getvalue()


#: ``content_type``, not ``mimetype``: Flask appends a charset to a mimetype that already has one.
CSV_TYPE = "text/csv; charset=utf-8"


#: HTTP header every download of synthetic demo data carries (``roamwatch demo``).
SYNTHETIC_HEADER = "X-Roamwatch-Synthetic"


def _stem(synthetic: bool) -> str:
    """File names start with this: a download of demo data says so in its name."""
    return "roamwatch_SYNTHETIC-DEMO" if synthetic else "roamwatch"


def _mark(response: flask.Response, synthetic: bool) -> flask.Response:
    if synthetic:
        response.headers[SYNTHETIC_HEADER] = "true"
    return response


def wants_excel() -> bool:
    return flask.request.args.get("excel", "") not in ("", "0", "false", "no")


def _csv_response(frame: pd.DataFrame, stem: str, synthetic: bool = False) -> flask.Response:
    """``frame`` as a CSV attachment ``<stem>.csv`` (``<stem>_excel.csv`` with a BOM when the
    request asks for Excel); a ``roamwatch`` stem of demo data is named and marked synthetic."""
    if stem.startswith("roamwatch"):
        stem = _stem(synthetic) + stem[len("roamwatch"):]
    excel = wants_excel()
    text = (BOM if excel else "") + _csv_text(frame)
    response = flask.Response(text.encode("utf-8"), content_type=CSV_TYPE)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{stem}{"_excel" if excel else ""}.csv"'
    return _mark(response, synthetic)


def _csv_chunks(reader, flt: q.DataFilter) -> Iterator[tuple[str, int]]:
    """The data page's selection as (CSV text, rows) in chunks; an empty selection is its
    header line alone."""
    header = True
    for frame in q.data_batches(reader, flt):
        yield _csv_text(frame, header=header), len(frame)
        header = False
    if header:
        yield _csv_text(pd.DataFrame(columns=list(q.EXPORT_COLUMNS))), 0


def _no_data() -> flask.Response:
    return flask.Response("No data has been published on this site yet.\n", status=503,
                          mimetype="text/plain")


def country_frame(svc: data.DataService, iso3: str) -> pd.DataFrame:
    """The tidy table of everything the country page shows."""
    return frames.country_tidy(svc, iso3)


def _world_chart(svc: data.DataService, args: dict[str, str]) -> tuple[pd.DataFrame, str] | None:
    series = args.get("metric") or svc.default_series()
    if not series or svc.series_info(series) is None:
        return None
    year = to_int(args.get("year")) or svc.default_year(series)
    view = frames.world_view(svc, series, year, args.get("region") or None, args.get("income") or None, "en")
    slug = series.replace(":", "_").replace(".", "_")
    return frames.world_csv(svc, view), f"roamwatch_{slug}_{year}"


def _compare_chart(svc: data.DataService, args: dict[str, str]) -> tuple[pd.DataFrame, str] | None:
    series = args.get("metric") or svc.default_series()
    if not series or svc.series_info(series) is None:
        return None
    codes = tuple(c for c in (svc.resolve_country(x).iso3 for x in split_list(args.get("countries"))) if c)
    slug = series.replace(":", "_").replace(".", "_")
    return frames.compare_csv(svc, series, codes[:8]), f"roamwatch_compare_{slug}_{'_'.join(codes[:8])}"


CHARTS: dict[str, Callable[[data.DataService, dict[str, str]], tuple[pd.DataFrame, str] | None]] = {
    "world": _world_chart,
    "compare": _compare_chart,
}


def metadata(svc: data.DataService, flt: q.DataFilter, rows: int) -> dict:
    reader = svc.reader()
    assert reader is not None
    meta = provenance(reader.snapshot_id, q.data_sources(reader, flt), reader.synthetic)
    meta.update({
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": rows,
        "filter": {
            "metrics": list(flt.metrics), "countries": list(flt.countries), "regions": list(flt.regions),
            "income_groups": list(flt.incomes), "year_from": flt.year_from, "year_to": flt.year_to,
            "sort": [list(s) for s in flt.sort],
        },
        "columns": DATA_COLUMN_MEANINGS,
        "metrics": json.loads(q.data_metrics(reader, flt).to_json(orient="records")),
        "methodology": "/methodology",
    })
    return meta


def register(server: flask.Flask) -> None:
    @server.route("/download/country/<code>.csv")
    def download_country(code: str):  # noqa: ANN202
        svc = data.get()
        if not svc.available():
            return _no_data()
        match = svc.resolve_country(code)
        if match.iso3 is None:
            flask.abort(404)
        if match.status == "redirect":
            return flask.redirect(f"/download/country/{match.iso3}.csv", 302)
        frame = country_frame(svc, match.iso3)
        return _csv_response(frame, f"roamwatch_{match.iso3}_{svc.snapshot_id()}",
                             svc.synthetic())

    @server.route("/download/country/<code>/<panel>.csv")
    def download_country_panel(code: str, panel: str):  # noqa: ANN202
        svc = data.get()
        if not svc.available():
            return _no_data()
        match = svc.resolve_country(code)
        build = frames.PANEL_CSV.get(panel)
        if match.iso3 is None or build is None:
            flask.abort(404)
        if match.status == "redirect":
            return flask.redirect(f"/download/country/{match.iso3}/{panel}.csv", 302)
        return _csv_response(build(svc, match.iso3), f"roamwatch_{match.iso3}_{panel}_{svc.snapshot_id()}",
                             svc.synthetic())

    @server.route("/download/chart/<chart>.csv")
    def download_chart(chart: str):  # noqa: ANN202
        svc = data.get()
        if not svc.available():
            return _no_data()
        build = CHARTS.get(chart)
        made = build(svc, dict(flask.request.args)) if build else None
        if made is None:
            flask.abort(404)
        frame, stem = made
        return _csv_response(frame, f"{stem}_{svc.snapshot_id()}", svc.synthetic())

    @server.route("/download/data.csv")
    def download_data_csv():  # noqa: ANN202
        svc = data.get()
        reader = svc.reader()
        if reader is None:
            return _no_data()
        flt = data.filter_from_query(dict(flask.request.args))

        excel = wants_excel()

        def chunks() -> Iterator[bytes]:
            if excel:
                yield BOM.encode("utf-8")
            for text, _rows in _csv_chunks(reader, flt):
                yield text.encode("utf-8")

        response = flask.Response(flask.stream_with_context(chunks()), content_type=CSV_TYPE)
        suffix = "_excel" if excel else ""
        response.headers["Content-Disposition"] = \
            f'attachment; filename="{_stem(reader.synthetic)}_data_{reader.snapshot_id}{suffix}.csv"'
        return _mark(response, reader.synthetic)

    @server.route("/download/data.zip")
    def download_data_zip():  # noqa: ANN202
        svc = data.get()
        reader = svc.reader()
        if reader is None:
            return _no_data()
        flt = data.filter_from_query(dict(flask.request.args))
        name = f"{_stem(reader.synthetic)}_data_{reader.snapshot_id}"
        # Spooled: small selections stay in memory, large ones go to a temporary file.
        spool = tempfile.SpooledTemporaryFile(max_size=32 << 20)  # noqa: SIM115 - send_file closes it
        rows = 0
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
            with archive.open(f"{name}/data.csv", "w") as raw, \
                    io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                for chunk, n in _csv_chunks(reader, flt):
                    text.write(chunk)
                    rows += n
            archive.writestr(f"{name}/metadata.json",
                             json.dumps(metadata(svc, flt, rows), indent=2, ensure_ascii=False))
        spool.seek(0)
        return _mark(flask.send_file(spool, mimetype="application/zip", as_attachment=True,
                                     download_name=f"{name}.zip"), reader.synthetic)
