"""Every dashboard page through Dash's own request path (no browser): the pages router callback
answered by the Flask test client, on a snapshot filled by every collector (``tests.demo``).

The country page is rendered for *every* country of the snapshot, not a sample: most have no
region, no income group and little data, which is where pages used to break.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pandas as pd
import pytest

from roamwatch.config import load_config
from tests.dashclient import page_body
from tests.helpers import free_port, python_json


class DashClient:
    """Asks a Dash app for pages the way the browser does (POST of the pages router callback)."""

    def __init__(self, data_dir: Path) -> None:
        from dashboard.app import create_app

        self.app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": str(data_dir)}))
        self.client = self.app.server.test_client()
        self.client.get("/")
        self.deps = self.client.get("/_dash-dependencies").get_json()

    def page(self, path: str) -> dict:
        """The rendered layout of ``path`` (``/country/KEN?lang=fr``) as Dash's JSON."""
        reply = self.client.post("/_dash-update-component", json=page_body(self.deps, path))
        assert reply.status_code == 200, f"{path}: HTTP {reply.status_code} {reply.get_data(True)[:300]}"
        return reply.get_json()["response"]["_pages_content"]["children"]


def find(node: object, predicate) -> list[dict]:
    """Every component of a layout (Dash JSON) for which ``predicate(component)`` holds."""
    out = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "props" in item and predicate(item):
                out.append(item)
            stack.extend(v for v in item.get("props", {}).values() if isinstance(v, list | dict))
    return out


def by_id(node: object, cid: str) -> dict | None:
    hits = find(node, lambda c: c["props"].get("id") == cid)
    return hits[0] if hits else None


def text_of(node: object) -> str:
    """All visible text of a layout, in order (strings inside children)."""
    parts: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, list):
            for x in item:
                walk(x)
        elif isinstance(item, dict) and "props" in item:
            walk(item["props"].get("children"))

    walk(node)
    return " ".join(parts)


@pytest.fixture(scope="module")
def dash_client(demo_data_dir) -> DashClient:
    return DashClient(demo_data_dir)


def test_every_country_page_renders(dash_client):
    from dashboard import data

    svc = data.get()
    countries = svc.countries()
    assert len(countries) > 240  # every ISO 3166 country, most without region or data
    failures = []
    for iso3 in countries["iso3"]:
        name = svc.country_name(iso3, "en")
        layout = dash_client.page(f"/country/{iso3}")
        page = by_id(layout, "country-page")
        broken = find(layout, lambda c: "rw-panel-failed" in str(c["props"].get("className", "")))
        if page is None or name not in text_of(by_id(layout, "country-name")) or broken:
            failures.append((iso3, [b["props"].get("id") for b in broken] or "no page"))
    assert failures == []


def test_territories_without_region_show_their_facts(dash_client):
    layout = dash_client.page("/country/TWN?lang=fr")
    assert text_of(by_id(layout, "country-name")).startswith("Taïwan")
    assert "nan" not in text_of(layout).split()
    layout = dash_client.page("/country/KEN")
    assert "Sub-Saharan Africa" in text_of(by_id(layout, "country-page"))


# -- French: no English left -----------------------------------------------------------------------
FRENCH_PAGES = (
    "/", "/?metric=score:category:R", "/?metric=ooni:web_connectivity:confirmed",
    "/?metric=ioda.outage_hours", "/?metric=worldbank.IT.NET.USER.ZS&region=Sub-Saharan+Africa",
    "/country/KEN", "/country/IRN", "/country/UGA", "/country/TWN", "/country/ATA",
    "/compare?countries=KEN,UGA,BRA", "/compare?metric=ooni:tor:anomaly&countries=KEN,IRN",
    "/data?countries=KEN", "/sources", "/methodology", "/alerts", "/nowhere",
)
#: Names that are the same in French: organisations, datasets, tests, products, codes.
PROPER_NAMES = (
    "Freedom on the Net", "Freedom House", "OONI Explorer", "OONI", "#KeepItOn", "Access Now", "IODA",
    "V-Dem", "World Bank", "Web Connectivity", "Facebook Messenger", "WhatsApp", "Telegram", "Signal",
    "Tor", "APNIC", "ITU", "BibTeX", "ROAM-X", "roamwatch", "UNESCO", "Digital Gender Gaps", "CSV",
    "Excel", "ZIP", "SVG", "ISO", "Internet Outage Detection and Analysis",
)
ENGLISH_WORDS = re.compile(r"\b(the|of|and|with|per|from|measurements?|shutdowns?|outages?|share|"
                           r"recorded|covers|ongoing|data|no|none|not|Download|Copy|Cite|Women|Men)\b")


