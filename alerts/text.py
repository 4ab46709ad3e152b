# ruff: noqa: E501  (a translation table reads best with one string pair per line)
"""Words about an alert, in English and French: its title and the lines that explain it.

Used by the e-mail and webhook messages, the Atom feed, the command line and the dashboard, so an
alert reads the same everywhere. Works on an ``alert`` row (a dict, or a pandas row) as stored.
"""

from __future__ import annotations

import json
import math
from typing import Any

STRINGS: dict[str, tuple[str, str]] = {
    "new_event.shutdown": ("New internet shutdown in {country} from {start}", "Nouvelle coupure d'Internet : {country}, depuis le {start}"),
    "new_event.outage": ("Internet outage in {country} from {start}, {hours} h", "Panne d'Internet : {country}, depuis le {start}, {hours} h"),
    "new_event.other": ("New {kind} in {country} from {start}", "Nouvel événement ({kind}) : {country}, depuis le {start}"),
    "change_point.up": ("{what} rose in {country} from {start}: {before} → {after}", "{what} en hausse, {country}, depuis le {start} : {before} → {after}"),
    "change_point.down": ("{what} fell in {country} from {start}: {before} → {after}", "{what} en baisse, {country}, depuis le {start} : {before} → {after}"),
    "threshold.above": ("{what} above {limit} in {country} from {start} (peak {peak})", "{what} au-dessus de {limit} : {country}, depuis le {start} (pic {peak})"),
    "threshold.below": ("{what} below {limit} in {country} from {start} (lowest {peak})", "{what} en dessous de {limit} : {country}, depuis le {start} (minimum {peak})"),
    "score_drop": ("ROAM-X {category} score of {country} ({year}) fell {drop} points: {before} → {after}", "Score ROAM-X {category} de {country} ({year}) en baisse de {drop} points : {before} → {after}"),
    "end.known": ("ended {end}", "terminé le {end}"),
    "end.ongoing": ("ongoing", "en cours"),
    "end.unknown": ("end not known", "fin inconnue"),
    "share.anomaly": ("OONI {test} blocking share", "part de blocage OONI {test}"),
    "share.confirmed": ("OONI {test} confirmed-blocking share", "part de blocage confirmé OONI {test}"),
    "share.note": ("Share: (anomaly + confirmed) ÷ measurements that did not fail", "Part : (anomalie + confirmé) ÷ mesures non échouées"),
    "share.note_confirmed": ("Share: confirmed ÷ measurements that did not fail", "Part : confirmé ÷ mesures non échouées"),
    "line.rule": ("Rule: {rule}", "Règle : {rule}"),
    "line.severity": ("Severity: {severity}", "Gravité : {severity}"),
    "line.onset": ("Began: {onset}", "Début : {onset}"),
    "line.state": ("End: {end}", "Fin : {end}"),
    "line.levels": ("Level before: {before} ({n_before}); after: {after} ({n_after})", "Niveau avant : {before} ({n_before}) ; après : {after} ({n_after})"),
    "line.measurements": ("{n} measurements over {days} days", "{n} mesures sur {days} jours"),
    "line.periods": ("{days} periods", "{days} périodes"),
    "line.confirmed": ("Confirmed blocking: {before} before, {after} after", "Blocage confirmé : {before} avant, {after} après"),
    "line.detector": ("One-sided CUSUM: statistic {stat} over threshold {h} (k = {k}); baseline median of {start} to {stop}", "CUSUM unilatéral : statistique {stat} au-delà du seuil {h} (k = {k}) ; référence : médiane du {start} au {stop}"),
    "line.relapses": ("Came back {n} time(s) within the quiet period (one alert)", "Revenu {n} fois pendant la période de calme (une seule alerte)"),
    "line.events": ("Events: {ids}", "Événements : {ids}"),
    "line.details": ("Details: {details}", "Détails : {details}"),
    "line.snapshot": ("Data snapshot: {snapshot}", "Instantané des données : {snapshot}"),
    "line.detected": ("Detected: {when}", "Détecté : {when}"),
    "line.link": ("More: {url}", "Plus : {url}"),
    "severity.info": ("information", "information"),
    "severity.warning": ("warning", "avertissement"),
    "severity.critical": ("critical", "critique"),
}
SEVERITIES = ("info", "warning", "critical")


def t(key: str, lang: str = "en", **fmt: Any) -> str:
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "fr" else pair[0]
    return text.format(**fmt) if fmt else text


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
    value = _get(alert, "evidence")
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}


def _date(value: Any, lang: str) -> str:
    if value is None:
        return "?"
    text = str(value)[:10]
    if lang == "fr" and len(text) == 10:
        y, m, d = text.split("-")
        return f"{d}/{m}/{y}"
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
    text = f"{value:,.{digits}f}" if abs(value) >= 1000 else f"{value:.{digits}f}"
    if digits and "." in text:
        text = text.rstrip("0").rstrip(".")
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def level(value: Any, share: bool, lang: str) -> str:
    if value is None:
        return "–"
    return number(float(value) * 100, lang) + "\u00a0%" if share else number(value, lang, 2)


