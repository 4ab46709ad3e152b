"""Six languages on gettext catalogues, CLDR formatting and language negotiation.

The page test renders every dashboard page in every language (in a subprocess, see
``tests/i18n_pages.py``) over a data directory filled by ``tests.demo`` and fails on any string of
the English catalogue left untranslated on a page of another language.
"""

from __future__ import annotations

import os
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest

from roamwatch import i18n
from roamwatch.i18n import formatting, tools
from roamwatch.i18n.tools import TEMPLATE, completeness, message_ids, po_path
from tests.helpers import python_json, subprocess_env

REPO = Path(__file__).resolve().parents[1]


# -- language choice -------------------------------------------------------------------------------
@pytest.mark.parametrize(("asked", "header", "want"), [
    ("fr", "ar,en;q=0.5", "fr"),                    # ?lang= wins over the browser
    (None, "ar-EG,ar;q=0.9,en;q=0.8", "ar"),
    (None, "de-DE,de;q=0.9,ru;q=0.8,en;q=0.7", "ru"),  # first supported in the browser's order
    (None, "en;q=0.2, zh-Hans-CN;q=0.9", "zh"),     # q values, not position, rank
    ("de", "es", "es"),                             # an unsupported ?lang= falls to the browser
    ("", None, "en"),
    (["fr", "es"], None, "es"),                     # a repeated parameter: the last one
    ("ZH_tw", None, "zh"),
    (None, "fr;q=0, es", "es"),                     # q=0 means "not this one"
])
def test_negotiate(asked, header, want):
    assert i18n.negotiate(asked, header) == want


def test_six_languages_with_direction_and_names_in_themselves():
    assert i18n.LANGS == ("en", "fr", "es", "ar", "ru", "zh")
    assert [c for c in i18n.LANGS if i18n.direction(c) == "rtl"] == ["ar"]
    assert i18n.LANGUAGES["ar"].name == "العربية" and i18n.LANGUAGES["zh"].name == "中文"


# -- CLDR formatting -------------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "number", "percent", "date", "month"), [
    ("en", "1,234,568", "76.2%", "Mar 5, 2024 14:07", "Mar 2024"),
    ("fr", "1\u202f234\u202f568", "76,2\u00a0%", "5 mars 2024 14:07", "mars 2024"),
    ("es", "1.234.568", "76,2\u00a0%", "5 mar 2024 14:07", "mar 2024"),
    ("ar", "1,234,568", "76.2%", "5 مارس 2024 14:07", "مارس 2024"),
    ("ru", "1\u00a0234\u00a0568", "76,2\u00a0%", "5 мар. 2024\u202fг. 14:07", "март 2024\u202fг."),
    ("zh", "1,234,568", "76.2%", "2024年3月5日 14:07", "2024年3月"),
])
def test_numbers_percentages_and_dates_follow_cldr(lang, number, percent, date, month):
    assert formatting.number(1234567.891, lang) == number
    assert formatting.percent(76.23, lang) == percent
    assert formatting.date_text("2024-03-05 14:07", lang, with_time=True) == date
    assert formatting.month_text("2024-03-01", lang) == month
    assert formatting.number(None, lang) == formatting.percent(float("nan"), lang) == "–"
    assert formatting.number(-0.0001, lang) == formatting.number(0, lang, 2)  # never "-0.00"


def test_arabic_numbers_use_the_digits_of_the_charts():
    assert re.fullmatch(r"[0-9.,%]+", formatting.percent(12.5, "ar"))


@pytest.mark.parametrize(("iso3", "names"), [
    ("IRN", ("Iran", "Iran", "Irán", "إيران", "Иран", "伊朗")),
    ("COD", ("DR Congo", "Congo-Kinshasa", "República Democrática del Congo",
             "جمهورية الكونغو الديمقراطية", "ДР Конго", "刚果（金）")),
    ("HKG", ("Hong Kong", "Hong Kong", "Hong Kong", "هونغ كونغ", "Гонконг", "香港")),
    ("TWN", ("Taiwan", "Taïwan", "Taiwán", "تايوان", "Тайвань", "台湾")),
    ("XKX", ("Kosovo", "Kosovo", "Kosovo", "كوسوفو", "Косово", "科索沃")),
    ("CHI", ("Channel Islands", "Îles Anglo-Normandes", "Islas del Canal", "جزر القنال",
             "Нормандские острова", "海峡群岛")),
])
def test_country_names_are_short_common_cldr_names(iso3, names):
    from roamwatch.countries import country_name

    assert tuple(country_name(iso3, lang) for lang in i18n.LANGS) == names


