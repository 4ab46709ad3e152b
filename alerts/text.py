"""Words about an alert, in UNESCO's six languages: its title and the lines that explain it.

Used by the e-mail and webhook messages, the Atom feed, the command line and the dashboard, so an
alert reads the same everywhere. Works on an ``alert`` row (a dict, or a pandas row) as stored.
"""

from __future__ import annotations

import math
from typing import Any

from alerts.events import details_of
from roamwatch import i18n
from roamwatch.countries import country_name
from roamwatch.i18n import N_, formatting

#: Messages by key (English; translations in the gettext catalogues, roamwatch/i18n/locale).
#: Alerts pick them by computed keys (detector, direction, end state), hence keys.
MESSAGES: dict[str, str] = {
    "new_event.shutdown": N_("New internet shutdown in {country} from {start}"),
    "new_event.outage": N_("Internet outage in {country} from {start}, {hours} h"),
    "new_event.other": N_("New {kind} in {country} from {start}"),
    "change_point.up": N_("{what} rose in {country} from {start}: {before} → {after}"),
    "change_point.down": N_("{what} fell in {country} from {start}: {before} → {after}"),
    "threshold.above": N_("{what} above {limit} in {country} from {start} (peak {peak})"),
    "threshold.below": N_("{what} below {limit} in {country} from {start} (lowest {peak})"),
    "score_drop": N_("ROAM-X {category} score of {country} ({year}) fell {drop} points: {before} → {after}"),
    # Translators: an alert's title followed by how its event ended (Chinese: full-width brackets)
    "title.with_end": N_("{text} ({end})"),
    # Translators: a country's name and its ISO code, e.g. "Russia (RUS)"
    "country.with_code": N_("{name} ({code})"),
    "end.known": N_("ended {end}"),
    "end.ongoing": N_("ongoing"),
    "end.unknown": N_("end not known"),
    "share.anomaly": N_("OONI {test} blocking share"),
    "share.confirmed": N_("OONI {test} confirmed-blocking share"),
    "share.note": N_("Share: (anomaly + confirmed) ÷ measurements that did not fail"),
    "share.note_confirmed": N_("Share: confirmed ÷ measurements that did not fail"),
    "line.rule": N_("Rule: {rule}"),
    "line.severity": N_("Severity: {severity}"),
    "line.onset": N_("Began: {onset}"),
    "line.state": N_("End: {end}"),
    "line.levels": N_("Level before: {before} ({n_before}); after: {after} ({n_after})"),
    "line.confirmed": N_("Confirmed blocking: {before} before, {after} after"),
    "line.detector": N_(
        "One-sided CUSUM: statistic {stat} over threshold {h} (k = {k}); baseline median of {start} to "
        "{stop}"),
    "line.events": N_("Events: {ids}"),
    "line.details": N_("Details: {details}"),
    "line.snapshot": N_("Data snapshot: {snapshot}"),
    "line.detected": N_("Detected: {when}"),
    "line.link": N_("More: {url}"),
    "severity.info": N_("information"),
    "severity.warning": N_("warning"),
    "severity.critical": N_("critical"),
}
SEVERITIES = ("info", "warning", "critical")


#: An event's details shown with a new-event alert, by key, with their labels (values stay as the
#: source wrote them).
DETAIL_LABELS: dict[str, str] = {
    "type": N_("type"), "extent": N_("extent"), "networks": N_("networks"), "area": N_("area"),
    "datasource": N_("data source"), "link": N_("link"),
}


def msg(key: str, lang: str = "en", **fmt: Any) -> str:
    """Message ``key`` in ``lang`` (any of UNESCO's six), formatted; an unknown key as is."""
    message = MESSAGES.get(key)
    if message is None:
        return key
    text = i18n.gettext(message, lang)
    return text.format(**fmt) if fmt else text


