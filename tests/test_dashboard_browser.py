"""The dashboard in a real browser: `roamwatch serve` as a subprocess, headless Debian chromium.

Skipped unless /usr/bin/chromium and /usr/bin/chromedriver exist and selenium is installed
(``apt-get install -y chromium chromium-driver``; ``pip install selenium``). The warehouse is
filled from the local World Bank server, plus a few outage events and scores written directly.
Screenshots of every page land in /tmp/roamwatch-shots/.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from dashboard import i18n
from roamwatch.warehouse.queries import Reader
from tests import dashclient
from tests.helpers import collect_worldbank

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = Path("/tmp/roamwatch-shots")

selenium = pytest.importorskip("selenium", reason="pip install selenium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="needs Debian chromium + chromium-driver"),
]

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WAIT = 20


# -- fixtures -----------------------------------------------------------------------------------
def _fill(data_dir: Path) -> None:
    """World Bank data from the local server, then outage events and ROAM-X scores."""
    from roamwatch.warehouse.snapshot import publish
    from roamwatch.warehouse.store import Warehouse

    config = collect_worldbank(data_dir)
    with Warehouse(config.warehouse_path) as wh:
        run_id = wh.start_run("ioda", {})
        start = pd.Timestamp("2024-03-01 06:00")
        events = pd.DataFrame([
            {"id": "t-1", "source": "ioda", "country": "KEN", "start_time": start,
             "end_time": start + pd.Timedelta(hours=30), "kind": "outage", "severity": 0.7,
             "details": {"signal": "bgp"}},
            {"id": "t-2", "source": "ioda", "country": "KEN",
             "start_time": start + pd.Timedelta(days=200), "end_time": None, "kind": "shutdown",
             "severity": 0.9, "details": {}},
        ])
        with wh.transaction():
            wh.upsert_events(events, run_id)
        wh.finish_run(run_id, "success", rows_written=len(events), units_total=1)
        rows = []
        for i, iso3 in enumerate(["KEN", "UGA", "BRA", "EST", "FRA"]):
            for j, key in enumerate("ROAMX"):
                rows.append((iso3, 2023, "category", key, 30.0 + 7 * i + 5 * j, 0.8, "{}"))
            rows.append((iso3, 2023, "overall", "ROAMX", 40.0 + 7 * i, 0.8, "{}"))
        wh.con.executemany("INSERT INTO score VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        publish(wh.con, config.serving_dir)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dash") / "data"
    _fill(path)
    return path


@contextmanager
def _serve(data_dir: Path) -> Iterator[str]:
    """`roamwatch serve` over ``data_dir`` on a free port of 127.0.0.1 (its default host) until
    the block ends (:func:`tests.dashclient.serve`); yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="roamwatch-serve-") as logs, \
            dashclient.serve(data_dir, Path(logs) / "serve.log") as server:
        yield server.base


@pytest.fixture(scope="module")
def server(data_dir):
    with _serve(data_dir) as base:
        yield base


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync", "--window-size=1400,1000", "--lang=en-GB"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
    })
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    drv.execute_cdp_cmd("Browser.setDownloadBehavior",
                        {"behavior": "allow", "downloadPath": str(downloads)})
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield drv
    drv.quit()


# -- helpers ------------------------------------------------------------------------------------
def _wait(driver, css: str, timeout: float = WAIT):
    return WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _settle(driver, timeout: float = WAIT) -> None:
    """Wait until Dash has no callback in flight (the loading markers are gone)."""
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && !document.querySelector('[data-dash-is-loading]')"
        " && !!document.querySelector('#_pages_content > *')"))
    time.sleep(0.3)