def test_every_country_has_a_name_in_every_language_and_none_is_an_iso_formal_name():
    import pycountry

    from roamwatch.countries import country_names, reference_countries

    codes = {row["iso3"] for row in reference_countries()}
    formal = {c.alpha_3: c.official_name for c in pycountry.countries if hasattr(c, "official_name")}
    for lang in i18n.LANGS:
        names = country_names(lang)
        assert set(names) == codes, lang
        assert not [n for n in names.values() if " - " in n or "SAR" in n], lang
    english = country_names("en")
    assert not [c for c, n in english.items() if n == formal.get(c) and "Republic" in n]
    assert not [n for n in english.values() if re.search(r", (Islamic|Plurinational|Bolivarian)", n)]


# -- catalogues ------------------------------------------------------------------------------------
def test_catalogues_compile_at_start_when_the_mo_is_missing_or_stale(tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    mo = po_path("fr", locale).with_suffix(".mo")
    assert not mo.exists()
    fr = i18n.translations("fr", locale)
    assert fr.gettext("Methodology") == "Méthodologie"
    assert mo.exists()  # written beside the .po for the next start
    po = po_path("fr", locale)
    po.write_text(po.read_text("utf-8").replace('msgstr "Méthodologie"', 'msgstr "Méthode"'), "utf-8")
    os.utime(po, (mo.stat().st_mtime + 10,) * 2)  # the .po is newer: compiled again
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("fr", locale).gettext("Methodology") == "Méthode"
    finally:
        i18n.translations.cache_clear()


def test_a_read_only_install_compiles_in_memory(tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    folder = po_path("es", locale).parent
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        assert i18n.translations("es", locale).gettext("Methodology") == "Metodología"
        assert not po_path("es", locale).with_suffix(".mo").exists()
    finally:
        folder.chmod(0o755)
        i18n.translations.cache_clear()


def test_plural_forms_follow_cldr():
    cases = {"ru": {1: 0, 2: 1, 5: 2, 21: 0, 22: 1, 11: 2}, "ar": {0: 0, 1: 1, 2: 2, 5: 3, 11: 4, 100: 5},
             "zh": {1: 0, 7: 0}, "fr": {0: 0, 1: 0, 2: 2}, "es": {1: 0, 2: 2}}
    for lang, forms in cases.items():
        plural = i18n.translations(lang).plural
        assert {n: plural(n) for n in forms} == forms, lang


def test_every_message_keeps_its_placeholders_in_every_language():
    from babel.messages.pofile import read_po

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    for lang in i18n.TARGET_LANGS:
        with po_path(lang).open("rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            want = set().union(*(fields(i) for i in ids))
            for text in strings:
                if text:
                    assert fields(text) <= want and (fields(text) or not want or len(ids) > 1), \
                        (lang, message.id, text)
                    assert fields(text) == want or len(ids) > 1, (lang, message.id, text)


def test_extraction_reads_code_and_catalogue_tables_but_not_keys_or_subscripts(tmp_path):
    from babel.messages.pofile import read_po

    pot = tools.extract(tmp_path / "fresh.pot")
    ids = {ident for ident, _ in message_ids(pot)}
    assert "Skip to content" in ids                                   # t("…", lang) in the code
    assert "Openness" in ids                                          # N_("…") in a table
    assert "Individuals using the Internet" in " ".join(ids)          # catalogue.toml
    assert not [i for i in ids if re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", i)]  # no table keys
    assert "days_measured" not in ids                                 # t["days_measured"]
    with pot.open("rb") as fh:
        world = read_po(fh).get("World")
    assert "key: nav.world" in world.auto_comments                    # a translator sees the key


def test_catalogues_are_up_to_date_and_complete(capsys):
    """`python -m roamwatch.i18n check` passes (the template is what the code and the catalogue
    hold, every .po has every message) and every language is translated in full."""
    problems = tools.check()
    assert not problems, "run `python -m roamwatch.i18n update`:\n" + "\n".join(problems[:20])
    assert tools.main(["stats", "--min", "100"]) == 0, capsys.readouterr()


def test_check_finds_a_message_missing_from_the_template_and_names_unused_ones(tmp_path):
    root = tmp_path / "repo"
    (root / "dashboard").mkdir(parents=True)
    (root / "dashboard" / "mod.py").write_text("from x import t\nt('A message no catalogue has', 'fr')\n")
    problems = tools.check(root)
    assert any("A message no catalogue has" in p for p in problems)
    assert "Skip to content" in tools.stale(root)


def test_every_collector_metric_has_its_name_and_unit_in_every_language():
    """Metric names and units shown on pages come from the collectors' own tables; each has a
    message in :data:`dashboard.i18n.METRIC_NAMES` / ``UNITS``, translated in every language."""
    from collectors import apnic, dgg, fotn, ioda, itu, vdem
    from dashboard.i18n import METRIC_NAMES, unit_label

    ids = [*(f"itu.{c}" for c in itu.METRICS), *(f"vdem.{v}" for v in vdem.VARIABLES),
           *(f"fotn.{s}" for s in fotn.SCORES), *(m.id for m in apnic.METRICS),
           *(f"dgg.{c}" for c in dgg.METRICS), ioda.METRIC.id]
    units = {u for _, u, _ in itu.METRICS.values()} | set(vdem.UNITS.values()) | {
        m.unit for m in apnic.METRICS} | {"ratio (female/male)", ioda.METRIC.unit, "score 0–25"}
    assert not [m for m in ids if m not in METRIC_NAMES]
    for lang in i18n.TARGET_LANGS:
        assert not [m for m in ids if not i18n.has_translation(METRIC_NAMES[m], lang)], lang
        assert not [u for u in units if u != "%" and unit_label(u, lang) == u], lang


def test_every_collector_licence_and_terms_note_is_translated_in_every_language():
    """Licence and terms notes are roamwatch's words (not the source's): each collector marks
    them for translation, and the sources page and the brief show them in the reader's language."""
    from collectors import registry
    from dashboard.i18n import source_note

    notes = {text for cls in registry().values()
             for text in (cls.source.licence, cls.source.terms) if text}
    assert len(notes) >= 15
    names_only = {text for text in notes if re.fullmatch(r"CC BY(-[A-Z]{2})* \d\.\d", text)}
    for lang in i18n.TARGET_LANGS:
        untranslated = [text for text in notes - names_only if source_note(text, lang) == text]
        assert not untranslated, (lang, untranslated)
    assert source_note("A note an older version wrote", "fr") == "A note an older version wrote"
    assert source_note(None, "fr") == ""


def test_shutdown_causes_merge_the_sources_spellings_and_are_translated():
    from dashboard.i18n import EVENT_CAUSES, cause_label, cause_text

    assert cause_label("Protest") == cause_label(" protests ") == "Protests"
    assert cause_label("Religious holiday/ annversary") == cause_label(
        "Religious holiday / anniversary") == "Religious holiday or anniversary"
    assert cause_label("a cause nobody listed") == "A cause nobody listed"  # as the source wrote it
    assert cause_label(None) == cause_label("  ") == ""
    assert cause_text("Exam cheating", "ar") == "الغش في الامتحانات"
    for lang in i18n.TARGET_LANGS:
        assert all(i18n.has_translation(label, lang) for label in EVENT_CAUSES.values()), lang


def test_latin_values_are_isolated_inside_arabic_sentences():
    from dashboard import i18n as dash

    name = "Access Now, #KeepItOn STOP (Shutdown Tracker Optimization Project)"
    arabic = dash.t("timeline.none_recorded", "ar", source=name, years="2016–2022")
    assert f"\u2068{name}\u2069" in arabic and "\u20682016" not in arabic  # numbers need no isolate
    assert f"\u2068{name}" not in dash.t("timeline.none_recorded", "fr", source=name, years="2016–2022")


def test_lists_clauses_and_sentences_are_punctuated_as_each_language_writes_them():
    from dashboard import i18n as dash

    tests = ["Facebook Messenger", "Signal", "Telegram"]
    assert dash.join(tests, "en") == "Facebook Messenger, Signal, and Telegram"  # CLDR's list pattern
    assert dash.join(tests, "fr") == "Facebook Messenger, Signal et Telegram"
    assert dash.join(tests, "zh") == "Facebook Messenger、Signal和Telegram"
    # Arabic: "A وB وC", each Latin item isolated so the list runs right to left around it
    assert dash.join(tests, "ar") == ("\u2068Facebook Messenger\u2069 و\u2068Signal\u2069 "
                                      "و\u2068Telegram\u2069")
    assert dash.join(["كينيا", "أوغندا"], "ar") == "كينيا وأوغندا"
    assert dash.join_clauses(["a", "b"], "ar") == "a؛ b" and dash.join_clauses(["a", "b"], "zh") == "a；b"
    assert dash.join_clauses(["a", "b"], "en") == "a; b"
    assert dash.t("common.sentence", "zh", parts="a") == "a。"
    assert dash.sentences(["一。", "二。"], "zh") == "一。二。"  # no space between Chinese sentences
    assert dash.sentences(["One.", "Two."], "fr") == "One. Two."
    title = dash.t("country.radar_title", "ar", title="لمحة", country="كينيا", year=2022)
    assert title == "لمحة — كينيا، 2022"


def test_a_latin_value_cut_by_a_chart_line_break_is_isolated_on_each_line():
    from dashboard.components import figures

    source = "World Bank World Development Indicators and Gender Statistics"
    layout = figures.stamp_layout(title="عنوان", unit=None, sources=source, snapshot_id="S", lang="ar")
    lines = layout["title"]["subtitle"]["text"].split("<br>")
    assert len(lines) >= 2 and "Statistics" not in lines[0]  # the source name is wrapped
    for line in lines:  # each line opens and closes its own isolates, inside its own embedding
        assert line.count("\u2068") == line.count("\u2069"), line
        assert line.startswith("\u202b") and line.endswith("\u202c")


def test_a_unit_the_translated_name_already_says_is_not_added_again():
    from dashboard import i18n as dash

    # Chinese names say 百分比 where English says %: "使用互联网的个人（占人口百分比）", not "… (%)"
    english = "Individuals using the Internet (% of population)"
    name = dash.metric_name("worldbank.IT.NET.USER.ZS", english, "zh")
    assert "百分比" in name and "%" not in name
    assert dash.names_unit(name, "%", "zh")
    assert dash.names_unit(english, "%", "en")
    assert not dash.names_unit("Fixed broadband subscriptions", "per 100 people", "en")
    assert not dash.names_unit("OONI 测量", "%", "zh")


def test_completeness_is_reported_per_language(capsys):
    assert tools.main(["stats"]) == 0
    out = capsys.readouterr().out
    for lang in i18n.TARGET_LANGS:
        assert re.search(rf"^{lang}\s+\d+\s+\d+\s+\d+\s+\d+\s+[\d.]+%$", out, re.M), out
    rows = {row.lang: row for row in completeness()}
    assert all(row.total == len(message_ids(TEMPLATE)) for row in rows.values())


# -- the dashboard in every language ---------------------------------------------------------------
@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    from tests.demo import fill

    path = tmp_path_factory.mktemp("i18n") / "data"
    fill(path, log=lambda _m: None)
    # alerts too, so pages, the brief and the feed show alert texts in every language
    done = subprocess.run([sys.executable, "-m", "roamwatch.cli", "alerts", "check"], cwd=REPO,
                          env=subprocess_env(ROAMWATCH_DATA_DIR=str(path)), capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0 and "new alert" in done.stdout, done.stderr[-2000:]
    return path


@pytest.fixture(scope="module")
def pages(data_dir) -> dict[str, list[str]]:
    return python_json("-m", "tests.i18n_pages", "--data-dir", str(data_dir))


#: Sources of messages whose translations are still being written (checked once complete).
PENDING: tuple[str, ...] = ()
#: Messages of these sources are checked on the brief only (the dashboard shows some of the same
#: words as data, e.g. an event's kind as the source wrote it).
BRIEF_ONLY = ("dashboard/brief/strings.py", "dashboard/brief/render.py", "dashboard/brief/model.py")
#: Parts of pages not yet in every language.
PENDING_PAGES: tuple[str, ...] = ()
#: Messages that read the same in every language (names, codes).
SAME_EVERYWHERE = {"roamwatch"}


def _english_messages() -> dict[str, dict[str, str]]:
    """msgid → {lang: translation} for every message of the template (plurals: the singular)."""
    from babel.messages.pofile import read_po

    pending = {ident for ident, _ in _ids_from(PENDING)}
    pending |= set(tools.stale())  # written ahead of code not yet landed: no page can show them
    table: dict[str, dict[str, str]] = {}
    for lang in i18n.TARGET_LANGS:
        with po_path(lang).open("rb") as fh:
            for message in read_po(fh):
                if not message.id:
                    continue
                ident = message.id[0] if isinstance(message.id, tuple) else message.id
                if ident in pending or ident in SAME_EVERYWHERE:
                    continue
                text = message.string[0] if isinstance(message.string, tuple) else message.string
                table.setdefault(ident, {})[lang] = "" if message.fuzzy else (text or "")
    return table


def _ids_from(sources: tuple[str, ...]) -> set[tuple[str, str | None]]:
    from babel.messages.pofile import read_po

    with TEMPLATE.open("rb") as fh:
        catalog = read_po(fh)
    return {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog
            if m.id and m.locations and all(loc[0] in sources for loc in m.locations)}


def _probe(msgid: str) -> str | None:
    """The longest literal part of a message, when it is distinctive enough to find in text."""
    parts = [p for p, *_ in string.Formatter().parse(msgid)]
    best = max((p.strip() for p in parts), key=len, default="")
    if best == msgid.strip():
        return best
    return best if len(best) >= 14 and " " in best else None


def _citations() -> list[str]:
    """The catalogue's bibliographic references (shown as published in every language)."""
    from indicators.catalogue import load_catalogue

    catalogue = load_catalogue()
    found = {ind.citation.strip() for ind in catalogue.indicators if ind.citation}
    found.add(str(catalogue.framework.get("publication", "")).strip())
    return sorted((c for c in found if c), key=len, reverse=True)


def _originals() -> list[str]:
    """``*English name*`` under each indicator's translated heading in the methodology documents
    (the original name, for reference)."""
    from indicators.catalogue import load_catalogue

    return sorted({f"*{ind.name_en}*" for ind in load_catalogue().indicators}, key=len, reverse=True)


def _without(text: str, parts: list[str]) -> str:
    for part in parts:
        text = text.replace(part, " ")
    return text


def test_every_page_in_every_language_has_no_english_catalogue_string_left(pages):
    messages = _english_messages()
    brief_only = {ident for ident, _ in _ids_from(BRIEF_ONLY)}
    problems = []
    cited = _citations() + _originals()
    for page, found in pages.items():
        lang = page.rsplit("[", 1)[-1].rstrip("]")
        if "[" not in page or lang == "en" or page.startswith(PENDING_PAGES):
            continue
        if " doc [" in page:  # references stay as published, original names are for reference
            found = [_without(text, cited) for text in found]
        for msgid, translated in messages.items():
            if translated.get(lang) == msgid:  # the same word in this language ("Sources")
                continue
            if msgid in brief_only and not page.startswith("brief"):
                continue
            probe = _probe(msgid)
            if not probe:
                continue
            whole = probe == msgid.strip()
            for text in found:
                if text.startswith("{"):  # the JSON of a score's trace, shown as data
                    continue
                if (text == probe) if whole and len(probe) < 14 else (probe in text):
                    problems.append(f"{page}: {msgid[:60]!r} in {text[:80]!r}")
                    break
    assert not problems, "\n".join(problems[:60])


#: Whether pages in Arabic, Russian and Chinese are checked for any Latin-script word (not only
#: for messages of the catalogues): on, as every string goes through the catalogues.
STRICT_LATIN = True
#: Latin-script words that belong on pages of every language: names of sources, tools, file
#: formats and standards, and roamwatch itself.
LATIN_NAMES = frozenset({
    "roamwatch", "roam-x", "ooni", "probe", "explorer", "ioda", "apnic", "labs", "ipv6", "v-dem",
    "freedom", "house", "net", "fotn", "keepiton", "access", "now", "whatsapp", "telegram", "signal",
    "facebook", "messenger", "tor", "psiphon", "riseupvpn", "web", "connectivity", "digital", "gender",
    "gaps", "itu", "netcraft", "csv", "zip", "svg", "png", "json", "bibtex", "iso", "http", "https",
    "dns", "stun", "tls", "ssl", "utf", "url", "a4ai", "ott", "excel", "atlas", "vanilla", "atom",
    "min", "max", "log", "accessnow",
})
#: Names of sources and of their projects, as they publish them.
PROPER_NAMES = ("Freedom on the Net", "Shutdown Tracker Optimization Project", "World Bank",
                "Digital Society Project", "Georgia Tech Research Corporation",
                "World Development Indicators", "Gender Statistics", "Varieties of Democracy")


#: The languages' own names (the language menu).
ENDONYMS = frozenset(language.name for language in i18n.LANGUAGES.values())
#: Source ids (cell tooltips, ids columns) and the languages' own names in the language menu.
SOURCE_IDS = frozenset({"worldbank", "vdem", "dgg", "fotn", "itu", "ioda", "apnic", "ooni", "stop",
                        "roamwatch"})


def _latin_words(text: str, published: list[str]) -> list[str]:
    """Latin-script words of ``text`` that are neither names nor identifiers."""
    if text in published or text in ENDONYMS or text.startswith(("{", "@misc{")):  # JSON, BibTeX
        return []
    if len(text) >= 12 and any(title.startswith(text.rstrip("…")) for title in published):
        return []                                               # a source name's first words
    text = re.sub(r"\{\w+\}", " ", text)                        # placeholders filled in the browser
    for title in (*published, *PROPER_NAMES):                   # names and citations of sources
        text = text.replace(title, " ")
    text = re.sub(r"`[^`]*`|^roamwatch .*", " ", text)          # commands
    text = re.sub(r"«[^»]*»|\"[^\"]*\"|“[^”]*”", " ", text)  # values quoted as the source wrote them
    text = re.sub(r"\S*\d\S*|\S*/\S*|\b[a-z]+(?:-[a-z]+)+\b", " ", text)  # identifiers, rule ids, paths
    text = re.sub(r"\b[\w.-]+\.(org|com|net|md)\b\S*", " ", text)  # sites, files
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]", text)
    tokens = re.findall(r"\S+", text)
    ids = {w for tok in tokens if re.search(r"[\d_.]", tok) for w in re.findall(r"[A-Za-z]+", tok)}
    return [w for w in words if len(w) >= 3 and w.lower() not in LATIN_NAMES | SOURCE_IDS
            and w not in ids and not w.isupper()]


@pytest.mark.skipif(not STRICT_LATIN, reason="on once every string goes through the catalogues")
def test_arabic_russian_and_chinese_pages_have_no_latin_words_but_names(pages):
    published = sorted({*pages.get("published titles", []), *_citations(), *_originals()},
                       key=len, reverse=True)
    problems = []
    for page, found in pages.items():
        lang = page.rsplit("[", 1)[-1].rstrip("]")
        if lang not in ("ar", "ru", "zh"):
            continue
        for text in found:
            words = _latin_words(text, published)
            if words:
                problems.append(f"{page}: {words[:5]} in {text[:90]!r}")
    assert not problems, "\n".join(problems[:60])


def test_pages_render_in_every_language(pages):
    for lang in i18n.LANGS:
        assert pages[f"country KEN [{lang}]"], lang
    assert "Kenya" in pages["country KEN [en]"] and "كينيا" in pages["country KEN [ar]"]
    assert "肯尼亚" in pages["country KEN [zh]"] and "Кения" in pages["country KEN [ru]"]
    assert "Méthodologie" in pages["shell [fr]"] and "Metodología" in pages["shell [es]"]
    for lang, kicker in (("es", "ficha de país"), ("ar", "موجز قُطري"), ("ru", "страновая справка"),
                         ("zh", "国家简报")):
        assert any(kicker in text for text in pages[f"brief KEN [{lang}]"]), lang


# -- the app over HTTP -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(data_dir):
    return python_json("-c", _HTTP_PROBE, str(data_dir), timeout=300)


_HTTP_PROBE = r"""
import json, sys
from dashboard.app import create_app
from roamwatch.config import load_config
app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": sys.argv[1]}))
c = app.server.test_client()
out = {}
for name, path, header in [("ar", "/country/KEN", "ar,en;q=0.5"), ("explicit", "/country/KEN?lang=en", "ar"),
                           ("zh", "/", "zh-CN,zh;q=0.9"), ("none", "/sources", None)]:
    r = c.get(path, headers={"Accept-Language": header} if header else {})
    body = r.get_data(as_text=True)
    out[name] = {"status": r.status_code, "head": body[:200], "vary": r.headers.get("Vary", ""),
                 "title": body.split("<title>", 1)[1].split("</title>", 1)[0],
                 "description": body.split('name="description" content="', 1)[1].split('"', 1)[0]}
for name in ("fr", "es", "ru", "zh-cn", "ar"):
    r = c.get(f"/assets/plotly-locales/plotly-locale-{name}.js")
    out["locale " + name] = {"status": r.status_code, "head": r.get_data(as_text=True)}
for lang in ("en", "fr", "es", "ar", "ru", "zh"):
    out["feed " + lang] = c.get(f"/alerts.atom?lang={lang}").get_data(as_text=True)
index = c.get("/").get_data(as_text=True)
out["scripts"] = [line for line in index.splitlines() if "plotly-locale" in line]
print(json.dumps(out))
"""


def test_html_says_its_language_and_direction_before_any_script(client):
    assert '<html lang="ar" dir="rtl">' in client["ar"]["head"]
    assert '<html lang="en" dir="ltr">' in client["explicit"]["head"]  # ?lang= beats the browser
    assert '<html lang="zh" dir="ltr">' in client["zh"]["head"]
    assert '<html lang="en" dir="ltr">' in client["none"]["head"]
    assert "Accept-Language" in client["ar"]["vary"]
    # the tab title too (Dash's page router sets the same on every change of page)
    assert client["ar"]["title"] == "كينيا – roamwatch"
    assert client["explicit"]["title"] == "roamwatch – Kenya"
    assert client["zh"]["title"] == "roamwatch – 全球"
    assert client["none"]["title"] == "roamwatch – Sources"
    assert client["ar"]["description"] == "roamwatch: مؤشرات حرية الإنترنت من البيانات العامة"
    assert client["none"]["description"] == "roamwatch: internet-freedom indicators from public data"


def test_alerts_feed_in_every_language_has_no_english_left(client):
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    english = ET.fromstring(client["feed en"])
    for lang in ("fr", "es", "ar", "ru", "zh"):
        root = ET.fromstring(client[f"feed {lang}"])
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
        entries = root.findall(f"{atom}entry")
        assert len(entries) == len(english.findall(f"{atom}entry")) > 0, lang
        # titles in full; the entries' bodies quote the source's own words (an event's type, area)
        texts = [root.findtext(f"{atom}title"), root.findtext(f"{atom}subtitle"),
                 *(e.findtext(f"{atom}title") for e in entries)]
        assert root.findtext(f"{atom}title") != english.findtext(f"{atom}title"), lang
        titles = {e.findtext(f"{atom}title") for e in entries}
        assert not titles & {e.findtext(f"{atom}title") for e in english.findall(f"{atom}entry")}, lang
        if lang in ("ar", "ru", "zh"):
            problems = [(t[:80], w) for t in texts if t for w in [_latin_words(t, list(PROPER_NAMES))] if w]
            assert not problems, (lang, problems[:5])
        if lang == "zh":  # Chinese brackets are full-width (（于2026年11月6日结束）)
            assert not [t for t in texts if t and re.search(r"\([^()]*[\u4e00-\u9fff]", t)], texts


def test_plotly_locales_are_served_locally(client):
    for name in ("fr", "es", "ru", "zh-cn", "ar"):
        assert client[f"locale {name}"]["status"] == 200
        assert "moduleType" in client[f"locale {name}"]["head"]
    assert len(client["scripts"]) == 5
    assert not [s for s in client["scripts"] if "//" in s.split("src=")[1][:3]]  # same host
    arabic = client["locale ar"]["head"]
    assert "مايو" in arabic and arabic.count("مارس") == 2  # May present; March in months and shortMonths


def test_page_cache_keeps_languages_apart(data_dir):
    """A page rendered for an Arabic browser is not served to a French one (the layout cache
    is keyed on the negotiated language)."""
    code = r"""
import json, sys
import dash
from dashboard.app import create_app
from roamwatch.config import load_config
app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": sys.argv[1]}))
layout = dash.page_registry["dashboard.pages.world"]["layout"]
out = []
for header in ("ar", "fr", "ar"):
    with app.server.test_request_context("/", headers={"Accept-Language": header}):
        out.append(json.dumps(layout().to_plotly_json(), default=str, ensure_ascii=False))
print(json.dumps(out, ensure_ascii=False))
"""
    arabic, french, again = python_json("-c", code, str(data_dir), timeout=300)
    assert "مؤشرات حرية الإنترنت حول العالم" in arabic and "العالم" not in french
    assert "Indicateurs de liberté d'Internet dans le monde" in french and again == arabic


# -- glossary --------------------------------------------------------------------------------------
def test_catalogues_use_the_glossary_terms():
    import tomllib

    from babel.messages.pofile import read_po

    glossary = tomllib.loads((REPO / "roamwatch/i18n/glossary.toml").read_text("utf-8"))["term"]
    assert {t["en"] for t in glossary} >= {"Rights", "Openness", "Accessibility", "ROAM-X",
                                           "Multi-stakeholder participation", "Cross-cutting"}
    problems = []
    for lang in i18n.TARGET_LANGS:
        with po_path(lang).open("rb") as fh:
            catalog = [m for m in read_po(fh) if m.id and isinstance(m.id, str) and m.string]
        for term in glossary:
            assert term.get(lang), (term["en"], lang)
            for message in catalog:
                if term.get("check") and message.id == term["en"] and message.string != term[lang]:
                    problems.append(f"{lang}: {message.id!r} is {message.string!r}, glossary: {term[lang]!r}")
                if term.get("contains") and term["en"] in message.id and term[lang] not in message.string:
                    problems.append(f"{lang}: {message.id[:50]!r} lacks {term[lang]!r}: "
                                    f"{message.string[:60]!r}")
    assert not problems, "\n".join(problems[:40])


# -- the brief in Arabic -----------------------------------------------------------------------------
def test_svg_text_for_weasyprint_is_shaped_and_in_visual_order():
    from dashboard.components import svgcharts

    text = svgcharts.visual_text("إمكانية الوصول 2024")
    assert text.startswith("2024 ")                       # the number keeps its digits' order
    assert "\ufe8d" in text or "\ufe8e" in text           # alef in a presentation form
    assert text[-1] in "\ufe87\ufe88"                      # the phrase's first letter drawn last
    with svgcharts.visual_order():
        drawn = svgcharts._text(0, 0, "الحقوق")
    assert "الحقوق" not in drawn and "الحقوق" in svgcharts._text(0, 0, "الحقوق")


def test_arabic_brief_pdf_is_right_to_left_and_arabic(data_dir, tmp_path):
    env = {**os.environ, "ROAMWATCH_DATA_DIR": str(data_dir)}
    env.pop("ROAMWATCH_CONFIG", None)
    for name in ("ken-ar.pdf", "ken-ar.html"):
        result = subprocess.run(
            [sys.executable, "-m", "roamwatch.cli", "brief", "KEN", "--lang", "ar", "-o",
             str(tmp_path / name)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 0, result.stderr[-2000:]
    assert '<html lang="ar" dir="rtl"' in (tmp_path / "ken-ar.html").read_text("utf-8")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "ken-ar.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "كينيا" in text and "لمحة" in text


# -- the generated methodology ----------------------------------------------------------------------
def test_methodology_documents_in_six_languages_are_up_to_date():
    from indicators import methodology

    assert methodology.main(["--check"]) == 0, "run `python -m indicators.methodology`"
    arabic = methodology.doc_path("ar").read_text("utf-8")
    assert arabic.startswith("# منهجية roamwatch") and "الأفراد الذين يستخدمون الإنترنت" in arabic
    chinese = methodology.doc_path("zh").read_text("utf-8")
    assert "## 得分如何计算" in chinese and "互联网用户" in chinese
    assert "DOAM-X" in methodology.doc_path("fr").read_text("utf-8")
