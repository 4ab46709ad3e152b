"""The country brief: `roamwatch brief` (PDF and HTML), `/country/<ISO3>/brief`, its PDF's pages
and text, French without English left, honest briefs for countries with little or no data, and
rendering that fetches nothing from anywhere.

The data directory is filled by every real collector from the local test servers (tests.demo),
plus one country with a single observation. PDF checks use poppler's `pdfinfo`, `pdftotext` and
`pdftoppm` (Debian poppler-utils), and are skipped with a message without them.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from roamwatch.config import load_config

REPO = Path(__file__).resolve().parents[1]
POPPLER = all(shutil.which(tool) for tool in ("pdfinfo", "pdftotext", "pdftoppm"))


def _weasyprint() -> str | None:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # its system libraries (Pango) are missing
        return str(exc).splitlines()[0]
    return None


WEASYPRINT_PROBLEM = _weasyprint()
needs_pdf = pytest.mark.skipif(WEASYPRINT_PROBLEM is not None,
                               reason=f"WeasyPrint cannot load (Debian: libpango-1.0-0 libpangoft2-1.0-0): "
                                      f"{WEASYPRINT_PROBLEM}")
needs_poppler = pytest.mark.skipif(not POPPLER or WEASYPRINT_PROBLEM is not None,
                                   reason="needs poppler-utils (pdfinfo, pdftotext, pdftoppm) and WeasyPrint")
#: The country with almost no data: one observation of one metric.
SPARSE = "NRU"


# -- fixtures -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """tests.demo's data (every collector, real scores), plus Nauru with one Internet-use value."""
    from indicators.cli import recompute_and_publish
    from roamwatch.warehouse.store import Warehouse
    from tests.demo import fill

    root = tmp_path_factory.mktemp("brief")
    path = root / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("ROAMWATCH_CONFIG", raising=False)
        statuses = fill(path, root / "files", log=lambda _m: None)
        assert all(s in ("success", "partial") for s in statuses.values()), statuses
        config = load_config(env={"ROAMWATCH_DATA_DIR": str(path)})
        with Warehouse(config.warehouse_path) as wh:
            run_id = wh.start_run("worldbank", {})
            with wh.transaction():
                wh.upsert_observations(pd.DataFrame({
                    "metric": ["worldbank.IT.NET.USER.ZS"], "country": [SPARSE], "period": ["2021"],
                    "period_start": [pd.Timestamp("2021-01-01").date()], "value": [79.9],
                }), run_id)
            wh.finish_run(run_id, "success", rows_written=1, units_total=1)
        recompute_and_publish(config)
    return path


