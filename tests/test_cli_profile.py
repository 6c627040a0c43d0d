"""The prescreen on the command line: `profile new`, `profile check`, `search --profile`,
`show --profile`, against the fake API (a real HTTP server) serving real records."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from trialfinder.cli import cli
from trialfinder.errors import ExitCode

from conftest import load_real_record, needs_shared

PROFILES = Path(__file__).resolve().parents[1] / "benchmarks" / "labels" / "profiles"
P01 = str(PROFILES / "P01.toml")  # myeloma after four lines, the last a BCMA bispecific
# Myeloma trials: two could fit her, one excludes prior BCMA-directed therapy, one takes one
# or two lines only, and a lymphoma trial.
MYELOMA = ["NCT05984147", "NCT05572515", "NCT06208150", "NCT04975997", "NCT05862012"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# -- profile new, profile check ------------------------------------------------------------------


def test_profile_new_writes_the_commented_template(tmp_path):
    shown = run("profile", "new")
    assert shown.exit_code == 0 and shown.stdout.startswith("# A patient profile")
    path = tmp_path / "me.toml"
    assert run("profile", "new", str(path)).exit_code == 0
    assert path.read_text(encoding="utf-8") == shown.stdout
    again = run("profile", "new", str(path))
    assert again.exit_code == ExitCode.USAGE and "--force" in again.stderr
    assert run("profile", "new", str(path), "--force").exit_code == 0
    checked = run("profile", "check", str(path))
    assert checked.exit_code == 0 and f"{path}: valid." in checked.stdout
    assert "prior treatments: lenalidomide; Velcade = bortezomib;" in checked.stdout


def test_profile_check_reports_every_problem_with_its_line(tmp_path):
    path = tmp_path / "me.toml"
    path.write_text('age = 64\necog = 9\nbrain_metastases = "yes"\nprior_lines = -1\n')
    result = run("profile", "check", str(path))
    assert result.exit_code == ExitCode.CONFIG
    lines = result.stderr.splitlines()
    assert lines[0] == f"trialfinder: error: {path}:2: ecog: 9 is out of range: " + (
        "write an ECOG score, 0 to 4"
    )
    assert lines[1].startswith(f"trialfinder: error: {path}:3: brain_metastases: 'yes'")
    assert lines[2].startswith(f"trialfinder: error: {path}:4: prior_lines: -1 is out of range")
    assert "Traceback" not in result.output


def test_a_short_name_of_several_diseases_is_a_warning_naming_them(tmp_path):
    path = tmp_path / "me.toml"
    path.write_text('diagnosis = "metastatic cutaneous MM"\n')
    result = run("profile", "check", str(path))
    assert result.exit_code == 0
    assert f"{path}:1: diagnosis: 'MM' may mean multiple myeloma, malignant melanoma" in (
        result.stderr
    )
    assert "write the disease's name" in result.stderr


def test_a_diagnosis_of_a_whole_file_is_refused_at_once(tmp_path):
    # 80,000 characters of "history of " took a minute to read, at each use of the profile
    path = tmp_path / "me.toml"
    path.write_text('diagnosis = "' + "history of " * 8_000 + '"\n')
    result = run("profile", "check", str(path))
    assert result.exit_code == ExitCode.CONFIG
    assert f"{path}:1: diagnosis: 88,000 characters is too long" in result.stderr


def test_an_unknown_drug_is_a_warning_naming_it(tmp_path):
    path = tmp_path / "me.toml"
    path.write_text('prior_treatments = ["Revlimid", "Velcad"]\n')
    result = run("profile", "check", str(path))
    assert result.exit_code == 0
    assert "trialfinder: warning:" in result.stderr and "'Velcad'" in result.stderr
    assert "did you mean 'Velcade'?" in result.stderr
    assert "Velcad = not known" in result.stdout


def test_a_missing_profile_stops_a_search_before_it_starts(tmp_path, fake_api):
    result = run("search", "--profile", str(tmp_path / "nope.toml"))
    assert result.exit_code == ExitCode.CONFIG
    assert "does not exist" in result.stderr
    assert fake_api.request_urls() == []


def test_fit_needs_a_profile_and_known_verdicts():
    alone = run("search", "--fit", "possible")
    assert alone.exit_code == ExitCode.USAGE and "--fit needs --profile" in alone.stderr
    wrong = run("search", "--profile", P01, "--fit", "possible,excludd")
    assert wrong.exit_code == ExitCode.USAGE
    assert "did you mean 'excluded'?" in wrong.stderr


# -- search --profile ---------------------------------------------------------------------------


@pytest.fixture
def myeloma(fake_api):
    fake_api.studies[:] = [load_real_record(nct_id) for nct_id in MYELOMA]
    return fake_api


def _query(api) -> dict[str, str]:
    return api.studies_requests()[0].params


@needs_shared
def test_search_with_a_profile_puts_possible_trials_first_and_counts_the_verdicts(myeloma):
    result = run("search", "--profile", P01, "--setting", "any", "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    fits = [r["fit"] for r in records]
    assert fits == sorted(fits, key=["possible", "check", "excluded"].index)
    by_id = {r["nct_id"]: r for r in records}
    assert by_id["NCT06208150"]["fit"] == "possible"
    bcma = by_id["NCT05572515"]
    assert bcma["fit"] == "excluded"
    failed = [c for c in bcma["checks"] if c["outcome"] == "fail"]
    assert {c["rule"] for c in failed} == {"prior-lines", "prior-therapy-excluded"}
    for check in bcma["checks"]:
        assert set(check) >= {"rule", "outcome", "permanent", "text", "fact", "reason"}
    assert by_id["NCT05984147"]["fit"] == "excluded"  # lymphoma, not myeloma
    # The diagnosis is searched for, her age and sex are filters.
    query = _query(myeloma)
    assert query["query.cond"] == '"multiple myeloma"'
    assert "64 years" in query["filter.advanced"] and "FEMALE" in query["filter.advanced"]
    assert 'searching for "multiple myeloma", the profile\'s diagnosis' in result.stderr
    counted = [line for line in result.stderr.splitlines() if "against the profile" in line]
    assert counted == [
        "trialfinder: against the profile P01.toml: 2 possible, 0 check, 3 excluded; "
        "excluded trials are shown last."
    ]


@needs_shared
def test_fit_leaves_out_what_it_does_not_name_and_says_so(myeloma):
    result = run(
        "search",
        "--profile",
        P01,
        "--setting",
        "any",
        "--fit",
        "possible,check",
        "-q",
        "--format",
        "ndjson",
    )
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["fit"] for r in records} == {"possible"}
    assert "3 excluded left out (--fit possible,check)" in result.stderr  # even with --quiet


@needs_shared
def test_a_condition_given_wins_over_the_diagnosis(myeloma):
    run("search", "amyloidosis", "--profile", P01, "--setting", "any", "--format", "json")
    assert _query(myeloma)["query.cond"] == '"amyloidosis"'


@needs_shared
def test_csv_and_the_table_carry_the_fit(myeloma, tmp_path):
    path = tmp_path / "list.csv"
    result = run("search", "--profile", P01, "--setting", "any", "-o", str(path))
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert list(rows[0])[-4:] == ["fit", "fit_reason", "failed_criteria", "unknown_criteria"]
    bcma = next(r for r in rows if r["nct_id"] == "NCT05572515")
    assert bcma["fit"] == "excluded" and bcma["fit_reason"].startswith("Not for you: ")
    assert (
        "Received any prior B cell maturation antigen (BCMA)-directed therapy"
        in (bcma["failed_criteria"])
    )
    table = run("search", "--profile", P01, "--setting", "any")
    header, *lines = table.stdout.splitlines()
    assert header.split("\t")[-1] == "Fit"
    assert [line.split("\t")[-1] for line in lines][:2] == ["possible", "possible"]


@needs_shared
def test_a_workbook_carries_the_fit_and_explains_it(myeloma, tmp_path):
    # a workbook of a prescreened search had no verdicts, though sorted by them: every trial
    # looked like a candidate
    path = tmp_path / "list.xlsx"
    assert run("search", "--profile", P01, "--setting", "any", "-o", str(path)).exit_code == 0
    book = openpyxl.load_workbook(path)
    rows = list(book["Trials"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[-4:] == ["fit", "fit_reason", "failed_criteria", "unknown_criteria"]
    row = next(r for r in rows if r[header.index("nct_id")] == "NCT05572515")
    bcma = dict(zip(header, row, strict=True))
    assert bcma["fit"] == "excluded" and bcma["fit_reason"].startswith("Not for you: ")
    assert "BCMA" in bcma["failed_criteria"]
    explained = [r[0] for r in book["About the columns"].iter_rows(values_only=True)]
    assert {"fit", "fit_reason", "failed_criteria", "unknown_criteria"} <= set(explained)
    plain = tmp_path / "plain.xlsx"
    run("search", "multiple myeloma", "--setting", "any", "-o", str(plain))
    assert "fit" not in next(openpyxl.load_workbook(plain)["Trials"].iter_rows(values_only=True))


@needs_shared
def test_without_a_profile_nothing_changes(myeloma, tmp_path):
    result = run("search", "multiple myeloma", "--setting", "any", "--format", "json")
    assert all("fit" not in record for record in json.loads(result.stdout))
    assert "against the profile" not in result.stderr
    path = tmp_path / "list.csv"
    run("search", "multiple myeloma", "--setting", "any", "-o", str(path))
    assert "fit_reason" not in path.read_text(encoding="utf-8").splitlines()[0]


# -- show --profile -------------------------------------------------------------------------------


@needs_shared
def test_show_prints_the_checklist_after_the_summary(myeloma):
    result = run("show", "NCT05572515", "--profile", P01)
    assert result.exit_code == 0
    text = result.stdout
    plain, checklist, details = (
        text.index("In plain words"),
        text.index("Could you join? Checked against P01.toml"),
        text.index("Details"),
    )
    assert plain < checklist < details
    part = text[checklist:details]
    assert "excluded: Not for you:" in part
    said = "- fail: The trial does not take people who have had a BCMA-directed therapy; you had"
    assert said in " ".join(part.split())
    assert part.index("- fail:") < part.index("- pass:")
    data = json.loads(run("show", "NCT05572515", "--profile", P01, "--format", "json").stdout)
    assert data["fit"] == "excluded" and data["checks"]


@needs_shared
def test_show_asks_the_questions_of_what_the_profile_does_not_say(myeloma, tmp_path):
    path = tmp_path / "little.toml"
    path.write_text('diagnosis = "myeloma"\nage = 70\n')
    text = " ".join(run("show", "NCT04975997", "--profile", str(path)).stdout.split())
    assert (
        "check: Nothing in the profile rules you out, but your disease setting and number of "
        "earlier treatments could not be checked"
    ) in text
    asks = text[text.index("To ask your care team:") :]
    assert asks.index(
        "- Ask whether your cancer counts as refractory for this trial."
    ) < asks.index("- Ask how many lines of treatment you have had")
    assert "Ask your care team for your ECOG performance status" in text
