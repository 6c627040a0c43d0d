"""Every data file in trialfinder/data/ is checked when it is read: a broken copy of each, read
through its public loader, is an error naming the file, the line and the key (did you mean?)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from trialfinder.errors import ConfigError, ExitCode
from trialfinder.knowledge import InvalidDataFile, data_text, load_toml, read_data_file
from trialfinder.profile import load_profile
from trialfinder.schemas import (
    API_INTERVENTION_TYPES,
    API_PHASES,
    API_SEXES,
    API_STATUSES,
    OWN_READERS,
    SCHEMAS,
)
from trialfinder.tagging.context import load_rules
from trialfinder.tagging.drug_classes import parse_drug_classes
from trialfinder.validation import InvalidConfig

from conftest import SHARED

DATA = resources.files("trialfinder").joinpath("data")


def _shipped() -> set[str]:
    return {entry.name for entry in DATA.iterdir() if entry.name.endswith(".toml")}


def test_every_data_file_has_a_shape_or_a_reader_of_its_own():
    assert _shipped() == set(SCHEMAS) | set(OWN_READERS)
    assert not set(SCHEMAS) & set(OWN_READERS)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_shipped_data_file_has_its_shape(name):
    assert load_toml(name)


def _broken(tmp_path: Path, name: str, old: str, new: str, count: int = 1) -> tuple[Path, int]:
    """A copy of data file ``name`` with ``old`` written ``new`` (its first ``count`` times),
    and the line of the first change."""
    text = data_text(name)
    assert old in text, f"{old!r} is not in {name}"
    changed = text.replace(old, new, count)
    before = changed.split(new, 1)[0] + new[: len(new) - len(new.lstrip("\n"))]
    path = tmp_path / name
    path.write_text(changed, encoding="utf-8")
    return path, before.count("\n") + 1


# (file, what is written, what it becomes, the problem said after "file:line: ")
BROKEN = [
    (
        "lexicon.toml",
        "[car-t.stems]",
        "[car-t.stmes]",
        "car-t.stmes: unknown key (did you mean 'stems'?)",
    ),
    (
        "lexicon.toml",
        "[immunotherapy.drugs]",
        "[immunotherpy.drugs]",
        "immunotherpy: unknown key (did you mean 'immunotherapy'?)",
    ),
    (
        "lexicon.toml",
        'means = "describes chemotherapy"',
        'mean = "describes chemotherapy"',
        "chemotherapy.mechanisms[1].mean: unknown key (did you mean 'means'?)",
    ),
    (
        "lexicon.toml",
        "[not_treatment]",
        "[not_treatments]",
        "not_treatments: unknown key (did you mean 'not_treatment'?)",
    ),
    (
        "lexicon.toml",
        '"Tyrosine Kinase Inhibitors" = "targeted-therapy"',
        '"Tyrosine Kinase Inhibitors" = "targeted therapy"',
        "mesh_ancestors.\"Tyrosine Kinase Inhibitors\": 'targeted therapy' is not a category "
        "(did you mean 'targeted-therapy'?)",
    ),
    (
        "biomarkers.toml",
        "needs_context = true",
        "need_context = true",
        "KRAS.need_context: unknown key (did you mean 'needs_context'?)",
    ),
    (
        "biomarkers.toml",
        "\n[context]",
        "\n[contxt]",
        "contxt: unknown key (did you mean 'context'?)",
    ),
    (
        "biomarkers.toml",
        "pattern = '\\bN-?RAS\\b'",
        "pattern = '\\bN-?(RAS\\b'",
        "NRAS.pattern: the regular expression does not compile: missing ), unterminated "
        "subpattern at position 5",
    ),
    (
        "settings.toml",
        "search_terms = [",
        "search_term = [",
        "refractory.search_term: unknown key (did you mean 'search_terms'?)",
    ),
    (
        "settings.toml",
        'rules_out = ["refractory", "relapsed", "resistant"]',
        'rules_out = ["refractory", "relapse", "resistant"]',
        "not_treated[1].rules_out[2]: 'relapse' is not a setting (did you mean 'relapsed'?)",
    ),
    (
        "diseases.toml",
        'within = ["cancer"]',
        'witin = ["cancer"]',
        "disease.\"solid tumor\".witin: unknown key (did you mean 'within'?)",
    ),
    (
        "diseases.toml",
        'within = ["lymphoid malignancy"]',
        'within = ["lymphoid malignancies"]',
        "disease.\"B-cell malignancy\".within: no disease 'lymphoid malignancies' (did you "
        "mean 'lymphoid malignancy'?)",
    ),
    (
        "eligibility.toml",
        "strong_negations = [",
        "strong_negation = [",
        "requirements.context.strong_negation: unknown key (did you mean 'strong_negations'?)",
    ),
    (
        "prescreen.toml",
        "permanent = true",
        "permanant = true",
        "rule.disease.permanant: unknown key (did you mean 'permanent'?)",
    ),
    (
        "prescreen.toml",
        'unknown-narrower = "',
        'unknown-narrowr = "',
        "rule.disease.unknown-narrowr: unknown key (did you mean 'unknown-narrower'?)",
    ),
    (
        "prescreen_examples.toml",
        "profile = {",
        "profil = {",
        "example[1].profil: unknown key (did you mean 'profile'?)",
    ),
    (
        "prescreen_examples.toml",
        'outcome = "pass"',
        'outcome = "passed"',
        "example[1].outcome: 'passed' is not an outcome (did you mean 'pass'?)",
    ),
    (
        "summary.toml",
        "max_rules = 8",
        "max_rule = 8",
        "requirements.max_rule: unknown key (did you mean 'max_rules'?)",
    ),
    (
        "summary.toml",
        "[requirements.ecog]",
        "[requirements.ecgo]",
        "requirements.ecgo: unknown key: not a kind that `show` lists (did you mean 'ecog'?)",
    ),
    (
        "summary.toml",
        "not_other_names = [",
        "not_other_name = [",
        "interventions.not_other_name: unknown key (did you mean 'not_other_names'?)",
    ),
    (
        "summary.toml",
        "RECRUITING = ",
        "RECRUITNG = ",
        "statuses.RECRUITNG: unknown name (did you mean 'RECRUITING'?)",
    ),
    (
        "glossary.toml",
        "means = ",
        "meaning = ",
        "refractory.meaning: unknown key (did you mean 'means'?)",
    ),
    (
        "places.toml",
        "\n[abbreviations]",
        "\n[abbreviation]",
        "abbreviation: unknown key (did you mean 'abbreviations'?)",
    ),
    (
        "categories.toml",
        "is_a = ",
        "isa = ",
        "targeted-therapy.isa: unknown key (did you mean 'is_a'?)",
    ),
    (
        "categories.toml",
        "[surgery]",
        "[surgey]",
        "surgey: unknown name (did you mean 'surgery'?)",
    ),
    (
        "columns.toml",
        "meaning = ",
        "meanings = ",
        "nct_id.meanings: unknown key (did you mean 'meaning'?)",
    ),
    (
        "cancer.toml",
        "mesh_ancestors = ",
        "mesh_ancestor = ",
        "mesh_ancestor: unknown key (did you mean 'mesh_ancestors'?)",
    ),
    (
        "conditions.toml",
        "names = [",
        "name = [",
        "name: unknown key (did you mean 'names'?)",
    ),
    # names a file gives of another table of it
    (
        "diseases.toml",
        'uterine = "endometrial cancer"',
        'uterine = "endometrial cancr"',
        "words.profile_organs.uterine: no disease 'endometrial cancr' (did you mean"
        " 'endometrial cancer'?)",
    ),
    (
        "prescreen.toml",
        'unsaid_kinds = { HER2 = ["expression"',
        'unsaid_kinds = { HER2 = ["expresion"',
        "markers.unsaid_kinds.HER2: no kind of change 'expresion' in change_kinds",
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "problem"), BROKEN, ids=[f"{b[0]}-{b[2]}" for b in BROKEN]
)
def test_a_broken_copy_of_a_data_file_names_its_file_line_and_key(
    tmp_path, name, old, new, problem
):
    path, line = _broken(tmp_path, name, old, new)
    with pytest.raises(InvalidDataFile) as raised:
        read_data_file(path)
    assert f"{path}:{line}: {problem}" in raised.value.lines()
    assert raised.value.exit_code == ExitCode.CONFIG
    assert name in raised.value.hint


def test_every_problem_of_a_file_is_said_at_once_in_file_order(tmp_path):
    path, _ = _broken(tmp_path, "glossary.toml", "means = ", "meaning = ", count=2)
    with pytest.raises(InvalidDataFile) as raised:
        read_data_file(path)
    lines = raised.value.lines()
    assert len(lines) == 4  # two unknown keys, two missing
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == sorted(numbers)
    assert "refractory: the key 'means' is missing (text in quotes)" in lines[0]
    assert "(and 3 more problems)" in raised.value.message


def test_a_value_of_the_wrong_kind_is_named_with_its_line(tmp_path):
    path, line = _broken(tmp_path, "lexicon.toml", 'find = ["chemo",', 'find = "chemo"\nx = [')
    with pytest.raises(InvalidDataFile) as raised:
        read_data_file(path)
    assert raised.value.lines()[0] == (
        f"{path}:{line}: chemotherapy.mechanisms[1].find: "
        "expected a list of texts in quotes, got a string 'chemo'"
    )


def test_a_copy_is_checked_as_the_file_it_is_named_for(tmp_path):
    copy = tmp_path / "my-places.toml"
    copy.write_text('[states]\nohio = "OH"\n', encoding="utf-8")
    with pytest.raises(InvalidDataFile) as raised:
        read_data_file(copy, "places.toml")
    assert raised.value.lines() == [
        f"{copy}: the key 'abbreviations' is missing (a table)",
        f"{copy}: the key 'population' is missing (a table)",
        f"{copy}: the key 'countries' is missing (a table)",
    ]
    with pytest.raises(ValueError, match="not a data file"):
        read_data_file(copy)


def test_a_copy_that_is_not_toml_or_cannot_be_read_is_a_config_error(tmp_path):
    copy = tmp_path / "cancer.toml"
    copy.write_text('mesh_ancestors = []\nwords = ["a" "b"]\n', encoding="utf-8")
    with pytest.raises(InvalidDataFile, match=r"cancer\.toml:2: not valid TOML"):
        read_data_file(copy)
    with pytest.raises(ConfigError, match="cannot read"):
        read_data_file(tmp_path / "nowhere.toml", "cancer.toml")


# -- the files with readers of their own ----------------------------------------------------


def test_a_broken_copy_of_the_context_rules_names_its_line_and_key(tmp_path):
    path, line = _broken(tmp_path, "context.toml", "category = ", "categroy = ")
    with pytest.raises(InvalidConfig) as raised:
        load_rules(path)
    assert f"{path}:{line}: rule[1].categroy: unknown key (did you mean 'category'?)" in (
        raised.value.lines()
    )


def test_a_broken_copy_of_the_drug_classes_names_its_line_and_key(tmp_path):
    path, line = _broken(tmp_path, "drug_classes.toml", "members = ", "member = ")
    with pytest.raises(InvalidConfig) as raised:
        parse_drug_classes(path.read_text(encoding="utf-8"), path)
    assert raised.value.lines()[0] == (
        f"{path}:{line}: \"BCMA-directed therapy\".member: unknown key (did you mean 'members'?)"
    )


def test_a_broken_copy_of_the_profile_example_names_its_line_and_key(tmp_path):
    path, line = _broken(tmp_path, "profile_template.toml", "\nage = ", "\nagge = ")
    with pytest.raises(InvalidConfig) as raised:
        load_profile(path)
    assert f"{path}:{line}: agge: unknown key (did you mean 'age'?)" in raised.value.lines()


def test_the_shipped_profile_example_is_a_valid_profile(tmp_path):
    path = tmp_path / "me.toml"
    path.write_text(data_text("profile_template.toml"), encoding="utf-8")
    assert load_profile(path).warnings == ()


# -- the registry's own values ------------------------------------------------------------


@pytest.mark.skipif(
    not (SHARED / "ctg-oas-v2.yaml").is_file(), reason=f"no OpenAPI spec at {SHARED}"
)
def test_the_registry_values_the_summary_words_are_the_api_enums():
    schemas = yaml.safe_load((SHARED / "ctg-oas-v2.yaml").read_text(encoding="utf-8"))
    enums = schemas["components"]["schemas"]
    assert set(API_STATUSES) == set(enums["Status"]["enum"])
    assert set(API_PHASES) == set(enums["Phase"]["enum"])
    assert set(API_SEXES) == set(enums["Sex"]["enum"])
    assert set(API_INTERVENTION_TYPES) == set(enums["InterventionType"]["enum"])