def _until(driver, condition, timeout: float = WAIT):
    """Wait for ``condition(driver)``; elements Dash re-renders meanwhile are looked up again."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    return WebDriverWait(driver, timeout, ignored_exceptions=(
        StaleElementReferenceException, NoSuchElementException)).until(condition)


def _click(driver, css: str, timeout: float = WAIT) -> None:
    """Click ``css``, again if Dash re-rendered it in between (the shell header is re-rendered
    on every URL change)."""
    from selenium.common.exceptions import (
        ElementClickInterceptedException,
        StaleElementReferenceException,
    )

    deadline = time.monotonic() + timeout
    while True:
        try:
            WebDriverWait(driver, timeout).until(
                ec.element_to_be_clickable((By.CSS_SELECTOR, css))).click()
            return
        except (StaleElementReferenceException, ElementClickInterceptedException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _errors(driver, allow: tuple[str, ...] = ()) -> list[str]:
    return [
        entry["message"] for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and not any(a in entry["message"] for a in allow)
    ]


def _shot(driver, name: str) -> None:
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(1400, min(max(int(height), 800), 5000))
    time.sleep(0.3)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(1400, 1000)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


# -- tests --------------------------------------------------------------------------------------
PAGES = [
    ("world", "/", "#world-map .choroplethlocation"),
    ("country_KEN", "/country/KEN", "#country-indicators-table"),
    ("compare", "/compare?metric=worldbank.IT.NET.USER.ZS&countries=KEN,UGA,BRA",
     "#compare-chart-graph .scatterlayer"),
    ("data", "/data?countries=KEN", "#data-grid .ag-row"),
    ("sources", "/sources", "#source-worldbank"),
    ("methodology", "/methodology", "#methodology-page"),
]


@pytest.mark.parametrize(("name", "path", "marker"), PAGES, ids=[p[0] for p in PAGES])
def test_page_loads_without_console_errors(driver, server, name, path, marker):
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(server + path)
    _wait(driver, marker)
    _settle(driver)
    assert _errors(driver) == []
    assert driver.find_element(By.ID, "rw-snapshot").get_attribute("data-snapshot")
    footer = driver.find_element(By.ID, "rw-note").text
    assert "not UNESCO assessments" in footer
    _shot(driver, name)


def test_country_page_shows_its_panels(driver, server, data_dir):
    driver.get(server + "/country/KEN")
    _wait(driver, "#country-gender-graph .scatterlayer")
    _wait(driver, "#country-events-graph .barlayer")
    _wait(driver, "#country-radar-graph .scatterlayer")
    _settle(driver)
    assert driver.find_element(By.ID, "country-name").text == "Kenya"
    for panel in ("country-radar", "country-indicators", "country-gender", "country-censorship",
                  "country-events", "country-rights", "country-freshness"):
        assert driver.find_element(By.ID, panel).is_displayed(), panel
    # sources not collected say so instead of showing an empty chart
    assert "not collected on this site" in driver.find_element(By.ID, "country-censorship").text
    rows = driver.find_elements(By.CSS_SELECTOR, "#country-indicators-table tbody tr")
    with Reader.open(data_dir / "serving") as reader:
        metrics = reader.observations(countries=["KEN"])["metric"].nunique()
    assert len(rows) == metrics
    # every chart has a text alternative and a table view
    assert driver.find_elements(By.CSS_SELECTOR, "#country-gender details")
    _shot(driver, "country_KEN_panels")


def test_country_csv_download_parses_back_to_the_warehouse(driver, server, data_dir, downloads):
    driver.get(server + "/country/KEN")
    link = _wait(driver, "#country-download")
    _settle(driver)
    link.click()
    deadline = time.monotonic() + WAIT
    files: list[Path] = []
    while time.monotonic() < deadline:
        files = [p for p in downloads.glob("roamwatch_KEN_*.csv")]
        if files and not list(downloads.glob("*.crdownload")):
            break
        time.sleep(0.1)
    assert files, "the CSV was not downloaded"
    with files[0].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    got = {(r["metric"], r["period"]): float(r["value"]) for r in rows if r["section"] == "indicators"}
    with Reader.open(data_dir / "serving") as reader:
        want = reader.observations(countries=["KEN"])
    assert got == {(m, p): v for m, p, v in zip(want["metric"], want["period"], want["value"], strict=True)}
    assert {"headline", "roamx_profile", "indicators"} <= {r["section"] for r in rows}
    assert all(r["licence"] for r in rows)


def test_language_switch_changes_labels_and_names(driver, server):
    driver.get(server + "/country/UGA")
    _wait(driver, "#country-indicators-table")
    _settle(driver)
    assert driver.find_element(By.ID, "country-name").text == "Uganda"
    _click(driver, "#rw-lang-switch")  # the language menu opens
    _click(driver, "#rw-lang-fr")
    _until(driver, lambda d: d.find_element(By.ID, "country-name").text == "Ouganda")
    _settle(driver)
    assert "lang=fr" in driver.current_url
    assert driver.execute_script("return document.documentElement.lang") == "fr"
    nav = driver.find_element(By.CSS_SELECTOR, ".rw-nav").text
    assert "Monde" in nav and "Comparer" in nav
    assert "Indicateurs" in driver.find_element(By.ID, "country-indicators").text
    assert "évaluations de l'UNESCO" in driver.find_element(By.ID, "rw-note").text
    _shot(driver, "country_UGA_fr")
    # the French URL keeps French when moving to another page
    _click(driver, ".rw-nav a[href^='/sources']")
    _until(driver, lambda d: "/sources" in d.current_url)
    assert "lang=fr" in driver.current_url
    _wait(driver, "#source-worldbank")
    assert "Licence" in driver.find_element(By.ID, "source-worldbank").text


def test_url_reproduces_the_world_view(driver, server):
    driver.get(server + "/?metric=worldbank.IT.NET.USER.ZS&year=2015&region=Sub-Saharan+Africa")
    _wait(driver, "#world-map .choroplethlocation")
    _settle(driver)
    names = {a.text for a in driver.find_elements(By.CSS_SELECTOR, ".rw-ranking tbody a")}
    assert names and names <= {"Kenya", "Uganda"}
    assert "2015" in driver.find_element(By.ID, "world-map-card-title").text


def test_controls_write_the_url_and_back_returns(driver, server):
    start = server + "/?metric=worldbank.IT.NET.USER.ZS"
    driver.get(start)
    _wait(driver, "#world-map .choroplethlocation")
    _settle(driver)
    assert driver.current_url == start  # the first render leaves the URL alone
    _click(driver, "#world-year")
    option = _until(driver, lambda d: next(
        (o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text == "2015"), None))
    option.click()
    _until(driver, lambda d: "year=2015" in d.current_url)
    _until(driver,
        lambda d: "2015" in d.find_element(By.ID, "world-map-card-title").text)
    assert "metric=worldbank.IT.NET.USER.ZS" in driver.current_url
    driver.back()
    _until(driver, lambda d: d.current_url == start)


def _map_path(driver, iso3: str):
    """The map's shape of a country (plotly binds each shape's data point, ``loc`` = ISO3)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#world-map .choroplethlocation')]"
        ".find(p => p.__data__ && p.__data__.loc === arguments[0]) || null", iso3)


