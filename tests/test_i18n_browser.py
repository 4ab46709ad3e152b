"""Arabic in a real browser: the country page lays out right to left and nothing overflows.

`roamwatch serve` over a data directory filled by ``tests.demo``, driven by headless Debian
chromium (skipped without it). The screenshot lands in /tmp/roamwatch-shots/country_KEN_ar.png.
"""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from tests import dashclient

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = Path("/tmp/roamwatch-shots")
REPO = Path(__file__).resolve().parents[1]

selenium = pytest.importorskip("selenium", reason="pip install selenium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="needs Debian chromium + chromium-driver"),
]

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(demo_data_dir):
    with dashclient.serve(demo_data_dir, demo_data_dir.parent / "serve.log") as srv:
        yield srv.base


@pytest.fixture(scope="module")
def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run", "--window-size=1280,1000",
                 "--lang=ar"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "ar,en;q=0.5"})
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield drv
    drv.quit()


def _settle(driver, css: str) -> None:
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && !document.querySelector('[data-dash-is-loading]')"
        f" && !!document.querySelector({css!r})"))
    time.sleep(0.5)


#: Elements that leave the viewport or their card, outside boxes that scroll sideways on purpose.
OVERFLOW_JS = r"""
const vw = document.documentElement.clientWidth;
const out = [];
if (document.documentElement.scrollWidth > vw + 1) {
  out.push("page scrolls sideways: " + document.documentElement.scrollWidth + " > " + vw);
}
function scrolls(el) {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const x = getComputedStyle(p).overflowX;
    if ((x === "auto" || x === "scroll") && p.scrollWidth > p.clientWidth) return true;
  }
  return false;
}
function name(el) {
  return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
         (el.className && el.className.baseVal === undefined ? "." + el.className : "") +
         " «" + (el.textContent || "").trim().slice(0, 40) + "»";
}
for (const el of document.querySelectorAll("#rw-header *, #rw-main *, #rw-footer *")) {
  if (el.closest("svg") || el.closest(".rw-lang-list") || el.closest(".rw-skip, .rw-sr-only")) continue;
  const r = el.getBoundingClientRect();
  if (!r.width || !r.height || scrolls(el)) continue;
  if (r.left < -1 || r.right > vw + 1) { out.push("outside the page: " + name(el)); continue; }
  const card = el.parentElement && el.parentElement.closest(".rw-card");
  if (card) {
    const c = card.getBoundingClientRect();
    if (r.left < c.left - 1 || r.right > c.right + 1) out.push("outside its card: " + name(el));
  }
  const style = getComputedStyle(el);
  if (style.overflowX === "visible" && style.display !== "inline" && el.clientWidth > 0
      && el.scrollWidth > el.clientWidth + 2 && !["TABLE", "TBODY", "THEAD", "TR"].includes(el.tagName)) {
    out.push("text overflows its box: " + name(el));
  }
}
return out;
"""


def test_arabic_country_page_is_right_to_left_and_nothing_overflows(driver, server):
    driver.get(server + "/country/KEN")  # no ?lang=: the browser's Accept-Language (ar) decides
    _settle(driver, "#country-indicators-table")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements("css selector", "#country-radar .main-svg"))
    time.sleep(1.0)
    driver.save_screenshot(str(SHOTS / "country_KEN_ar.png"))

    assert driver.execute_script("return document.documentElement.dir") == "rtl"
    assert driver.execute_script("return document.documentElement.lang") == "ar"
    assert driver.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    assert driver.find_element("id", "country-name").text == "كينيا"

    # mirrored: the brand at the right of the navigation, the first column of a table at the right
    rect = "return document.querySelector(arguments[0]).getBoundingClientRect().toJSON()"
    brand, nav = driver.execute_script(rect, ".rw-brand"), driver.execute_script(rect, ".rw-nav")
    assert brand["left"] > nav["right"]
    heads = driver.execute_script(
        "return [...document.querySelectorAll('#country-indicators-table thead th')]"
        ".map(e => e.getBoundingClientRect().right)")
    assert heads == sorted(heads, reverse=True) and len(heads) >= 3
    # the chart legend starts at the right, the value axis of line charts is on the right
    legend = driver.execute_script(
        "const g = document.querySelector('#country-radar .legend'), s = g.closest('svg');"
        "return [g.getBoundingClientRect().right, s.getBoundingClientRect().right];")
    assert legend[1] - legend[0] < 80
    # numbers stay in Latin digits, as on the charts
    table = driver.find_element("id", "country-indicators-table").text
    assert any(ch.isdigit() and ch.isascii() for ch in table)

    problems = driver.execute_script(OVERFLOW_JS)
    assert problems == [], "\n".join(problems[:30])


