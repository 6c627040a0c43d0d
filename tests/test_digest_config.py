"""The digest config: valid files load; every problem is reported with its line and key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from trialfinder.cli import cli
from trialfinder.digest.config import InvalidConfig, KeyLines, load_config, parse_config
from trialfinder.errors import ConfigError, ExitCode

README = Path(__file__).resolve().parents[1] / "README.md"

MINIMAL = """\
[smtp]
host = "smtp.example.org"
sender = "Trial digest <digest@example.org>"

[[search]]
name = "Myeloma"
condition = "multiple myeloma"
recipients = ["navigator@example.org"]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(InvalidConfig) as info:
        parse_config(text, "digest.toml")
    return info.value.lines()


def test_minimal_config_gets_the_documented_defaults(monkeypatch, tmp_path):
    config = parse_config(MINIMAL, tmp_path / "digest.toml")
    assert config.smtp.port == 587 and config.smtp.security == "starttls"
    assert config.smtp.password_env == "TRIALFINDER_SMTP_PASSWORD"
    assert config.smtp.sender_address == "digest@example.org"
    # The default state lives in the user's data folder (XDG_DATA_HOME in the tests).
    assert config.state.path == tmp_path / "data" / "trialfinder" / "digest.sqlite3"
    assert config.state.first_run == "send"
    (search,) = config.searches
    assert search.criteria.conditions == ("multiple myeloma",)
    # As for `search`: disease treated before (and confirmed with the tags when run).
    assert search.criteria.settings == ("refractory", "relapsed", "resistant")
    assert search.criteria.statuses == ("recruiting", "not-yet-recruiting")
    assert search.topic == "Myeloma" and not search.send_when_empty


def test_ssl_changes_the_default_port_and_keys_map_to_search_criteria(tmp_path):
    text = MINIMAL.replace('host = "smtp.example.org"', 'host = "h"\nsecurity = "ssl"').replace(
        'condition = "multiple myeloma"',
        'condition = ["multiple myeloma", "amyloidosis"]\nsetting = ["refractory", "relapsed"]\n'
        'phases = [2, "3"]\nstatuses = ["recruiting"]\nage = 67\nsex = "female"\n'
        'intervention = "teclistamab"\nfirst_run = "record"\nsend_when_empty = true',
    )
    config = parse_config(text, tmp_path / "d.toml")
    assert config.smtp.port == 465
    criteria = config.searches[0].criteria
    assert criteria.conditions == ("multiple myeloma", "amyloidosis")
    assert criteria.settings == ("refractory", "relapsed")
    assert criteria.phases == ("2", "3") and criteria.statuses == ("recruiting",)
    assert (criteria.age, criteria.sex, criteria.intervention) == (67, "female", "teclistamab")
    assert config.searches[0].first_run == "record" and config.searches[0].send_when_empty


def test_recipients_differing_only_in_case_are_one(tmp_path):
    text = MINIMAL.replace(
        '["navigator@example.org"]',
        '["Navigator@example.org", "b@example.org", "navigator@example.org"]',
    )
    config = parse_config(text, tmp_path / "d.toml")
    assert config.searches[0].recipients == ("Navigator@example.org", "b@example.org")


def test_a_relative_state_path_is_relative_to_the_config_file(tmp_path):
    text = MINIMAL + '\n[state]\npath = "state/digest.sqlite3"\n'
    config = parse_config(text, tmp_path / "conf" / "digest.toml")
    assert config.state.path == tmp_path / "conf" / "state" / "digest.sqlite3"


def test_toml_syntax_error_names_the_line():
    text = MINIMAL.replace('name = "Myeloma"', 'name = "Myeloma')
    (line,) = problems(text)
    assert line.startswith("digest.toml:6: not valid TOML")