def test_map_click_opens_the_country_territories_too(driver, server):
    from selenium.webdriver.common.action_chains import ActionChains

    # Brazil in its region; then Taiwan and Western Sahara: no region, no value, still pages
    for iso3, view in (("BRA", "&region=Latin+America+%26+Caribbean"), ("TWN", ""), ("ESH", "")):
        driver.get(server + "/?metric=worldbank.IT.NET.USER.ZS&year=2015" + view)
        _wait(driver, "#world-map .choroplethlocation")
        _settle(driver)
        shape = _map_path(driver, iso3)
        assert shape is not None, iso3
        ActionChains(driver).move_to_element(shape).click().perform()
        _until(driver, lambda d, iso3=iso3: f"/country/{iso3}" in d.current_url)
        _wait(driver, "#country-headline")
        assert driver.find_element(By.ID, "country-page").get_attribute("data-iso3") == iso3


@pytest.mark.parametrize(("path", "kind"), [
    ("/country/ZZZ", "country"),
    ("/country/Kenyia", "country"),  # ("Kenia" is Kenya's Spanish name: it redirects)
    ("/?metric=worldbank.IT.NET.USER.Z", "metric"),
    ("/?metric=worldbank.IT.NET.USER.ZS&year=1850", "year"),
    ("/compare?countries=KEN,XYZ", "country"),
    ("/nowhere", "page"),
])
def test_invalid_url_gives_the_friendly_page(driver, server, path, kind):
    assert _status(server + path) == 404
    driver.get_log("browser")
    driver.get(server + path)
    _wait(driver, "#rw-notfound")
    _settle(driver)
    text = driver.find_element(By.ID, "rw-notfound").text
    assert "Traceback" not in driver.page_source
    if kind == "country" and "Kenyia" in path:
        links = driver.find_elements(By.CSS_SELECTOR, "#rw-notfound-suggestions a")
        assert any("Kenya" in a.text for a in links)
    if kind == "metric":
        assert "worldbank.IT.NET.USER.ZS" in text
    # the only console error is the page's own 404 status
    assert _errors(driver, allow=("status of 404",)) == []
    if path == "/country/ZZZ":
        _shot(driver, "not_found_country")


