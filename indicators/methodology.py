"""Generate the methodology from the catalogue, in UNESCO's six languages:
``python -m indicators.methodology`` writes ``docs/methodology.md`` (English) and
``docs/methodology.<lang>.md`` (fr, es, ar, ru, zh).

Each document is a pure function of ``indicators/catalogue.toml`` and the translation catalogues
(no dates, no data), so a test can tell when a committed copy is out of date:
``python -m indicators.methodology --check``. Catalogue texts (names, units, descriptions,
derivations, goalpost reasons) are messages of the catalogues; citations stay as published.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indicators.catalogue import (
    CATEGORY_NAMES,
    CONTEXTUAL,
    FRAMEWORK_THEMES,
    Catalogue,
    Indicator,
    load_catalogue,
)
from roamwatch.i18n import DEFAULT_LANG, LANGS, N_, gettext, ngettext
from roamwatch.i18n.formatting import number

DOCS = Path(__file__).resolve().parent.parent / "docs"
DOC_PATH = DOCS / "methodology.md"
_DECISIONS = {"kept": N_("kept"), "moved": N_("moved"), "dropped": N_("dropped"),
              "contextual": N_("made contextual")}
#: ROAMX.md's status of what an indicator stands in for.
_STANDS_STATUS = {"confirmed": N_("confirmed"), "unconfirmed": N_("unconfirmed")}
#: Words the documents use for a reference's match (translated where shown).
MATCH_WORDS = {"confirmed": N_("confirmed"), "approximate": N_("approximate"), "proxy": N_("proxy")}
#: The English names of ``CATEGORY_NAMES``, marked for extraction (the catalogue module holds them).
_CATEGORY_WORDS = (N_("Rights"), N_("Openness"), N_("Accessibility to all"),
                   N_("Multistakeholder participation"), N_("Cross-cutting"), N_("Contextual"))


def doc_path(lang: str) -> Path:
    """``docs/methodology.md`` for English, ``docs/methodology.<lang>.md`` for the others."""
    return DOC_PATH if lang == DEFAULT_LANG else DOCS / f"methodology.{lang}.md"


class _Words:
    """Messages of one language, formatted."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def t(self, message: str, **fmt: object) -> str:
        text = gettext(message, self.lang)
        return text.format(**fmt) if fmt else text

    def text(self, value: str | None) -> str:
        """A catalogue text in this language (a message of the catalogues)."""
        return gettext(value.strip(), self.lang) if value else ""

    def category(self, key: str) -> str:
        return self.text(CATEGORY_NAMES[key][0])

    def num(self, value: float) -> str:
        return f"{value:g}" if self.lang == DEFAULT_LANG else number(value, self.lang, None)


def _goalposts(ind: Indicator, w: _Words) -> str:
    lo, hi = f"{ind.goalpost_lower:g}", f"{ind.goalpost_upper:g}"
    best, worst = (hi, lo) if ind.direction == "higher_better" else (lo, hi)
    scale = w.t(" (log10 of the value)") if ind.transform == "log10" else ""
    return w.t("{best} scores 100, {worst} scores 0", best=best, worst=worst) + scale


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _codes(items: list[str]) -> str:
    return ", ".join(f"`{m}`" for m in items)


