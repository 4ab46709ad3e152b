"""The alerts page and the country strip in a real browser (headless Debian chromium), served by
`roamwatch serve` over a data directory where a check raised alerts. Screenshots land in
/tmp/roamwatch-shots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from tests.test_dashboard_browser import (  # noqa: F401  (driver is a fixture)
    _click,
    _errors,
    _serve,
    _settle,
    _shot,
    _until,
    _wait,
    downloads,
    driver,
    pytestmark,
)


@pytest.fixture(scope="module")
def alerts_dir(tmp_path_factory) -> Path:
    from alerts.engine import check
    from collectors.runner import run_collectors
    from roamwatch.config import load_config
    from tests.demo import write_files
    from tests.servers.ooni import OoniServer
    from tests.test_alerts_delivery import LAST, tor_onset

    tmp = tmp_path_factory.mktemp("alerts-browser")
    files = write_files(tmp / "files")
    with OoniServer(tor_onset()) as ooni:
        config = load_config(env={"ROAMWATCH_DATA_DIR": str(tmp / "data"),
                                  "ROAMWATCH_OONI_BASE_URL": ooni.url})
        run_collectors(["ooni"], config, progress=False, log=lambda m: None,
                       options={"min_interval": 0, "tests": ["tor"], "last_day": LAST.isoformat(),
                                "first_day": "2025-01-01"})
        run_collectors(["accessnow"], config, progress=False, log=lambda m: None,
                       options={"file": [str(files["accessnow"])]})
        result = check(config, log=lambda m: None)
    assert result.new_ids
    return tmp / "data"


@pytest.fixture(scope="module")
def served(alerts_dir):
    with _serve(alerts_dir) as base:
        yield base


def test_alerts_page_lists_alerts_with_evidence_and_filters_in_the_url(driver, served):  # noqa: F811
    driver.get(served + "/alerts")
    _wait(driver, "#alerts-list article")
    _settle(driver)
    cards = driver.find_elements(By.CSS_SELECTOR, "#alerts-list article")
    rules = {c.get_attribute("data-rule") for c in cards}
    assert {"tor-blocking", "new-shutdown"} <= rules
    tor = next(c for c in cards if c.get_attribute("data-rule") == "tor-blocking")
    chart = tor.find_element(By.CSS_SELECTOR, "img.rw-alert-chart")
    assert "0 %" in chart.get_attribute("alt").replace("\u00a0", " ")
    link = tor.find_element(By.CSS_SELECTOR, "a.rw-alert-country")
    assert link.get_attribute("href").split("?")[0].endswith("/country/KEN")
    _shot(driver, "alerts")
    _click(driver, "#alerts-state")
    option = _until(driver, lambda d: next(
        (o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text == "new"), None))
    option.click()
    _until(driver, lambda d: "state=new" in d.current_url)
    _settle(driver)
    assert _errors(driver) == []


def test_one_alert_in_french_and_the_country_strip(driver, served):  # noqa: F811
    driver.get(served + "/alerts?rule=tor-blocking&lang=fr")
    _wait(driver, "#alerts-list article")
    _settle(driver)
    (card,) = driver.find_elements(By.CSS_SELECTOR, "#alerts-list article")
    assert "Part de blocage OONI tor en hausse" in card.text and "Kenya" in card.text
    _shot(driver, "alerts_fr")
    driver.get(served + "/country/KEN")
    _wait(driver, "#country-alerts")
    _settle(driver)
    strip = driver.find_element(By.ID, "country-alerts")
    assert "Recent alerts" in strip.text
    assert strip.find_elements(By.CSS_SELECTOR, "article[data-rule='tor-blocking']")
    links = [a.get_attribute("href") for a in strip.find_elements(By.TAG_NAME, "a")]
    assert any("/alerts?country=KEN" in h for h in links)
    assert any(h.split("?")[0].endswith("/country/KEN/alerts.atom") for h in links)
    _shot(driver, "country_alerts_strip")
    assert _errors(driver) == []