def test_language_menu_offers_six_languages_each_in_itself(driver, server):
    driver.get(server + "/country/KEN?lang=ar")
    _settle(driver, "#rw-lang-menu")
    driver.find_element("id", "rw-lang-switch").click()
    links = driver.find_elements("css selector", "#rw-lang-menu .rw-lang-list a")
    assert [a.text for a in links] == ["English", "Français", "Español", "العربية", "Русский", "中文"]
    assert [a.get_attribute("lang") for a in links] == ["en", "fr", "es", "ar", "ru", "zh"]
    links[5].click()
    WebDriverWait(driver, 30).until(lambda d: "lang=zh" in d.current_url)
    _settle(driver, "#country-name")
    assert driver.execute_script("return document.documentElement.dir") == "ltr"
    assert driver.find_element("id", "country-name").text == "肯尼亚"
    driver.save_screenshot(str(SHOTS / "country_KEN_zh.png"))


def test_arabic_tab_title_and_component_words_after_load_and_client_side_navigation(driver, server):
    """What only the browser shows: the tab title (Dash's page router sets it on every change of
    page), the words Dash's components write themselves (number-input buttons, a dropdown's
    empty result) — in Arabic, from the first HTML on and after navigating without a reload."""
    from dashboard import i18n

    def title(key: str) -> str:
        return i18n.page_title(i18n.t(key, "ar"), "ar")

    request = urllib.request.Request(server + "/country/KEN", headers={"Accept-Language": "ar"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        first_html = answer.read().decode()
    assert f"<title>{i18n.page_title('كينيا', 'ar')}</title>" in first_html

    driver.get(server + "/country/KEN")  # no ?lang=: the browser's Accept-Language (ar) decides
    _settle(driver, "#country-name")
    assert driver.title == "كينيا – roamwatch"
    marker = driver.execute_script("window.rwNoReload = 1; return window.rwNoReload")
    driver.find_element("css selector", ".rw-nav a[href^='/methodology']").click()
    WebDriverWait(driver, 30).until(lambda d: "/methodology" in d.current_url)
    _settle(driver, "#reweight-weights .dash-input-stepper")
    assert driver.execute_script("return window.rwNoReload") == marker  # client-side navigation
    assert driver.title == title("nav.methodology") != "roamwatch – Methodology"
    assert "roamwatch" in driver.title and any("\u0600" <= ch <= "\u06ff" for ch in driver.title)

    labels = driver.execute_script(
        "return [...document.querySelectorAll('#reweight-weights .dash-input-stepper')]"
        ".map(e => e.getAttribute('aria-label'))")
    assert labels and set(labels) == {i18n.t("Decrease value", "ar"), i18n.t("Increase value", "ar")}
    assert "Decrease value" not in set(labels)

    driver.find_element("id", "reweight-category").click()
    search = WebDriverWait(driver, 10).until(lambda d: d.find_element(
        "css selector", "[data-radix-popper-content-wrapper] input"))
    assert search.get_attribute("placeholder") == i18n.t("Search", "ar")
    search.send_keys("qqxzzq")
    WebDriverWait(driver, 10).until(lambda d: i18n.t("No options found", "ar") in d.find_element(
        "css selector", "[data-radix-popper-content-wrapper]").text)

    driver.find_element("css selector", ".rw-nav a[href^='/data']").click()
    WebDriverWait(driver, 30).until(lambda d: d.title == title("nav.data"))
    _settle(driver, "#data-grid .ag-header-cell")
    # the grid runs right to left: the (pinned) country first at the right, then the metric
    right = driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('#data-grid .ag-header-cell')]"
        ".map(e => [e.getAttribute('col-id'), e.getBoundingClientRect().right]))")
    assert right["country_name"] == max(right.values()) and right["metric_name"] > right["period"]
    # what the grid says to a screen reader on a column heading ("Press ENTER to sort")
    driver.execute_script("document.querySelector('#data-grid .ag-header-cell').focus()")
    WebDriverWait(driver, 10).until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('.ag-aria-description-container')]"
        ".map(e => e.textContent).join('')") == i18n.t("grid.ariaSortableColumn", "ar"))


def test_arabic_sources_page_keeps_latin_citations_in_their_own_direction(driver, server):
    """Citations are quoted as the sources word them (Latin script): laid out right to left, a
    citation's final full stop jumped to its start (".ITU World Telecommunication…")."""
    driver.get(server + "/sources?lang=ar")
    _settle(driver, ".rw-source bdi")
    found = driver.execute_script("""
        return [...document.querySelectorAll('.rw-source dd bdi')].map(
            b => [b.textContent, getComputedStyle(b).direction]);""")
    assert len(found) >= 5, found
    assert all(direction == "ltr" for _text, direction in found), found
    licences = [a.text for a in driver.find_elements("css selector", ".rw-source dd:first-of-type a")]
    arabic = [text for text in licences if any("\u0600" <= ch <= "\u06ff" for ch in text)]
    assert len(arabic) >= 3, licences  # roamwatch's notes, in Arabic (not "CC BY 4.0" alone)
    overflow = driver.execute_script(OVERFLOW_JS)
    assert not overflow, overflow
