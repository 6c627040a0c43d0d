"""The digest config: valid files load; every problem is reported with its line and key."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import trustme
from click.testing import CliRunner

from trialfinder.cli import cli
from trialfinder.digest.config import InvalidConfig, KeyLines, load_config, parse_config
from trialfinder.errors import ConfigError, ExitCode

DIGESTS_DOC = Path(__file__).resolve().parents[1] / "docs" / "digests.md"

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


def test_a_config_saved_with_a_byte_order_mark_is_read(tmp_path):
    # as Windows Notepad saves it: "not valid TOML (at line 1, column 1)" before
    path = tmp_path / "digest.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_config(path).searches[0].topic == "Myeloma"


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
    assert search.request.wanted.categories == ("car-t", "immunotherapy")
    assert search.request.wanted.biomarkers == ("KRAS G12C",)
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
    assert any("U+000A (line feed)" in line for line in problems(text))


def test_key_lines_ignore_look_alikes_inside_multiline_strings():
    lines = KeyLines('[digest]\nnote = """\nport = 1\n"""\n[smtp]\nport = 2\n')
    assert lines.line(("smtp", "port")) == 6
    assert lines.line(("digest", "port")) == 1  # not line 3: that one is text
    assert lines.line(("digest", "nothing")) == 1


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def documented_example() -> str:
    text = DIGESTS_DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- digest-config -->\s*```toml\n(.*?)```", text, re.S)
    assert match, "docs/digests.md has no digest config example"
    return match.group(1)


def test_the_documented_example_is_valid_and_uses_every_key(tmp_path):
    from trialfinder.digest import config as config_module

    example = documented_example()
    (tmp_path / "my-templates").mkdir()
    trustme.CA().cert_pem.write_to_path(str(tmp_path / "ca.pem"))
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
        assert key in documented, f"the documented example does not show {key!r}"


def test_cli_check_reports_each_problem_and_exits_config(tmp_path):
    path = tmp_path / "digest.toml"
    path.write_text(MINIMAL.replace("recipients", "recipents").replace('"smtp.example.org"', "1"))
    result = CliRunner().invoke(cli, ["digest", "check", "--config", str(path)])
    assert result.exit_code == ExitCode.CONFIG
    errors = [line for line in result.stderr.splitlines() if line.startswith("trialfinder: error:")]
    assert len(errors) == 3
    assert f"{path}:2: smtp.host: expected the SMTP server's host name" in errors[0]
    assert "Traceback" not in result.output


def test_cli_check_refuses_a_state_folder_the_run_cannot_use(tmp_path):
    # "valid", then the first scheduled run failed: "cannot create the lock file"
    (tmp_path / "afile").write_text("x")
    path = tmp_path / "digest.toml"
    state = tmp_path / "afile" / "state.sqlite3"
    path.write_text(MINIMAL + f'\n[state]\npath = "{state}"\n')
    result = CliRunner().invoke(cli, ["digest", "check", "--config", str(path)])
    assert result.exit_code == ExitCode.CONFIG, result.output
    assert f"{str(tmp_path / 'afile')!r} is a file" in result.stderr
    usable = tmp_path / "state" / "state.sqlite3"
    path.write_text(MINIMAL + f'\n[state]\npath = "{usable}"\n')
    assert CliRunner().invoke(cli, ["digest", "check", "--config", str(path)]).exit_code == 0
    # and it makes nothing (run with sudo, it left a lock file the service user could not open)
    assert not (tmp_path / "state").exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="no /proc file system here")
def test_cli_check_refuses_a_state_folder_no_file_can_be_made_in(tmp_path):
    # Run as root, whom the permission bits let write anywhere, "digest check" said a state
    # under /proc was fine; the scheduled run then failed.
    path = tmp_path / "digest.toml"
    path.write_text(MINIMAL + '\n[state]\npath = "/proc/state.sqlite3"\n')
    result = CliRunner().invoke(cli, ["digest", "check", "--config", str(path)])
    assert result.exit_code == ExitCode.CONFIG, result.output
    assert "cannot write in '/proc'" in result.stderr


def test_cli_check_refuses_a_state_path_that_is_another_kind_of_file(tmp_path):
    # "valid", then the first scheduled run failed: "file is not a database"
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    path = tmp_path / "digest.toml"
    path.write_text(MINIMAL + f'\n[state]\npath = "{notes}"\n')
    result = CliRunner().invoke(cli, ["digest", "check", "--config", str(path)])
    assert result.exit_code == ExitCode.CONFIG, result.output
    assert "is a file, not a digest state" in result.stderr
    assert notes.read_text() == "my notes\n"


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
        "valid. 1 saved search, 1 recipient; SMTP smtp.example.org:587 (starttls)" in result.stdout
    )
    assert "TRIALFINDER_SMTP_PASSWORD is not set" in result.stderr


# -- values that `digest run` could not deliver are refused by `digest check` ----------------

# Each entry: what replaces the recipient list (or a line added to a table), and what the
# problem says. TOML escapes keep the control characters out of this file.
BAD_RECIPIENTS = [
    ('"a@example.org, b@example.org"', "holds 2 addresses, not one"),
    ('"<a@example.org> <b@evil.example>"', "holds 2 addresses, not one"),
    ('"Last, First <a@example.org>"', "holds 2 addresses, not one"),
    ('"a\\u2028b@example.org"', "U+2028 (line separator) at position 2"),
    ('"Ann <a\\u000bb@example.org>"', "U+000B (vertical tab)"),
    ('"Ann\\u202e <a@example.org>"', "U+202E (right-to-left override)"),
    ('"a\\u0000@example.org"', "U+0000 (null)"),
    ('"a@' + "ä" * 70 + '.org"', "not a valid host name: Label too long"),
    ('"a@' + "b" * 64 + '.org"', "a part is longer than 63 characters"),
    ('"a@' + ("b" * 60 + ".") * 5 + 'org"', "longer than 253 characters"),
    ('"' + "x" * 65 + '@example.org"', "longer than 64 bytes"),
    ('"a@-example.org"', "each part is letters, digits and inner hyphens"),
    ('"a@[127.0.0.1]"', "not an IP address"),
    ('"Name a@example.org"', "is not an email address"),
    ('"a@b@example.org"', "is not an email address"),
    ('"a..b@example.org"', "is not an email address"),
    ('"undisclosed: a@example.org;"', "is not an email address"),
    ('"a@"', "is not an email address"),
]


@pytest.mark.parametrize(("value", "expected"), BAD_RECIPIENTS)
def test_a_recipient_is_exactly_one_deliverable_address(value, expected):
    text = MINIMAL.replace('recipients = ["navigator@example.org"]', f"recipients = [{value}]")
    lines = problems(text)
    assert any(line.startswith("digest.toml:8: search[1].recipients: ") for line in lines), lines
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize(
    ("table_line", "by", "expected"),
    [
        ("sender", 'sender = "a@example.org, b@example.org"', "3: smtp.sender: "),
        ("sender", 'sender = "Digest\\u2028 <d@example.org>"', "3: smtp.sender: "),
        ("host", 'host = "smtp.example.org\\u000b"', "2: smtp.host: "),
        ("host", 'host = "' + "ä" * 70 + '.example"', "2: smtp.host: "),
        ("host", 'host = "smtp example org"', "2: smtp.host: "),
        ("host", 'host = "smtp.example.org"\ntimeout = nan', "3: smtp.timeout: nan: write"),
        ("host", 'host = "smtp.example.org"\ntimeout = inf', "3: smtp.timeout: inf: write"),
        ("host", 'host = "smtp.example.org"\ntimeout = -inf', "3: smtp.timeout: -inf"),
        ("host", 'host = "smtp.example.org"\ntimeout = 0', "3: smtp.timeout: 0: write"),
        ("host", 'host = "smtp.example.org"\ntimeout = 1e300', "3: smtp.timeout: 1e+300"),
        ("name", 'name = "Myeloma"\nsubject = "a\\u001b]0;title\\u0007"', "search[1].subject: "),
        ("name", 'name = "My\\u2029eloma"', "6: search[1].name: "),
    ],
)
def test_smtp_values_and_header_text_are_checked(table_line, by, expected):
    text = re.sub(rf"^{table_line} = .*$", by.replace("\\", "\\\\"), MINIMAL, count=1, flags=re.M)
    assert text != MINIMAL
    lines = problems(text)
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("[state]\nlock_timeout = nan", "state.lock_timeout: nan: write a number of seconds"),
        ("[state]\nlock_timeout = inf", "state.lock_timeout: inf: write"),
        ("[state]\nlock_timeout = -1", "state.lock_timeout: -1: write"),
        ("[digest]\nretry_wait = nan", "digest.retry_wait: nan: write"),
        ("[digest]\nmax_tries = 0", "digest.max_tries: 0: write a number from 1 to 100"),
        ('[digest]\nlist_unsubscribe = "<mailto:a@example.org>\\u0085"', "list_unsubscribe"),
        ('[digest]\nlist_unsubscribe = "<https://exämple.org/u>"', "percent-encode"),
    ],
)
def test_state_and_digest_numbers_are_finite(line, expected):
    lines = problems(MINIMAL + "\n" + line + "\n")
    assert any(expected in found for found in lines), lines


def test_zero_waits_are_allowed_where_they_mean_do_not_wait(tmp_path):
    text = MINIMAL + "\n[state]\nlock_timeout = 0\n[digest]\nretry_wait = 0\nmax_tries = 1\n"
    config = parse_config(text, tmp_path / "d.toml")
    assert (config.state.lock_timeout, config.retry_wait, config.max_tries) == (0.0, 0.0, 1)


def test_internationalised_addresses_travel_in_the_form_servers_accept(tmp_path):
    text = MINIMAL.replace(
        'recipients = ["navigator@example.org"]',
        'recipients = ["jose@exämple.org", "jösé@example.org", "Jose <JOSE@EXÄMPLE.org>"]',
    ).replace("Trial digest <", "Ensayos Ñandú <")
    config = parse_config(text, tmp_path / "d.toml")
    # The last one is the first one again (domains are case-blind): one message, not two.
    assert config.searches[0].recipients == ("jose@exämple.org", "jösé@example.org")
    assert config.smtp.mailbox.name == "Ensayos Ñandú"
    assert config.smtp.sender_address == "digest@example.org"
    from trialfinder.digest.addresses import parse_mailbox

    idn = parse_mailbox("jose@exämple.org")
    assert (idn.address, idn.needs_smtputf8) == ("jose@xn--exmple-cua.org", False)
    assert parse_mailbox("jösé@example.org").needs_smtputf8


def test_a_ca_file_is_loaded_at_check_time_whatever_the_security(tmp_path):
    (tmp_path / "ca.pem").write_text("not a certificate\n")
    (tmp_path / "ca.der").write_bytes(b"\x30\x82\x01\x0a" + bytes(200))
    good = tmp_path / "good.pem"
    trustme.CA().cert_pem.write_to_path(str(good))
    for security in ("starttls", "ssl", "none"):
        for name in ("ca.pem", "ca.der", "missing.pem"):
            text = MINIMAL.replace(
                'host = "smtp.example.org"',
                f'host = "smtp.example.org"\nsecurity = "{security}"\nca_file = "{name}"',
            )
            with pytest.raises(InvalidConfig) as info:
                parse_config(text, tmp_path / "digest.toml")
            (line,) = info.value.lines()
            assert f"digest.toml:4: smtp.ca_file: '{tmp_path / name}' " in line, line
            assert ("does not exist" if name == "missing.pem" else "no certificate") in line
        config = parse_config(text.replace("missing.pem", "good.pem"), tmp_path / "digest.toml")
        assert config.smtp.ca_file == good


BAD_FILES = {
    "recipients": ('recipients = ["navigator@example.org"]', 'recipients = ["a@x.org, b@x.org"]'),
    "timeout": ('host = "smtp.example.org"', 'host = "smtp.example.org"\ntimeout = nan'),
    "lock_timeout": ("[[search]]", "[state]\nlock_timeout = inf\n\n[[search]]"),
    "ca_file": ('host = "smtp.example.org"', 'host = "smtp.example.org"\nca_file = "digest.toml"'),
    "sender": ("Trial digest <", "Trial\\u2028digest <"),
    "host": ('"smtp.example.org"', '"' + "ä" * 70 + '.example"'),
}


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("key", list(BAD_FILES))
def test_check_and_run_both_refuse_a_bad_value_before_anything_happens(tmp_path, command, key):
    path = tmp_path / "digest.toml"
    path.write_text(MINIMAL.replace(*BAD_FILES[key]), encoding="utf-8")
    result = CliRunner().invoke(cli, ["digest", command, "--config", str(path)])
    assert result.exit_code == ExitCode.CONFIG, result.output
    (error,) = [line for line in result.stderr.splitlines() if "error:" in line]
    assert f"{path}:" in error and f".{key}: " in error
    assert "Traceback" not in result.output


def test_digest_init_writes_an_example_that_digest_check_accepts(tmp_path):
    from trialfinder.digest import config as config_module

    path = tmp_path / "conf" / "digest.toml"
    result = CliRunner().invoke(cli, ["digest", "init", str(path)])
    assert result.exit_code == 0, result.output
    assert f"trialfinder digest check --config {path}" in result.stdout
    example = path.read_text(encoding="utf-8")
    assert example.startswith("# trialfinder digest configuration")
    checked = CliRunner().invoke(cli, ["digest", "check", "--config", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "valid. 1 saved search, 2 recipients" in checked.stdout
    # Every key is shown, in use or commented out, with what it means.
    documented = set(re.findall(r"^\s*#?\s*([a-z_]+)\s*=", example, re.M))
    for key in (
        config_module.SMTP_KEYS
        + config_module.STATE_KEYS
        + config_module.DIGEST_KEYS
        + config_module.SEARCH_KEYS
    ):
        assert key in documented, key
    # docs/digests.md shows the same text (one example, not two that drift apart).
    assert documented_example() in example
    # An existing file is never replaced without --force.
    path.write_text("# mine\n", encoding="utf-8")
    again = CliRunner().invoke(cli, ["digest", "init", str(path)])
    assert again.exit_code == ExitCode.USAGE and "--force" in again.stderr
    assert path.read_text(encoding="utf-8") == "# mine\n"
    assert CliRunner().invoke(cli, ["digest", "init", str(path), "--force"]).exit_code == 0
    assert path.read_text(encoding="utf-8") == example
    # A file in the way of its folder is no file that "exists" (--force did not help).
    under_a_file = path / "digest.toml"
    for extra in ([], ["--force"]):
        blocked = CliRunner().invoke(cli, ["digest", "init", str(under_a_file), *extra])
        assert blocked.exit_code == ExitCode.USAGE
        assert f"cannot make the folder {path}: a file is in the way" in blocked.stderr


def test_digest_init_without_a_path_writes_to_the_configuration_folder(tmp_path):
    result = CliRunner().invoke(cli, ["digest", "init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "config" / "trialfinder" / "digest.toml").is_file()  # XDG_CONFIG_HOME


def test_digest_help_is_installed_help_not_the_readme():
    result = CliRunner().invoke(cli, ["digest", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "README" not in text
    for command in ("digest init", "digest check", "--dry-run", "digest run --help"):
        assert command in text
    run_help = CliRunner().invoke(cli, ["digest", "run", "--help"]).output
    assert "one message per run" in " ".join(run_help.split())
    assert "Exit codes" in run_help and "README" not in run_help


def test_odd_recipient_domains_are_noted_not_refused_and_a_sender_may_be_a_host_s(tmp_path):
    # (refused, they made a config that ran every week fail whole, every recipient's digest
    # with it; a sender on the relay's own machine, trialfinder@localhost, is common)
    path = tmp_path / "digest.toml"
    path.write_text(
        MINIMAL.replace("digest@example.org", "trialfinder@relay_1.localdomain").replace(
            "navigator@example.org", "navigator@localhost"
        )
    )
    result = CliRunner().invoke(cli, ["digest", "check", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "note: the domain of navigator@localhost is of one part" in result.stderr
    # a typo of "-" (mailed to every week, unsaid): noted
    path.write_text(MINIMAL.replace("navigator@example.org", "user@e_x.org"))
    result = CliRunner().invoke(cli, ["digest", "check", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "note: the domain of user@e_x.org has a '_', which no mail domain has" in result.stderr