def test_iso2_and_names_redirect_to_iso3(server, driver):
    for code in ("ke", "KE", "kenya"):
        driver.get(server + f"/country/{code}")
        _until(driver, lambda d: d.current_url.endswith("/country/KEN"))


def test_data_downloads_are_exactly_the_filtered_selection(server, data_dir):
    query = "?countries=KEN,UGA&from=2010&to=2015&metrics=worldbank.IT.NET.USER.ZS"
    with urllib.request.urlopen(server + "/download/data.zip" + query, timeout=10) as reply:
        archive = zipfile.ZipFile(io.BytesIO(reply.read()))
    names = archive.namelist()
    data_csv = next(n for n in names if n.endswith("data.csv"))
    meta = json.loads(archive.read(next(n for n in names if n.endswith("metadata.json"))))
    frame = pd.read_csv(io.BytesIO(archive.read(data_csv)))
    with Reader.open(data_dir / "serving") as reader:
        want = reader.observations(["worldbank.IT.NET.USER.ZS"], ["KEN", "UGA"], 2010, 2015)
        assert meta["snapshot_id"] == reader.snapshot_id
    assert len(frame) == len(want)
    assert sorted(zip(frame["country"], frame["period"].astype(str), frame["value"], strict=True)) == \
        sorted(zip(want["country"], want["period"], want["value"], strict=True))
    assert [s["id"] for s in meta["sources"]] == ["worldbank"]
    assert meta["sources"][0]["licence"]
    assert "value" in meta["columns"]
    with urllib.request.urlopen(server + "/download/data.csv" + query, timeout=10) as reply:
        assert len(pd.read_csv(io.BytesIO(reply.read()))) == len(want)


def test_data_grid_pages_on_the_server(driver, server, data_dir):
    driver.get(server + "/data?countries=KEN&sort=value:desc")
    _wait(driver, "#data-grid .ag-row")
    _settle(driver)
    count = int(driver.find_element(By.ID, "data-count").get_attribute("data-count"))
    with Reader.open(data_dir / "serving") as reader:
        want = reader.observations(countries=["KEN"])
    assert count == len(want)
    first = driver.find_element(By.CSS_SELECTOR, "#data-grid .ag-row[row-index='0'] [col-id='value']").text
    top = want.loc[want["value"].idxmax()]
    # to the digits of the value's kind, the rule of every page (a share: one decimal)
    assert first == i18n.fmt_kind(top["value"], top["unit"], "en"), (first, top["value"], top["unit"])


