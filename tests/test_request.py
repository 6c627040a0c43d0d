"""trialfinder.request: one function builds a search request from a person's options, with
every default, override and rule, for the command line and the digest's saved searches."""

from __future__ import annotations

import pytest

from trialfinder.digest.config import parse_config
from trialfinder.errors import InvalidInput
from trialfinder.geo import geocode, parse_distance
from trialfinder.profile import parse_profile
from trialfinder.request import (
    InvalidRequest,
    Problem,
    SearchOptions,
    SearchRequest,
    build_request,
    profile_conditions,
)
from trialfinder.vocabulary import DEFAULT_SETTINGS, DEFAULT_STATUSES, TERMINAL_LIMIT

PROFILE = parse_profile('age = 64\nsex = "female"\ndiagnosis = "multiple myeloma"\n', "me.toml")
CLI_NAMES = {"within": "--within", "near": "--near PLACE", "fits": "--fit"}


def problems_of(options: SearchOptions, **kwargs) -> list[Problem]:
    with pytest.raises(InvalidRequest) as caught:
        build_request(options, **kwargs)
    assert caught.value.message == caught.value.problems[0].message
    return caught.value.problems


def test_the_defaults_search_recruiting_trials_for_disease_treated_before():
    request = build_request(SearchOptions(conditions=("myeloma", " ")))
    criteria = request.criteria
    assert criteria.conditions == ("myeloma",)
    assert criteria.settings == DEFAULT_SETTINGS and criteria.statuses == DEFAULT_STATUSES
    assert criteria.cancer_only and criteria.limit is None and criteria.page_size is None
    assert request.limit is None  # a file or a pipe gets every trial
    assert request.confirm.settings == DEFAULT_SETTINGS and request.checked_here
    assert not request.wanted.active and request.profile is None


def test_a_terminal_shows_the_first_trials_unless_a_limit_is_given():
    assert build_request(SearchOptions(to_terminal=True)).limit == TERMINAL_LIMIT
    assert build_request(SearchOptions(to_terminal=True, limit=7)).limit == 7
    assert build_request(SearchOptions(to_terminal=True, limit=0)).limit is None
    assert build_request(SearchOptions(to_terminal=True, compare=True)).limit is None
    assert build_request(SearchOptions(limit=0)).limit is None


def test_a_list_of_ids_lifts_the_default_restrictions():
    request = build_request(
        SearchOptions(ids=("nct06627647", "NCT06627647", "NCT04267848"), to_terminal=True)
    )
    criteria = request.criteria
    assert criteria.ids == ("NCT06627647", "NCT04267848")
    assert criteria.settings == () and criteria.statuses == ()
    assert not criteria.cancer_only
    assert request.limit is None  # every trial listed, even on a terminal
    assert not request.checked_here
    given = build_request(SearchOptions(ids=("NCT06627647",), settings=("relapsed",)))
    assert given.criteria.settings == ("relapsed",)


def test_any_means_no_restriction():
    request = build_request(SearchOptions(settings=("any",), statuses=("any",), sex="any"))
    assert request.criteria.settings == () and request.criteria.statuses == ()
    assert request.criteria.sex is None
    assert not request.checked_here


def test_a_profile_fills_in_the_cancer_the_age_and_the_sex():
    request = build_request(SearchOptions(profile=PROFILE))
    assert request.criteria.conditions == profile_conditions(PROFILE) != ()
    assert request.conditions_from_profile
    assert (request.criteria.age, request.criteria.sex) == (64, "female")
    assert request.profile is PROFILE and request.checked_here
    given = build_request(SearchOptions(conditions=("lymphoma",), age=70, profile=PROFILE))
    assert given.criteria.conditions == ("lymphoma",) and not given.conditions_from_profile
    assert given.criteria.age == 70
    by_ids = build_request(SearchOptions(ids=("NCT06627647",), profile=PROFILE))
    assert by_ids.criteria.conditions == () and not by_ids.conditions_from_profile