def _probe(english: str) -> str | None:
    """The part of an English message distinctive enough to find in a page: the whole text
    (short ones must then be a whole string of the page), or its longest literal part."""
    parts = [p.strip() for p, *_ in string.Formatter().parse(english)]
    best = max(parts, key=len, default="")
    if best == english.strip():
        return best
    return best if len(best) >= 14 and " " in best else None


def _english_strings(svc) -> dict[str, bool]:
    """English text the dashboard shows whose French differs: probe → whole-string match only."""
    from dashboard import data as data_mod
    from dashboard import i18n

    found: dict[str, bool] = {}

    def add(english: str, french: str) -> None:
        if not english or english == french:
            return
        probe = _probe(english)
        if probe and not any(name == probe for name in PROPER_NAMES):
            found[probe] = len(probe) < 14 or " " not in probe
    for key, english in i18n.MESSAGES.items():
        add(english, i18n.t(key, "fr"))
    for row in svc.metrics().itertuples():
        add(row.name, i18n.metric_name(row.id, row.name, "fr"))
        add(row.unit, i18n.unit_label(row.unit, "fr"))
    for unit in i18n.UNITS:
        add(unit, i18n.unit_label(unit, "fr"))
    for test in i18n.OONI_TESTS:
        add(i18n.ooni_test_name(test, "en"), i18n.ooni_test_name(test, "fr"))
        for bucket in i18n.OONI_BUCKETS:
            add(i18n.ooni_share_name(test, bucket, "en"), i18n.ooni_share_name(test, bucket, "fr"))
            add(i18n.ooni_bucket_label(bucket, "en"), i18n.ooni_bucket_label(bucket, "fr"))
    for region in svc.regions():
        add(region, i18n.region_label(region, "fr"))
    for income in svc.incomes():
        add(income, i18n.income_label(income, "fr"))
    for row in svc.score_keys().itertuples():
        add(data_mod.score_label(row.level, row.key, "en"), data_mod.score_label(row.level, row.key, "fr"))
    return found


def _data_strings(svc) -> set[str]:
    """Text that is data as its source published it (names of sources, citations, areas and
    causes of events): shown as is in every language. Licence and terms notes are roamwatch's
    words, translated like any message."""
    from dashboard import frames

    out = set()
    for info in frames.source_table(svc).values():
        out |= {v for key, v in info.items() if v and key != "licence"}
    status = svc.source_status()
    for column in ("name", "citation"):
        out |= {v for v in status[column].dropna() if v}
    for iso3 in ("KEN", "IRN", "UGA"):
        view = frames.events_view(svc, iso3)
        for column in ("area", "cause", "justification"):
            out |= {v for v in view.events[column] if v}
    return out


def test_every_metric_a_collector_defines_has_its_name_and_unit_in_every_language():
    """The French-page test reads the metrics of a demo snapshot; ITU's household indicators
    (which only the real files hold) showed English names and units on French country pages."""
    import tomllib

    from collectors import apnic, dgg, itu
    from dashboard import i18n

    defined = {f"itu.{code}": (name, unit) for code, (name, unit, _kind) in itu.METRICS.items()}
    defined |= {m.id: (m.name, m.unit) for m in apnic.METRICS}
    defined |= {f"dgg.{code}": (name, None) for code, (_a, _b, name) in dgg.METRICS.items()}
    defaults = tomllib.loads((Path(__file__).resolve().parents[1] / "roamwatch" / "defaults.toml")
                             .read_text(encoding="utf-8"))
    defined |= {f"worldbank.{i['code']}": (i["name"], i.get("unit"))
                for i in defaults["sources"]["worldbank"]["indicators"]}
    for lang in ("fr", "es", "ar", "ru", "zh"):
        missing = [(metric, name) for metric, (name, _unit) in defined.items()
                   if i18n.metric_name(metric, name, lang) == name]
        units = [unit for _name, unit in defined.values()
                 if unit and unit != "%" and i18n.unit_label(unit, lang) == unit]
        assert not missing and not units, (lang, missing, units)