def test_metric_menu_finds_a_metric_by_its_name_or_its_source(driver, server):
    """The menu shows the name first and the source after it, as components: typing still
    finds an option by a word of its name, by its source or by its id."""
    driver.get(server + "/?metric=worldbank.IT.NET.USER.ZS")
    _wait(driver, "#world-map .choroplethlocation")
    _settle(driver)
    driver.find_element(By.CSS_SELECTOR, "#world-metric").click()
    search = "input.dash-dropdown-search"
    box = _until(driver, lambda d: next((i for i in d.find_elements(By.CSS_SELECTOR, search)
                                         if i.is_displayed()), None))

    def found(query: str) -> list[str]:
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.BACKSPACE)
        box.send_keys(query)
        time.sleep(0.6)
        return [e.text for e in driver.find_elements(By.CSS_SELECTOR, "[role=option]")]

    by_name = found("internet female")
    assert by_name and all("Internet, female" in t for t in by_name), by_name
    by_source = found("World Bank")
    assert by_source and all(t.endswith("World Bank") for t in by_source), by_source
    assert any(t.startswith("Individuals using the Internet") for t in found("IT.NET.USER.ZS"))


def test_no_request_leaves_the_server(driver, server):
    driver.get_log("performance")  # start from a clean log
    for _name, path, marker in PAGES:
        driver.get(server + path)
        _wait(driver, marker)
        _settle(driver)
    driver.get(server + "/country/KEN")
    _wait(driver, "#country-radar-graph .scatterlayer")
    _settle(driver)
    urls = _requests(driver)
    assert urls
    outside = sorted(u for u in urls
                     if not u.startswith(server + "/") and not u.startswith(("data:", "blob:")))
    assert outside == []
    assert any(u.endswith("/assets/topojson/world_110m.json") for u in urls)


def test_first_run_without_data_says_so_without_operator_detail(driver, tmp_path):
    with _serve(tmp_path / "empty") as base:
        for path in ("/", "/country/KEN", "/data"):
            driver.get_log("browser")
            driver.get(base + path)
            _wait(driver, "#rw-nodata")
            _settle(driver)
            text = driver.find_element(By.ID, "rw-nodata").text
            assert "not published any data yet" in text and "roamwatch collect" not in text
            assert _errors(driver) == []
        _shot(driver, "no_data")
        assert _status(base + "/download/data.csv") == 503


def test_reweighting_moves_ranks_and_lives_in_the_link(driver, tmp_path):
    """Every collector's data (tests.demo) and real scores; weights typed in the page reach the
    URL, and the URL alone reproduces the re-weighted ranking."""
    from indicators.catalogue import load_catalogue
    from indicators.reweighting import reweighted_ranking
    from roamwatch.api import open as open_snapshot
    from tests.demo import fill

    data_dir = tmp_path / "demo"
    fill(data_dir, log=lambda _m: None)
    with open_snapshot(data_dir) as rw:
        rows = rw.scores(year=2022, level="theme")  # A needs FOTN (A.A) within its window
    weights = {"A.B.internet_users": 5.0, "A.B.fixed_broadband": 0.0}
    expected = reweighted_ranking(rows, load_catalogue(), "A", weights=weights)
    expected = expected[expected["new_value"].notna()]
    assert not expected.empty
    with _serve(data_dir) as base:
        driver.get(base + "/methodology?category=A&year=2022")
        box = _wait(driver, "input[id*='A.B.internet_users']")
        _settle(driver)
        box.clear()
        box.send_keys("5")
        zero = driver.find_element(By.CSS_SELECTOR, "input[id*='A.B.fixed_broadband']")
        zero.clear()
        zero.send_keys("0")
        _click(driver, "#reweight-apply")
        _until(driver, lambda d: "w=" in d.current_url)
        shared = driver.current_url
        assert "A.B.internet_users%3A5" in shared and "A.B.fixed_broadband%3A0" in shared
        driver.get(shared)  # the link alone reproduces the view
        _wait(driver, "#reweight .rw-ranking tbody tr")
        _settle(driver)
        cells = [r.find_elements(By.TAG_NAME, "td")
                 for r in driver.find_elements(By.CSS_SELECTOR, "#reweight .rw-ranking tbody tr")]
        shown = {c[0].text: float(c[2].text) for c in cells if c[2].text[:1].isdigit()}
        names = {"BRA": "Brazil", "CHN": "China", "EST": "Estonia", "FRA": "France", "IRN": "Iran",
                 "KEN": "Kenya", "UGA": "Uganda", "XKX": "Kosovo"}
        want = {names[c]: round(v, 1) for c, v in zip(expected["country"], expected["new_value"],
                                                      strict=True)}
        assert shown == want
        headers = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "#reweight .rw-ranking th")]
        assert "Places moved" in headers and not {"Rank", "New rank"} & set(headers)  # no positions
        assert _errors(driver) == []
        _shot(driver, "reweight")