def test_an_unknown_diagnosis_is_searched_for_as_written():
    profile = parse_profile('diagnosis = "glioblastomatosis xyzzy"\n')
    assert profile_conditions(profile) == ("glioblastomatosis xyzzy",)
    assert profile_conditions(parse_profile("age = 50\n")) == ()


def test_a_place_and_a_distance():
    request = build_request(SearchOptions(near="02115", within="80km"))
    assert request.criteria.near == geocode("02115")
    assert request.criteria.within_mi == parse_distance("80km")
    assert build_request(SearchOptions(near="02115", within=50)).criteria.within_mi == 50.0
    assert build_request(SearchOptions(near="02115")).criteria.within_mi == 100.0
    assert build_request(SearchOptions(near="02115")).criteria.order == "distance"


def test_the_tag_filter_is_checked_and_tidied():
    request = build_request(
        SearchOptions(categories=("CAR-T", "car-t", "immunotherapy"), biomarkers=(" KRAS ", "KRAS"))
    )
    assert request.wanted.categories == ("car-t", "immunotherapy")
    assert request.wanted.biomarkers == ("KRAS",)
    assert request.wanted.active


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (SearchOptions(within="50mi"), "'within' needs 'near' (the place to measure from)"),
        (
            SearchOptions(sort="distance"),
            "'sort' distance needs 'near' (the place to measure from)",
        ),
        (SearchOptions(fits=("possible",)), "'fits' needs 'profile' (the patient's facts)"),
    ],
)
def test_each_rule_between_options_is_checked_here(options, message):
    [problem] = problems_of(options)
    assert problem.message == message and problem.between_options


def test_a_rule_names_the_options_as_the_caller_spells_them():
    [problem] = problems_of(SearchOptions(within="50mi"), spell=lambda o: CLI_NAMES.get(o, o))
    assert problem.message == "--within needs --near PLACE (the place to measure from)"
    assert problem.option == "within"


def test_every_problem_is_found_and_names_its_option():
    problems = problems_of(
        SearchOptions(
            phases=("5",),
            sex="other",
            age=130,
            categories=("magic",),
            biomarkers=("KRASS",),
            near="nowhere at all",
            within="9000mi",
            fits=("possible", "perfect"),
            profile=PROFILE,
        )
    )
    assert [p.option for p in problems] == [
        "near",
        "within",
        "phases",
        "sex",
        "age",
        "categories",
        "biomarkers",
        "fits",
    ]
    assert not any(p.between_options for p in problems)
    assert problems[0].hint and "ZIP" in problems[0].hint
    assert problems[2].message == "unknown phase '5'"


def test_a_distance_out_of_range_is_a_problem_of_within():
    [problem] = problems_of(SearchOptions(near="02115", within="900mi"))
    assert problem.option == "within" and "too far" in problem.message


def test_a_request_problem_is_an_input_error():
    with pytest.raises(InvalidInput, match="unknown sort order"):
        build_request(SearchOptions(sort="alphabetical"))
    [problem] = problems_of(SearchOptions(limit=-1))
    assert problem.option == "limit"


def test_the_digest_builds_its_saved_search_as_the_command_line_does(tmp_path):
    text = """
[smtp]
host = "smtp.example.org"
sender = "d@example.org"

[[search]]
name = "Myeloma near Boston"
condition = "multiple myeloma"
setting = ["relapsed"]
phases = [2, 3]
categories = ["CAR-T"]
biomarkers = ["BCMA"]
near = "02115"
within = 50
recipients = ["a@example.org"]
"""
    saved = parse_config(text, tmp_path / "d.toml").searches[0]
    same = build_request(
        SearchOptions(
            conditions=("multiple myeloma",),
            settings=("relapsed",),
            phases=("2", "3"),
            categories=("car-t",),
            biomarkers=("BCMA",),
            near="02115",
            within="50mi",
        )
    )
    assert saved.request == same
    assert isinstance(saved.request, SearchRequest) and saved.criteria == same.criteria