def is_share(alert: Any) -> bool:
    series = str(_get(alert, "series") or "")
    return series.startswith("ooni.") and series.count(".") == 1 and _get(alert, "detector") == "change_point"


def country_label(alert: Any, lang: str) -> str:
    name = _get(alert, "country_name_fr") if lang == "fr" else None
    name = name or _get(alert, "country_name")
    code = _get(alert, "country")
    return f"{name} ({code})" if name and code else (code or "?")


def what(alert: Any, lang: str) -> str:
    series = str(_get(alert, "series") or "")
    ev = evidence(alert)
    if is_share(alert):
        measure = "confirmed" if str(ev.get("measure", "")).startswith("confirmed") else "anomaly"
        return t(f"share.{measure}", lang, test=series.split(".", 1)[1])
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
            text = t("new_event.outage", lang, country=country, start=start, hours=number(ev["hours"], lang, 0))
        elif kind == "shutdown":
            text = t("new_event.shutdown", lang, country=country, start=start)
        else:
            text = t("new_event.other", lang, kind=kind, country=country, start=start)
        return f"{text} ({end_text(alert, lang)})"
    if detector == "change_point":
        direction = (ev.get("params") or {}).get("direction", "up")
        share = is_share(alert)
        return t(f"change_point.{direction}", lang, what=what(alert, lang), country=country, start=start,
                 before=level(_get(alert, "level_before"), share, lang),
                 after=level(_get(alert, "level_after"), share, lang))
    if detector == "threshold":
        return t(f"threshold.{ev.get('direction', 'above')}", lang, what=_get(alert, "series"),
                 limit=number(ev.get("limit"), lang, 2), country=country, start=start,
                 peak=number(ev.get("peak"), lang, 2))
    if detector == "score_drop":
        before, after = _get(alert, "level_before"), _get(alert, "level_after")
        drop = None if before is None or after is None else float(before) - float(after)
        return t("score_drop", lang, category=ev.get("category", "?"), country=country,
                 year=ev.get("year", "?"), drop=number(drop, lang), before=number(before, lang),
                 after=number(after, lang))
    return str(_get(alert, "title") or "")


def end_text(alert: Any, lang: str) -> str:
    state = _get(alert, "end_state") or "unknown"
    if state == "known":
        return t("end.known", lang, end=_date(_get(alert, "ended"), lang))
    return t(f"end.{state}", lang) if f"end.{state}" in STRINGS else state


def lines(alert: Any, lang: str = "en", link: str | None = None) -> list[str]:
    """The explanation of an alert: what, when, levels and counts, detector, evidence, snapshot."""
    ev = evidence(alert)
    out = [t("line.rule", lang, rule=_get(alert, "rule")),
           t("line.severity", lang, severity=t(f"severity.{_get(alert, 'severity')}", lang)),
           t("line.onset", lang, onset=_date(_get(alert, "onset"), lang))]
    if _get(alert, "end_state"):
        out.append(t("line.state", lang, end=end_text(alert, lang)))
    detector = _get(alert, "detector")
    if detector == "change_point":
        share = is_share(alert)
        counts = (lambda n, days: t("line.measurements", lang, n=number(n, lang, 0), days=days)) if share \
            else (lambda n, days: t("line.periods", lang, days=days))
        out.append(t("line.levels", lang,
                     before=level(_get(alert, "level_before"), share, lang),
                     n_before=counts(_get(alert, "n_before"), ev.get("periods_before")),
                     after=level(_get(alert, "level_after"), share, lang),
                     n_after=counts(_get(alert, "n_after"), ev.get("periods_after"))))
        if share:
            confirmed_only = str(ev.get("measure", "")).startswith("confirmed")
            out.append(t("share.note_confirmed" if confirmed_only else "share.note", lang))
        if share and ev.get("confirmed_after") is not None:
            out.append(t("line.confirmed", lang, before=level(ev.get("confirmed_before"), True, lang),
                         after=level(ev.get("confirmed_after"), True, lang)))
        params = ev.get("params") or {}
        out.append(t("line.detector", lang, stat=number(ev.get("statistic"), lang),
                     h=number(params.get("h"), lang), k=number(params.get("k"), lang),
                     start=_date(ev.get("baseline_from"), lang), stop=_date(ev.get("baseline_to"), lang)))
        if ev.get("relapses"):
            out.append(t("line.relapses", lang, n=ev["relapses"]))
    elif detector == "new_event":
        events = ev.get("events") or []
        out.append(t("line.events", lang, ids=", ".join(e["id"] for e in events[:10])
                     + (" …" if len(events) > 10 else "")))
        details = (events[0].get("details") or {}) if events else {}
        shown = {k: v for k, v in details.items() if k in ("type", "extent", "networks", "area", "datasource", "link")}
        if shown:
            out.append(t("line.details", lang, details="; ".join(f"{k}: {v}" for k, v in shown.items())))
    out.append(t("line.snapshot", lang, snapshot=_get(alert, "snapshot_id")))
    out.append(t("line.detected", lang, when=str(_get(alert, "detected_at"))[:19]))
    if link:
        out.append(t("line.link", lang, url=link))
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