def _indicator_section(ind: Indicator, catalogue: Catalogue, w: _Words) -> list[str]:
    theme = catalogue.themes[ind.theme]
    if ind.proxy:
        match = w.t("proxy — {sentence}", sentence=w.text(ind.proxy))
    else:
        match = w.t("{match} (framework slot {ref})", match=w.t(MATCH_WORDS[str(ind.unesco_match)]),
                    ref=ind.unesco_ref)
    window = ind.window_years or catalogue.window_years
    direction = w.t("higher is better") if ind.direction == "higher_better" else w.t("lower is better")
    # the name in another language: French under the English heading, else the original English
    other_name = gettext(ind.name_en, "fr") if w.lang == DEFAULT_LANG else ind.name_en
    series = w.t("- **Series used:** {series}", series=_codes(ind.metrics))
    if len(ind.metrics) > 1:
        series += w.t(" (in order of preference)")
    lines = [
        f"#### `{ind.id}` — {w.text(ind.name_en)}",
        "",
        f"*{other_name}*",
        "",
        w.text(ind.description),
        "",
        w.t("- **Category / theme:** {category} / {theme} {title}", category=w.category(ind.category),
            theme=ind.theme, title=w.text(theme.title_en)),
        w.t("- **UNESCO reference:** `{ref}`; {match}", ref=ind.unesco_ref, match=match),
        *([w.t("- **Stands in for:** {text} *({status} in the framework notes, ROAMX.md)*",
               text=w.text(ind.stands_for), status=w.t(_STANDS_STATUS.get(str(ind.stands_for_status),
                                                                          str(ind.stands_for_status))))]
          if ind.stands_for else []),
        series,
        w.t("- **Warehouse inputs:** {inputs}", inputs=_codes(ind.inputs)),
        w.t("- **Derivation:** {derivation}", derivation=w.text(ind.derivation)),
        w.t("- **Unit:** {unit}; **direction:** {direction}", unit=w.text(ind.unit), direction=direction),
    ]
    if ind.scored:
        lines += [
            w.t("- **Goalposts:** {goalposts}. {reason}", goalposts=_goalposts(ind, w),
                reason=w.text(ind.goalpost_reason)),
            w.t("- **Weight in its theme:** {weight}", weight=w.num(ind.weight)),
            ngettext("- **Window:** latest value within {n} year",
                     "- **Window:** latest value within {n} years", window, w.lang).format(n=window),
        ]
    else:
        lines.append(w.t("- **Contextual:** shown beside the scores, never scored."))
    lines += [
        w.t("- **Minimum data:** {rule}", rule=w.text(ind.minimum_data)),
        w.t("- **Source:** {source}. {citation}", source=ind.source, citation=ind.citation.strip()),
        "",
    ]
    return lines


def _how(catalogue: Catalogue, w: _Words) -> list[str]:
    """The numbered steps of "How a score is computed"."""
    steps = [
        w.t("1. **Latest value within a window.** For each indicator, country and year roamwatch takes "
            "the most recent value of the indicator's series within the last {window} years (the year "
            "itself included; some indicators use a shorter window, listed below). An older value is "
            "*carried forward*: the trace flags it and names the period it comes from. When an indicator "
            "lists several series, the latest year wins and, on equal years, the series listed first.",
            window=catalogue.window_years),
        w.t("2. **Minimum data.** A value that fails the indicator's minimum-data rule (for OONI: a "
            "minimum number of usable measurements, or of tested days, in the year) is never used; "
            "the trace says *below minimum data*."),
        w.t("3. **Normalisation.** The value is mapped to 0–100 between two fixed goalposts: the better "
            "goalpost scores 100, the worse 0, linearly in between and clipped outside. Goalposts are "
            "fixed, not taken from the data, so a score does not move when other countries change."),
        w.t("4. **Theme** = weighted mean of the indicators of the theme that have a value. "
            "**Category** = mean of its themes (each theme counts equally). Themes of the framework that "
            "no public dataset fills are left out and listed below."),
        w.t("5. **Coverage** = the share of weight that has data: for a theme, the weight of its "
            "indicators with a value over the weight of all its indicators; for a category, the mean "
            "of its themes' coverage. Coverage is stored and shown beside every score. Below the "
            "threshold (default {threshold}) the score is *insufficient data*, never a number. "
            "**Framework coverage** is shown beside it: the themes of the category that have a value "
            "over the themes the framework has in that category (R 6, O 5, A 6, M 3, X 5), filled by "
            "the catalogue or not. A category at 100 % coverage that fills 2 of its 6 framework themes "
            "says so (\"framework coverage 2 of 6\"); the threshold applies to the catalogue coverage "
            "only. The overall row gives the same over all 25 themes (`details.framework`, and the "
            "`framework_coverage` column of `rw.scores()`).",
            threshold=w.num(catalogue.threshold)),
        w.t("6. **Overall ROAM-X view** = the five category scores side by side, with their mean only "
            "when all five have a value (its coverage is the mean of the five coverages). The overall "
            "number never hides a missing part."),
        w.t("7. **Medians.** Per year, the world median and the median of each World Bank region and "
            "income group, for every theme, category and the overall score."),
        w.t("8. **Robustness, not a league table.** UNESCO designed the framework for national "
            "self-assessment, not for ranking countries, so roamwatch publishes no rank for a ROAM-X "
            "score: a country is shown against its region's and income group's medians. Where "
            "positions are listed, they are *rank ranges*: per category and year, countries are "
            "placed under the catalogue's aggregation and under alternatives (equal weights, "
            "geometric means with values floored at 1, each indicator dropped in turn), and the best "
            "and worst place a country gets is stored beside its score (table `score_rank`, and "
            "`details.robustness`). A wide range means the position says little."),
        w.t("9. **Trace.** The `score` table holds theme, category and overall scores (levels `theme`, "
            "`category`, `overall`; keys like `R.B`, `R`, `ROAMX`), each with its coverage. A theme's "
            "`details` list every input: indicator, series, period used, raw value, normalised value, "
            "whether carried forward, weight (and, for OONI, measurements and days); a category's list "
            "its themes and, briefly, its inputs, with the robustness ranks and the medians; the overall "
            "row lists the five categories and the contextual values. "
            "`roamwatch scores --explain ISO3 --year YYYY --category R` prints the trace as a table."),
    ]
    first = (w.t("Scores start in {year}: most sources the catalogue reads begin in {year} or later, so "
                 "earlier years would be almost all insufficient data. ", year=catalogue.first_year)
             if catalogue.first_year else "")
    return [*steps, "", first + w.t(
        "Weights, the coverage threshold, the window and the first year scored can be changed in "
        "the `[scoring]` table of the configuration (`weights` is a table of indicator id = weight; "
        "`threshold`, `window_years`, `first_year`); the dashboard can ask for a re-weighted view.")]


