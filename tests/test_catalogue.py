"""The indicator catalogue: the packaged file is complete and valid, broken entries are named."""

from __future__ import annotations

import copy
import tomllib

import pytest

from indicators import methodology
from indicators.catalogue import (
    CATALOGUE_PATH,
    REQUIRED_FIELDS,
    CatalogueError,
    load_catalogue,
    parse_catalogue,
)

#: Metric ids the collectors produce (issue #5); every warehouse input must be one of them.
_OONI = [f"ooni.{t}.{b}" for t in ("web_connectivity", "signal", "whatsapp", "telegram",
                                     "facebook_messenger", "tor")
         for b in ("anomaly_count", "confirmed_count", "failure_count", "ok_count", "measurement_count")]
KNOWN_METRICS = {
    *(f"worldbank.{c}" for c in ("IT.NET.USER.ZS", "IT.NET.USER.FE.ZS", "IT.NET.USER.MA.ZS",
                                  "IT.NET.BBND.P2", "IT.CEL.SETS.P2", "IT.NET.SECR.P6",
                                  "EG.ELC.ACCS.ZS", "NY.GNP.PCAP.CD", "SE.ADT.LITR.ZS")),
    *_OONI, "ioda.outage_hours", "event:ioda:outage", "event:accessnow:shutdown",
    *(f"itu.{c}" for c in ("internet_use", "internet_use_female", "internet_use_male",
                            "mobile_broadband_subs_per100", "fixed_broadband_subs_per100",
                            "mobile_cellular_subs_per100", "mobile_broadband_basket_gni",
                            "fixed_broadband_basket_gni")),
    "dgg.internet_gg", "dgg.mobile_gg",
    "fotn.total", "fotn.a_obstacles", "fotn.b_content", "fotn.c_rights",
    *(f"vdem.{c}" for c in ("v2smgovfilprc", "v2smgovshut", "v2smgovsmcenprc", "v2smgovsmmon",
                             "v2smprivex", "v2smarrest", "v2cscnsult", "v2csprtcpt", "v2x_cspart")),
    "apnic.ipv6_capable", "apnic.ipv6_preferred",
}


@pytest.fixture(scope="module")
def raw() -> dict:
    with CATALOGUE_PATH.open("rb") as fh:
        return tomllib.load(fh)


def test_packaged_catalogue_loads_with_every_category_filled():
    cat = load_catalogue()
    scored = cat.scored
    per = {c: [i for i in scored if i.category == c] for c in "ROAMX"}
    assert all(per[c] for c in "ROAMX"), {c: len(v) for c, v in per.items()}
    assert len(scored) == 24
    assert per["M"], "M is filled by labelled proxies"
    assert all(i.proxy for i in per["M"]), "every M indicator is an honest, labelled proxy"
    assert cat.contextual and all(not i.scored for i in cat.contextual)
    assert cat.framework["version"] == "2019"
    assert "2024" in cat.framework["revision"]
    assert sum(len(cat.framework_themes(c)) for c in "ROAMX") == 25


def test_one_source_measure_feeds_one_scored_indicator():
    owners: dict[str, list[str]] = {}
    for ind in load_catalogue().scored:
        for item in ind.inputs:
            owners.setdefault(item, []).append(ind.id)
    shared = {k: v for k, v in owners.items() if len(v) > 1}
    assert not shared, shared