# -- toolbar, links and citations ------------------------------------------------------------------
def _requests(driver) -> set[str]:
    urls = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.add(message["params"]["request"]["url"])
    return urls


def test_toolbar_has_no_cloud_and_every_button_stays_on_this_machine(driver, server, downloads):
    driver.get(server + "/country/KEN")
    _wait(driver, "#country-gender-graph .modebar")
    _settle(driver)
    driver.get_log("performance")
    # no "Share chart" (Plotly Cloud) or Chart Studio control anywhere
    buttons = driver.find_elements(By.CSS_SELECTOR, ".modebar-btn")
    titles = {b.get_attribute("data-title") or "" for b in buttons}
    assert buttons and not any(("cloud" in t.lower() or "share" in t.lower() or "studio" in t.lower())
                               for t in titles)
    assert "Plotly Cloud" not in driver.page_source
    # press every toolbar button of one chart, and every tool under it
    for button in driver.find_elements(By.CSS_SELECTOR, "#country-gender-graph .modebar-btn"):
        driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", button)
        time.sleep(0.2)
    for css in ("#country-gender .rw-svg", "#country-gender-csv", "#country-gender-csv-excel",
                "#country-gender .rw-copy-link", "#country-gender .rw-cite summary"):
        driver.find_element(By.CSS_SELECTOR, css).click()
        time.sleep(0.3)
    outside = sorted(u for u in _requests(driver)
                     if not u.startswith(server + "/") and not u.startswith(("data:", "blob:")))
    assert outside == []
    # Copy link gave this page's address, pointing at the chart
    copy = driver.find_element(By.CSS_SELECTOR, "#country-gender .rw-copy-link")
    copied = copy.get_attribute("data-copied")
    assert copied == server + "/country/KEN#country-gender"
    # Cite this: plain text and BibTeX naming the snapshot, with the address filled in
    snapshot = driver.find_element(By.ID, "rw-snapshot").get_attribute("data-snapshot")
    plain = driver.find_element(By.CSS_SELECTOR, "#country-gender .rw-cite-plain").text
    bibtex = driver.find_element(By.CSS_SELECTOR, "#country-gender .rw-cite-bibtex").text
    assert snapshot in plain and snapshot in bibtex
    assert server + "/country/KEN#country-gender" in plain and "{url}" not in plain
    assert bibtex.startswith("@misc{roamwatch_country_gender_") and "urldate = {20" in bibtex
    # the chart's CSV and its Excel sibling were downloaded
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and len(list(downloads.glob("*gender*.csv"))) < 2:
        time.sleep(0.1)
    excel = next(downloads.glob("*gender*_excel.csv")).read_bytes()
    assert excel.startswith("\ufeff".encode())


# -- phone -------------------------------------------------------------------------------------------
def _boxes_overlap(a: dict, b: dict) -> bool:
    return not (a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"]
                or b["bottom"] <= a["top"])


