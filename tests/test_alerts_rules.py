"""Alert rules as configuration: built-in defaults, overrides, and errors that name file, rule
and field; channel settings and their secrets."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from alerts.delivery import channels
from alerts.rules import RuleError, load_rules
from alerts.secrets import SecretError, resolve, scrub
from roamwatch.cli import cli
from tests.helpers import config_from

DEFAULT_ON = {"new-shutdown", "messaging-blocking", "tor-blocking", "outage-6h"}


def test_builtin_rules(tmp_path):
    rules = load_rules(config_from(tmp_path, ""))
    assert {r.id for r in rules} == DEFAULT_ON
    every = {r.id: r for r in load_rules(config_from(tmp_path, ""), include_disabled=True)}
    assert not every["web-blocking-confirmed"].enabled and not every["roamx-drop"].enabled
    messaging = every["messaging-blocking"]
    assert messaging.series == ("ooni.whatsapp", "ooni.telegram", "ooni.signal",
                                "ooni.facebook_messenger")
    assert messaging.cusum.min_change == 0.2 and messaging.cusum.min_count == 10
    assert every["outage-6h"].min_hours == 6 and every["new-shutdown"].source == "accessnow"


def test_overrides_and_new_rules(tmp_path):
    cfg = config_from(tmp_path, """
[[alerts.rules]]
id = "tor-blocking"
enabled = false

[[alerts.rules]]
id = "messaging-blocking"
countries = ["irn", "RUS"]
quiet_period = 30

[[alerts.rules]]
id = "ipv6-drop"
detector = "change_point"
series = ["apnic.ipv6_capable"]
direction = "down"
baseline_window = 12
min_baseline = 6
min_change = 5.0
regions = ["Sub-Saharan Africa"]