def test_unknown_key_names_line_key_and_suggests_the_right_one():
    text = MINIMAL.replace("recipients", "recipents")
    lines = problems(text)
    assert "digest.toml:8: search[1].recipents: unknown key (did you mean 'recipients'?)" in lines
    assert any("'recipients' is missing" in line for line in lines)


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        (
            'host = "smtp.example.org"',
            'host = "smtp.example.org"\nport = "587"',
            r":3: smtp.port: expected a port number, got a string '587'",
        ),
        (
            'host = "smtp.example.org"',
            'host = "smtp.example.org"\nport = 70000',
            r":3: smtp.port: 70000 is not a port",
        ),
        (
            'host = "smtp.example.org"',
            'host = "smtp.example.org"\nsecurity = "tls"',
            r":3: smtp.security: 'tls': choose \"starttls\", \"ssl\" or \"none\"",
        ),
        (
            'sender = "Trial digest <digest@example.org>"',
            'sender = "nobody"',
            r":3: smtp.sender: 'nobody' is not an email address",
        ),
        (
            'recipients = ["navigator@example.org"]',
            'recipients = ["navigator@example.org", "oops"]',
            r":8: search\[1\].recipients: 'oops' is not an email address",
        ),
        (
            'recipients = ["navigator@example.org"]',
            "recipients = []",
            r":8: search\[1\].recipients: give at least one",
        ),
        (
            'condition = "multiple myeloma"',
            'condition = "x"\nstatuses = ["recruting"]',
            r":8: search\[1\].statuses: unknown status 'recruting' \(choose from: recruiting",
        ),
        (
            'condition = "multiple myeloma"',
            'condition = "x"\nphases = [5]',
            r":8: search\[1\].phases: unknown phase '5'",
        ),
        (
            'condition = "multiple myeloma"',
            'condition = "x"\nsetting = "chronic"',
            r":8: search\[1\].setting: unknown setting 'chronic'",
        ),
        (
            'condition = "multiple myeloma"',
            'condition = "x"\nage = 200',
            r":8: search\[1\].age: age 200 is out of range",
        ),
        (
            'condition = "multiple myeloma"',
            'condition = "x"\nsex = "other"',
            r":8: search\[1\].sex: unknown sex",
        ),
        (
            'condition = "multiple myeloma"',
            'condition = "x"\nwithin = "10mi"',
            r":8: search\[1\].within: 'within' needs 'near'",
        ),
        (
            'condition = "multiple myeloma"',
            'condition = "x"\nsend_when_empty = "yes"',
            r":8: search\[1\].send_when_empty: expected true or false",
        ),
    ],
)
def test_bad_values_name_their_line_and_key(replace, by, expected):
    text = MINIMAL.replace(replace, by)
    assert text != MINIMAL
    lines = problems(text)
    assert any(re.search(expected, line) for line in lines), lines


def test_near_and_within_become_the_search_place_and_radius(tmp_path):
    text = MINIMAL.replace('condition = "multiple myeloma"', 'condition = "x"\nnear = "02115"')
    criteria = parse_config(text, tmp_path / "d.toml").searches[0].criteria
    assert criteria.near is not None and round(criteria.near.lat) == 42
    assert criteria.within_mi == 100.0  # the default distance of `search --near`
    text = text.replace('near = "02115"', 'near = "Houston, TX"\nwithin = 50')
    assert parse_config(text, tmp_path / "d.toml").searches[0].criteria.within_mi == 50.0
    text = text.replace("within = 50", 'within = "80km"')
    assert round(parse_config(text, tmp_path / "d.toml").searches[0].criteria.within_mi, 1) == 49.7


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ('near = "02115"\nwithin = "900mi"', r":9: search\[1\]\.within: distance 900mi is too far"),
        ('near = "02115"\nwithin = "far"', r":9: search\[1\]\.within: 'far' is not a distance"),
        ('near = "Atlantis, ZZ"', r":8: search\[1\]\.near: "),
        ('near = "99999"', r":8: search\[1\]\.near: "),
    ],
)
def test_bad_places_and_distances(lines, expected):
    text = MINIMAL.replace('condition = "multiple myeloma"', f'condition = "x"\n{lines}')
    found = problems(text)
    assert any(re.search(expected, line) for line in found), found


def test_categories_and_biomarkers(tmp_path):
    text = MINIMAL.replace(
        'condition = "multiple myeloma"',
        'condition = "x"\ncategories = ["CAR-T", "immunotherapy"]\nbiomarkers = ["KRAS G12C"]',
    )
    search = parse_config(text, tmp_path / "d.toml").searches[0]
    assert search.categories == ("car-t", "immunotherapy") and search.biomarkers == ("KRAS G12C",)
    for right, typo, reported, listed in [
        (
            '"CAR-T"',
            '"cart"',
            "digest.toml:8: search[1].categories: unknown category 'cart'",
            "car-t",
        ),
        (
            '"KRAS G12C"',
            '"KRASS"',
            "digest.toml:9: search[1].biomarkers: unknown biomarker",
            "KRAS",
        ),
    ]:
        lines = problems(text.replace(right, typo))
        assert any(line.startswith(reported) and listed in line for line in lines), lines