def test_phone_layout_keeps_titles_clear_the_map_wide_and_the_timeline_readable(driver, server):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        box = ("const r = e.getBoundingClientRect(); "
               "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};")
        for path, graphs in (("/country/KEN", ("country-gender-graph", "country-events-graph",
                                                "country-radar-graph")),
                             ("/?metric=worldbank.IT.NET.USER.ZS", ("world-map",))):
            driver.get(server + path)
            _wait(driver, f"#{graphs[0]} .main-svg")
            _settle(driver)
            for gid in graphs:
                graph = driver.find_element(By.ID, gid)
                driver.execute_script("arguments[0].scrollIntoView()", graph)
                # the toolbar shows on hover or touch: make it visible to measure it
                driver.execute_script(
                    "document.querySelectorAll('.modebar').forEach(m => m.style.opacity = 1)")
                title = graph.find_element(By.CSS_SELECTOR, ".g-gtitle")
                bar = graph.find_element(By.CSS_SELECTOR, ".modebar")
                t = driver.execute_script(f"const e = arguments[0]; {box}", title)
                m = driver.execute_script(f"const e = arguments[0]; {box}", bar)
                assert not _boxes_overlap(t, m), (path, gid, t, m)
                assert t["right"] <= 390 + 1, (path, gid, t)  # the title fits the screen
            if path == "/country/KEN":
                plot = driver.execute_script(
                    f"const e = document.querySelector('#country-events-graph .nsewdrag'); {box}")
                assert plot["right"] - plot["left"] >= 0.75 * 390 - 40  # the timeline keeps the width
            else:
                geo = driver.execute_script(f"const e = document.querySelector('#world-map .geo'); {box}")
                assert geo["right"] - geo["left"] >= 0.85 * 390 - 40  # the map spans the screen
            overflow = driver.execute_script("return document.documentElement.scrollWidth")
            assert overflow <= 390 + 1, (path, overflow)  # nothing wider than the phone
        _shot(driver, "country_KEN_phone")
        for path in ("/sources", "/data", "/compare?countries=KEN,UGA"):  # long citations, dropdowns
            driver.get(server + path)
            _settle(driver)
            overflow = driver.execute_script("return document.documentElement.scrollWidth")
            assert overflow <= 390 + 1, (path, overflow)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(1400, 1000)


def test_data_grid_shows_names_then_the_value_without_scrolling_at_1280(driver, server):
    driver.set_window_size(1280, 900)
    try:
        driver.get(server + "/data?countries=KEN&lang=fr")
        _wait(driver, "#data-grid .ag-row")
        _settle(driver)
        # the page itself never scrolls sideways (the year dropdowns' focus input once did)
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        _settle(driver)
        headers = driver.find_elements(By.CSS_SELECTOR, "#data-grid .ag-header-cell[col-id]")
        order = [h.get_attribute("col-id") for h in headers]
        assert order.index("country_name") < order.index("country")  # names before ids
        assert order.index("metric_name") < order.index("metric")
        value = driver.find_element(By.CSS_SELECTOR, "#data-grid .ag-header-cell[col-id='value']")
        grid = driver.find_element(By.CSS_SELECTOR, "#data-grid .ag-body-viewport")
        right = driver.execute_script("return arguments[0].getBoundingClientRect().right", value)
        edge = driver.execute_script("return arguments[0].getBoundingClientRect().right", grid)
        assert right <= edge  # in view without scrolling sideways
        cell = driver.find_element(By.CSS_SELECTOR, "#data-grid .ag-row[row-index='0'] [col-id='value']").text
        assert len(cell.replace("\u202f", "").split(",")[-1]) <= 4  # rounded for reading
        pager = driver.find_element(By.CSS_SELECTOR, "#data-grid .ag-paging-panel").text
        assert "Page" in pager and " sur " in pager  # the grid's own words in French
        from dashboard.i18n import METRIC_NAMES
        from roamwatch.i18n import gettext

        cells = driver.find_elements(By.CSS_SELECTOR, "#data-grid .ag-row [col-id='metric_name']")
        names = {c.get_attribute("textContent") for c in cells}
        french = {gettext(name, "fr") for name in METRIC_NAMES.values()}
        assert names and names <= french and not names & set(METRIC_NAMES.values())  # in French
    finally:
        driver.set_window_size(1400, 1000)
