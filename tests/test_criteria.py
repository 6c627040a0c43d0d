import datetime as dt
import itertools
import re
from urllib.parse import urlencode

import pytest
from spec_check import check_essie, check_request, needs_spec

from trialfinder.criteria import (
    ESSIE_OPERATORS,
    PHASES,
    SEXES,
    SearchCriteria,
    area_value,
    essie_text,
    parse_date,
)
from trialfinder.errors import InvalidInput
from trialfinder.settings import Settings
from trialfinder.sources.ctgov import ClinicalTrialsGov

API = "https://clinicaltrials.gov/api/v2"


SOURCE = ClinicalTrialsGov(Settings(api_url=API))


def first_page_url(criteria: SearchCriteria) -> str:
    params = SOURCE.page_params(criteria)
    return f"{API}/studies?{urlencode(params)}"


OPTION_VALUES = {
    "conditions": [(), ("multiple myeloma",), ('non-hodgkin\'s "B-cell" (DLBCL) AND OR', "NOT")],
    "settings": [
        ("refractory",),
        ("relapsed", "resistant"),
        ("any",),
        ("refractory", "relapsed", "resistant"),
    ],
    "statuses": [("recruiting", "not-yet-recruiting"), ("completed",), ("any",)],
    "phases": [(), ("early1",), ("1", "2", "3", "4")],
    "age": [None, 0, 67],
    "sex": [None, "female", "male"],
    "intervention": [None, 'CAR-T "cilta-cel" [BCMA]'],
    "updated_since": [None, dt.date(2025, 1, 31)],
    "limit": [None, 5, 1000, 5000],
}


@needs_spec
def test_every_option_combination_validates_against_the_spec():
    names = list(OPTION_VALUES)
    count = 0
    for values in itertools.product(*OPTION_VALUES.values()):
        criteria = SearchCriteria(**dict(zip(names, values, strict=True)))
        check_request(first_page_url(criteria))
        count += 1
    assert count == 3 * 4 * 3 * 3 * 3 * 3 * 2 * 2 * 4


@needs_spec
def test_later_pages_and_single_trial_requests_validate():
    params = SOURCE.page_params(SearchCriteria(limit=None))
    params.pop("countTotal")
    params["pageToken"] = "ZVt07cGHkvI2wRk2CJf6_LLq14bEL8swd7KrgP4YnzmVtA"
    check_request(f"{API}/studies?{urlencode(params)}")
    check_request(f"{API}/studies/NCT01234567")
    ids = SearchCriteria(ids=("nct01234567", "NCT04267848"), statuses=("any",), settings=("any",))
    check_request(first_page_url(ids))
    check_request(first_page_url(SearchCriteria(site_details=False)))
    check_request(f"{API}/studies/NCT01234567?{urlencode(SOURCE.study_params())}")


@needs_spec
def test_the_checker_rejects_what_the_spec_forbids():
    with pytest.raises(AssertionError, match="not in the spec"):
        check_request(f"{API}/studies?filter.phase=PHASE2")
    with pytest.raises(AssertionError, match="does not validate"):
        check_request(f"{API}/studies?filter.overallStatus=BOGUS")
    with pytest.raises(AssertionError, match="does not validate"):
        check_request(f"{API}/studies/NCTX")
    with pytest.raises(AssertionError):
        check_essie('AREA[Condition]"a" AND (b')


def test_user_text_only_ever_appears_inside_quotes():
    hostile = 'lung "cancer" ) OR AREA[Phase]PHASE3 AND NOT (x [y] \\ MISSING'
    expression = essie_text(hostile)
    check_essie(expression)
    outside_quotes = re.sub(r'"[^"]*"', "", expression)
    assert set(outside_quotes.split()) <= {"(", ")", "AND", "(AND", ")AND"} | {""}
    assert re.sub(r"[()\s]|AND", "", outside_quotes) == ""
    phrases = re.findall(r'"([^"]*)"', expression)
    assert phrases == [
        "lung",
        "cancer",
        ")",
        "OR",
        "AREA[Phase]PHASE3",
        "AND",
        "NOT",
        "(x",
        "[y]",
        "MISSING",
    ]


def test_quoted_user_phrases_stay_phrases():
    assert essie_text('"multiple myeloma" kras') == '("multiple myeloma" AND "kras")'
    assert essie_text("  ") == ""


def test_default_criteria_restrict_to_refractory_recruiting_cancer_trials():
    params = SearchCriteria().to_params()
    assert params["filter.overallStatus"] == "RECRUITING|NOT_YET_RECRUITING"
    assert '"relapsed/refractory"' in params["query.term"]
    assert '"hormone-refractory"' in params["query.term"]
    assert 'AREA[ConditionAncestorTerm]"Neoplasms"' in params["filter.advanced"]
    assert "query.cond" not in params


