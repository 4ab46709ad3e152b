"""File downloads as plain HTTP routes (a link reproduces them, like the pages):

- ``/download/country/<ISO3>.csv``: everything on a country page (observations, events, scores);
- ``/download/data.csv?<data page filters>``: exactly the data page's filtered selection;
- ``/download/data.zip?<same>``: that CSV plus ``metadata.json`` (sources, licences, citations,
  snapshot id, column meanings, metric definitions, the filter itself).

CSV cells that a spreadsheet would run as formulas are neutralised (:func:`roamwatch.export.write_csv`).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime

import flask
import pandas as pd

from dashboard import data
from roamwatch.export import provenance, write_csv
from roamwatch.warehouse import dashboard_queries as q

COUNTRY_COLUMNS = [
    "record", "country", "series", "name", "unit", "source", "period", "value", "start_time", "end_time",
    "end_state", "first_day", "last_day", "kind", "severity", "coverage", "framework_coverage", "details",
]
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


def _csv_response(frame: pd.DataFrame, filename: str) -> flask.Response:
    response = flask.Response(_csv_text(frame), content_type=CSV_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_chunks(reader, flt: q.DataFilter) -> Iterator[tuple[str, int]]:
    """The data page's selection as (CSV text, rows) in chunks; an empty selection is its
    header line alone."""
    header = True
    for frame in q.data_batches(reader, flt):
        yield _csv_text(frame, header=header), len(frame)
        header = False
    if header:
        yield _csv_text(q.data_rows(reader, flt, 0, 0)), 0


def _no_data() -> flask.Response:
    return flask.Response("No data published yet: run `roamwatch collect` first.\n", status=503,
                          mimetype="text/plain")


def _framework_share(details: object) -> float | None:
    """A score's framework coverage (share of the framework's themes with a value)."""
    try:
        return float(json.loads(str(details))["framework"]["coverage"])
    except (ValueError, TypeError, KeyError):
        return None


def country_frame(svc: data.DataService, iso3: str) -> pd.DataFrame:
    """One long table of everything the country page shows."""
    obs = svc.country_observations(iso3)
    parts = [pd.DataFrame({
        "record": "observation", "country": iso3, "series": obs["metric"], "name": obs["metric_name"],
        "unit": obs["unit"], "source": obs["source"], "period": obs["period"], "value": obs["value"],
    })]
    events = svc.country_events(iso3)
    if not events.empty:
        parts.append(pd.DataFrame({
            "record": "event", "country": iso3, "series": events["id"], "name": events["kind"],
            "source": events["source"], "start_time": events["start_time"], "end_time": events["end_time"],
            "end_state": events["end_state"], "first_day": events["first_day"],
            "last_day": events["last_day"], "kind": events["kind"], "severity": events["severity"],
            "details": events["details"],
        }))
    if svc.has_scores():
        scores = svc.country_scores(iso3)
        if not scores.empty:
            parts.append(pd.DataFrame({
                "record": "score", "country": iso3,
                "series": [q.score_series(level, key)
                           for level, key in zip(scores["level"], scores["key"], strict=True)],
                "name": scores["key"], "unit": "0-100", "source": "roamwatch",
                "period": scores["year"].astype(str), "value": scores["value"],
                "coverage": scores["coverage"],
                "framework_coverage": [_framework_share(d) for d in scores["details"]],
                "details": scores["details"],
            }))
    frame = pd.concat([p for p in parts if not p.empty], ignore_index=True) if any(
        not p.empty for p in parts) else pd.DataFrame(columns=COUNTRY_COLUMNS)
    for column in COUNTRY_COLUMNS:
        if column not in frame:
            frame[column] = None
    return frame[COUNTRY_COLUMNS]


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
            return flask.redirect(f"/download/country/{match.iso3}.csv")
        frame = country_frame(svc, match.iso3)
        synthetic = svc.synthetic()
        return _mark(_csv_response(frame, f"{_stem(synthetic)}_{match.iso3}_{svc.snapshot_id()}.csv"),
                     synthetic)

    @server.route("/download/data.csv")
    def download_data_csv():  # noqa: ANN202
        svc = data.get()
        reader = svc.reader()
        if reader is None:
            return _no_data()
        flt = data.filter_from_query(dict(flask.request.args))

        def chunks() -> Iterator[str]:
            for text, _rows in _csv_chunks(reader, flt):
                yield text

        response = flask.Response(flask.stream_with_context(chunks()), content_type=CSV_TYPE)
        response.headers["Content-Disposition"] = \
            f'attachment; filename="{_stem(reader.synthetic)}_data_{reader.snapshot_id}.csv"'
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
