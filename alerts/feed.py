"""Alerts as an Atom feed (RFC 4287); the dashboard serves it at ``/alerts.atom`` and
``/country/<ISO3>/alerts.atom``.

Written with the standard library's ElementTree rather than feedgen: feedgen 1.0.0 drops the
``rel`` and ``type`` of entry links (its ``atom_entry`` tests the new XML element instead of the
link's settings), so a "related" country link would read as a second "alternate".

Entry ids are ``urn:roamwatch:alert:<alert id>`` (stable: a feed reader shows an alert once),
``updated`` is when the alert last changed state, ``published`` when it was detected; the content
is the alert's explanation (levels, counts, evidence, snapshot) and the links go to the alert and
its country on the dashboard.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from alerts import text
from roamwatch import i18n
from roamwatch.i18n import N_

ATOM_NS = "http://www.w3.org/2005/Atom"

FEED_TITLE = N_("roamwatch alerts")
FEED_SUBTITLE = N_("Changes detected in public internet-freedom data: new shutdowns and outages, "
                   "blocking onsets, thresholds crossed.")


def _utc(value: Any) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    ts = pd.Timestamp(value)
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).to_pydatetime()


def _stamp(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text_value: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: v for k, v in attrs.items() if v})
    if text_value is not None:
        node.text = text_value
    return node


def atom(alerts: pd.DataFrame, *, feed_url: str, site_url: str, lang: str = "en",
         title_suffix: str | None = None, snapshot_id: str | None = None) -> bytes:
    """The Atom document for ``alerts`` (rows as :func:`roamwatch.warehouse.alerts.list_alerts`
    returns them). ``feed_url`` is the feed's own URL (its id), ``site_url`` the dashboard root."""
    ET.register_namespace("", ATOM_NS)
    words = lang  # alert texts exist in UNESCO's six languages
    site = site_url.rstrip("/")
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    _add(feed, "id", feed_url)
    _add(feed, "title", i18n.gettext(FEED_TITLE, lang) + (f" – {title_suffix}" if title_suffix else ""))
    _add(feed, "subtitle", i18n.gettext(FEED_SUBTITLE, lang))
    updated = _add(feed, "updated")
    _add(feed, "link", href=feed_url, rel="self", type="application/atom+xml")
    _add(feed, "link", href=f"{site}/alerts?lang={lang}", rel="alternate",
         type="text/html")
    author = _add(feed, "author")
    _add(author, "name", "roamwatch")
    _add(feed, "generator", "roamwatch")
    if snapshot_id:
        _add(feed, "rights", f"Data snapshot {snapshot_id}; see {site}/sources for each source's licence")
    newest: datetime | None = None
    for row in alerts.to_dict("records"):
        entry = _add(feed, "entry")
        _add(entry, "id", f"urn:roamwatch:alert:{row['id']}")
        _add(entry, "title", text.title(row, words))
        changed = _utc(row.get("state_changed_at")) or _utc(row.get("detected_at")) \
            or datetime(1970, 1, 1, tzinfo=UTC)
        _add(entry, "updated", _stamp(changed))
        detected = _utc(row.get("detected_at"))
        if detected:
            _add(entry, "published", _stamp(detected))
        _add(entry, "link", href=f"{site}/alerts?id={row['id']}&lang={lang}",
             rel="alternate", type="text/html")
        if row.get("country") and isinstance(row["country"], str):
            _add(entry, "link", href=f"{site}/country/{row['country']}", rel="related", type="text/html")
        _add(entry, "category", term=str(row["rule"]), label=str(row["rule"]))
        _add(entry, "category", term=f"severity:{row['severity']}")
        _add(entry, "content", "\n".join(text.lines(row, words)), type="text")
        newest = changed if newest is None or changed > newest else newest
    updated.text = _stamp(newest or datetime(1970, 1, 1, tzinfo=UTC))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
