"""The command line, driven with click's CliRunner (HTTP mocked or a real local server)."""

import csv
import io
import json
import subprocess
import sys

import click
import pytest
import requests
import responses
from click.testing import CliRunner

from trialfinder.cli import cli

from conftest import TEST_API_URL
from factories import make_page, make_study, many_studies

STUDIES = f"{TEST_API_URL}/studies"


def run(*args, **kwargs):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_every_command_has_help_text():
    commands = list(all_commands(cli))
    assert {"search", "show"} <= {path[0] for path, _ in commands}
    for path, command in commands:
        assert command.help and command.get_short_help_str().strip(), path
        result = run(*path, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"{' '.join(path)} {param.opts[0]} has no help"


def test_top_level_help_and_version():
    result = run("--help")
    assert result.exit_code == 0 and "--api-url" in result.output
    assert run("--version").output.startswith("trialfinder, version ")


@responses.activate
def test_search_json_carries_the_documented_fields():
    responses.get(STUDIES, json=make_page([make_study(max_age="80 Years")], total=1))
    result = run("search", "multiple myeloma", "--format", "json")
    assert result.exit_code == 0
    [record] = json.loads(result.stdout)
    assert {
        "nct_id",
        "title",
        "status",
        "phases",
        "conditions",
        "interventions",
        "min_age",
        "max_age",
        "sex",
        "sites_count",
        "last_updated",
        "url",
    } <= set(record)
    assert record["nct_id"] == "NCT01000001"
    assert record["phases"] == ["PHASE2"] and record["interventions"] == ["Teclistamab"]
    assert record["min_age"] == 18 and record["max_age"] == 80 and record["sites_count"] == 1
    assert record["url"] == "https://clinicaltrials.gov/study/NCT01000001"
    assert "1 trial matched the registry search; 1 shown after the local filters." in result.stderr


@responses.activate
def test_search_ndjson_streams_one_object_per_line():
    responses.get(STUDIES, json=make_page(many_studies(3), total=3))
    result = run("search", "--format", "ndjson")
    lines = result.stdout.splitlines()
    assert [json.loads(line)["title"] for line in lines] == [f"Trial number {n}" for n in (1, 2, 3)]


@responses.activate
def test_search_sends_the_options_as_api_parameters():
    responses.get(STUDIES, json=make_page([], total=0))
    result = run(
        "search",
        "lung",
        "cancer",
        "--setting",
        "resistant",
        "--status",
        "recruiting",
        "--phase",
        "2",
        "--age",
        "70",
        "--sex",
        "female",
        "--intervention",
        "osimertinib",
        "--updated-since",
        "2025-01-01",
        "--limit",
        "20",
        "--format",
        "json",
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    params = responses.calls[0].request.params
    assert params["query.cond"] == '("lung" AND "cancer")'
    assert '"castration-resistant"' in params["query.term"]
    assert params["filter.overallStatus"] == "RECRUITING"
    assert params["query.intr"] == '"osimertinib"'
    assert "AREA[Phase]PHASE2" in params["filter.advanced"]
    assert "RANGE[MIN, 70 years]" in params["filter.advanced"]
    assert "AREA[Sex]FEMALE" in params["filter.advanced"]
    assert "RANGE[2025-01-01, MAX]" in params["filter.advanced"]
    # --setting is confirmed on each trial's tags, so more than --limit trials are fetched
    assert int(params["pageSize"]) > 20


@responses.activate
def test_output_file_format_follows_the_extension(tmp_path):
    responses.get(STUDIES, json=make_page(many_studies(2), total=2))
    target = tmp_path / "list.csv"
    result = run("search", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [r["nct_id"] for r in rows] == ["NCT10000001", "NCT10000002"]


@responses.activate
def test_table_format_shows_the_columns():
    responses.get(STUDIES, json=make_page([make_study(phases=["PHASE1", "PHASE2"])], total=7))
    result = run("search", "--format", "table", "--limit", "1")
    assert result.exit_code == 0
    for text in ("NCT01000001", "Teclistamab", "Recruiting", "Phase 1/2", "Multiple Myeloma"):
        assert text in result.stdout
    assert (
        "7 trials matched the registry search; 1 shown after the local filters "
        "(use --limit 0 to check them all)."
    ) in result.stderr


@responses.activate
def test_without_a_terminal_all_results_are_fetched_by_default():
    responses.get(STUDIES, json=make_page([], total=0))
    run("search", "--format", "json")
    assert responses.calls[0].request.params["pageSize"] == "1000"


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "--setting", "refactory"], "Invalid value for '--setting'"),
        (["search", "--phase", "5"], "Invalid value for '--phase'"),
        (["search", "--age", "-3"], "Invalid value for '--age'"),
        (["search", "--updated-since", "31/01/2025"], "is not a date"),
        (["search", "--format", "xml"], "Invalid value for '--format'"),
        (["search", "--limit", "-1"], "Invalid value for '--limit'"),
        (["search", "--stauts", "any"], "Did you mean '--status'?"),
        (["show", "NCT12345X"], "is not an NCT id"),
        (["show", "12345678"], "is not an NCT id"),
        # a digit dropped from NCT00184067 showed that trial, exit 0
        (["show", "NCT0184067"], "is not an NCT id"),
    ],
)
def test_bad_input_is_a_usage_error(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


@responses.activate
def test_show_prints_one_trial_in_full():
    responses.get(f"{STUDIES}/NCT01000001", json=make_study())
    result = run("show", "nct01000001")
    assert result.exit_code == 0
    for text in (
        "NCT01000001",
        "Status:      Recruiting",
        "Teclistamab",
        "Dana-Farber",
        "Relapsed or refractory multiple myeloma",
        "617-555-0100",
        "https://clinicaltrials.gov/study/NCT01000001",
    ):
        assert text in result.stdout


@responses.activate
def test_show_json_is_the_search_record_plus_details():
    study = make_study()
    responses.get(f"{STUDIES}/NCT01000001", json=study)
    responses.get(STUDIES, json=make_page([study], total=1))
    shown = json.loads(run("show", "NCT01000001", "--format", "json").stdout)
    [searched] = json.loads(run("search", "--format", "json").stdout)
    assert {k: shown[k] for k in searched} == searched
    assert shown["eligibility_criteria"].startswith("Inclusion Criteria")
    assert shown["sites"][0]["city"] == "Boston"
    assert shown["arm_groups"][0]["type"] == "EXPERIMENTAL"


@responses.activate
def test_unknown_trial_exits_not_found():
    responses.get(f"{STUDIES}/NCT09999999", status=404)
    result = CliRunner().invoke(cli, ["show", "NCT09999999"])
    assert result.exit_code == 4
    assert result.stderr.startswith("trialfinder: error: NCT09999999 was not found")


def test_a_trial_not_found_at_another_server_names_that_server(fake_api):
    # ("... was not found on ClinicalTrials.gov" of a server at a wrong path)
    result = CliRunner().invoke(cli, ["show", "NCT09999999"])
    assert result.exit_code == 4
    assert f"NCT09999999 was not found on {fake_api.url}" in result.stderr
    assert "check --api-url" in result.stderr


@responses.activate
def test_network_unreachable_is_one_line_naming_the_host():
    responses.get(STUDIES, body=requests.ConnectionError("Name or service not known"))
    result = CliRunner().invoke(cli, ["search"])
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert lines[0] == "trialfinder: error: could not reach ctgov.test"
    assert "--api-url" in lines[1]
    assert "Traceback" not in result.stderr


@responses.activate
def test_debug_shows_the_traceback():
    responses.get(STUDIES, body=requests.ConnectionError("Name or service not known"))
    result = CliRunner().invoke(cli, ["--debug", "search"])
    assert result.exit_code == 3
    assert "Traceback" in result.stderr


@responses.activate
def test_api_400_shows_its_own_text():
    body = "Error parsing query in Conditions or disease: no viable alternative at input 'onset'"
    responses.get(STUDIES, status=400, body=body)
    result = CliRunner().invoke(cli, ["search", "x"])
    assert result.exit_code == 3
    assert body in result.stderr


@responses.activate
def test_partial_results_keep_what_was_written_and_exit_5():
    responses.get(STUDIES, json=make_page(many_studies(2), "tok", total=5))
    responses.get(STUDIES, status=400, body="Invalid pageToken")
    result = CliRunner().invoke(cli, ["search", "--format", "ndjson"])
    assert result.exit_code == 5
    assert len(result.stdout.splitlines()) == 2
    assert "2 of 5 trials fetched" in result.stderr


@responses.activate
def test_skipped_records_are_counted_at_the_end():
    bad = make_study(nct_id="NCT01000009")
    bad["protocolSection"]["designModule"] = "broken"
    responses.get(STUDIES, json=make_page([make_study(), bad], total=2))
    result = CliRunner().invoke(cli, ["search", "--format", "ndjson"])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1
    assert "skipped record NCT01000009" in result.stderr
    assert "1 record could not be read and was skipped" in result.stderr


def test_api_url_option_wins_over_the_environment(fake_api):
    fake_api.studies = many_studies(2)
    result = CliRunner(env={"TRIALFINDER_API_URL": "http://127.0.0.1:9/none"}).invoke(
        cli, ["--api-url", fake_api.url, "search", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 2


class PanicException(BaseException):
    """As pyo3's: a Rust extension's panic is a BaseException, which went past the one-line
    report as a 100-line traceback."""


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (RuntimeError("boom"), "unexpected error: RuntimeError: boom"),
        (
            PanicException("end byte index 5 is not a char boundary"),
            "unexpected error: PanicException: end byte index",
        ),
    ],
)
def test_unexpected_errors_are_one_line_without_debug(monkeypatch, error, said):
    def explode(*args, **kwargs):
        raise error

    monkeypatch.setattr("trialfinder.sources.create", explode)
    result = CliRunner().invoke(cli, ["search"])
    assert result.exit_code == 1
    assert said in result.stderr
    assert "Traceback" not in result.stderr


def test_python_dash_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "trialfinder", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "search" in result.stdout