def test_event_sources_newest_period_is_a_day_not_a_timestamp(dash_client):
    """The freshness table gave #KeepItOn's and IODA's newest event as "2022-02-03 00:00:00"."""
    from dashboard import data

    fresh = data.get().country_freshness("KEN")
    events = fresh[fresh["source"].isin(["accessnow", "ioda"])]
    assert not events.empty
    assert events["newest_period"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), list(events["newest_period"])
    assert "00:00:00" not in text_of(by_id(dash_client.page("/country/KEN"), "country-freshness"))


def test_compare_says_which_chosen_countries_have_no_value(dash_client):
    """Taiwan chosen on a World Bank series was simply missing from the chart."""
    base = "/compare?metric=worldbank.IT.NET.USER.ZS&countries="
    assert "No value of this metric, so not drawn: Antarctica." in text_of(dash_client.page(base + "KEN,ATA"))
    french = text_of(dash_client.page(base + "KEN,ATA&lang=fr"))
    assert "non tracé : Antarctique" in french and "not drawn" not in french
    assert "not drawn" not in text_of(dash_client.page(base + "KEN"))


def test_country_tables_name_sources_not_their_ids(dash_client):
    """The Indicators and Rights tables showed "worldbank", "itu", "fotn", "vdem" as the source."""
    page = dash_client.page("/country/KEN")
    for table_id in ("country-indicators-table", "country-rights-table"):
        table = by_id(page, table_id)
        cells = [c["props"].get("children") for c in find(table, lambda c: c.get("type") == "Td")
                 if isinstance(c["props"].get("children"), str)]
        assert not {"worldbank", "itu", "fotn", "vdem", "apnic", "dgg", "ioda"} & set(cells), table_id
    cells = [c["props"].get("children") for c in find(page, lambda c: c.get("type") == "Td")
             if isinstance(c["props"].get("children"), str)]
    assert {"World Bank", "V-Dem"} <= set(cells)


def test_sources_page_counts_metrics_and_countries_in_the_right_plural(dash_client):
    """The sources page said "1 metrics" (a plural glued to any number)."""
    text = text_of(dash_client.page("/sources"))
    assert re.search(r"(?<![\d,])1 metric ·", text) and not re.search(r"(?<![\d,])1 metrics", text)
    assert re.search(r"\b\d+ countries\b", text)
    russian = text_of(dash_client.page("/sources?lang=ru"))
    assert "1 показатель" in russian and "metric" not in russian


def test_dropdowns_write_their_own_words_in_the_page_language(dash_client):
    """Dash's dropdown writes "5 selected", "Select All", "Search" itself, in English, unless told
    otherwise: a French compare page said "5 selected" under its countries."""
    english = {"Select All", "Deselect All", "{num_selected} selected", "Search", "Clear search",
               "Clear selection", "No options found"}
    for path in ("/", "/compare?countries=KEN,UGA", "/data", "/alerts", "/methodology"):
        for lang in ("fr", "es", "ar", "ru", "zh"):
            page = dash_client.page(f"{path}{'&' if '?' in path else '?'}lang={lang}")
            dropdowns = find(page, lambda c: c.get("type") == "Dropdown")
            assert dropdowns, path
            for dropdown in dropdowns:
                labels = dropdown["props"].get("labels") or {}
                assert len(labels) == 7 and not english & set(labels.values()), (path, lang, labels)
                assert "{num_selected}" in labels["selected_count"]  # Dash fills in the number


