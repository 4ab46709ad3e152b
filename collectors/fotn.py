"""Freedom House, Freedom on the Net (FOTN): yearly country scores from the Excel release.

There is no API: each edition is an Excel file (or a CSV made from one) with one row per
country: country, status (Free / Partly Free / Not Free), A obstacles to access (0–25),
B limits on content (0–35), C violations of user rights (0–40) and the total (0–100).
Header wording changes between editions (``A: Obstacles to Access``, ``"Freedom on the Net
2018" Total Score`` …), so columns are found by fuzzy header matching.

**Scale direction changes between editions.** Up to the 2018 edition lower scores meant freer
(2018: Argentina 28 = FREE, Angola 40 = PARTLY FREE); from the 2019 edition on, 100 is the most
free (Free ≥ 70, Partly Free 40–69, Not Free < 40). The rule is the ``lower_is_freer_until``
setting (default 2018: editions up to it are lower = freer) and single editions can be forced
with the ``directions`` table (``{"2018" = "lower_is_freer"}``). Metrics are always stored
higher = freer: a lower = freer score becomes ``max − score``. When the file has a status
column the direction is checked against it (FREE countries must score freer than NOT FREE
ones) and a contradiction fails the file instead of storing inverted scores.

**Parts and total agree.** A + B + C is the total in every edition. A row whose parts do not
add up to its total (a cut or mistyped line: ``…,15,13,25,5``), or that has some of the four
scores but not all, cannot be checked and is rejected whole, with its reason; the run is then
``partial``, never ``success``.

The edition year is taken from the ``edition`` option, else the sheet name, else the header or
title text (``"Freedom on the Net 2018" Status``), else the file name. Status is not stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from collectors.base import Batch, PublishedFile, RunContext, SourceError
from collectors.files import FileCollector, Rows, read_sheets
from roamwatch.countries import name_to_iso3
from roamwatch.i18n import N_
from roamwatch.warehouse.store import MetricInfo, SourceInfo

# metric code → (maximum score, name)
SCORES: dict[str, tuple[float, str]] = {
    "a_obstacles": (25.0, "FOTN A: Obstacles to access"),
    "b_content": (35.0, "FOTN B: Limits on content"),
    "c_rights": (40.0, "FOTN C: Violations of user rights"),
    "total": (100.0, "FOTN total score"),
}
LOWER_IS_FREER = "lower_is_freer"
HIGHER_IS_FREER = "higher_is_freer"
_YEAR = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(?!\d)")
#: How far A + B + C may be from the total (published scores are whole numbers).
SUM_TOLERANCE = 0.5


def header_text(value: Any) -> str:
    """A header cell as lower-case words: quotes, colons and repeated blanks removed."""
    text = "" if value is None else str(value)
    text = re.sub(r"[\"'“”‘’:._\-/()]+", " ", text.lower())
    return " ".join(text.split())


# -- column matching ----------------------------------------------------------------------------
def _is_country(h: str) -> bool:
    return h == "country" or h.startswith("country ") or h in ("country name", "countries")


def _lettered(h: str, letter: str, words: Sequence[str]) -> bool:
    """``A: Obstacles to Access``, ``A Obstacles``, ``a_obstacles_to_access``, ``Obstacles``."""
    return h == letter or h.startswith(letter + " ") or any(w in h for w in words)


MATCHERS: dict[str, Any] = {
    "country": _is_country,
    "status": lambda h: "status" in h,
    "a_obstacles": lambda h: _lettered(h, "a", ("obstacles",)),
    "b_content": lambda h: _lettered(h, "b", ("limits on content",)),
    "c_rights": lambda h: _lettered(h, "c", ("violations",)),
    "total": lambda h: "total" in h,
}
REQUIRED = ("country", "a_obstacles", "b_content", "c_rights", "total")


def match_columns(header: Sequence[Any]) -> dict[str, int]:
    """Canonical field → column index for one header row (first match wins)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        h = header_text(cell)
        if not h:
            continue
        for field, test in MATCHERS.items():
            if field not in found and test(h):
                found[field] = index
                break
    return found


def _find_header(rows: Rows) -> tuple[int, dict[str, int]] | None:
    """The first row (of the first 15) with a country column and at least one score column."""
    for i, row in enumerate(rows[:15]):
        cols = match_columns(row)
        if "country" in cols and any(k in cols for k in SCORES):
            return i, cols
    return None


def _single_year(text: str) -> int | None:
    years = {int(y) for y in _YEAR.findall(text or "")}
    return years.pop() if len(years) == 1 else None