def _derived(w: _Words) -> list[str]:
    """"What a derived number means": the rules every page, export and score follows."""
    return [
        w.t("## What a derived number means"),
        "",
        w.t("- **Missing is not zero.** A count derived from events (days of shutdown, shutdowns) or "
            "from measurements (days with confirmed blocking) exists only inside the period and the "
            "countries its source covers (table `source_coverage`): #KeepItOn, the years of the sheets "
            "imported, up to the dataset's last update; OONI, the months with measurements in the "
            "country; IODA, the days its outage hours were collected; Freedom on the Net, the countries "
            "and editions assessed. Inside, \"0 shutdowns\" means none was recorded; outside, there is "
            "no value, and the indicator is listed under `missing` in the trace."),
        w.t("- **Territories.** #KeepItOn records shutdowns country by country, so it covers the "
            "world's states (the members of the United Nations, Palestine, the Holy See, Taiwan and "
            "Kosovo) and any place its sheets name; a territory it does not list (Antarctica, Western "
            "Sahara) has no shutdown value rather than 0, since a shutdown there would be recorded "
            "under another country, if at all (`roamwatch.events.general_window_applies`)."),
        w.t("- **An event's end is known, ongoing or unknown** (`event.end_state`), as the source says. "
            "An unknown end (empty, \"Unknown\", not a date, or before the start) counts as the start "
            "day only and is flagged in the event's `details.quality` and, beside the value it "
            "enters, in the theme trace (`flags`); an ongoing event runs to the "
            "last day of the data that reports it (the #KeepItOn sheet, the IODA window), never past "
            "the source's last update and never to today's date. `roamwatch.events` holds this one "
            "definition; the scores, the dashboard, the API and the exports use it."),
        w.t("- **Repeats are merged.** A shutdown carried over from one #KeepItOn yearly sheet to the "
            "next is one event: the newest copy, unless only an older copy gives its end; the other "
            "copies are listed in `details.merged_copies`."),
        w.t("- **No row is dropped silently.** A row ending before it starts is kept as a start-day "
            "event (above); the undated reports of the #KeepItOn workbook's \"Need more details\" "
            "sheet (a year, a country and a source, not yet documented by Access Now) are not "
            "events, and the collector's run record counts them."),
        w.t("- **One source measure, one indicator.** No two scored indicators read the same series, "
            "so no measure is counted twice; measures the framework treats as context are shown, not "
            "scored. `docs/validation.md` (generated by `python -m indicators.validation` from a "
            "snapshot) checks the scores statistically: correlations within each category, agreement "
            "with a held-out source, rank-range widths, the share of countries scored, and the share of "
            "each indicator's values at its goalposts."),
        "",
    ]


def _review(catalogue: Catalogue, w: _Words) -> list[str]:
    if not catalogue.review:
        return []
    lines = [
        "",
        w.t("## Review of the catalogue against the framework"),
        "",
        w.t("The placements were reviewed against the framework (ROAMX.md §2–§4): measures of "
            "practice placed under a policy theme, one source measure feeding two indicators, "
            "contextual measures scored, near-duplicates. Each decision and its reason:"),
        "",
        w.t("| Indicator before | Decision | Now | Reason |"),
        "|---|---|---|---|",
    ]
    for review in catalogue.review:
        now = f"`{review.now}`" if review.now else "–"
        lines.append(f"| `{review.indicator}` | {w.t(_DECISIONS[review.decision])} | {now} | "
                     f"{_cell(w.text(review.reason))} |")
    return lines


