"""Summaries on the command line: show, search formats, --templates, explain."""

import csv
import io
import json
from importlib import resources

import pytest
import responses
from click.testing import CliRunner

from trialfinder.cli import cli
from trialfinder.knowledge import load_toml

from conftest import TEST_API_URL
from factories import BOSTON_SITE, make_page, make_study

STUDIES = f"{TEST_API_URL}/studies"


def run(*args, **kwargs):
    return CliRunner().invoke(cli, list(args), **kwargs)


def test_summary_files_are_package_resources():
    assert resources.files("trialfinder.templates").joinpath("summary.txt.j2").is_file()
    for name in ("glossary.toml", "summary.toml", "eligibility.toml"):
        assert load_toml(name), name


@responses.activate
def test_show_leads_with_the_summary_then_the_details():
    responses.get(f"{STUDIES}/NCT01000001", json=make_study())
    result = run("show", "NCT01000001")
    assert result.exit_code == 0, result.output
    out = result.stdout
    # Under the heading, the summary starts with its first question: it does not say its
    # heading again.
    assert out.startswith("In plain words\n  What does it test?\n")
    assert out.lower().count("in plain words") == 1
    assert out.index("A trial is research.") < out.index("Details") < out.index("Status:")
    assert out.index("Details") < out.index("How trialfinder tags it")
    assert "Myeloma means cancer of the plasma cells" in out


@responses.activate
def test_show_json_carries_the_summary():
    responses.get(f"{STUDIES}/NCT01000001", json=make_study())
    record = json.loads(run("show", "NCT01000001", "--format", "json").stdout)
    assert record["summary"].startswith("What does it test?\n")


@responses.activate
def test_search_records_carry_the_summary_in_every_machine_format():
    responses.get(STUDIES, json=make_page([make_study()], total=1))
    [from_json] = json.loads(run("search", "--format", "json").stdout)
    [line] = run("search", "--format", "ndjson").stdout.splitlines()
    rows = list(csv.DictReader(io.StringIO(run("search", "--format", "csv").stdout)))
    summary = from_json["summary"]
    assert summary.startswith("What does it test?\n")
    assert "Teclistamab" in summary
    assert json.loads(line)["summary"] == summary
    assert rows[0]["summary"].replace("\r\n", "\n") == summary


@responses.activate
def test_own_templates_from_the_option_and_the_environment(tmp_path, monkeypatch):
    responses.get(STUDIES, json=make_page([make_study()], total=1))
    option_dir, env_dir = tmp_path / "option", tmp_path / "env"
    option_dir.mkdir()
    env_dir.mkdir()
    (option_dir / "summary.txt.j2").write_text("From the option: {{ s.nct_id }}.")
    (env_dir / "summary.txt.j2").write_text("From the environment: {{ s.nct_id }}.")
    monkeypatch.setenv("TRIALFINDER_TEMPLATES", str(env_dir))
    [record] = json.loads(run("search", "--format", "json").stdout)
    assert record["summary"] == "From the environment: NCT01000001."
    [record] = json.loads(run("--templates", str(option_dir), "search", "--format", "json").stdout)
    assert record["summary"] == "From the option: NCT01000001."


@pytest.fixture
def broken_templates(tmp_path):
    def make(kind: str) -> str:
        folder = tmp_path / kind
        if kind == "missing-folder":
            return str(folder)
        folder.mkdir()
        body = {
            "broken": "{% for x in %}",
            "missing-include": '{% include "footer.j2" %}',
            "failing": "{{ s.no_such_fact }}",
        }[kind]
        (folder / "summary.txt.j2").write_text(body)
        return str(folder)

    return make


