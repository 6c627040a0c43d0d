"""trialfinder.pipeline: what is worked out about each trial (nearest site, tags, summary,
prescreen), the filter on its tags, its record, and the order of the results."""

from __future__ import annotations

import json

from trialfinder.geo import Place
from trialfinder.model import parse_study
from trialfinder.pipeline import (
    FAR,
    KEPT,
    ResultOptions,
    TagFilter,
    TrialJob,
    TrialResult,
    assess,
    build_result,
    build_results,
    by_distance,
    sort_results,
    to_record,
)
from trialfinder.profile import parse_profile
from trialfinder.summary import summarize
from trialfinder.tagging import tag_trial
from trialfinder.vocabulary import DEFAULT_SETTINGS

from conftest import needs_shared, real_record_paths
from factories import make_study

BOSTON = Place("Boston", 42.3427, -71.0922)
UNTREATED = "Inclusion Criteria:\n\n* Previously untreated, newly diagnosed multiple myeloma"


def test_a_result_without_options_has_tags_and_a_summary_only():
    trial = parse_study(make_study())
    result = build_result(trial)
    assert result.trial is trial
    assert result.tags == tag_trial(trial)
    assert result.summary == summarize(trial, tags=result.tags)
    assert result.nearest is None and result.fit is None


def test_a_place_adds_the_nearest_site_and_a_profile_the_prescreen():
    profile = parse_profile('sex = "male"\n', "him.toml")
    trial = parse_study(make_study(sex="FEMALE"))
    result = build_result(trial, ResultOptions(near=BOSTON, within_mi=50, profile=profile))
    assert result.nearest is not None and result.nearest.distance_mi < 5
    assert "about 2 miles" in (result.summary or "")  # the summary names the nearest site
    assert result.fit is not None and result.fit.fit == "excluded"


def test_tags_already_computed_are_used_as_they_are():
    trial = parse_study(make_study())
    other = tag_trial(parse_study(make_study(title="Adagrasib in KRAS G12C lung cancer")))
    assert build_result(trial, tags=other).tags is other


def test_build_results_is_lazy():
    made = []

    def trials():
        for n in range(3):
            made.append(n)
            yield parse_study(make_study(nct_id=f"NCT0100000{n + 1}"))

    results = build_results(trials())
    assert made == []
    first = next(results)
    assert first.trial.nct_id == "NCT01000001" and made == [0]


def test_a_record_carries_the_results_parts():
    profile = parse_profile('sex = "female"\nage = 50\n', "her.toml")
    result = build_result(parse_study(make_study()), ResultOptions(near=BOSTON, profile=profile))
    record = to_record(result)
    assert record["nct_id"] == "NCT01000001"
    assert record["nearest_site"]["city"] == "Boston"
    assert record["distance_mi"] == round(result.nearest.distance_mi, 1)
    assert record["setting"] == list(result.tags.settings)
    assert record["summary"] == result.summary
    assert record["fit"] == result.fit.fit and record["checks"]
    plain = to_record(build_result(parse_study(make_study())))
    assert plain["nearest_site"] is None and plain["distance_mi"] is None
    assert "fit" not in plain


def test_tag_filter_categories_biomarkers_and_settings():
    tags = tag_trial(parse_study(make_study()))  # teclistamab, relapsed or refractory myeloma
    assert TagFilter().accepts(tags) and not TagFilter().active
    assert TagFilter(categories=("immunotherapy", "surgery")).accepts(tags)
    assert not TagFilter(categories=("surgery",)).accepts(tags)
    assert not TagFilter(biomarkers=("KRAS",)).accepts(tags)
    assert TagFilter(settings=DEFAULT_SETTINGS).accepts(tags)
    assert TagFilter(settings=("refractory",)).accepts(tags)
    assert TagFilter(categories=("surgery",)).accepts(None) is False
    assert TagFilter().accepts(None)


def test_the_default_settings_leave_out_a_trial_for_untreated_disease():
    untreated = tag_trial(parse_study(make_study(title="Newly diagnosed", criteria=UNTREATED)))
    assert not TagFilter(settings=DEFAULT_SETTINGS).accepts(untreated)


def test_tag_filter_describes_itself_as_the_options_were_written():
    wanted = TagFilter(categories=("car-t",), biomarkers=("KRAS G12C",), settings=("relapsed",))
    assert wanted.describe() == "--category car-t, --biomarker KRAS G12C, --setting relapsed"


def _located(nct_id: str, lat: float | None) -> TrialResult:
    sites = (
        []
        if lat is None
        else [{"facility": "C", "city": "X", "geoPoint": {"lat": lat, "lon": -71.0}}]
    )
    return build_result(
        parse_study(make_study(nct_id=nct_id, locations=sites)), ResultOptions(near=BOSTON)
    )


def test_nearest_first_and_unlocated_last():
    results = [_located("NCT01000003", 44.0), _located("NCT01000009", None)]
    results += [_located("NCT01000001", 42.4), _located("NCT01000002", 43.0)]
    ids = [r.trial.nct_id for r in by_distance(results)]
    assert ids == ["NCT01000001", "NCT01000002", "NCT01000003", "NCT01000009"]


def test_sorted_by_fit_keeps_the_order_within_each_verdict():
    profile = parse_profile('sex = "male"\n', "him.toml")
    options = ResultOptions(profile=profile)
    studies = [
        make_study(nct_id="NCT01000001", sex="FEMALE"),
        make_study(nct_id="NCT01000002"),
        make_study(nct_id="NCT01000003", sex="FEMALE"),
        make_study(nct_id="NCT01000004"),
    ]
    results = [build_result(parse_study(s), options) for s in studies]
    ordered, failure = sort_results(results, nearest=False, by_fit=True)
    assert failure is None
    assert [r.trial.nct_id for r in ordered] == [
        "NCT01000002",
        "NCT01000004",
        "NCT01000001",
        "NCT01000003",
    ]
    assert [r.fit.fit for r in ordered][-2:] == ["excluded", "excluded"]


@needs_shared
def test_a_search_record_with_a_summary_is_the_same_with_sites_left_unmade():
    """assess reads no site of a trial when no place is given, yet writes the same record and
    summary (whose countries it reads from the site records) as from every site made."""
    job = TrialJob(options=ResultOptions(summary=True), record=True)
    for path in real_record_paths():
        study = json.loads(path.read_text(encoding="utf-8"))
        outcome = assess(job, study)
        assert outcome.kind == KEPT, path.name
        assert outcome.value == to_record(build_result(parse_study(study))), path.name


def test_near_a_place_a_trial_without_a_site_there_that_may_enrol_is_far():
    boston = {
        "facility": "Dana-Farber Cancer Institute",
        "status": "COMPLETED",
        "city": "Boston",
        "country": "United States",
        "geoPoint": {"lat": 42.35843, "lon": -71.05977},
    }
    job = TrialJob(options=ResultOptions(near=BOSTON, within_mi=100.0))
    closed = make_study(locations=[boston])
    assert assess(job, closed).kind == FAR
    no_status = make_study(locations=[{**boston, "status": ""}])
    outcome = assess(job, no_status)
    assert outcome.kind == KEPT and outcome.distance is not None
    assert assess(TrialJob(options=ResultOptions(near=BOSTON)), closed).kind == KEPT  # no radius