def render(catalogue: Catalogue | None = None, lang: str = DEFAULT_LANG) -> str:
    """The methodology document as Markdown, in ``lang``."""
    catalogue = catalogue or load_catalogue()
    w = _Words(lang)
    fw = catalogue.framework
    scored = catalogue.scored
    lines = [
        w.t("# roamwatch methodology: ROAM-X proxy scores"),
        "",
        "<!-- Generated by `python -m indicators.methodology` from indicators/catalogue.toml. "
        "Do not edit by hand. -->",
        "",
        w.t("## What these scores are, and are not"),
        "",
        w.text(fw["note"]),
        "",
        w.t("- **Framework followed:** {name}, version {version}. {publication}", name=w.text(fw["name"]),
            version=fw["version"], publication=fw["publication"].strip()),
        w.t("- **Revision:** {revision}", revision=w.text(fw["revision"])),
    ]
    if fw.get("licence"):
        lines.append(w.t("- **Licence of this catalogue:** {licence}", licence=w.text(fw["licence"])))
    lines += [
        w.t("- **Indicators:** {scored} scored, {contextual} contextual "
            "(shown, never scored). Each says whether its UNESCO reference is *confirmed* from public "
            "text of the framework, *approximate* (consistent with what is known, unverified), or a "
            "*proxy* (a stand-in, with a sentence saying what it approximates).",
            scored=len(scored), contextual=len(catalogue.contextual)),
        "",
        w.t("## How a score is computed"),
        "",
        *_how(catalogue, w),
        "",
        *_derived(w),
        w.t("## Coverage of the framework"),
        "",
        w.t("| Category | Theme | Title | Indicators | UNESCO theme letter |"),
        "|---|---|---|---|---|",
    ]
    for category, theme_ids in FRAMEWORK_THEMES.items():
        for tid in theme_ids:
            theme = catalogue.themes.get(tid)
            count = sum(1 for i in scored if i.theme == tid)
            title = w.text(theme.title_en) if theme else w.t("(not declared)")
            note = w.t(MATCH_WORDS[theme.unesco_match]) if theme and theme.unesco_match in MATCH_WORDS else (
                theme.unesco_match if theme else "")
            lines.append(f"| {category} {w.category(category)} | {tid} | {title} | "
                         f"{count if count else w.t('— not covered by public data')} | {note} |")
    lines += [
        "",
        w.t("## Indicators at a glance"),
        "",
        w.t("| Id | Name | UNESCO | Match | Stands in for | Direction | Goalposts | Weight |"),
        "|---|---|---|---|---|---|---|---|",
    ]
    for ind in catalogue.indicators:
        direction = "↑" if ind.direction == "higher_better" else "↓"
        goal = _goalposts(ind, w) if ind.scored else w.t("contextual")
        weight = w.num(ind.weight) if ind.scored else "–"
        stands = w.t(_STANDS_STATUS.get(str(ind.stands_for_status), str(ind.stands_for_status))) \
            if ind.stands_for else "–"
        lines.append(f"| `{ind.id}` | {_cell(w.text(ind.name_en))} | `{ind.unesco_ref}` | "
                     f"{w.t(MATCH_WORDS[ind.match_label])} | {stands} | {direction} | {_cell(goal)} | "
                     f"{weight} |")
    lines += _review(catalogue, w)
    lines += ["", w.t("## Indicators"), ""]
    for category in [*catalogue.categories, CONTEXTUAL]:
        members = [i for i in catalogue.indicators if i.category == category]
        if not members:
            continue
        en, fr = CATEGORY_NAMES[category]
        label = category if category != CONTEXTUAL else w.t("Context")
        # English keeps its English / French heading; the other languages name the category in theirs
        name = f"{en} / {fr}" if lang == DEFAULT_LANG else w.text(en)
        lines += [f"### {label} — {name}", ""]
        for ind in members:
            lines += _indicator_section(ind, catalogue, w)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=None,
                        help="write one language's document here (default: docs/ for all six)")
    parser.add_argument("--lang", choices=LANGS, default=None, help="only this language")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a document differs from what the catalogue generates")
    args = parser.parse_args(argv)
    # --output names one file: the language asked for, English by default
    langs = [args.lang or DEFAULT_LANG] if args.output else ([args.lang] if args.lang else list(LANGS))
    catalogue = load_catalogue()
    stale = []
    for lang in langs:
        path = args.output or doc_path(lang)
        text = render(catalogue, lang)
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    if stale:
        for path in stale:
            print(f"{path} is out of date: run `python -m indicators.methodology`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