[[alerts.rules]]
id = "long-outages"
detector = "threshold"
metric = "ioda.outage_hours"
above = 12
""")
    rules = {r.id: r for r in load_rules(cfg)}
    assert "tor-blocking" not in rules
    assert rules["messaging-blocking"].countries == ("IRN", "RUS")
    assert rules["messaging-blocking"].cusum.quiet_period == 30
    assert rules["messaging-blocking"].cusum.min_change == 0.2  # kept from the built-in
    assert rules["ipv6-drop"].cusum.direction == "down"
    assert rules["ipv6-drop"].regions == ("Sub-Saharan Africa",)
    assert rules["long-outages"].above == 12 and rules["long-outages"].below is None
    only_mine = config_from(tmp_path, '[alerts]\nbuiltin_rules = false\n[[alerts.rules]]\nid = "x"\n'
                          'detector = "new_event"\nsource = "ioda"\n')
    assert [r.id for r in load_rules(only_mine)] == ["x"]


@pytest.mark.parametrize("body, field, fragment", [
    ('id = "a"\ndetector = "cusum"', "detector", "one of new_event"),
    ('id = "a"\ndetector = "new_event"\nsource = "ioda"\nthreshold = 3', "threshold", "not a field"),
    ('id = "a"\ndetector = "new_event"', "source", "required"),
    ('id = "a"\ndetector = "change_point"\nseries = ["ooni.tor"]\nh = -1', "h", "≥ 0"),
    ('id = "a"\ndetector = "change_point"\nseries = ["ooni.tor"]\nmin_count = 2.5', "min_count", "whole"),
    ('id = "a"\ndetector = "change_point"\nseries = []', "series", "required"),
    ('id = "a"\ndetector = "change_point"\nseries = ["ooni.tor"]\nshare = "ok"', "share", "one of"),
    ('id = "a"\ndetector = "threshold"\nmetric = "ioda.outage_hours"\nabove = 1\nbelow = 0', "above",
     "exactly one"),
    ('id = "a"\ndetector = "new_event"\nsource = "ioda"\ncountries = ["ZZZ"]', "countries", "alpha-3"),
    ('id = "a"\ndetector = "new_event"\nsource = "ioda"\nseverity = "loud"', "severity", "one of"),
    ('id = "a"\ndetector = "score_drop"\ncategories = ["Q"]', "categories", "not one of"),
    ('id = "a"\ndetector = "new_event"\nsource = "ioda"\nenabled = "yes"', "enabled", "true or false"),
    ('id = "Bad Id"\ndetector = "new_event"\nsource = "ioda"', "id", "lower-case"),
])
def test_errors_name_file_rule_and_field(tmp_path, body, field, fragment):
    cfg = config_from(tmp_path, f'[[alerts.rules]]\nid = "ok"\ndetector = "new_event"\nsource = "ioda"\n'
                              f"\n[[alerts.rules]]\n{body}\n")
    with pytest.raises(RuleError) as err:
        load_rules(cfg)
    message = str(err.value)
    assert str(tmp_path / "roamwatch.toml") in message
    assert "[[alerts.rules]] #2" in message and f"field {field!r}" in message and fragment in message
    if field != "id":
        assert "(id 'a')" in message


def test_duplicate_ids_are_refused(tmp_path):
    cfg = config_from(tmp_path, '[[alerts.rules]]\nid = "x"\ndetector = "new_event"\nsource = "ioda"\n'
                              '[[alerts.rules]]\nid = "x"\ndetector = "new_event"\nsource = "ioda"\n')
    with pytest.raises(RuleError, match=r"#2 \(id 'x'\): field 'id': defined twice"):
        load_rules(cfg)


def test_bad_rules_stop_the_check_with_the_same_message(tmp_path, monkeypatch):
    path = tmp_path / "roamwatch.toml"
    path.write_text('[[alerts.rules]]\nid = "x"\ndetector = "threshold"\nmetric = "ioda.outage_hours"\n',
                    encoding="utf-8")
    monkeypatch.setenv("ROAMWATCH_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(cli, ["--config", str(path), "alerts", "check"], obj={})
    assert result.exit_code == 1
    assert f"{path}: [[alerts.rules]] #1 (id 'x'): field 'above'" in result.output
    listed = CliRunner().invoke(cli, ["alerts", "rules", "--all"], obj={})
    assert listed.exit_code == 0 and "tor-blocking" in listed.output and "(disabled)" in listed.output


def test_secrets_come_from_env_or_file_never_the_config(tmp_path):
    secret_file = tmp_path / "hook.key"
    secret_file.write_text("from-a-file-1234\n", encoding="utf-8")
    assert resolve({"secret_file": str(secret_file)}, "secret", "w") == "from-a-file-1234"
    assert resolve({"secret_env": "HOOK"}, "secret", "w", env={"HOOK": "from-env-5678"}) == "from-env-5678"
    with pytest.raises(SecretError, match="must not be written in the configuration"):
        resolve({"secret": "inline-9999"}, "secret", "w")
    with pytest.raises(SecretError, match=r"environment variable HOOK \(field .secret_env.\) is not set"):
        resolve({"secret_env": "HOOK"}, "secret", "w", env={})
    with pytest.raises(SecretError, match="cannot read"):
        resolve({"secret_file": str(tmp_path / "missing")}, "secret", "w")
    assert scrub("token from-env-5678 in text", ["from-env-5678"]) == "token [secret] in text"


def test_channel_settings_are_checked(tmp_path):
    cfg = config_from(tmp_path, '[[alerts.webhooks]]\nname = "a"\nurl = "http://127.0.0.1:9/h"\n'
                              'secret = "inline-secret-value"\n')
    with pytest.raises(SecretError) as err:
        channels(cfg)
    assert "[[alerts.webhooks]] #1" in str(err.value) and "inline-secret-value" not in str(err.value)
    cfg = config_from(tmp_path, '[alerts.email]\nhost = "127.0.0.1"\nfrom = "a@b"\nto = ["c@d"]\n'
                              'username = "u"\n')
    with pytest.raises(SecretError, match=r"\[alerts.email\]: field password_env or password_file"):
        channels(cfg)
    cfg = config_from(tmp_path, '[[alerts.webhooks]]\nurl = "ftp://x"\nsecret_env = "S"\n', {"S": "abcd"})
    with pytest.raises(RuleError, match="http:// or https://"):
        channels(cfg)
    ok = config_from(tmp_path, '[[alerts.webhooks]]\nname = "desk"\nurl_env = "HOOK_URL"\nsecret_env = "S"\n'
                             '[alerts.email]\nhost = "127.0.0.1"\nfrom = "a@b"\nto = "c@d"\n'
                             'starttls = true\n',
                   {"S": "abcd", "HOOK_URL": "https://hooks.test/x?token=1"})
    names = [c.name for c in channels(ok, ok.env)]
    assert names == ["webhook:desk", "email"]