def detect_edition(option: Any, sheet: str, title_rows: Rows, filename: str) -> tuple[int, str]:
    """(edition year, where it was found): option, sheet name, title/header text, file name."""
    if option not in (None, ""):
        try:
            return int(option), "option"
        except (TypeError, ValueError):
            raise SourceError(f"fotn: option edition={option!r} is not a year") from None
    year = _single_year(sheet)
    if year:
        return year, "sheet name"
    year = _single_year(" ".join(str(c) for r in title_rows for c in r if c is not None))
    if year:
        return year, "title"
    year = _single_year(filename)
    if year:
        return year, "file name"
    raise SourceError(
        f"fotn: cannot tell the edition year of {filename} (sheet {sheet!r}); "
        "set it with [sources.fotn].edition = YEAR (or options={\"edition\": YEAR})"
    )


def direction_for(edition: int, settings: dict[str, Any]) -> str:
    """The published direction of one edition: the ``directions`` table, else the rule."""
    table = settings.get("directions") or {}
    forced = table.get(str(edition), table.get(edition))
    if forced:
        if forced not in (LOWER_IS_FREER, HIGHER_IS_FREER):
            raise SourceError(
                f"fotn: directions[{edition}] = {forced!r}; use {LOWER_IS_FREER!r} or "
                f"{HIGHER_IS_FREER!r}"
            )
        return forced
    until = int(settings.get("lower_is_freer_until", 2018))
    return LOWER_IS_FREER if edition <= until else HIGHER_IS_FREER


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", ".")
    text = text.split("/")[0].strip()  # "28/100"
    try:
        return float(text)
    except ValueError:
        return None


def parts_problem(scores: dict[str, float | None]) -> tuple[str, str] | None:
    """Why a row's published scores contradict each other (reason, detail), or None."""
    parts = [scores[k] for k in ("a_obstacles", "b_content", "c_rights")]
    total = scores["total"]
    if all(v is None for v in (*parts, total)):
        return None
    if total is None or any(v is None for v in parts):
        shown = ", ".join(f"{k} {'–' if v is None else f'{v:g}'}" for k, v in scores.items())
        return "incomplete row: parts and total cannot be checked", shown
    if abs(sum(parts) - total) > SUM_TOLERANCE:
        a, b, c = parts
        return "A + B + C differs from the total", f"{a:g} + {b:g} + {c:g} = {sum(parts):g}, total {total:g}"
    return None


def _check_direction(frame: pd.DataFrame, edition: int, direction: str, where: str) -> None:
    """FREE countries must score freer than NOT FREE ones once the scale is normalised."""
    if "status" not in frame or frame["status"].isna().all():
        return
    status = frame["status"].astype("string").str.upper().str.strip()
    free = frame.loc[status == "FREE", "total"].mean()
    not_free = frame.loc[status == "NOT FREE", "total"].mean()
    if pd.notna(free) and pd.notna(not_free) and free <= not_free:
        raise SourceError(
            f"fotn: {where}: edition {edition} is configured as {direction}, but after "
            f"normalising FREE countries score {free:.1f} and NOT FREE ones {not_free:.1f}; "
            "fix [sources.fotn].directions for this edition"
        )


def parse_sheet(
    rows: Rows, sheet: str, filename: str, settings: dict[str, Any], batch: Batch
) -> tuple[pd.DataFrame, int, str] | None:
    """One sheet's rows → observations (higher = freer); None if it holds no score table."""
    found = _find_header(rows)
    if found is None:
        return None
    header_at, cols = found
    missing = [f for f in REQUIRED if f not in cols]
    where = f"{filename}, sheet {sheet!r}"
    if missing:
        headers = [str(c) for c in rows[header_at] if c is not None]
        raise SourceError(
            f"fotn: {where}: no column for {', '.join(missing)} "
            f"(headers found: {headers}); the file's layout changed"
        )
    edition, _ = detect_edition(settings.get("edition"), sheet, rows[: header_at + 1], filename)
    direction = direction_for(edition, settings)
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in rows[header_at + 1:]:
        cell = row[cols["country"]] if cols["country"] < len(row) else None
        name = str(cell).strip() if cell is not None else ""
        if not name:
            if any(c not in (None, "") for c in row):
                batch.rejected["row without a country name"] += 1
            continue
        scores = {k: _number(row[cols[k]]) if cols[k] < len(row) else None for k in SCORES}
        if all(v is None for v in scores.values()):
            batch.skipped["row without scores (note or aggregate line)"] += 1
            continue
        iso3 = name_to_iso3(name)
        if iso3 is None:
            batch.unmapped[name] += 1
            continue
        if iso3 in seen:
            batch.rejected["country listed twice in one edition"] += 1
            continue
        seen.add(iso3)
        problem = parts_problem(scores)
        if problem:
            batch.inconsistent[problem[0]] += 1
            if len(batch.examples) < 5:
                batch.examples.append({"reason": problem[0], "metric": "fotn.total", "country": iso3,
                                       "period": str(edition), "value": problem[1]})
            continue
        status = row[cols["status"]] if "status" in cols and cols["status"] < len(row) else None
        record: dict[str, Any] = {"country": iso3, "status": status}
        for code, value in scores.items():
            maximum = SCORES[code][0]
            if value is None:
                batch.skipped[f"missing {code} score"] += 1
                record[code] = None
            elif not 0 <= value <= maximum:
                batch.rejected[f"{code} score outside 0–{maximum:g}"] += 1
                record[code] = None
            else:
                record[code] = maximum - value if direction == LOWER_IS_FREER else value
        records.append(record)
    frame = pd.DataFrame(records, columns=["country", "status", *SCORES])
    _check_direction(frame, edition, direction, where)
    long = frame.melt(id_vars=["country"], value_vars=list(SCORES), var_name="code")
    long = long.dropna(subset=["value"])
    long["metric"] = "fotn." + long["code"]
    long["period"] = str(edition)
    return long[["metric", "country", "period", "value"]], edition, direction