def test_french_pages_have_no_english_left(dash_client):
    from dashboard import app as shell
    from dashboard import data
    from dashboard.pages import data_table
    from tests.i18n_pages import clean, texts

    svc = data.get()
    english = _english_strings(svc)
    data_text = _data_strings(svc)
    pages = {"shell": texts(shell._header("/country/KEN", "?lang=fr")) + texts(shell._footer("fr"))}
    for path in FRENCH_PAGES:
        pages[path] = texts(dash_client.page(path + ("&" if "?" in path else "?") + "lang=fr"))
    rows = data_table.rows_for("fr", svc.data_rows(data.filter_from_query({"countries": "KEN"}), 0, 100))
    pages["data grid rows"] = [str(v) for row in rows for v in row.values() if isinstance(v, str)]
    problems = []
    for page, found in pages.items():
        for raw in found:
            text = clean(raw)
            if not text or text.startswith(("{", "\x00markdown")) or text in data_text:
                continue
            stripped = re.sub(r"«[^»]*»", " ", text)  # the source's own words, quoted
            for name in (*sorted(data_text, key=len, reverse=True), *PROPER_NAMES):
                stripped = stripped.replace(name, " ")
            for probe, whole in english.items():
                if (stripped.strip() == probe or (" " in probe and re.search(
                        rf"(?<!\w){re.escape(probe)}(?!\w)", stripped))) if whole else (probe in stripped):
                    problems.append(f"{page}: {probe!r} in {text[:90]!r}")
            word = ENGLISH_WORDS.search(stripped)
            if word:
                problems.append(f"{page}: English word {word.group(0)!r} in {text[:90]!r}")
    assert not problems, "\n".join(sorted(set(problems))[:80])


# -- visitors see no operator text -------------------------------------------------------------------
PUBLIC_PAGES = ("/", "/?metric=worldbank.IT.NET.USER.ZS", "/country/KEN", "/country/TWN", "/compare",
                "/compare?countries=KEN,UGA", "/data", "/data?countries=KEN", "/sources", "/methodology",
                "/alerts", "/nowhere", "/country/Atlantis")
#: What only an operator should read: commands, stack traces, exception text, local addresses.
OPERATOR_TEXT = re.compile(
    r"roamwatch (collect|scores|status|serve|schedule|export)|Traceback|File \"|\w+(Error|Exception)\b|"
    r"errno|refused|Unreachable|127\.0\.0\.1|localhost|/tmp/|warehouse\.duckdb|(?-i:ROAMWATCH_)", re.I)


def _half_filled(path: Path) -> Path:
    """The World Bank collected; OONI tried against a host that refuses (a failed run whose error
    text names the address)."""
    from collectors.runner import run_collectors
    from tests.conftest import FAST_HTTP
    from tests.servers.worldbank import WorldBankServer

    closed = free_port()
    with WorldBankServer() as wb:
        config = load_config(env={"ROAMWATCH_DATA_DIR": str(path), **FAST_HTTP,
                                  "ROAMWATCH_WORLDBANK_BASE_URL": wb.url + "/v2",
                                  "ROAMWATCH_OONI_BASE_URL": f"http://127.0.0.1:{closed}"})
        run_collectors(["worldbank"], config, progress=False, log=lambda _m: None)
        (result,), _ = run_collectors(["ooni"], config, progress=False, log=lambda _m: None,
                                      options={"min_interval": 0, "history_days": 3})
    assert result.status == "failed" and result.error  # the operator's detail exists…
    return path


@pytest.mark.parametrize("state", ["empty", "half-filled"])
def test_public_pages_show_no_operator_text(tmp_path, state):

    data_dir = tmp_path / "data"
    if state == "half-filled":
        _half_filled(data_dir)
    pages = python_json("-m", "tests.page_texts", "--data-dir", str(data_dir), *PUBLIC_PAGES)
    problems = [f"{path}: {m.group(0)!r} in {text[:100]!r}"
                for path in PUBLIC_PAGES for text in pages[path]
                for m in [OPERATOR_TEXT.search(text)] if m]
    assert problems == []  # …but visitors never read it
    for path in PUBLIC_PAGES:
        assert pages[f"{path} status"][0] == 200, path
        assert pages[path], path  # every page says something
    if state == "half-filled":
        sources = " ".join(pages["/sources"])
        assert "did not complete" in sources  # the failure is said in plain words


