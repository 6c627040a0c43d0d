"""Settings are checked once, at start: a bad value is a one-line error naming its variable."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from trialfinder.cli import cli
from trialfinder.errors import ConfigError, ExitCode
from trialfinder.settings import Settings

BAD_VALUES = [
    ("TIMEOUT", "nan"),
    ("TIMEOUT", "inf"),
    ("TIMEOUT", "0"),
    ("TIMEOUT", "-1"),
    ("TIMEOUT", "thirty"),
    ("CONNECT_TIMEOUT", "0"),
    ("REQUEST_DEADLINE", "0"),
    ("REQUEST_DEADLINE", "nan"),
    ("MAX_RESPONSE_MB", "0"),
    ("MAX_RESPONSE_MB", "inf"),
    ("MAX_DECODED_MB", "nan"),
    ("MAX_ATTEMPTS", "0"),
    ("MAX_ATTEMPTS", "1.5"),
    ("MAX_ATTEMPTS", "1000"),
    ("MAX_RETRY_SECONDS", "0"),
    ("MAX_RETRY_SECONDS", "1e309"),
    ("RETRY_AFTER_MAX", "-1"),
    ("RETRY_WAIT", "nan"),
    ("MIN_INTERVAL", "inf"),
    ("CACHE_TTL", "inf"),
    ("CACHE_TTL", "-5"),
    ("CACHE_LOCK_TIMEOUT", "nan"),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_value_is_a_config_error_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(f"TRIALFINDER_{name}", value)
    result = CliRunner().invoke(cli, ["show", "NCT01000001"])
    assert result.exit_code == ExitCode.CONFIG, result.output
    assert result.stderr.startswith(f"trialfinder: error: TRIALFINDER_{name}="), result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TIMEOUT", "0.5", 0.5),
        ("CACHE_TTL", "0", 0.0),
        ("MAX_ATTEMPTS", "1", 1),
        ("MIN_INTERVAL", "0", 0.0),
        ("RETRY_AFTER_MAX", "0", 0.0),
        ("REQUEST_DEADLINE", "2", 2.0),
        ("MAX_DECODED_MB", "0.5", 0.5),
    ],
)
def test_values_at_the_edge_of_their_range_are_accepted(name, value, expected):
    settings = Settings.from_env({f"TRIALFINDER_{name}": value})
    assert getattr(settings, name.lower()) == expected


def test_the_size_limits_in_bytes():
    settings = Settings(max_response_mb=1, max_decoded_mb=0.5)
    assert (settings.max_response_bytes, settings.max_decoded_bytes) == (1048576, 524288)


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "ftp://example.org/api",
        "https://",
        "http://h:99999",
        "example.org",
        # (a show then said a real trial "was not found on ClinicalTrials.gov")
        "https://example.org/api/v2?x=1",
        "https://example.org/api/v2#top",
    ],
)
def test_a_bad_api_url_option_is_a_usage_error(url):
    result = CliRunner().invoke(cli, ["--api-url", url, "show", "NCT01000001"])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert f"{url!r} is not usable" in result.stderr
    assert "Traceback" not in result.output


def test_a_bad_api_url_in_the_environment_is_named(monkeypatch):
    monkeypatch.setenv("TRIALFINDER_API_URL", "http://[::1")
    result = CliRunner().invoke(cli, ["show", "NCT01000001"])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "TRIALFINDER_API_URL='http://[::1' is not usable: Invalid IPv6 URL" in result.stderr


def test_settings_made_in_code_are_checked_too():
    with pytest.raises(ConfigError, match="TRIALFINDER_API_URL='http://\\[::1' is not usable"):
        Settings(api_url="http://[::1")
    with pytest.raises(ConfigError, match="TRIALFINDER_TIMEOUT=nan is out of range"):
        Settings(timeout=float("nan"))
    assert Settings(api_url="http://[::1]:8080/api/v2").api_url.endswith(":8080/api/v2")
