"""Options as people type them: global options after the command, a did-you-mean for every
choice, --quiet for cron jobs, --debug's request log, and the spelling vocabulary."""

from __future__ import annotations

import csv
import re

import pytest
from click.testing import CliRunner

from trialfinder.cli import cli, hoist_global_options
from trialfinder.errors import ExitCode
from trialfinder.hints import closest_choice, condition_words, spelling_suggestion
from trialfinder.settings import Settings
from trialfinder.sources.ctgov import ClinicalTrialsGov

from factories import make_study, many_studies


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["search", "myeloma", "--no-cache"], ["--no-cache", "search", "myeloma"]),
        (["show", "NCT01000001", "--debug"], ["--debug", "show", "NCT01000001"]),
        (
            ["search", "x", "--api-url", "http://h/api/v2", "--limit", "3"],
            ["--api-url", "http://h/api/v2", "search", "x", "--limit", "3"],
        ),
        (
            ["--debug", "search", "--templates=t", "-q"],
            ["--debug", "--templates=t", "-q", "search"],
        ),
        # After "--", nothing is an option: a condition may be written "--debug".
        (["search", "--", "--debug"], ["search", "--", "--debug"]),
        (["--api-url", "http://h", "search"], ["--api-url", "http://h", "search"]),
        (["--version"], ["--version"]),
    ],
)
def test_global_options_after_the_command_are_moved_before_it(args, expected):
    assert hoist_global_options(args) == expected


def test_global_options_after_the_command_work(fake_api):
    fake_api.studies = [make_study()]
    result = run("search", "myeloma", "--no-cache", "--debug", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"NCT01000001"' in result.stdout
    result = run("show", "NCT01000001", "--debug")
    assert result.exit_code == 0, result.output
    # --debug logs each request: method, URL, status, bytes, time.
    log = re.search(
        r"DEBUG: GET (http://127\.0\.0\.1:\d+/api/v2/studies/NCT01000001\?fields=\S+) -> 200, "
        r"([\d,]+) bytes, \d+\.\d\d s",
        result.stderr,
    )
    assert log, result.stderr
    assert int(log.group(2).replace(",", "")) > 100


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["search", "--status", "recruting"], "did you mean 'recruiting'?"),
        (["search", "--setting", "refactory"], "did you mean 'refractory'?"),
        (["search", "--category", "cart"], "did you mean 'car-t'?"),
        (["search", "--category", "imunotherapy"], "did you mean 'immunotherapy'?"),
        (["search", "--sort", "distanse"], "did you mean 'distance'?"),
        (["search", "--format", "cvs"], "did you mean 'csv'?"),
        (["search", "--sex", "femal"], "did you mean 'female'?"),
        (["search", "--phase", "erly1"], "did you mean 'early1'?"),
        (["show", "NCT01000001", "--format", "jsn"], "did you mean 'json'?"),
    ],
)
def test_a_mistyped_choice_gets_a_did_you_mean(args, suggestion):
    result = run(*args)
    assert result.exit_code == ExitCode.USAGE
    error = result.stderr.strip().splitlines()[-1]
    # one sentence saying what is wrong, then the question: "... 'male'. Did you mean 'male'?"
    assert error.endswith(". D" + suggestion[1:]), error
    assert ".." not in error and ".;" not in error and "Traceback" not in result.stderr


def test_a_choice_far_from_all_gets_the_list_only():
    result = run("search", "--status", "zzzz")
    assert result.exit_code == ExitCode.USAGE
    assert "did you mean" not in result.stderr and "recruiting" in result.stderr


def test_closest_choice_ignores_case_and_separators():
    assert closest_choice("Not Yet Recruiting", ["recruiting", "not-yet-recruiting"]) == (
        "not-yet-recruiting"
    )
    assert closest_choice("CAR T", ["car-t", "chemotherapy"]) == "car-t"
    assert closest_choice("xyz", ["car-t"]) is None


def test_quiet_export_prints_nothing_on_success(fake_api, tmp_path):
    fake_api.studies = many_studies(3)
    out = tmp_path / "shortlist.csv"
    result = run("search", "-o", str(out), "--quiet")
    assert result.exit_code == 0
    assert result.stderr == "" and result.stdout == ""
    with out.open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.reader(handle))) == 4  # the header and 3 trials
    # Without it, the count line.
    assert "3 trials matched" in run("search", "-o", str(out)).stderr


def test_quiet_still_prints_errors(fake_api):
    fake_api.fail("/studies", status=404, body="gone")
    result = run("-q", "search")
    assert result.exit_code != 0 and "trialfinder: error:" in result.stderr


def test_quiet_still_reports_ids_not_found(fake_api, tmp_path):
    fake_api.studies = [make_study()]
    ids = tmp_path / "ids.txt"
    ids.write_text("NCT01000001\nNCT09999999\n", encoding="utf-8")
    result = run("search", "--ids-file", str(ids), "--quiet", "--format", "json")
    assert result.exit_code == 0
    assert result.stderr.strip() == (
        "trialfinder: 1 NCT id not found with this search's options: NCT09999999"
    )


def test_debug_logs_each_retry(fake_api):
    fake_api.studies = [make_study()]
    fake_api.fail("/studies", status=503)
    result = run("--debug", "search", "--format", "json")
    assert result.exit_code == 0, result.output
    assert re.search(r"GET \S+/studies\?\S+ -> 503", result.stderr)
    assert "waiting 0 s: the registry said 503 (busy or failing)" in result.stderr


def test_retries_are_announced_and_cleared_once_through(fake_api):
    fake_api.studies = [make_study()]
    fake_api.fail("/studies", status=429, headers={"Retry-After": "3"})
    fake_api.fail("/studies", action="reset")
    source = ClinicalTrialsGov(Settings(api_url=fake_api.url, cache=False), sleep=lambda s: None)
    notices: list[str] = []
    source.on_retry = notices.append
    from trialfinder.criteria import SearchCriteria

    assert len(list(source.search(SearchCriteria(settings=("any",))))) == 1
    # Retry-After said 3 seconds; the connection reset waits its back-off.
    assert notices[0] == "waiting 3 s: the registry said 429 (too many requests)"
    assert re.fullmatch(r"waiting \S+ s: could not connect to 127\.0\.0\.1:\d+", notices[1])
    assert notices[-1] == ""  # through: the notice is cleared


def test_the_spelling_vocabulary_fixes_common_misspellings():
    assert spelling_suggestion(["multiple myloma"]) == ["multiple myeloma"]
    assert spelling_suggestion(["brest", "cancr"]) == ["breast", "cancer"]
    assert spelling_suggestion(["glioblastoma"]) is None
    assert spelling_suggestion(["NSCLC", "KRAS"]) is None  # unknown, but nothing close
    words = condition_words()
    assert {"myeloma", "glioblastoma", "lymphoma", "leukemia", "carcinoma"} <= words