def test_settings_choose_their_own_wording():
    resistant = SearchCriteria(settings=("resistant",)).to_params()["query.term"]
    assert '"castration-resistant"' in resistant and '"platinum-resistant"' in resistant
    assert '"hormone-refractory"' not in resistant
    assert "query.term" not in SearchCriteria(settings=("any", "refractory")).to_params()


def test_age_filter_includes_trials_without_age_limits():
    advanced = SearchCriteria(age=67).to_params()["filter.advanced"]
    assert (
        "(AREA[MinimumAge]RANGE[MIN, 67 years] OR AREA[MinimumAge]MISSING) AND "
        "(AREA[MaximumAge]RANGE[67 years, MAX] OR AREA[MaximumAge]MISSING)"
    ) in advanced


def test_phase_sex_and_date_filters():
    advanced = SearchCriteria(
        phases=("1", "early1"), sex="Female", updated_since=dt.date(2025, 3, 1)
    ).to_params()["filter.advanced"]
    assert "(AREA[Phase]PHASE1 OR AREA[Phase]EARLY_PHASE1)" in advanced
    assert '(AREA[Sex]FEMALE OR AREA[Sex]"ALL" OR AREA[Sex]MISSING)' in advanced
    assert "AREA[LastUpdatePostDate]RANGE[2025-03-01, MAX]" in advanced


@needs_spec
@pytest.mark.parametrize("sex, value", [("male", "MALE"), ("FEMALE", "FEMALE")])
def test_the_sex_filter_sends_all_as_the_enum_value_not_the_operator(sex, value):
    criteria = SearchCriteria(sex=sex, settings=("any",), cancer_only=False)
    assert criteria.to_params()["filter.advanced"] == (
        f'(AREA[Sex]{value} OR AREA[Sex]"ALL" OR AREA[Sex]MISSING)'
    )
    check_request(first_page_url(criteria))


@needs_spec
def test_the_checker_rejects_the_all_operator_outside_quotes():
    old = "(AREA[Sex]MALE OR AREA[Sex]ALL OR AREA[Sex]MISSING)"
    with pytest.raises(AssertionError, match="ALL operator"):
        check_request(f"{API}/studies?{urlencode({'filter.advanced': old})}")


def test_no_enum_value_sent_bare_reads_as_an_operator():
    # Every enum value the criteria can put in an expression, bare or quoted as needed.
    advanced = SearchCriteria(phases=tuple(PHASES), sex="female").to_params()["filter.advanced"]
    outside_quotes = re.sub(r'"[^"]*"', "", advanced)
    for value in [*PHASES.values(), *SEXES.values(), "ALL"]:
        assert value in advanced
    assert set(re.findall(r"AREA\[\w+\](\w+)", outside_quotes)) & ESSIE_OPERATORS <= {"MISSING"}
    assert area_value("Sex", "ALL") == 'AREA[Sex]"ALL"'
    assert area_value("Sex", "all") == 'AREA[Sex]"all"'
    assert area_value("Phase", "PHASE2") == "AREA[Phase]PHASE2"


def test_page_size_follows_a_smaller_limit_only():
    source = SOURCE
    assert source.page_params(SearchCriteria(limit=5))["pageSize"] == "5"
    assert source.page_params(SearchCriteria(limit=0))["pageSize"] == "1000"
    assert source.page_params(SearchCriteria(limit=5000))["pageSize"] == "1000"
    assert source.page_params(SearchCriteria())["countTotal"] == "true"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"settings": ("refactory",)}, "unknown setting 'refactory'"),
        ({"statuses": ("recruting",)}, "unknown status 'recruting'"),
        ({"phases": ("5",)}, "unknown phase '5'"),
        ({"sex": "other"}, "unknown sex"),
        ({"age": 130}, "out of range"),
        ({"limit": -1}, "cannot be negative"),
        ({"ids": ("NCT123ABC",)}, "is not an NCT id"),
    ],
)
def test_bad_values_are_usage_errors(kwargs, message):
    with pytest.raises(InvalidInput, match=re.escape(message)) as caught:
        SearchCriteria(**kwargs)
    assert caught.value.exit_code == 2


def test_dates():
    assert parse_date("2025-02-03") == dt.date(2025, 2, 3)
    assert parse_date("2025-02") == dt.date(2025, 2, 1)
    assert parse_date("2025") == dt.date(2025, 1, 1)
    for bad in ("2025-13-01", "yesterday", "2025/01/01", "20250101"):
        with pytest.raises(InvalidInput):
            parse_date(bad)