def test_ooni_world_map_uses_shares_of_measurements(dash_client, demo_data_dir):
    from dashboard import data
    from roamwatch.warehouse.queries import Reader

    svc = data.get()
    options = [o["value"] for o in svc.series_options("en")]
    assert not any(v.startswith("ooni.") for v in options)  # no raw counts on the map…
    assert "ooni:web_connectivity:confirmed" in options  # …shares instead
    year = svc.default_year("ooni:web_connectivity:confirmed")
    shares = svc.world_values("ooni:web_connectivity:confirmed", year).set_index("iso3")
    with Reader.open(demo_data_dir / "serving") as reader:
        raw = reader.observations(["ooni.web_connectivity.*"], year_from=year, year_to=year)
    sums = raw.assign(bucket=raw["metric"].str.rsplit(".", n=1).str[-1]).pivot_table(
        index="country", columns="bucket", values="value", aggfunc="sum")
    for iso3, row in sums.iterrows():
        if row["measurement_count"] >= 30:
            assert shares.loc[iso3, "value"] == pytest.approx(100 * row["confirmed_count"]
                                                              / row["measurement_count"])
        else:
            assert pd.isna(shares.loc[iso3, "value"])  # too few: no share, and the map says why
    layout = dash_client.page("/?metric=ooni:web_connectivity:confirmed")
    figure = by_id(layout, "world-map")["props"]["figure"]
    assert figure["layout"]["title"]["text"].endswith("(%)")
    colours = figure["data"][-1]
    assert (colours["zmin"], colours["zmax"], colours["reversescale"]) == (0, 100, True)  # worse = darker


# -- what a serious reader expects (issue 12's follow-ups) ----------------------------------------
SOURCE_IDS = ("worldbank", "itu", "fotn", "vdem", "apnic", "dgg", "ioda", "ooni", "accessnow")


def _option_parts(option: dict) -> tuple[str, str]:
    """(name, quiet source) of a metric menu option drawn as components."""
    parts = option["label"]["props"]["children"]
    quiet = [p["props"]["children"] for p in parts[1:] if isinstance(p, dict)]
    return parts[0]["props"]["children"], quiet[0] if quiet else ""


def test_metric_menus_name_the_metric_first_and_its_source_after_it(dash_client):
    """The metric menus (world, compare) and the data explorer began every option with a source
    id ("worldbank · Individuals using the Internet")."""
    from dashboard import data
    from dashboard.components.layout import metric_options
    from dashboard.pages import data_table

    shorts = set(data.SOURCE_SHORT.values())
    for path, cid in (("/", "world-metric"), ("/compare", "compare-metric"), ("/data", "data-metrics")):
        options = by_id(dash_client.page(path), cid)["props"]["options"]
        assert len(options) > 20, path
        seen = []
        for option in options:
            name, source = _option_parts(option)
            assert not re.match(rf"({'|'.join(SOURCE_IDS)})\b", name), (path, name)
            assert source in shorts or (not source and name.startswith(tuple(shorts))), (path, name, source)
            # found by any word of its name or its source
            assert name in option["search"] and source in option["search"], option["search"]
            seen.append((name, source))
        assert len(set(seen)) == len(seen), path  # two metrics of one name: told apart by source
    same = metric_options([{"label": "Internet users (%)", "value": "a.x", "source": "World Bank"},
                           {"label": "Internet users (%)", "value": "b.x", "source": "ITU"}])
    assert [o["label"].children[-1].children for o in same] == ["World Bank", "ITU"]
    rows = data.get().data_rows(data.filter_from_query({"countries": "KEN"}), 0, 100)
    ids = set(rows["source"])
    grid = {r["source"] for r in data_table.rows_for("en", rows)}  # the explorer's Source column
    assert len(ids) > 2 and grid == {data.source_short(i) for i in ids} and not grid & ids