def test_review_against_the_framework():
    cat = load_catalogue()
    by_old = {r.indicator: r for r in cat.review}
    ids = {i.id for i in cat.indicators}
    # the placements an IUI practitioner rejected: each one re-mapped or dropped
    assert by_old["R.A.fotn_user_rights"].now == "R.E.fotn_user_rights"
    assert "R.C.ooni_web_anomaly" not in ids and by_old["R.C.ooni_web_anomaly"].decision == "dropped"
    assert not any(i.startswith("O.C.ooni_") for i in ids)  # messaging apps counted once, in R.D
    assert by_old["O.D.vdem_sm_censorship"].now == "R.B.vdem_sm_censorship"
    for old, new in (("A.F.adult_literacy", "CTX.3.adult_literacy"),
                     ("A.B.mobile_cellular", "CTX.6.mobile_cellular")):
        assert by_old[old].decision == "contextual" and not cat.by_id[new].scored
    for contextual in ("worldbank.SE.ADT.LITR.ZS", "worldbank.EG.ELC.ACCS.ZS",
                       "worldbank.NY.GNP.PCAP.CD", "itu.mobile_cellular_subs_per100"):
        assert not any(contextual in i.inputs for i in cat.scored), contextual
    assert not any("ioda.outage_hours" in i.inputs for i in cat.scored)  # shutdowns: R.B only
    assert [i.id for i in cat.scored if i.category == "M"] == ["M.A.vdem_cso_consultation"]
    # every scored indicator says which ROAM-X question it stands in for, with ROAMX.md's status
    for ind in cat.scored:
        assert ind.stands_for and ind.stands_for.startswith(ind.theme), ind.id
        assert ind.stands_for_status in ("confirmed", "unconfirmed"), ind.id
    # every decision is shown in the methodology
    doc = methodology.render(cat)
    assert "## Review of the catalogue against the framework" in doc
    for review in cat.review:
        assert f"`{review.indicator}`" in doc


def test_every_catalogued_indicator_has_every_required_field(raw):
    """Independent of the loader: the file itself carries every required field."""
    for entry in raw["indicator"]:
        missing = [f for f in REQUIRED_FIELDS if f not in entry]
        assert not missing, f"{entry.get('id')}: missing {missing}"
        assert ("unesco_match" in entry) != ("proxy" in entry), entry["id"]


def test_inputs_are_metrics_the_collectors_produce():
    cat = load_catalogue()
    for ind in cat.indicators:
        unknown = set(ind.inputs) - KNOWN_METRICS
        assert not unknown, f"{ind.id}: {unknown}"


def test_methodology_document_is_up_to_date():
    expected = methodology.render()
    current = methodology.DOC_PATH.read_text(encoding="utf-8")
    assert current == expected, "docs/methodology.md is out of date: run `python -m indicators.methodology`"
    for ind in load_catalogue().indicators:
        assert f"`{ind.id}`" in current


def test_methodology_check_flag(tmp_path):
    stale = tmp_path / "m.md"
    stale.write_text("old\n", encoding="utf-8")
    assert methodology.main(["--output", str(stale), "--check"]) == 1
    assert methodology.main(["--output", str(stale)]) == 0
    assert methodology.main(["--output", str(stale), "--check"]) == 0


# -- each kind of broken entry ----------------------------------------------------------------------
def _break(raw: dict, index: int, change) -> dict:
    data = copy.deepcopy(raw)
    change(data["indicator"][index])
    return data


def _set(field, value):
    def change(entry):
        entry[field] = value
    return change


def _del(field):
    def change(entry):
        entry.pop(field, None)
    return change


def _both(entry):
    entry["proxy"] = "This sentence says what the stand-in approximates."
    entry["unesco_match"] = "approximate"


def _neither(entry):
    entry.pop("proxy", None)
    entry.pop("unesco_match", None)