@pytest.fixture(scope="module")
def svc(data_dir):
    from dashboard import data

    return data.DataService(data_dir / "serving", check_interval=3600)


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"ROAMWATCH_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "roamwatch.cli", "brief", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _squash(text: str) -> str:
    """Text without any whitespace: lines wrapped anywhere in the PDF still compare equal."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def kenya(data_dir, tmp_path_factory) -> dict:
    """`roamwatch brief KEN` in English (PDF and HTML) and French (PDF)."""
    if not POPPLER:
        pytest.skip("needs poppler-utils")
    out = tmp_path_factory.mktemp("kenya")
    files = {"en": out / "kenya.pdf", "fr": out / "kenya-fr.pdf", "html": out / "kenya.html"}
    for key, args in (("en", ()), ("fr", ("--lang", "fr")), ("html", ())):
        result = _cli(data_dir, "KEN", *args, "-o", str(files[key]))
        assert result.returncode == 0, result.stderr
        assert files[key].exists()
    return files


# -- the PDF ------------------------------------------------------------------------------------------
@needs_poppler
def test_kenya_pdf_opens_with_two_to_four_pages(kenya):
    pdf = kenya["en"]
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert 2 <= _pages(pdf) <= 4
    assert 2 <= _pages(kenya["fr"]) <= 4


def test_one_country_reads_give_the_whole_tables_rows(data_dir, svc):
    """`roamwatch brief ISO3` asks for one country's rows (whole_tables=False) instead of
    slicing every country's tables: same frames, same brief."""
    from datetime import UTC, datetime

    from dashboard import data, frames
    from dashboard.brief import build, render
    from roamwatch.warehouse import dashboard_queries as q

    one = data.DataService(data_dir / "serving", check_interval=3600, whole_tables=False)
    for iso3 in ("KEN", "IRN", "IND", SPARSE, "ABW"):
        pairs = [(getattr(one, name)(iso3), getattr(svc, name)(iso3))
                 for name in ("country_ooni", "country_events", "country_freshness")]
        pairs += [(s.for_country(name, query, iso3, prepare) for s in (one, svc))
                  for name, query, prepare in (("events_prepared", q.country_events, frames._prepare_events),
                                               ("ooni_months", q.country_ooni, frames._ooni_shares))]
        for mine, whole in pairs:
            # An empty result keeps the columns; DuckDB types an empty text column as object.
            pd.testing.assert_frame_equal(mine, whole, check_dtype=not whole.empty, obj=iso3)
    assert not any(key[3][:1] == ("for_country",) and len(key[3]) == 2 for key in one._cache)
    now = datetime(2026, 1, 2, tzinfo=UTC)
    for iso3 in ("KEN", "IRN", "IND", SPARSE):
        for lang in ("en", "fr"):
            assert render(build(one, iso3, now=now), lang) == render(build(svc, iso3, now=now), lang)
    assert len(one.country_ooni("KEN")) > 0 and len(one.country_events("IRN")) > 0


@needs_poppler
def test_kenya_pdf_text_names_country_snapshot_categories_coverage_and_sources(kenya, data_dir, svc):
    from dashboard.brief import build

    text = _text(kenya["en"])
    flat = " ".join(text.split())
    squashed = _squash(text)
    brief = build(svc, "KEN")
    snapshot = (data_dir / "serving" / "CURRENT").read_text().strip()
    assert brief.snapshot_id == snapshot
    assert "Kenya" in flat
    assert snapshot in squashed
    assert "not a UNESCO assessment" in flat
    # every category, with its coverage as the snapshot has it
    scores = svc.country_scores("KEN")
    cats = scores[(scores["year"] == brief.year) & (scores["level"] == "category")]
    assert set(cats["key"]) == set("ROAMX")
    names = {"R": "Rights", "O": "Openness", "A": "Accessibility", "M": "Multi-stakeholder participation",
             "X": "Cross-cutting"}
    for row in cats.itertuples():
        coverage = f"coverage {round(row.coverage * 100):.0f}%"
        heading = f"{row.key} · {names[row.key]}"
        assert _squash(heading) in squashed, heading
        # the category's section heading carries its score and coverage
        after = [m.group(1) for m in re.finditer(re.escape(heading) + r"\s*(.{0,80})", flat)]
        assert any(coverage in text for text in after), (heading, after)
    # each cited source: its citation and its licence, from the snapshot's source table
    assert len(brief.sources) >= 5
    for source in brief.sources.itertuples():
        assert _squash(source.citation) in squashed, source.id
        assert _squash(source.licence) in squashed, source.id
    # how to reproduce it
    assert f"roamwatch scores --explain KEN --year {brief.year}" in flat


@needs_poppler
def test_kenya_pdf_shows_indicator_values_periods_and_scores_from_the_trace(kenya, svc):
    """A number in the brief is the snapshot's number: pick indicators from the score trace and
    find their normalised score and period on the page."""
    from dashboard.brief import build

    brief = build(svc, "KEN")
    flat = " ".join(_text(kenya["en"]).split())
    lines = [line for c in brief.categories for t in c.themes for line in t.lines]
    assert len(lines) >= 10
    for line in lines:
        assert line.indicator.name_en in flat or _squash(line.indicator.name_en) in _squash(flat)
        for end in line.period.split(".."):  # a span's two ends may sit on two lines of a cell
            assert end in flat, (line.indicator.id, line.period)
    carried = [line for line in lines if line.carried_forward]
    assert carried and "carried forward" in flat


