"""Dashboard building blocks without a browser: figure builders (pure functions of data
frames), URL state, translations, the dashboard's queries and its HTTP routes."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import i18n
from dashboard.components import figures
from dashboard.components.urlstate import build, parse, split_list
from roamwatch.config import load_config
from roamwatch.warehouse import dashboard_queries as q
from roamwatch.warehouse.queries import Reader
from tests.helpers import collect_worldbank

SNAP = "20260101T000000Z-abcdef12"


def _values() -> pd.DataFrame:
    return pd.DataFrame({
        "iso3": ["KEN", "UGA", "BRA", "EST"],
        "name": ["Kenya", "Uganda", "Brazil", "Estonia"],
        "value": [76.2, 48.5, None, 96.0],
    })


# -- figures ------------------------------------------------------------------------------------
def test_choropleth_draws_values_and_greys_missing_with_a_citable_stamp():
    fig = go.Figure(figures.choropleth(_values(), title="Internet use, 2022", unit="%", sources="World Bank",
                             snapshot_id=SNAP))
    grey, main = fig.data
    assert list(grey.locations) == ["BRA"]
    assert list(main.locations) == ["KEN", "UGA", "EST"]
    assert list(main.z) == [76.2, 48.5, 96.0]
    assert main.locationmode == "ISO-3"
    assert main.colorscale[0][1] != main.colorscale[-1][1]  # a real scale (cividis), not flat
    assert fig.layout.title.text == "Internet use, 2022 (%)"
    assert "World Bank" in fig.layout.title.subtitle.text and SNAP in fig.layout.title.subtitle.text


def test_choropleth_fixed_range_for_scores():
    fig = go.Figure(figures.choropleth(_values(), title="ROAM-X", unit="0–100", sources="roamwatch",
                             snapshot_id=SNAP, zrange=(0, 100)))
    assert (fig.data[-1].zmin, fig.data[-1].zmax) == (0, 100)


def test_graph_config_uses_local_topojson_and_names_the_png():
    config = figures.graph_config("roamwatch_KEN", "/assets/topojson/")
    assert config["topojsonURL"] == "/assets/topojson/"
    assert config["toImageButtonOptions"]["filename"] == "roamwatch_KEN"
    assert config["displaylogo"] is False
    assert "topojsonURL" not in figures.graph_config("x")


def test_describe_ranking_names_extremes_and_median_in_both_languages():
    text = figures.describe_ranking(_values(), label="Internet use", unit="%", year=2022)
    assert text.startswith("Internet use, 2022: 3 countries")
    # one rule for every share on a page: one decimal ("96.0%" beside "48.5%", not "96%")
    assert "Highest: Estonia (96.0%)" in text and "Lowest: Uganda (48.5%)" in text
    assert "Median: 76.2%" in text
    fr = figures.describe_ranking(_values(), label="Usage", unit="%", year=2022, lang="fr")
    # names come from the frame; numbers are French
    assert "Estonie" not in fr and "96,0\u00a0%" in fr and "48,5\u00a0%" in fr
    empty = figures.describe_ranking(_values().assign(value=None), label="X", unit="%", year=2022)
    assert "no country" in empty


def test_line_chart_one_trace_per_label_okabe_ito_and_year_ticks():
    frame = pd.DataFrame({
        "label": ["Kenya"] * 3 + ["Uganda"] * 3,
        "x": [2020, 2021, 2022] * 2,
        "value": [1.0, 2.0, 3.0, 3.0, 2.0, 1.0],
    })
    fig = go.Figure(figures.line_chart(frame, title="T", unit="%", sources="S", snapshot_id=SNAP))
    assert [t.name for t in fig.data] == ["Kenya", "Uganda"]
    assert [t.line.color for t in fig.data] == list(figures.OKABE_ITO[:2])
    assert fig.data[0].line.dash != fig.data[1].line.dash  # distinguishable without colour
    assert fig.layout.xaxis.tickformat == "d"
    text = figures.describe_lines(frame, title="T", unit="%")
    assert "Kenya went from 1.0% in 2020 to 3.0% in 2022" in text  # every share to one decimal


def test_line_chart_styles_from_colour_and_dash_columns():
    frame = pd.DataFrame({"label": ["a · x", "a · y"], "x": [1, 1], "value": [1, 2],
                          "colour": [3, 3], "dash": [0, 2]})
    fig = go.Figure(figures.line_chart(frame, title="T", unit=None, sources="S", snapshot_id=None))
    assert fig.data[0].line.color == fig.data[1].line.color == figures.OKABE_ITO[3]
    assert (fig.data[0].line.dash, fig.data[1].line.dash) == (figures.DASHES[0], figures.DASHES[2])


def test_x_values_are_years_for_yearly_periods_else_dates():
    yearly = pd.DataFrame({"period": ["2020", "2021"],
                           "period_start": pd.to_datetime(["2020-01-01", "2021-01-01"])})
    assert list(figures.x_values(yearly)) == [2020, 2021]
    daily = pd.DataFrame({"period": ["2020-01-02"], "period_start": pd.to_datetime(["2020-01-02"])})
    assert figures.x_values(daily).dtype.kind == "M"


def _events(states, firsts, lasts, ends=None):
    n = len(states)
    return pd.DataFrame({
        "row": ["#KeepItOn · Full network"] * n, "source": ["accessnow"] * n,
        "start_time": pd.to_datetime(firsts), "end_time": pd.to_datetime(ends or [None] * n),
        "end_state": states, "first_day": pd.to_datetime(firsts), "last_day": pd.to_datetime(lasts),
        "as_of": [pd.Timestamp(last) if s == "ongoing" else None
                  for s, last in zip(states, lasts, strict=True)],
        "area": ["Mandera"] * n,
    })


def test_timeline_draws_unknown_ends_as_start_markers_and_ongoing_to_the_last_update():
    from dashboard.components import timeline

    events = _events(["known", "unknown", "ongoing"], ["2020-03-02", "2020-12-18", "2021-06-01"],
                     ["2020-03-02", "2020-12-18", "2022-12-31"], ["2020-03-03", None, None])
    coverage = pd.DataFrame({"row": ["#KeepItOn · Full network"], "first_day": [pd.Timestamp("2016-01-01")],
                             "last_day": [pd.Timestamp("2022-12-31")]})
    fig = go.Figure(timeline.event_bars(events, coverage, title="T", sources="Access Now", snapshot_id=SNAP))
    by_name = {t.name: t for t in fig.data}
    known = by_name["start to end"]
    assert list(known.base) == ["2020-03-02T00:00:00"] and known.x[0] >= 86400 * 1000
    unknown = by_name["end not reported"]
    assert unknown.type == "scatter" and list(unknown.x) == ["2020-12-18T00:00:00"]  # a marker, no bar
    ongoing = [t for t in fig.data if t.legendgroup == "ongoing"]
    bar = next(t for t in ongoing if t.type == "bar")
    end = pd.Timestamp(bar.base[0]) + pd.Timedelta(milliseconds=bar.x[0])
    assert end == pd.Timestamp("2023-01-01")  # the dataset's last update, not today
    assert any("Dec 31, 2022" in text or "2022" in text for t in ongoing if t.text for text in t.text)
    # the x range ends with the data (plus a margin), never at today's clock
    assert pd.Timestamp(fig.layout.xaxis.range[1]) < pd.Timestamp("2023-03-01")


def test_timeline_keeps_room_for_its_legend_as_it_wraps_on_a_phone():
    """The legend sits between the source line and the plot; on a phone its items wrap into
    rows, which must not climb onto the source line (they did: three rows in 24 px)."""
    from dashboard.components import timeline

    stamp = figures.stamp_layout(title="T", unit=None, sources="Access Now", snapshot_id=SNAP)
    stamp_top = stamp["margin"]["t"]
    coverage = pd.DataFrame({"row": ["#KeepItOn · Full network"], "first_day": [pd.Timestamp("2016-01-01")],
                             "last_day": [pd.Timestamp("2022-12-31")]})
    three = _events(["known", "unknown", "ongoing"], ["2020-03-02", "2020-12-18", "2021-06-01"],
                    ["2020-03-02", "2020-12-18", "2022-12-31"], ["2020-03-03", None, None])
    one = _events(["known"], ["2020-03-02"], ["2020-03-02"], ["2020-03-03"])
    fig3 = go.Figure(timeline.event_bars(three, coverage, title="T", sources="Access Now", snapshot_id=SNAP))
    fig1 = go.Figure(timeline.event_bars(one, coverage, title="T", sources="Access Now", snapshot_id=SNAP))
    # "ongoing (drawn to the dataset's last update)" is wider than a phone's legend row: one item a row
    assert fig3.layout.margin.t >= stamp_top + 3 * figures.LEGEND_ROW
    assert stamp_top + figures.LEGEND_ROW <= fig1.layout.margin.t < stamp_top + 2 * figures.LEGEND_ROW
    assert figures.legend_room(["OK", "Anomaly"]) == figures.LEGEND_ROW  # short items share a row
    counts = pd.DataFrame({"month": pd.to_datetime(["2020-01-01"] * 4), "events": [1, 2, 3, 4],
                           "type": ["Service-based", "Full network and service-based", "Extent not stated",
                                    "Full network"]})
    monthly = go.Figure(timeline.monthly_counts(counts, coverage, title="T", sources="Access Now",
                                                snapshot_id=SNAP))
    assert monthly.layout.margin.t >= stamp_top + 4 * figures.LEGEND_ROW
    assert {t.width for t in monthly.data} == {figures.MONTH_BAR_WIDTH}


def test_monthly_counts_fill_covered_months_with_zeros():
    from dashboard import frames

    events = pd.DataFrame({
        "type": ["Full network", "Full network", "Service-based"],
        "first_day": pd.to_datetime(["2020-01-05", "2020-01-20", "2020-03-01"]),
    })
    coverage = pd.DataFrame({"first_day": [pd.Timestamp("2020-01-01")],
                             "last_day": [pd.Timestamp("2020-04-30")]})
    counts = frames.monthly_counts(frames.EventsView(events, coverage, pd.DataFrame()))
    wide = counts.pivot(index="month", columns="type", values="events")
    assert list(wide.index.strftime("%Y-%m")) == ["2020-01", "2020-02", "2020-03", "2020-04"]
    assert list(wide["Full network"]) == [2, 0, 0, 0] and list(wide["Service-based"]) == [0, 0, 1, 0]


def test_radar_closes_the_polygon_and_skips_empty_medians():
    profile = pd.DataFrame({"key": list("ROAMX"), "country": [10, 20, 30, 40, 50],
                            "region": [None] * 5, "world": [50] * 5})
    fig = go.Figure(figures.radar(profile, title="ROAM-X", snapshot_id=SNAP, labels={"country": "Kenya"}))
    assert [t.name for t in fig.data] == ["Kenya", "world"]
    assert list(fig.data[0].r) == [10, 20, 30, 40, 50, 10]
    assert list(fig.layout.polar.radialaxis.range) == [0, 100]
    # the names around the circle wrap to fit a phone's margins ("Multi-stakeholder participation")
    assert all(len(line) <= 18 for label in fig.data[0].theta for line in label.split("<br>"))
    assert "Multi-stakeholder<br>participation" in fig.data[0].theta
    assert fig.layout.margin.l >= 80 and fig.layout.margin.r >= 80
    assert "Rights 10" in figures.describe_radar(profile, 2023)
    assert "Droits 10" in figures.describe_radar(profile, 2023, "fr")


def test_sparkline_svg_and_its_words():
    svg = figures.sparkline_svg([1, 3, float("nan"), 2])
    assert svg.startswith("<svg") and svg.count(",") == 3 + 0  # three points, one comma each
    assert figures.sparkline_svg([1.0]) == ""
    assert figures.svg_data_uri(svg).startswith("data:image/svg+xml;utf8,%3Csvg")
    assert figures.trend_words([1, 3, 2]) == "1 ↗ 2 (lowest 1, highest 3)"
    assert figures.trend_words([1, 3, 2], "ru") == "1 ↗ 2 (минимум 1, максимум 3)"


# -- URL state and translations ------------------------------------------------------------------
def test_url_state_round_trip():
    query = build({"metric": "worldbank.IT.NET.USER.ZS", "countries": ["KEN", "UGA"], "year": 2020,
                   "regions": ["Middle East, North Africa", "South Asia"], "lang": "en", "empty": None})
    assert "lang=en" in query and "empty" not in query  # explicit: Accept-Language must not override
    back = parse(query)
    assert back["metric"] == "worldbank.IT.NET.USER.ZS"
    assert split_list(back["countries"]) == ["KEN", "UGA"]
    assert split_list(back["regions"], sep="|") == ["Middle East, North Africa", "South Asia"]
    assert build({"lang": "fr"}) == "?lang=fr"
    assert split_list("ken, uga,KEN", upper=True) == ["KEN", "UGA"]


def test_every_message_has_english_and_french():
    from roamwatch.i18n import has_translation

    for key, en in i18n.MESSAGES.items():
        fr = i18n.t(key, "fr")
        assert en.strip() and fr.strip() and has_translation(en, "fr"), key
        assert set(_fields(en)) == set(_fields(fr)), key


def _fields(text: str) -> list[str]:
    import string

    return [f for _, f, _, _ in string.Formatter().parse(text) if f]


def test_number_formatting_per_language():
    assert i18n.fmt_number(1234.5) == "1,234"
    assert i18n.fmt_number(12.345, "fr") == "12,3"
    assert i18n.fmt_number(1234567, "fr") == "1\u202f234\u202f567"
    assert i18n.fmt_value(None, "%") == "–"
    assert i18n.fmt_value(42.0, "0–100") == "42"
    assert i18n.lang_of("FR") == "fr" and i18n.lang_of("de") == "en" and i18n.lang_of(["en", "fr"]) == "fr"


# -- queries and routes on a real snapshot ------------------------------------------------------
@pytest.fixture(scope="module")
def serving(tmp_path_factory):
    return collect_worldbank(tmp_path_factory.mktemp("dashq") / "data").serving_dir


def test_world_values_are_the_warehouse_values(serving):
    metric = "worldbank.IT.NET.USER.ZS"
    with Reader.open(serving) as reader:
        got = q.world_values(reader, metric, 2020)
        want = reader.observations([metric], year_from=2020, year_to=2020)
        assert dict(zip(got["iso3"], got["value"], strict=True)) == \
            dict(zip(want["country"], want["value"], strict=True))
        assert list(got["value"]) == sorted(got["value"], reverse=True)
        years = q.series_years(reader, metric)
        assert years["year"].min() <= 2020 <= years["year"].max()


def test_data_rows_filter_sort_and_page(serving):
    flt = q.DataFilter(metrics=("worldbank.IT.NET.USER.ZS",), regions=("Sub-Saharan Africa",),
                       year_from=2010, year_to=2015, sort=(("value", "desc"), ("bogus; DROP", "asc")))
    with Reader.open(serving) as reader:
        total = q.data_count(reader, flt)
        rows = q.data_rows(reader, flt)
        page = q.data_rows(reader, flt, offset=2, limit=3)
        want = reader.observations(["worldbank.IT.NET.USER.ZS"], ["KEN", "UGA"], 2010, 2015)
    assert total == len(rows) == len(want)
    assert list(rows.columns) == list(q.DATA_COLUMNS)
    assert list(rows["value"]) == sorted(rows["value"], reverse=True)
    assert list(page["value"]) == list(rows["value"][2:5])


def test_country_queries_and_scores_when_absent(serving):
    with Reader.open(serving) as reader:
        obs = q.country_observations(reader, "KEN")
        assert set(obs["source"]) == {"worldbank"}
        assert q.country_scores(reader, "KEN").empty and q.score_keys(reader).empty
        assert q.country_events(reader, "KEN").empty
        fresh = q.country_freshness(reader, "KEN")
        assert list(fresh["source"]) == ["worldbank"] and fresh["last_success"].notna().all()
        status = q.source_status(reader)
        assert status.loc[status["id"] == "worldbank", "status"].item() == "success"


@pytest.fixture(scope="module")
def client(serving):
    """The Flask test client of the app (one app per test process: Dash pages are global)."""
    from dashboard.app import create_app

    config = load_config(env={"ROAMWATCH_DATA_DIR": str(serving.parent)})
    return create_app(config).server.test_client()


@pytest.mark.parametrize(("path", "status"), [
    ("/", 200), ("/country/KEN", 200), ("/country/ZZZ", 404), ("/?metric=nope", 404),
    ("/?metric=worldbank.IT.NET.USER.ZS&year=1900", 404), ("/compare?countries=KEN,UGA", 200),
    ("/compare?countries=KEN,QQQ", 404), ("/data?metrics=worldbank.IT.NET.USER.ZS", 200),
    ("/data?metrics=nope", 404), ("/sources", 200), ("/methodology", 200), ("/nowhere", 404),
    ("/assets/topojson/world_110m.json", 200), ("/download/country/ZZZ.csv", 404),
])
def test_http_status_of_page_urls(client, path, status):
    assert client.get(path).status_code == status


def test_country_redirects_keep_the_query(client):
    reply = client.get("/country/kenya?lang=fr")
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/country/KEN?lang=fr")
    assert client.get("/country/KE").headers["Location"].endswith("/country/KEN")


def test_page_html_references_no_external_host(client):
    html = client.get("/").get_data(as_text=True)
    assert "cdn." not in html and "https://" not in html.replace("https://plotly.com", "")


def test_country_csv_is_the_tidy_table_of_the_page(client, serving):
    reply = client.get("/download/country/UGA.csv")
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert reply.headers["Content-Disposition"].startswith('attachment; filename="roamwatch_UGA_')
    text = reply.get_data(as_text=True)
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["country", "section", "metric", "name", "unit", "period", "value", "source",
                             "source_name", "licence"]
    with Reader.open(serving) as reader:
        want = reader.observations(countries=["UGA"])
        licence = reader.sources(["worldbank"])["licence"].item()
    shown = {(r["metric"], r["period"]): float(r["value"]) for r in rows if r["section"] == "indicators"}
    assert shown == {(m, p): v for m, p, v in zip(want["metric"], want["period"], want["value"], strict=True)}
    assert {r["licence"] for r in rows if r["source"] == "worldbank"} == {licence}
    assert {r["section"] for r in rows} >= {"headline", "indicators", "internet_use_by_sex"}
    assert not any(r["value"].startswith("{") for r in rows)  # no JSON blobs


def test_every_csv_has_an_excel_sibling_with_a_bom(client):
    for path in ("/download/country/UGA.csv", "/download/country/UGA/gender.csv",
                 "/download/chart/world.csv?metric=worldbank.IT.NET.USER.ZS&year=2020",
                 "/download/data.csv?countries=UGA"):
        plain = client.get(path).data
        excel = client.get(path + ("&" if "?" in path else "?") + "excel=1")
        assert excel.data == "\ufeff".encode() + plain, path
        assert excel.headers["Content-Disposition"].endswith('_excel.csv"'), path
        header = next(csv.reader(io.StringIO(plain.decode("utf-8"))))
        assert {"source", "licence"} <= set(header), path


def test_chart_csv_is_what_the_chart_shows(client, serving):
    reply = client.get("/download/chart/world.csv?metric=worldbank.IT.NET.USER.ZS&year=2020"
                       "&region=Sub-Saharan+Africa")
    frame = pd.read_csv(io.BytesIO(reply.data))
    assert set(frame["country"]) == {"KEN", "UGA"}  # the filter, and only it
    with Reader.open(serving) as reader:
        want = reader.observations(["worldbank.IT.NET.USER.ZS"], ["KEN", "UGA"], 2020, 2020)
    has = frame[frame["value"].notna()]
    assert dict(zip(has["country"], has["value"], strict=True)) == \
        dict(zip(want["country"], want["value"], strict=True))
    # a country the map draws as "no data" is in the CSV, without a value and saying why
    assert (frame["value"].isna() == frame["note"].notna()).all()
    gender = pd.read_csv(io.BytesIO(client.get("/download/country/KEN/gender.csv").data))
    assert set(gender["sex"]) == {"women", "men"}
    assert set(gender["metric"]) == {"worldbank.IT.NET.USER.FE.ZS", "worldbank.IT.NET.USER.MA.ZS"}
    assert client.get("/download/country/KEN/nothing.csv").status_code == 404
    assert client.get("/download/chart/nothing.csv").status_code == 404


def test_data_zip_has_data_and_metadata(client):
    reply = client.get("/download/data.zip?countries=KEN&metrics=worldbank.IT.NET.USER.ZS&from=2015")
    archive = zipfile.ZipFile(io.BytesIO(reply.data))
    meta = json.loads(archive.read([n for n in archive.namelist() if n.endswith("metadata.json")][0]))
    data = pd.read_csv(io.BytesIO(archive.read([n for n in archive.namelist() if n.endswith("data.csv")][0])))
    assert set(data["country"]) == {"KEN"} and data["year"].min() >= 2015
    assert meta["rows"] == len(data) and meta["filter"]["countries"] == ["KEN"]
    assert meta["sources"][0]["citation"] and "UNESCO" in meta["note"]


def test_layouts_render_for_every_page(client):
    import dash

    for module, kwargs in [
        ("dashboard.pages.world", {"lang": "fr"}),
        ("dashboard.pages.country", {"iso3": "KEN"}),
        ("dashboard.pages.country", {"iso3": "nowhere-land"}),
        ("dashboard.pages.compare", {"countries": "KEN,UGA"}),
        ("dashboard.pages.data_table", {"countries": "KEN", "sort": "value:desc"}),
        ("dashboard.pages.sources", {}),
        ("dashboard.pages.methodology", {"lang": "fr"}),
        ("dashboard.pages.not_found_404", {"_path": "/compar"}),
    ]:
        layout = dash.page_registry[module]["layout"](**kwargs)
        assert json.dumps(layout.to_plotly_json(), default=str)


def test_no_snapshot_page_gives_visitors_no_operator_detail(tmp_path):
    from dashboard import data
    from dashboard.components.layout import no_data_page

    service = data.DataService(tmp_path / "serving")
    assert not service.available() and service.snapshot_id() is None
    problem = f"snapshot x cannot be read: IOException {tmp_path}"
    page = json.dumps(no_data_page("en", problem).to_plotly_json(), default=str)
    assert "No data yet" in page
    assert "roamwatch collect" not in page and str(tmp_path) not in page and "IOException" not in page


def test_data_service_switches_to_a_new_snapshot_and_drops_its_cache(serving, tmp_path):
    import shutil

    from dashboard import data
    from roamwatch.warehouse.snapshot import publish
    from roamwatch.warehouse.store import Warehouse

    shutil.copytree(serving.parent, tmp_path / "data")  # a copy: other tests keep theirs unscored
    serving = tmp_path / "data" / "serving"
    service = data.DataService(serving, check_interval=0)
    first = service.snapshot_id()
    assert len(service.countries()) > 0 and service._cache
    with Warehouse(serving.parent / "warehouse.duckdb") as wh:
        wh.con.execute("INSERT INTO score VALUES ('KEN', 2023, 'overall', 'ROAMX', 55.0, 0.9, '{}')")
        publish(wh.con, serving)
    assert service.snapshot_id() != first
    assert service.has_scores()
    assert service.default_series() == "score:overall:ROAMX"


def test_fast_number_formatting_agrees_with_babel():
    import random

    from roamwatch.i18n import formatting

    rng = random.Random(7)
    values = [rng.uniform(-1e7, 1e7) for _ in range(300)] + [rng.uniform(-10, 10) for _ in range(300)]
    values += [2.675, 0.125, -0.004, 0.005, 999.995, 0.0, -0.0, 1234.5, 1e14]
    for lang in i18n.LANGS:
        for value in values:
            for digits in (None, 0, 1, 2):
                assert i18n.fmt_number(value, lang, digits) == formatting.number(value, lang, digits), \
                    (lang, value, digits)
    assert i18n.fmt_number(float("nan")) == "–" and i18n.fmt_number(None) == "–"


def test_ooni_bars_show_every_month_thin_ones_faded_on_a_month_axis():
    months = pd.DataFrame({
        "test": ["web_connectivity"] * 3 + ["whatsapp"],
        "month": pd.to_datetime(["2025-07-01", "2025-08-01", "2025-09-01", "2025-09-01"]),
        "measurements": [4, 120, 80, 30], "ok": [2, 100, 60, 29], "anomalies": [1, 10, 10, 0],
        "confirmed": [0, 5, 5, 1], "failures": [1, 5, 5, 0],
    })
    for bucket, column in (("ok", "ok"), ("anomaly", "anomalies"), ("confirmed", "confirmed"),
                           ("failure", "failures")):
        months[f"{bucket}_share"] = 100 * months[column] / months["measurements"]
    months["low_sample"] = months["measurements"] < 10
    fig = go.Figure(figures.ooni_bars(months, title="OONI", sources="OONI", snapshot_id=SNAP, threshold=10))
    bars = [t for t in fig.data if t.type == "bar"]
    assert {t.name for t in bars} == {"OK", "Anomaly", "Confirmed", "Failure"}
    web_ok = next(t for t in bars if t.name == "OK" and t.xaxis == "x")
    assert list(web_ok.x) == ["2025-07-01", "2025-08-01", "2025-09-01"]  # the thin month is there…
    assert list(web_ok.marker.opacity) == [0.35, 1.0, 1.0]  # …faded
    stacks = [sum(t.y[i] for t in bars if t.xaxis == "x") for i in range(3)]
    assert stacks == pytest.approx([100, 100, 100])  # shares of all measurements
    counts = next(t for t in fig.data if t.type == "scatter" and t.xaxis == "x")
    assert list(counts.text) == ["4", "120", "80"]
    assert fig.layout.xaxis.dtick == "M1" and fig.layout.xaxis.tickformat == "%b %Y"
    notes = [a.text for a in fig.layout.annotations]
    assert "<b>Websites (Web Connectivity)</b>" in notes and "<b>WhatsApp</b>" in notes
    assert any("fewer than 10 measurements" in n for n in notes)


def test_ooni_bars_of_a_single_month_are_a_month_wide():
    """plotly sizes bars from the gaps between them: a test measured in one month only was drawn
    one millisecond wide (a hairline); and no empty month is labelled at either end."""
    months = pd.DataFrame({"test": ["web_connectivity", "whatsapp"],
                           "month": pd.to_datetime(["2024-01-01", "2024-01-01"]),
                           "measurements": [30, 1], "ok": [12, 0], "anomalies": [5, 1], "confirmed": [11, 0],
                           "failures": [2, 0]})
    for bucket, column in (("ok", "ok"), ("anomaly", "anomalies"), ("confirmed", "confirmed"),
                           ("failure", "failures")):
        months[f"{bucket}_share"] = 100 * months[column] / months["measurements"]
    months["low_sample"] = months["measurements"] < 10
    fig = go.Figure(figures.ooni_bars(months, title="OONI", sources="OONI", snapshot_id=SNAP))
    bars = [t for t in fig.data if t.type == "bar"]
    assert bars and all(t.width >= 20 * 86_400_000 for t in bars)  # at least 20 days on a date axis
    start, end = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    assert pd.Timestamp("2023-12-20") < start <= pd.Timestamp("2024-01-01")  # December is not shown
    assert pd.Timestamp("2024-02-01") <= end < pd.Timestamp("2024-02-10")


def test_map_colours_worse_darker_and_keeps_its_domain(serving):
    from dashboard import data, frames

    lower = go.Figure(figures.choropleth(_values(), title="Outage hours", unit="hours", sources="IODA",
                                         snapshot_id=SNAP, zrange=(0, 24), direction="lower_better"))
    higher = go.Figure(figures.choropleth(_values(), title="Use", unit="%", sources="WB",
                                          snapshot_id=SNAP, zrange=(0, 100), direction="higher_better"))
    assert lower.data[-1].reversescale is True and higher.data[-1].reversescale is False
    no_data = next(t for t in higher.data if t.name == "no data")
    assert no_data.showlegend is True and list(no_data.locations) == ["BRA"]
    svc = data.DataService(serving)
    for metric in ("worldbank.IT.NET.USER.ZS", "worldbank.IT.NET.SECR.P6"):
        whole = frames.world_view(svc, metric, 2020, None, None, "en").scale
        region = frames.world_view(svc, metric, 2020, "Sub-Saharan Africa", None, "en").scale
        other_year = frames.world_view(svc, metric, 2015, None, None, "en").scale
        assert whole == region == other_year, metric  # no filter or year rescales the colours
        assert whole["zmin"] is not None and whole["zmin"] < whole["zmax"]
    assert frames.world_view(svc, "worldbank.IT.NET.USER.ZS", 2020, None, None, "en").scale["zmin"] == 0


def test_gender_chart_keeps_women_and_men_apart_when_their_values_meet():
    """Estonia 2018: women 89.3 %, men 89.4 %; the women's marker hid under the men's."""
    frame = pd.DataFrame({"label": ["Women", "Men"], "sex": ["women", "men"], "x": [2018, 2018],
                          "value": [89.3, 89.4]})
    fig = figures.gender_chart(frame, title="Internet use, women and men", sources="ITU",
                               snapshot_id=SNAP, lang="en")
    go.Figure(fig)  # a valid plotly figure
    women, men = fig["data"]
    assert women["y"] == [89.3] and men["y"] == [89.4]  # the values are untouched
    assert women["marker"]["symbol"] != men["marker"]["symbol"]
    assert women["marker"]["size"] > men["marker"]["size"] and "open" in women["marker"]["symbol"]
    assert women["line"]["color"] != men["line"]["color"]
    assert women["x"][0] < 2018 < men["x"][0]  # drawn side by side around their year
    lo, hi = fig["layout"]["xaxis"]["range"]
    assert lo < women["x"][0] and men["x"][0] < hi  # both inside the axis
    assert (men["x"][0] - women["x"][0]) / (hi - lo) <= 0.06  # beside one year, not like two dates
    assert fig["layout"]["annotations"][-1]["text"] == "gap: 0.1 points"
    assert women["hovertext"] == ["Women<br>2018: 89.3%"]  # the year, not the shifted position
    fr = figures.gender_chart(frame, title="t", sources="ITU", snapshot_id=SNAP, lang="fr")
    assert fr["data"][1]["hovertext"] == ["Men<br>2018: 89,4\u00a0%"]
    assert figures.gender_gap(frame.iloc[:1]) is None  # no gap without both values
    # two sources: a gap pairs one source's women with the same source's men, never across
    two = pd.DataFrame({"label": ["Women (ITU)", "Men (WB)", "Women (WB)", "Men (WB)"],
                        "sex": ["women", "men", "women", "men"],
                        "source": ["itu", "worldbank", "worldbank", "worldbank"],
                        "x": [2022, 2022, 2021, 2021], "value": [70.0, 90.0, 60.0, 65.0]})
    assert figures.gender_gap(two) == (2021, 60.0, 65.0)