BROKEN = [
    ("missing required field", _del("direction"), "direction", "missing"),
    ("missing citation", _del("citation"), "citation", "missing"),
    ("unknown field", _set("goalpost_lowr", 1.0), "goalpost_lowr", "unknown field"),
    ("french name of old versions", _set("name_fr", "Nom"), "name_fr", "gettext catalogues"),
    ("bad category", _set("category", "Q"), "category", "must be one of"),
    ("bad direction", _set("direction", "up"), "direction", "must be one of"),
    ("goalposts inverted", _set("goalpost_lower", 99.0), "goalpost_upper", "greater than"),
    ("goalpost not a number", _set("goalpost_upper", "forty"), "goalpost_upper", "finite number"),
    ("weight zero", _set("weight", 0), "weight", "greater than 0"),
    ("weight negative", _set("weight", -1.0), "weight", "greater than 0"),
    ("match and proxy", _both, "unesco_match", "exactly one"),
    ("neither match nor proxy", _neither, "unesco_match", "exactly one"),
    ("bad match value", _set("unesco_match", "probably"), "unesco_match", "must be one of"),
    ("proxy too short", lambda e: (e.pop("unesco_match", None), e.update(proxy="a proxy")),
     "proxy", "sentence"),
    ("unknown theme", _set("theme", "R.F"), "id", "must start with its theme"),
    ("theme of another category", lambda e: e.update(theme="O.B"), "theme", "does not belong"),
    ("bad id", _set("id", "R.B.Bad-Id"), "id", "must be like"),
    ("bad unesco ref", _set("unesco_ref", "R.B.x"), "unesco_ref", "framework reference"),
    ("ref outside theme", _set("unesco_ref", "R.C.?"), "unesco_ref", "must lie in its theme"),
    ("unknown derived series", _set("metrics", ["derived.ooni.bogus.rate"]), "metrics", "unknown derived"),
    ("raw metric not in inputs", _set("metrics", ["fotn.total"]), "metrics", "list it in inputs"),
    ("empty metrics", _set("metrics", []), "metrics", "non-empty list"),
    ("bad input", _set("inputs", ["not a metric"]), "inputs", "neither a warehouse metric"),
    ("min measurements on non-OONI", _set("min_measurements", 100), "min_measurements", "OONI"),
    ("window zero", _set("window_years", 0), "window_years", "at least 1"),
    ("empty description", _set("description", "  "), "description", "non-empty"),
    ("scored without stands_for", _del("stands_for"), "stands_for", "ROAM-X question"),
    ("bad stands_for status", _set("stands_for_status", "likely"), "stands_for_status", "must be one of"),
]


@pytest.mark.parametrize("kind, change, field, words", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_entry_names_file_entry_and_field(raw, kind, change, field, words):
    index = next(k for k, e in enumerate(raw["indicator"]) if e["id"] == "R.B.fotn_content")
    data = _break(raw, index, change)
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(data, "some/catalogue.toml")
    message = str(info.value)
    assert "some/catalogue.toml" in message
    assert f"indicator #{index + 1}" in message
    assert f"field '{field}'" in message
    assert words in message


def test_unknown_theme_is_named(raw):
    index = next(k for k, e in enumerate(raw["indicator"]) if e["id"] == "R.B.fotn_content")
    data = _break(raw, index, lambda e: e.update(theme="X.E", category="X", id="X.E.fotn_content",
                                                 unesco_ref="X.E.?"))
    data["theme"] = [t for t in data["theme"] if t["id"] != "X.E"]
    with pytest.raises(CatalogueError, match=r"field 'theme': unknown theme 'X.E'"):
        parse_catalogue(data, "c.toml")


def test_duplicate_id(raw):
    data = copy.deepcopy(raw)
    data["indicator"].append(copy.deepcopy(data["indicator"][0]))
    with pytest.raises(CatalogueError, match=r"indicator #\d+ '.*': field 'id': duplicate"):
        parse_catalogue(data, "c.toml")


def test_framework_version_required(raw):
    data = copy.deepcopy(raw)
    del data["framework"]["version"]
    with pytest.raises(CatalogueError, match=r"c.toml: \[framework\]: field 'version'"):
        parse_catalogue(data, "c.toml")


def test_bad_theme_entry(raw):
    data = copy.deepcopy(raw)
    data["theme"][0]["unesco_match"] = "maybe"
    with pytest.raises(CatalogueError, match=r"theme #1 'R.A': field 'unesco_match'"):
        parse_catalogue(data, "c.toml")


@pytest.mark.parametrize("change, words", [
    (lambda r: r.update(now="R.Z.nowhere"), "is not an indicator of the catalogue"),
    (lambda r: r.update(decision="dropped", indicator="R.B.fotn_content"), "no longer in the catalogue"),
    (lambda r: r.update(decision="renamed"), "must be one of"),
])
def test_bad_review_entry(raw, change, words):
    data = copy.deepcopy(raw)
    entry = next(r for r in data["review"] if r["decision"] == "moved")
    change(entry)
    entry.pop("now", None) if entry["decision"] == "dropped" and "no longer" in words else None
    with pytest.raises(CatalogueError, match=r"review #\d+ '.*'") as info:
        parse_catalogue(data, "c.toml")
    assert words in str(info.value)


def test_file_errors(tmp_path):
    with pytest.raises(CatalogueError, match="not found"):
        load_catalogue(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[framework\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"bad.toml: not valid TOML"):
        load_catalogue(bad)