@responses.activate
@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing-folder", "does not exist"),
        ("broken", "is broken at line 1"),
        ("missing-include", "'footer.j2' was not found"),
        ("failing", "could not be rendered"),
    ],
)
@pytest.mark.parametrize("command", [["search", "--format", "json"], ["show", "NCT01000001"]])
def test_template_problems_are_a_config_error(broken_templates, kind, message, command):
    responses.get(STUDIES, json=make_page([make_study()], total=1))
    responses.get(f"{STUDIES}/NCT01000001", json=make_study())
    result = run("--templates", broken_templates(kind), *command)
    assert result.exit_code == 6, result.output
    assert result.stderr.startswith("trialfinder: error: ")
    assert message in result.stderr
    assert "Traceback" not in result.output
    if kind in ("missing-folder", "broken"):  # found before any request is sent
        assert len(responses.calls) == 0


@responses.activate
def test_broken_detail_template_for_show_is_a_config_error(tmp_path):
    responses.get(f"{STUDIES}/NCT01000001", json=make_study())
    (tmp_path / "trial.txt.j2").write_text("{{ trial.nct_id ")
    result = run("--templates", str(tmp_path), "show", "NCT01000001")
    assert result.exit_code == 6
    assert "trial.txt.j2 is broken" in result.stderr


@pytest.mark.parametrize("words", [["refractory"], ["CAR-T"], ["car", "t"], ["Placebos"]])
def test_explain_prints_a_definition(words):
    result = run("explain", *words)
    assert result.exit_code == 0
    name, _, definition = result.stdout.strip().partition(": ")
    assert name.lower().replace("-", " ") in " ".join(words).lower().replace("-", " ")
    assert len(definition.split()) >= 4 and definition.endswith(".")


def test_explain_unknown_term_suggests_close_matches():
    result = run("explain", "refactory")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "trialfinder: error: 'refactory' is not in the glossary",
        "  hint: did you mean: refractory?",
    ]


def test_explain_list_and_missing_term():
    listed = run("explain", "--list").stdout.splitlines()
    assert len(listed) == len(load_toml("glossary.toml"))
    assert any(line.startswith("bispecific antibody: ") for line in listed)
    assert run("explain").exit_code == 2


NEAR_BOSTON = BOSTON_SITE
FAR_AWAY = {
    **BOSTON_SITE,
    "facility": "UCSF Helen Diller",
    "city": "San Francisco",
    "state": "California",
    "zip": "94143",
    "geoPoint": {"lat": 37.77493, "lon": -122.41942},
}


def test_with_near_the_summary_names_the_nearest_site(fake_api):
    fake_api.studies = [make_study(locations=[FAR_AWAY, NEAR_BOSTON])]
    result = run("search", "--near", "02115", "--format", "json")
    assert result.exit_code == 0, result.output
    [record] = json.loads(result.stdout)
    summary = record["summary"]
    assert "The nearest site is Dana-Farber Cancer Institute in Boston, Massachusetts" in summary
    assert "It is about 2 miles away." in summary  # the record's distance_mi is 2.0
    assert record["distance_mi"] == 2.0
    assert "The trial has 2 sites in all." in summary
    without = json.loads(run("search", "--format", "json").stdout)[0]["summary"]
    assert "It has 2 sites, all in the United States." in without
    assert "nearest" not in without


def test_show_near_leads_with_a_summary_naming_the_nearest_site(fake_api):
    fake_api.studies = [make_study(locations=[FAR_AWAY, NEAR_BOSTON])]
    result = run("show", "NCT01000001", "--near", "Boston, MA")
    assert result.exit_code == 0, result.output
    plain = result.stdout.split("Details")[0]
    assert "The nearest site is Dana-Farber Cancer Institute" in " ".join(plain.split())


def test_templates_setting_comes_from_the_environment_and_the_option_wins():
    from trialfinder.settings import Settings

    assert Settings.from_env({}).templates is None
    assert (
        Settings.from_env({"TRIALFINDER_TEMPLATES": " /srv/wording "}).templates == "/srv/wording"
    )
    from_both = Settings.from_env({"TRIALFINDER_TEMPLATES": "/env"}, templates="/option")
    assert from_both.templates == "/option"