class Fotn(FileCollector):
    name = "fotn"
    source = SourceInfo(
        id="fotn",
        name="Freedom House, Freedom on the Net",
        homepage="https://freedomhouse.org/report/freedom-net",
        licence=N_("© Freedom House; reuse terms not verified (assume attribution, non-commercial)"),
        licence_url="https://freedomhouse.org/terms-and-conditions",
        citation="Freedom House, Freedom on the Net (edition year), freedomhouse.org",
        terms=N_(
            "Scores are © Freedom House. The reuse terms were not verified here: cite Freedom "
            "House and check its terms before republishing the scores."
        ),
    )
    defaults = {
        "enabled": True,
        "schedule": "0 8 3 * *",  # monthly, the 3rd at 08:00 UTC: a new edition comes yearly
        "url": None,
        # Editions up to this year publish lower = freer; later ones higher = freer.
        "lower_is_freer_until": 2018,
        # Per-edition overrides of the rule: {"2018" = "lower_is_freer"}.
        "directions": {},
    }

    published_file = PublishedFile(
        page="https://freedomhouse.org/report/freedom-net",
        what="the scores of each edition (Excel: country, status, A, B, C and total scores); "
             "import every edition you want, one file each or several sheets in one workbook",
        example="FOTN2018_scores.xlsx",
    )

    def parse_file(self, ctx: RunContext, content: bytes, filename: str) -> Batch:
        batch = Batch()
        frames, editions = [], {}
        for sheet, rows in read_sheets(content, filename).items():
            parsed = parse_sheet(rows, sheet, filename, ctx.settings, batch)
            if parsed is None:
                batch.skipped[f"sheet without a score table: {sheet}"] += 1
                continue
            frame, edition, direction = parsed
            frames.append(frame)
            editions[edition] = direction
        if not frames:
            raise SourceError(
                f"fotn: {filename}: no sheet has a Country column with FOTN scores; "
                "the file's layout changed or this is not a Freedom on the Net file"
            )
        for edition, direction in sorted(editions.items()):
            flipped = " (stored as max − score)" if direction == LOWER_IS_FREER else ""
            ctx.log(f"{filename}: edition {edition}, published {direction}{flipped}")
        batch.observations = pd.concat(frames, ignore_index=True)
        batch.metrics = self.metrics(editions)
        batch.notes = {"editions": {str(e): d for e, d in sorted(editions.items())}}
        return batch

    @staticmethod
    def metrics(editions: dict[int, str]) -> list[MetricInfo]:
        imported = "; ".join(
            f"{e}: published {d.replace('_', ' ')}" for e, d in sorted(editions.items())
        )
        out = []
        for code, (maximum, name) in SCORES.items():
            out.append(
                MetricInfo(
                    id=f"fotn.{code}",
                    source="fotn",
                    source_code=code,
                    name=f"{name} (0–{maximum:g}, higher = freer)",
                    unit=f"score 0–{maximum:g}",
                    frequency="year",
                    description=(
                        f"Freedom House, Freedom on the Net, {name[5:]}, stored with higher = "
                        f"freer in every edition: scores of editions published lower = freer "
                        f"(up to 2018) are stored as {maximum:g} − score. Period = edition "
                        f"year (an edition covers June of the previous year to May). "
                        f"Last import: {imported}."
                    ),
                )
            )
        return out


COLLECTORS = (Fotn,)
