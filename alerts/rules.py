"""Alert rules: the built-in ones (``alerts/rules.toml``) merged with ``[[alerts.rules]]`` of the
configuration, validated so that every error names the file, the rule and the field.

A rule says *what* to watch (a detector and its inputs), *where* (countries, regions, income
groups; everywhere by default), how sensitive the detector is, and where its alerts go.

Detectors and their fields:

- ``new_event``: an event not alerted before (by event id), of ``source`` (``accessnow``,
  ``ioda``, ...), optionally of ``kinds``; ``min_hours`` keeps only events at least that long
  (overlapping events of one country, e.g. IODA's per-datasource detections, are merged first);
- ``change_point``: a one-sided CUSUM (:mod:`alerts.cusum`) over each country's ``series``:
  ``ooni.<test>`` (a share: ``share = "anomaly"`` for (anomaly + confirmed) ÷ usable
  measurements, ``"confirmed"`` for confirmed ÷ usable) or metric ids (daily or monthly values);
  settings ``direction``, ``k``, ``h``, ``baseline_window``, ``min_baseline``, ``min_count``,
  ``min_change``, ``min_sigma``, ``min_after``, ``clear_after``, ``quiet_period``;
- ``threshold``: ``metric`` crossing ``above`` (or ``below``) a value; ``clear_after`` periods
  back on the other side end the episode and ``quiet_period`` periods must pass before another;
- ``score_drop``: a ROAM-X category score (``categories``, default all) falling by at least
  ``min_drop`` points between two checks (``between = "snapshots"``) or between consecutive years
  (``between = "years"``).

Common fields: ``id`` (required; lower case, digits, ``-``), ``title``, ``enabled``,
``severity`` (``info``, ``warning``, ``critical``), ``countries`` (ISO3), ``regions``,
``income_groups``, ``channels`` (names of configured webhooks, or ``email``; default all),
``lookback_days`` (how far back a check looks; default 365).
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from alerts.cusum import CusumParams
from roamwatch.config import Config

BUILTIN_FILE = "alerts/rules.toml"
DETECTORS = ("new_event", "change_point", "threshold", "score_drop")
SEVERITIES = ("info", "warning", "critical")
SHARES = ("anomaly", "confirmed")
CATEGORIES = ("R", "O", "A", "M", "X")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
_SERIES = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_.-]+)+$")

COMMON = {"id", "title", "enabled", "detector", "severity", "countries", "regions",
          "income_groups", "channels", "lookback_days"}
CUSUM_FIELDS = {f for f in CusumParams.__dataclass_fields__}
FIELDS = {
    "new_event": COMMON | {"source", "kinds", "min_hours"},
    "change_point": COMMON | {"series", "share"} | CUSUM_FIELDS,
    "threshold": COMMON | {"metric", "above", "below", "clear_after", "quiet_period"},
    "score_drop": COMMON | {"categories", "min_drop", "between"},
}
#: Defaults of the change-point settings per detector input kind (OONI shares are daily).
CUSUM_DEFAULTS = CusumParams()


class RuleError(Exception):
    """A rule (or the ``[alerts]`` table) is invalid; the message names file, rule and field."""


@dataclass(frozen=True)
class Rule:
    """One validated rule (see the module docstring for the fields)."""

    id: str
    detector: str
    title: str
    origin: str  # "<file>: [[alerts.rules]] #N" (or the built-in file), for messages
    enabled: bool = True
    severity: str = "warning"
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    income_groups: tuple[str, ...] = ()
    channels: tuple[str, ...] | None = None  # None: every configured channel
    lookback_days: int = 365
    # new_event
    source: str | None = None
    kinds: tuple[str, ...] = ()
    min_hours: float | None = None
    # change_point
    series: tuple[str, ...] = ()
    share: str = "anomaly"
    cusum: CusumParams = field(default_factory=CusumParams)
    # threshold
    metric: str | None = None
    above: float | None = None
    below: float | None = None
    clear_after: int = 1
    quiet_period: int = 7
    # score_drop
    categories: tuple[str, ...] = CATEGORIES
    min_drop: float = 10.0
    between: str = "snapshots"

    def error(self, field_name: str, message: str) -> RuleError:
        return RuleError(f"{self.origin} (id {self.id!r}): field {field_name!r}: {message}")

    @property
    def scoped(self) -> bool:
        return bool(self.countries or self.regions or self.income_groups)


# -- reading ---------------------------------------------------------------------------------------
def builtin_rules() -> list[dict[str, Any]]:
    text = resources.files("alerts").joinpath("rules.toml").read_text(encoding="utf-8")
    return tomllib.loads(text).get("rules", [])


def alerts_settings(config: Config) -> dict[str, Any]:
    """The ``[alerts]`` table of the configuration (empty when absent)."""
    value = config.raw.get("alerts", {})
    if not isinstance(value, dict):
        raise RuleError(f"{_file(config)}: [alerts] must be a table")
    return value


def _file(config: Config) -> str:
    return str(config.config_file) if config.config_file else "the configuration"


def load_rules(config: Config, include_disabled: bool = False) -> list[Rule]:
    """Built-in rules merged with the configuration's ``[[alerts.rules]]``, validated.

    Raises :class:`RuleError` naming the file, the rule (position and id) and the field."""
    settings = alerts_settings(config)
    where = _file(config)
    user = settings.get("rules", [])
    if not isinstance(user, list) or not all(isinstance(r, dict) for r in user):
        raise RuleError(f"{where}: alerts.rules must be an array of tables ([[alerts.rules]])")
    use_builtin = settings.get("builtin_rules", True)
    if not isinstance(use_builtin, bool):
        raise RuleError(f"{where}: [alerts] field 'builtin_rules': must be true or false")
    merged: dict[str, tuple[str, dict]] = {}
    if use_builtin:
        for n, raw in enumerate(builtin_rules(), start=1):
            merged[raw["id"]] = (f"{BUILTIN_FILE}: [[rules]] #{n}", dict(raw))
    seen: set[str] = set()
    for n, raw in enumerate(user, start=1):
        origin = f"{where}: [[alerts.rules]] #{n}"
        rule_id = raw.get("id")
        if not isinstance(rule_id, str) or not _ID.match(rule_id):
            raise RuleError(f"{origin}: field 'id': required; lower-case letters, digits and '-' "
                            f"(got {rule_id!r})")
        if rule_id in seen:
            raise RuleError(f"{origin} (id {rule_id!r}): field 'id': defined twice")
        seen.add(rule_id)
        if rule_id in merged:  # changes a built-in rule field by field
            base = copy.deepcopy(merged[rule_id][1])
            if "detector" in raw and raw["detector"] != base.get("detector"):
                base = {"id": rule_id}  # another detector: start from scratch
            base.update(raw)
            merged[rule_id] = (origin, base)
        else:
            merged[rule_id] = (origin, dict(raw))
    rules = [validate(raw, origin) for origin, raw in merged.values()]
    return rules if include_disabled else [r for r in rules if r.enabled]


# -- validation ------------------------------------------------------------------------------------
def validate(raw: dict[str, Any], origin: str) -> Rule:
    """One rule from its TOML table; :class:`RuleError` names ``origin``, the id and the field."""
    rule_id = raw.get("id")
    label = f"{origin} (id {rule_id!r})"

    def fail(name: str, message: str) -> RuleError:
        return RuleError(f"{label}: field {name!r}: {message}")

    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise RuleError(f"{origin}: field 'id': required; lower-case letters, digits and '-' "
                        f"(got {rule_id!r})")
    detector = raw.get("detector")
    if detector not in DETECTORS:
        raise fail("detector", f"required; one of {', '.join(DETECTORS)} (got {detector!r})")
    unknown = sorted(set(raw) - FIELDS[detector])
    if unknown:
        raise fail(unknown[0], f"not a field of a {detector} rule; known: "
                               f"{', '.join(sorted(FIELDS[detector]))}")

    def text(name: str, default: str | None = None, choices: tuple[str, ...] | None = None,
             required: bool = False) -> str | None:
        value = raw.get(name, default)
        if value is None:
            if required:
                raise fail(name, "required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise fail(name, f"must be a non-empty string (got {value!r})")
        if choices and value not in choices:
            raise fail(name, f"must be one of {', '.join(choices)} (got {value!r})")
        return value.strip()

    def strings(name: str, pattern: re.Pattern | None = None, upper: bool = False,
                choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = raw.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail(name, f"must be a list of strings (got {value!r})")
        out = [v.strip().upper() if upper else v.strip() for v in value]
        for v in out:
            if pattern is not None and not pattern.match(v):
                raise fail(name, f"{v!r} is not valid")
            if choices is not None and v not in choices:
                raise fail(name, f"{v!r} is not one of {', '.join(choices)}")
        return tuple(dict.fromkeys(out))

    def number(name: str, default: float | None, minimum: float | None = None,
               whole: bool = False, positive: bool = False) -> float | None:
        value = raw.get(name, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise fail(name, f"must be a number (got {value!r})")
        if whole and not float(value).is_integer():
            raise fail(name, f"must be a whole number (got {value!r})")
        if minimum is not None and value < minimum:
            raise fail(name, f"must be ≥ {minimum:g} (got {value!r})")
        if positive and value <= 0:
            raise fail(name, f"must be > 0 (got {value!r})")
        return int(value) if whole else float(value)

    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled", f"must be true or false (got {enabled!r})")
    countries = strings("countries", _ISO3, upper=True)
    from roamwatch.countries import reference_countries

    known = {c["iso3"] for c in reference_countries()}
    for code in countries:
        if code not in known:
            raise fail("countries", f"{code!r} is not an ISO 3166-1 alpha-3 code")
    channels = raw.get("channels")
    kwargs: dict[str, Any] = dict(
        id=rule_id, detector=detector, origin=origin, enabled=enabled,
        title=text("title", rule_id),
        severity=text("severity", "warning", SEVERITIES),
        countries=countries,
        regions=strings("regions"),
        income_groups=strings("income_groups"),
        channels=None if channels is None else strings("channels"),
        lookback_days=number("lookback_days", 365, minimum=1, whole=True),
    )
    if detector == "new_event":
        kwargs.update(source=text("source", required=True), kinds=strings("kinds"),
                      min_hours=number("min_hours", None, minimum=0))
    elif detector == "change_point":
        series = strings("series", _SERIES)
        if not series:
            raise fail("series", "required: a list of 'ooni.<test>' or metric ids")
        cusum: dict[str, Any] = {}
        defaults = CUSUM_DEFAULTS
        for name in CUSUM_FIELDS:
            default = getattr(defaults, name)
            if name == "direction":
                cusum[name] = text(name, default, ("up", "down"))
            elif isinstance(default, int):
                cusum[name] = number(name, default, minimum=0, whole=True)
            else:
                cusum[name] = number(name, default, minimum=0)
        for name in ("h", "min_sigma"):
            if cusum[name] <= 0:
                raise fail(name, f"must be > 0 (got {cusum[name]!r})")
        if cusum["clear_after"] < 1:
            raise fail("clear_after", "must be ≥ 1")
        kwargs.update(series=series, share=text("share", "anomaly", SHARES),
                      cusum=CusumParams(**cusum))
    elif detector == "threshold":
        metric = text("metric", required=True)
        if not _SERIES.match(metric):
            raise fail("metric", f"{metric!r} is not a metric id (<source>.<code>)")
        above, below = number("above", None), number("below", None)
        if (above is None) == (below is None):
            raise fail("above", "give exactly one of 'above' or 'below'")
        kwargs.update(metric=metric, above=above, below=below,
                      clear_after=number("clear_after", 1, minimum=1, whole=True),
                      quiet_period=number("quiet_period", 7, minimum=0, whole=True))
    elif detector == "score_drop":
        cats = strings("categories", upper=True, choices=CATEGORIES) or CATEGORIES
        kwargs.update(categories=cats,
                      min_drop=number("min_drop", 10.0, positive=True),
                      between=text("between", "snapshots", ("snapshots", "years")))
    return Rule(**kwargs)


def find_rule(rules: list[Rule], rule_id: str) -> Rule:
    for rule in rules:
        if rule.id == rule_id:
            return rule
    known = ", ".join(r.id for r in rules) or "none"
    raise RuleError(f"no rule {rule_id!r}; rules: {known}")


def describe(rule: Rule) -> str:
    """One line about a rule, for ``roamwatch alerts rules``."""
    scope = ", ".join([*rule.countries, *rule.regions, *rule.income_groups]) or "every country"
    if rule.detector == "new_event":
        what = f"new {rule.source} events" + (f" ({', '.join(rule.kinds)})" if rule.kinds else "") \
            + (f" lasting ≥ {rule.min_hours:g} h" if rule.min_hours else "")
    elif rule.detector == "change_point":
        share = f"{rule.share} share of " if any(s.startswith("ooni.") for s in rule.series) else ""
        what = f"{rule.cusum.direction}ward change in {share}{', '.join(rule.series)}"
    elif rule.detector == "threshold":
        side, limit = ("above", rule.above) if rule.above is not None else ("below", rule.below)
        what = f"{rule.metric} {side} {limit:g}"
    else:
        what = (f"category score ({', '.join(rule.categories)}) down ≥ {rule.min_drop:g} points "
                f"between {rule.between}")
    return f"{what}; {scope}"