def _count(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _get(alert: Any, name: str) -> Any:
    value = alert.get(name) if isinstance(alert, dict) else getattr(alert, name, None)
    if value is None:
        return None
    try:
        if value != value:  # NaN, NaT
            return None
    except (TypeError, ValueError):
        pass
    return value


def evidence(alert: Any) -> dict:
    """An alert's evidence as a dict (stored JSON text, a dict, or nothing)."""
    return details_of(_get(alert, "evidence"))


def _date(value: Any, lang: str) -> str:
    """A day as the language writes it (CLDR: ``Mar 5, 2024``, ``5 mars 2024``, ``2024年3月5日``)."""
    if value is None:
        return "?"
    text = str(value)[:10]
    try:
        return formatting.date_text(text, lang) if len(text) == 10 else text
    except ValueError:
        return text


def number(value: Any, lang: str = "en", digits: int = 1) -> str:
    if value is None:
        return "–"
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(value):
        return "–"
    text = formatting.number(round(value, digits), lang, digits)
    decimal = formatting.locale(lang).number_symbols.get("latn", {}).get("decimal", ".")
    if digits and decimal in text:  # no trailing zeros: 12.50 → 12.5, 3.0 → 3
        text = text.rstrip("0").rstrip(decimal)
    return text


def level(value: Any, share: bool, lang: str) -> str:
    if value is None:
        return "–"
    return number(float(value) * 100, lang) + "\u00a0%" if share else number(value, lang, 2)


def is_share(alert: Any) -> bool:
    series = str(_get(alert, "series") or "")
    return series.startswith("ooni.") and series.count(".") == 1 and _get(alert, "detector") == "change_point"


def country_label(alert: Any, lang: str) -> str:
    code = _get(alert, "country")
    name = country_name(code, lang, _get(alert, "country_name")) if code else _get(alert, "country_name")
    return msg("country.with_code", lang, name=name, code=code) if name and code else (code or "?")


def what(alert: Any, lang: str) -> str:
    series = str(_get(alert, "series") or "")
    ev = evidence(alert)
    if is_share(alert):
        measure = "confirmed" if str(ev.get("measure", "")).startswith("confirmed") else "anomaly"
        return msg(f"share.{measure}", lang, test=series.split(".", 1)[1])
    return series


def title(alert: Any, lang: str = "en") -> str:
    """The alert's title in ``lang`` (the stored ``title`` is the English one at detection)."""
    text = _title(alert, lang)
    return text[:1].upper() + text[1:]


def _title(alert: Any, lang: str) -> str:
    detector = _get(alert, "detector")
    ev = evidence(alert)
    country = country_label(alert, lang)
    start = _date(_get(alert, "onset"), lang)
    if detector == "new_event":
        kinds = ev.get("kind") or []
        kind = kinds[0] if kinds else "event"
        if kind == "outage" and ev.get("hours") is not None:
            text = msg("new_event.outage", lang, country=country, start=start,
                     hours=number(ev["hours"], lang, 0))
        elif kind == "shutdown":
            text = msg("new_event.shutdown", lang, country=country, start=start)
        else:
            text = msg("new_event.other", lang, kind=i18n.gettext(str(kind), lang), country=country,
                     start=start)
        return msg("title.with_end", lang, text=text, end=end_text(alert, lang))
    if detector == "change_point":
        direction = (ev.get("params") or {}).get("direction", "up")
        share = is_share(alert)
        return msg(f"change_point.{direction}", lang, what=what(alert, lang), country=country, start=start,
                 before=level(_get(alert, "level_before"), share, lang),
                 after=level(_get(alert, "level_after"), share, lang))
    if detector == "threshold":
        return msg(f"threshold.{ev.get('direction', 'above')}", lang, what=_get(alert, "series"),
                 limit=number(ev.get("limit"), lang, 2), country=country, start=start,
                 peak=number(ev.get("peak"), lang, 2))
    if detector == "score_drop":
        before, after = _get(alert, "level_before"), _get(alert, "level_after")
        drop = None if before is None or after is None else float(before) - float(after)
        return msg("score_drop", lang, category=ev.get("category", "?"), country=country,
                 year=ev.get("year", "?"), drop=number(drop, lang), before=number(before, lang),
                 after=number(after, lang))
    return str(_get(alert, "title") or "")


def end_text(alert: Any, lang: str) -> str:
    state = _get(alert, "end_state") or "unknown"
    if state == "known":
        return msg("end.known", lang, end=_date(_get(alert, "ended"), lang))
    return msg(f"end.{state}", lang) if f"end.{state}" in MESSAGES else state


def lines(alert: Any, lang: str = "en", link: str | None = None) -> list[str]:
    """The explanation of an alert: what, when, levels and counts, detector, evidence, snapshot."""
    ev = evidence(alert)
    out = [msg("line.rule", lang, rule=_get(alert, "rule")),
           msg("line.severity", lang, severity=msg(f"severity.{_get(alert, 'severity')}", lang)),
           msg("line.onset", lang, onset=_date(_get(alert, "onset"), lang))]
    if _get(alert, "end_state"):
        out.append(msg("line.state", lang, end=end_text(alert, lang)))
    detector = _get(alert, "detector")
    if detector == "change_point":
        share = is_share(alert)
        def measurements(n: Any, days: Any) -> str:
            return i18n.ngettext("{n} measurements over {days} day", "{n} measurements over {days} days",
                                 _count(days), lang).format(n=number(n, lang, 0), days=days)

        def periods(_n: Any, days: Any) -> str:
            return i18n.ngettext("{days} period", "{days} periods", _count(days), lang).format(days=days)

        counts = measurements if share else periods
        out.append(msg("line.levels", lang,
                     before=level(_get(alert, "level_before"), share, lang),
                     n_before=counts(_get(alert, "n_before"), ev.get("periods_before")),
                     after=level(_get(alert, "level_after"), share, lang),
                     n_after=counts(_get(alert, "n_after"), ev.get("periods_after"))))
        if share:
            confirmed_only = str(ev.get("measure", "")).startswith("confirmed")
            out.append(msg("share.note_confirmed" if confirmed_only else "share.note", lang))
        if share and ev.get("confirmed_after") is not None:
            out.append(msg("line.confirmed", lang, before=level(ev.get("confirmed_before"), True, lang),
                         after=level(ev.get("confirmed_after"), True, lang)))
        params = ev.get("params") or {}
        out.append(msg("line.detector", lang, stat=number(ev.get("statistic"), lang),
                     h=number(params.get("h"), lang), k=number(params.get("k"), lang),
                     start=_date(ev.get("baseline_from"), lang), stop=_date(ev.get("baseline_to"), lang)))
        if ev.get("relapses"):
            out.append(i18n.ngettext(
                "Came back {n} time within the quiet period (one alert)",
                "Came back {n} times within the quiet period (one alert)",
                _count(ev["relapses"]), lang).format(n=ev["relapses"]))
    elif detector == "new_event":
        events = ev.get("events") or []
        out.append(msg("line.events", lang, ids=", ".join(e["id"] for e in events[:10])
                     + (" …" if len(events) > 10 else "")))
        details = (events[0].get("details") or {}) if events else {}
        # the source's own words (its values) under our labels
        shown = {DETAIL_LABELS[k]: v for k, v in details.items() if k in DETAIL_LABELS}
        if shown:
            out.append(msg("line.details", lang, details="; ".join(
                f"{i18n.gettext(k, lang)}: {v}" for k, v in shown.items())))
    out.append(msg("line.snapshot", lang, snapshot=_get(alert, "snapshot_id")))
    out.append(msg("line.detected", lang, when=str(_get(alert, "detected_at"))[:19]))
    if link:
        out.append(msg("line.link", lang, url=link))
    return out


def payload(alert: Any, link: str | None = None) -> dict[str, Any]:
    """The JSON document a webhook receives for an alert."""
    def plain(name: str) -> Any:
        value = _get(alert, name)
        if value is None:
            return None
        if hasattr(value, "isoformat"):
            return value.isoformat()
        if hasattr(value, "item"):
            return value.item()
        return value

    return {
        "type": "roamwatch.alert",
        "id": plain("id"), "rule": plain("rule"), "detector": plain("detector"),
        "severity": plain("severity"), "country": plain("country"),
        "country_name": plain("country_name"), "series": plain("series"),
        "title": title(alert, "en"), "onset": plain("onset"), "ended": plain("ended"),
        "end_state": plain("end_state"), "level_before": plain("level_before"),
        "level_after": plain("level_after"), "n_before": plain("n_before"),
        "n_after": plain("n_after"), "evidence": evidence(alert),
        "snapshot_id": plain("snapshot_id"), "detected_at": plain("detected_at"),
        "link": link,
    }