def _figure_texts(page: dict) -> str:
    out = []
    for graph in find(page, lambda c: c.get("type") == "Graph"):
        for trace in (graph["props"].get("figure") or {}).get("data", []):
            for key in ("hovertext", "text"):
                value = trace.get(key)
                out += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
            for row in trace.get("customdata") or []:
                out += [v for v in (row if isinstance(row, list) else [row]) if isinstance(v, str)]
    return " ".join(out)


def test_one_rule_per_kind_of_number_on_a_page(dash_client):
    """A page showed "73%" beside "73.2%", "30 % of households" beside "6.60 % of households":
    every share (cards, tables, hover texts) now has one decimal, every 0–100 score none."""
    for path in ("/country/KEN", "/country/EST", "/?metric=worldbank.IT.NET.USER.ZS",
                 "/compare?metric=worldbank.IT.NET.USER.ZS&countries=KEN,EST,UGA"):
        page = dash_client.page(path)
        text = text_of(page) + " " + _figure_texts(page)
        shares = re.findall(r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?) ?% ?(?!\))", text)
        assert len(shares) > 3, path
        uneven = [s for s in shares if not re.fullmatch(r"[\d,]+\.\d", s)]
        assert not uneven, (path, uneven[:10])
        rates = re.findall(r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?) per 100 ", text)
        assert all(re.fullmatch(r"[\d,]+\.\d", s) for s in rates), (path, rates[:10])
    headline = text_of(by_id(dash_client.page("/country/KEN"), "country-fact-fotn"))
    assert re.search(r"\b\d+/100\b", headline)  # a score: no decimals
    french = text_of(dash_client.page("/country/KEN?lang=fr"))
    assert re.search(r"\d+,\d\u00a0%", french) and not re.search(r"\d+\.\d ?%", french)  # CLDR


def test_headline_says_why_a_fact_is_missing(dash_client):
    """Antarctica showed "none recorded" for shutdowns (#KeepItOn's every-country window taken
    to cover it), and the OONI / outage cards did not say whether the source was collected."""
    for iso3 in ("ATA", "ESH"):
        page = dash_client.page(f"/country/{iso3}")
        shutdowns = text_of(by_id(page, "country-fact-shutdowns"))
        assert "not covered" in shutdowns and "country by country" in shutdowns, shutdowns
        assert "none recorded" not in text_of(page).lower(), iso3
        assert "country by country" in text_of(by_id(page, "country-events"))
    estonia = dash_client.page("/country/EST")  # a state #KeepItOn covers: none recorded
    assert "none recorded" in text_of(by_id(estonia, "country-fact-shutdowns"))
    ooni = text_of(by_id(estonia, "country-fact-ooni"))  # OONI collected, nothing from Estonia
    assert "no measurements" in ooni and "volunteers run its probe" in ooni, ooni
    outage = text_of(by_id(estonia, "country-fact-outage"))  # IODA collected, nothing for Estonia
    assert "IODA has nothing for this country" in outage, outage
    assert "not collected on this site" not in text_of(estonia)


def test_age_of_newest_data_counts_from_the_end_of_its_period(dash_client):
    """A yearly value counted its age from 1 January: 2023 looked three years old in Nov 2026."""
    from dashboard import data

    status = data.get().source_status().set_index("id")
    wb = status.loc["worldbank"]
    assert wb["newest_basis"] == "period_end"
    assert pd.Timestamp(wb["newest_end"]) == pd.Timestamp(f"{wb['newest_period']}-12-31")
    assert status.loc["accessnow", "newest_basis"] == "last_update"  # the dataset's own date
    text = text_of(dash_client.page("/sources"))
    assert f"counted from the end of the newest period (Dec 31, {wb['newest_period']})" in text
    assert "counted from the dataset's last update" in text
    fresh = data.get().country_freshness("KEN").set_index("source")
    assert pd.Timestamp(fresh.loc["worldbank", "newest_end"]).strftime("%m-%d") == "12-31"