def test_every_problem_is_reported_in_file_order():
    text = MINIMAL.replace('host = "smtp.example.org"', 'host = "smtp.example.org"\nport = 0')
    text += '\n[[search]]\nname = "Myeloma"\nrecipients = ["x@example.org"]\nphases = ["9"]\n'
    lines = problems(text)
    assert [re.match(r"digest.toml:(\d+):", line).group(1) for line in lines] == ["3", "12", "14"]
    assert "used twice" in lines[1] and "phase" in lines[2]


def test_missing_smtp_table_and_searches():
    lines = problems('[state]\nfirst_run = "later"\n')
    assert any("the [smtp] table is missing" in line for line in lines)
    assert any("no saved search" in line for line in lines)
    assert any(line.startswith("digest.toml:2: state.first_run:") for line in lines)


def test_header_injection_through_the_config_is_refused():
    text = MINIMAL.replace(
        'name = "Myeloma"', 'name = "Myeloma"\nsubject = "x\\r\\nBcc: evil@example.org"'
    )
    assert any("search[1].subject: the subject must be one line" in line for line in problems(text))
    text = MINIMAL.replace('"navigator@example.org"', '"a@example.org\\nBcc: evil@example.org"')
    assert any("line break" in line for line in problems(text))


def test_key_lines_ignore_look_alikes_inside_multiline_strings():
    lines = KeyLines('[digest]\nnote = """\nport = 1\n"""\n[smtp]\nport = 2\n')
    assert lines.line(("smtp", "port")) == 6
    assert lines.line(("digest", "port")) == 1  # not line 3: that one is text
    assert lines.line(("digest", "nothing")) == 1


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- digest-config -->\s*```toml\n(.*?)```", text, re.S)
    assert match, "README has no digest config example"
    return match.group(1)


def test_the_readme_example_is_valid_and_uses_every_key(tmp_path):
    from trialfinder.digest import config as config_module

    example = readme_example()
    (tmp_path / "my-templates").mkdir()
    (tmp_path / "ca.pem").write_text("")
    text = example.replace(
        'templates = "~/trialfinder-templates"', 'templates = "my-templates"'
    ).replace('ca_file = "/etc/ssl/certs/relay-ca.pem"', 'ca_file = "ca.pem"')
    config = parse_config(text, tmp_path / "digest.toml")
    assert config.smtp.host == "smtp.example.org" and config.smtp.username == "digest"
    criteria = config.searches[0].criteria
    assert criteria.near.name.startswith("02115") and criteria.within_mi == 100.0
    documented = set(re.findall(r"^\s*#?\s*([a-z_]+)\s*=", example, re.M))
    every_key = (
        config_module.SMTP_KEYS
        + config_module.STATE_KEYS
        + config_module.DIGEST_KEYS
        + config_module.SEARCH_KEYS
    )
    for key in every_key:
        assert key in documented, f"README example does not show {key!r}"


def test_cli_check_reports_each_problem_and_exits_config(tmp_path):
    path = tmp_path / "digest.toml"
    path.write_text(MINIMAL.replace("recipients", "recipents").replace('"smtp.example.org"', "1"))
    result = CliRunner().invoke(cli, ["digest", "check", "--config", str(path)])
    assert result.exit_code == ExitCode.CONFIG
    errors = [line for line in result.stderr.splitlines() if line.startswith("trialfinder: error:")]
    assert len(errors) == 3
    assert f"{path}:2: smtp.host: expected the SMTP server's host name" in errors[0]
    assert "Traceback" not in result.output


def test_cli_check_accepts_a_valid_file_and_notes_a_missing_password(tmp_path):
    path = tmp_path / "digest.toml"
    path.write_text(
        MINIMAL.replace(
            'host = "smtp.example.org"', 'host = "smtp.example.org"\nusername = "digest"'
        )
    )
    result = CliRunner().invoke(cli, ["digest", "check", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "valid. 1 saved search(es), 1 recipient(s); SMTP smtp.example.org:587 (starttls)"
        in result.stdout
    )
    assert "TRIALFINDER_SMTP_PASSWORD is not set" in result.stderr