@needs_poppler
def test_kenya_pdf_pages_render_to_png(kenya, tmp_path):
    """pdftoppm turns each page into a picture that is not blank (look at them: they are kept in
    the test's temporary directory)."""
    from PIL import Image, ImageStat

    subprocess.run(["pdftoppm", "-r", "50", "-png", str(kenya["en"]), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == _pages(kenya["en"])
    for png in pngs:
        with Image.open(png) as image:
            assert image.width < image.height  # portrait A4
            assert abs(image.width / image.height - 210 / 297) < 0.01
            stat = ImageStat.Stat(image.convert("L"))
            assert stat.stddev[0] > 10, f"{png.name} looks blank"


# -- French -------------------------------------------------------------------------------------------
def _without_references(text: str) -> str:
    """The French brief's text up to its references (citations are quoted as published) and
    without the sources' own names."""
    from dashboard.data import SOURCE_SHORT

    for marker in ("Sources et méthode", '<section id="b-references">'):
        text = text.split(marker)[0]
    for source, name in SOURCE_SHORT.items():
        if source != "roamwatch":  # the sources' names, not roamwatch's own
            text = text.replace(name, "")
    return text


def _english_fragments() -> set[str]:
    """Pieces of English the French brief must not contain: the brief's own strings and the
    catalogue's names, units and theme titles wherever French differs."""
    from dashboard import i18n
    from dashboard.brief import strings
    from indicators.catalogue import load_catalogue

    out: set[str] = set()
    for en in strings.MESSAGES.values():
        fr = i18n.t(en, "fr")
        if en == fr:
            continue
        for part in re.split(r"\{[^}]*\}", en):
            part = part.strip(" .,:;()·–-")
            if len(part) >= 12 and part not in fr:
                out.add(part)
    catalogue = load_catalogue()
    for ind in catalogue.indicators:
        if i18n.t(ind.name_en, "fr") != ind.name_en:
            out.add(ind.name_en)
        unit_fr = i18n.unit_label(ind.unit, "fr")
        if unit_fr != ind.unit and len(ind.unit) > 4:
            out.add(ind.unit)
        if ind.proxy and i18n.t(ind.proxy, "fr") != ind.proxy:
            out.add(ind.proxy[:60])
    for theme in catalogue.themes.values():
        if i18n.t(theme.title_en, "fr") != theme.title_en:
            out.add(theme.title_en)
    return out


@needs_poppler
def test_french_brief_has_no_english_string_left(kenya):
    text = _without_references(" ".join(_text(kenya["fr"]).split()))
    fragments = _english_fragments()
    assert len(fragments) > 50
    left = sorted(f for f in fragments if re.search(rf"\b{re.escape(f)}\b", text))
    assert not left, f"English left in the French brief: {left}"
    assert "Droits" in text and "Couverture" in text or "couverture" in text
    assert "Kenya" in text


def test_french_html_brief_names_french_countries_and_regions(svc):
    from dashboard.brief import build, render

    page = render(build(svc, "KEN"), "fr")
    assert '<html lang="fr"' in page
    html = _without_references(re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S))
    assert "Afrique subsaharienne" in html and "Sub-Saharan Africa" not in html
    left = sorted(f for f in _english_fragments() if re.search(rf"\b{re.escape(f)}\b", html))
    assert not left, left


def test_arabic_brief_keeps_citations_and_addresses_left_to_right(svc):
    """In the Arabic brief a Latin citation or address laid out right to left came out scrambled
    (".ITU World …", "//:https"): each is isolated left to right; roamwatch's licence note is Arabic."""
    from dashboard.brief import build, render

    page = render(build(svc, "KEN"), "ar")
    refs = re.search(r'<ul class="b-refs" id="b-sources">(.*?)</ul>', page, flags=re.S).group(1)
    items = re.findall(r"<li [^>]*>(.*?)</li>", refs, flags=re.S)
    assert len(items) >= 3
    for item in items:
        cited = re.search(r'<span class="b-ref-cite" dir="ltr">(.*?)</span>', item, flags=re.S)
        assert cited and "·" in cited.group(1), item
        assert not re.search(r"https?://", item.replace(cited.group(0), "").replace(
            re.search(r'<span class="b-ltr" dir="ltr">[^<]*</span>', item).group(0)
            if 'class="b-ltr"' in item else "", "")), item  # every address is isolated
    notes = [re.search(r'<span class="b-lic">(.*?)(?:<span|$)', item, flags=re.S).group(1) for item in items]
    assert sum(bool(re.search("[\u0600-\u06ff]{3}", n.split(":", 1)[-1])) for n in notes) >= 2, notes
    assert re.search(r'<span class="b-ltr" dir="ltr">UNESCO \(2019\)', page)
    assert 'dir="rtl"' in page and "[dir=\"rtl\"] .b-ref-cite" in page


# -- honest briefs ------------------------------------------------------------------------------------
@needs_poppler
def test_country_with_almost_no_data_gets_an_honest_brief(data_dir, svc, tmp_path):
    from dashboard.brief import build

    brief = build(svc, SPARSE)
    assert not brief.has_scores
    pdf = tmp_path / "sparse.pdf"
    result = _cli(data_dir, SPARSE, "--year", str(brief.year), "-o", str(pdf))
    assert result.returncode == 0, result.stderr
    assert 2 <= _pages(pdf) <= 4
    flat = " ".join(_text(pdf).split())
    assert "Nauru" in flat
    assert "No ROAM-X proxy score could be computed" in flat
    # every category says it has no score, and names what is missing and who would fill it
    for key, name in (("R", "Rights"), ("O", "Openness"), ("A", "Accessibility"), ("X", "Cross-cutting")):
        after = [m.group(1) for m in re.finditer(rf"{key} · {name}\s*(.{{0,40}})", flat)]
        assert after and all("insufficient data" in a or "no data" in a for a in after), (key, after)
    assert "Missing inputs" in flat and "would be filled by" in flat
    assert "Freedom House" in flat and "V-Dem" in flat  # sources that would fill the gaps
    # no invented numbers: no censorship or event figures, said plainly
    assert "No OONI measurements for this country" in flat
    # shutdowns and outages: none recorded inside each source's coverage, "not covered" outside
    assert "0 (0 days)" in flat and "not covered" in flat
    # its one observation is still shown, as what it is
    assert "79.9" in flat


def test_country_with_no_data_at_all_still_gets_a_brief(svc):
    from dashboard.brief import build, render

    brief = build(svc, "ABW")
    assert not brief.has_scores and brief.years == []
    html = render(brief, "en")
    assert "Aruba" in html and "No ROAM-X proxy score could be computed" in html
    assert "No Internet-use or subscription data" in html


def test_unknown_country_and_year_are_clear_errors(data_dir, tmp_path):
    result = _cli(data_dir, "XXX", "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 1 and "no country matches 'XXX'" in result.stderr
    result = _cli(data_dir, "KEN", "--year", "1990", "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 1 and "no scores for 1990" in result.stderr
    result = _cli(data_dir, "KEN", "-o", str(tmp_path / "x.docx"))
    assert result.returncode == 2 and ".pdf or .html" in result.stderr
    assert not list(tmp_path.iterdir())


def test_brief_year_option_picks_that_years_scores(svc):
    from dashboard.brief import build

    latest = build(svc, "KEN")
    earlier = [y for y in latest.years if y < latest.year]
    assert earlier
    brief = build(svc, "KEN", earlier[-1])
    assert brief.year == earlier[-1]
    scores = svc.country_scores("KEN")
    want = scores[(scores["year"] == earlier[-1]) & (scores["level"] == "category")].set_index("key")
    for cat in brief.categories:
        value = want.loc[cat.key, "value"]
        assert (cat.value is None and pd.isna(value)) or cat.value == pytest.approx(value)


def test_events_follow_end_states_and_coverage(svc):
    """Iran in tests.demo: a #KeepItOn shutdown of 2022 with no end reported counts its start day
    only; years outside each source's coverage are not covered (not 0); IODA's two outages of
    the last weeks count the days they cover."""
    from dashboard.brief import build, render

    brief = build(svc, "IRN")
    by_year = {ey.year: ey for ey in brief.event_years}
    assert by_year[2022].covered["accessnow"] is True
    assert (by_year[2022].counts["accessnow"], by_year[2022].days["accessnow"]) == (1, 1)
    assert by_year[2024].covered["accessnow"] is False and by_year[2024].days["accessnow"] is None
    assert by_year[brief.year].covered["ioda"] is True and by_year[brief.year].counts["ioda"] == 2
    assert brief.event_states.get("unknown") == 1 and "ongoing" not in brief.event_states
    html = render(brief, "en")
    assert "1 (1 day)" in html and "not covered" in html and "not reported" in html
    assert "ongoing" not in html.split('id="b-events-recent"')[1].split("</table>")[0]


def test_end_state_never_takes_a_missing_end_as_ongoing():
    from dashboard.brief.model import end_state

    row = pd.DataFrame({"end_time": [pd.NaT, pd.NaT, pd.Timestamp("2022-01-02"), pd.NaT],
                        "details": ['{"status": "Unknown"}', '{"status": "Ongoing"}', "{}", None]})
    assert [end_state(r) for r in row.itertuples()] == ["unknown", "ongoing", "known", "unknown"]
    published = pd.DataFrame({"end_time": [pd.NaT], "end_state": ["ongoing"], "details": ["{}"]})
    assert end_state(next(published.itertuples())) == "ongoing"


# -- layout: no table or chart cut by a page break -------------------------------------------------------
def _ids_per_page(document) -> dict[str, set[int]]:
    pages: dict[str, set[int]] = {}

    def walk(box, page: int) -> None:
        element = getattr(box, "element", None)
        if element is not None and element.tag in ("table", "figure", "svg"):
            ident = element.get("id") or f"{element.tag}@{id(element)}"
            pages.setdefault(ident, set()).add(page)
        for child in getattr(box, "children", ()) or ():
            walk(child, page)

    for number, page in enumerate(document.pages):
        walk(page._page_box, number)
    return pages


@needs_pdf
@pytest.mark.parametrize("code", ["KEN", "IRN", SPARSE])
def test_no_table_or_chart_is_cut_by_a_page_break(svc, code):
    from dashboard.brief import build, render
    from dashboard.brief.pdf import render_document

    document = render_document(render(build(svc, code), "en"))
    pages = _ids_per_page(document)
    assert any(k.startswith("b-") for k in pages)
    cut = {k: v for k, v in pages.items() if len(v) > 1}
    assert not cut, f"split across pages: {cut}"
    assert 2 <= len(document.pages) <= 4


# -- nothing fetched ------------------------------------------------------------------------------------
class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        body = b"body { color: red }"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()
    server.server_close()


DATA_SVG = ("data:image/svg+xml;utf8,%3Csvg xmlns='http://www.w3.org/2000/svg' width='4' height='4'%3E"
            "%3C/svg%3E")


@needs_pdf
def test_renderer_fetches_nothing_from_any_host(recorder, tmp_path):
    """Stylesheets, imports, images, fonts and SVG images pointing at a real HTTP server (on this
    machine) are refused before any connection: the server sees no request."""
    from dashboard.brief.pdf import LocalOnlyFetcher, render_pdf

    base, hits = recorder
    outside = tmp_path / "outside.css"
    outside.write_text("body { color: blue }")
    html = f"""<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="{base}/linked.css">
      <style>@import url("{base}/imported.css");
        @font-face {{ font-family: X; src: url("{base}/font.woff2"); }}
        body {{ background: url("{base}/background.png"); font-family: X; }}</style>
      <link rel="stylesheet" href="{outside.as_uri()}">
      </head><body><p>offline</p><img src="{base}/image.png" alt="">
      <img src="https://example.org/remote.png" alt="">
      <svg width="10" height="10"><image href="{base}/inside-svg.png" width="10" height="10"/></svg>
      <img alt="ok" src="{DATA_SVG}">
      </body></html>"""
    fetcher = LocalOnlyFetcher()
    pdf, pages = render_pdf(html, fetcher)
    assert pdf.startswith(b"%PDF-") and pages == 1
    assert hits == []
    refused = set(fetcher.refused)
    for name in ("linked.css", "imported.css", "image.png", "background.png"):
        assert f"{base}/{name}" in refused, name
    assert "https://example.org/remote.png" in refused
    assert outside.as_uri() in refused
    assert not any(url.startswith("data:") for url in refused)


@needs_pdf
def test_local_only_fetcher_serves_files_only_inside_its_directories(tmp_path):
    from dashboard.brief.pdf import LocalOnlyFetcher, RefusedURL

    inside = tmp_path / "assets"
    inside.mkdir()
    (inside / "a.css").write_text("p {}")
    (tmp_path / "b.css").write_text("p {}")
    fetcher = LocalOnlyFetcher([inside])
    response = fetcher.fetch((inside / "a.css").as_uri())
    try:
        assert response.read() == b"p {}"
    finally:
        response.close()
    for url in ((tmp_path / "b.css").as_uri(), (inside / ".." / "b.css").as_uri(),
                "file://otherhost/etc/passwd", "http://127.0.0.1:1/x", "ftp://127.0.0.1/x"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


@needs_pdf
def test_the_brief_asks_for_no_resource_at_all(svc):
    """The brief's HTML is self-contained: rendering it asks the fetcher for nothing."""
    from dashboard.brief import build, render
    from dashboard.brief.pdf import LocalOnlyFetcher, render_pdf

    class Counting(LocalOnlyFetcher):
        asked: list[str] = []

        def fetch(self, url, headers=None):
            self.asked.append(url)
            return super().fetch(url, headers)

    fetcher = Counting()
    html = render(build(svc, "KEN"), "fr")
    assert not re.search(r"\bsrc=", html) and "url(" not in html and "@import" not in html
    render_pdf(html, fetcher)
    assert fetcher.asked == []


# -- the dashboard -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(data_dir):
    import dash

    from dashboard.app import create_app

    dash._pages.PAGE_REGISTRY.clear()
    app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": str(data_dir)}))
    return app.server.test_client()


def test_dashboard_serves_the_brief_in_both_languages(client, data_dir):
    snapshot = (data_dir / "serving" / "CURRENT").read_text().strip()
    reply = client.get("/country/KEN/brief")
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    html = reply.get_data(as_text=True)
    assert "Kenya: Internet Universality profile" in html and snapshot in html
    assert 'href="/country/KEN/brief.pdf?' in html
    # the print stylesheet and the print button's script come from this server: the page's
    # Content-Security-Policy allows no inline style, script or event handler
    assert '<link rel="stylesheet" href="/brief/brief.css">' in html
    assert "<style" not in html and not re.search(r"\son[a-z]+=", html)
    csp = reply.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    css = client.get("/brief/brief.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "@page" in css.get_data(as_text=True) and "break-inside: avoid" in css.get_data(as_text=True)
    assert "window.print()" in client.get("/brief/print.js").get_data(as_text=True)
    assert client.get("/brief/other.css").status_code == 404
    fr = client.get("/country/KEN/brief?lang=fr").get_data(as_text=True)
    assert '<html lang="fr"' in fr and "profil d&#x27;universalité" in fr
    year = client.get("/country/KEN/brief?year=2021").get_data(as_text=True)
    assert "(ROAM-X), 2021" in year


def test_dashboard_brief_urls_redirect_and_refuse_like_country_pages(client):
    reply = client.get("/country/KE/brief?lang=fr")
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/country/KEN/brief?lang=fr")
    assert client.get("/country/kenya/brief.pdf").status_code == 302
    missing = client.get("/country/XXX/brief")
    assert missing.status_code == 404 and "no country matches" in missing.get_data(as_text=True)
    assert client.get("/country/KEN/brief?year=1990").status_code == 404
    assert client.get("/country/KEN/brief?year=abc").status_code == 400


@needs_pdf
def test_dashboard_brief_pdf_download(client):
    reply = client.get("/country/KEN/brief.pdf?lang=fr")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    assert reply.data.startswith(b"%PDF-")
    assert "roamwatch_brief_KEN_" in reply.headers["Content-Disposition"]
    again = client.get("/country/KEN/brief.pdf?lang=fr")
    assert again.data == reply.data  # the same snapshot gives the same document (cached)


def test_country_page_has_the_brief_button(client):
    import dash

    page = next(p for p in dash.page_registry.values() if p["path_template"] == "/country/<iso3>")
    layout = page["layout"](iso3="KEN", lang="fr")
    blob = json.dumps(layout.to_plotly_json() if hasattr(layout, "to_plotly_json") else layout,
                      default=lambda o: o.to_plotly_json())
    assert '"id": "country-brief"' in blob
    assert "/country/KEN/brief.pdf?lang=fr" in blob and "Fiche (PDF)" in blob


# -- every country -----------------------------------------------------------------------------------------
@needs_poppler
def test_brief_all_writes_every_country_with_a_scored_category(data_dir, tmp_path, svc):
    from roamwatch.warehouse import brief_queries as bq

    out = tmp_path / "briefs"
    result = _cli(data_dir, "--all", "--jobs", "2", "-o", str(out))
    assert result.returncode == 0, result.stderr
    expected = set(svc.cached(bq.scored_countries, None))
    assert SPARSE not in expected and "KEN" in expected
    written = {p.stem for p in out.glob("*.pdf")}
    assert written == expected
    for pdf in out.glob("*.pdf"):
        assert 2 <= _pages(pdf) <= 4, pdf.name
    assert f"wrote {len(expected)} of {len(expected)} briefs" in result.stderr
    html = _cli(data_dir, "--all", "--jobs", "1", "--format", "html", "--lang", "fr", "-o", str(out))
    assert html.returncode == 0, html.stderr
    assert {p.name for p in out.glob("*_fr.html")} == {f"{c}_fr.html" for c in expected}


# -- in a browser ---------------------------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.mark.browser
@pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                    reason="needs Debian chromium + chromium-driver")
def test_brief_page_in_a_browser_is_styled_and_prints_to_four_pages(data_dir, tmp_path):
    """Served by `roamwatch serve` under its Content-Security-Policy: the stylesheet applies, the
    print button shows, the console has no error, and Chromium's own print gives 2–4 A4 pages."""
    import base64

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tests.test_dashboard_browser import _serve

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1200,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with _serve(data_dir) as base:
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            driver.get(base + "/country/KEN/brief?lang=fr")
            driver.find_element("css selector", "#b-cat-R")
            assert driver.execute_script("return document.documentElement.lang") == "fr"
            width = driver.execute_script(
                "return getComputedStyle(document.querySelector('.b-doc')).maxWidth")
            assert width.endswith("px") and 600 < float(width[:-2]) < 800  # 186mm: the sheet applied
            assert driver.find_element("id", "b-print").is_displayed()
            errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert errors == []
            driver.save_screenshot(str(tmp_path / "brief.png"))
            pdf = base64.b64decode(driver.execute_cdp_cmd(
                "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})["data"])
        finally:
            driver.quit()
    out = tmp_path / "chrome.pdf"
    out.write_bytes(pdf)
    if POPPLER:
        assert 2 <= _pages(out) <= 4
