"""trialfinder.search: what a request fetches, the checks on each trial, the order, the one
place the limit is applied, and the report of what happened."""

from __future__ import annotations

import pytest

from trialfinder.criteria import SearchCriteria
from trialfinder.errors import PartialResults, SourceError
from trialfinder.geo import Place
from trialfinder.output import NEEDS
from trialfinder.pipeline import OutputNeeds, TagFilter
from trialfinder.profile import parse_profile
from trialfinder.request import SearchOptions, SearchRequest, build_request
from trialfinder.search import LARGEST_PAGE, SearchRun, fetch_criteria, settings_words
from trialfinder.sources.base import Page, SearchResults, Source

from factories import make_study

BOSTON = Place("Boston", 42.3427, -71.0922)
ANY = ("any",)


def located(lats: list[float]) -> list[dict]:
    """A study for each latitude, its one site there (on Boston's longitude, about)."""
    return [
        make_study(
            nct_id=f"NCT0700{n:04d}",
            locations=[
                {
                    "facility": f"Clinic {n}",
                    "status": "RECRUITING",
                    "city": "X",
                    "country": "US",
                    "geoPoint": {"lat": lat, "lon": -71.0},
                }
            ],
        )
        for n, lat in enumerate(lats)
    ]


class ListSource(Source):
    """Serves ``studies`` a page at a time (``page_size`` each), failing after ``fail_after``
    pages when told to; remembers what it was asked and how many records were pulled."""

    def __init__(self, studies, page_size: int = 2, fail_after: int | None = None) -> None:
        self.studies = studies
        self.page_size = page_size
        self.fail_after = fail_after
        self.asked: list[SearchCriteria] = []
        self.pulled = 0

    def _pages(self):
        for number, start in enumerate(range(0, len(self.studies), self.page_size)):
            if self.fail_after is not None and number >= self.fail_after:
                raise SourceError("the registry went away")
            page = self.studies[start : start + self.page_size]
            self.pulled += len(page)
            yield Page(studies=page, total=len(self.studies) if number == 0 else None)

    def search(self, criteria, on_progress=None):
        self.asked.append(criteria)
        return SearchResults(pages=self._pages(), limit=criteria.limit, on_progress=on_progress)

    def get(self, nct_id):  # pragma: no cover (not used by a search)
        raise NotImplementedError


def studies(count: int, **fields) -> list[dict]:
    return [make_study(nct_id=f"NCT0500{n:04d}", **fields) for n in range(count)]


# -- what is fetched ------------------------------------------------------------------------


def test_without_a_limit_every_trial_is_fetched_in_the_largest_pages():
    fetch = fetch_criteria(SearchRequest(SearchCriteria(settings=ANY)))
    assert fetch.limit is None and fetch.page_size is None and not fetch.site_details


def test_a_limit_on_trials_the_registry_alone_chooses_caps_the_fetching():
    request = SearchRequest(SearchCriteria(settings=ANY), limit=5)
    assert not request.checked_here
    fetch = fetch_criteria(request)
    assert (fetch.limit, fetch.page_size) == (5, None)


@pytest.mark.parametrize(("limit", "page"), [(5, 100), (100, 400), (250, 1000), (900, 1000)])
def test_trials_checked_here_are_fetched_without_the_limit_in_larger_pages(limit, page):
    for request in (
        SearchRequest(SearchCriteria(), limit=limit),  # the settings are confirmed here
        SearchRequest(SearchCriteria(settings=ANY), TagFilter(categories=("car-t",)), limit),
        SearchRequest(SearchCriteria(settings=ANY), limit=limit, profile=parse_profile("")),
    ):
        fetch = fetch_criteria(request)
        assert fetch.limit is None and fetch.page_size == page <= LARGEST_PAGE


def test_sorted_by_distance_every_trial_is_fetched_first():
    request = SearchRequest(SearchCriteria(settings=ANY, near=BOSTON), limit=5)
    fetch = fetch_criteria(request)
    assert fetch.limit is None and fetch.page_size is None
    by_update = SearchRequest(SearchCriteria(settings=ANY, near=BOSTON, sort="updated"), limit=5)
    # Which trials have a site near that may enrol is checked here: the limit counts those.
    assert fetch_criteria(by_update).limit is None
    assert fetch_criteria(by_update).page_size == 100


def test_site_details_come_from_a_place_or_from_what_the_output_shows():
    plain = SearchRequest(SearchCriteria(settings=ANY))
    near = SearchRequest(SearchCriteria(settings=ANY, near=BOSTON))
    assert fetch_criteria(near).site_details
    assert not fetch_criteria(plain, OutputNeeds()).site_details
    assert fetch_criteria(plain, OutputNeeds(site_details=True)).site_details
    assert fetch_criteria(plain, NEEDS["table"]).site_details
    assert not any(fetch_criteria(plain, NEEDS[f]).site_details for f in ("json", "csv", "xlsx"))


def test_the_run_asks_the_source_for_what_fetch_criteria_says():
    source = ListSource(studies(3))
    request = build_request(SearchOptions(settings=ANY, limit=2))
    run = SearchRun(source, request, NEEDS["table"])
    assert source.asked == [fetch_criteria(request, NEEDS["table"])] == [run.fetch]
    assert len(list(run)) == 2


# -- the limit, the order, the checks --------------------------------------------------------


def test_the_limit_counts_trials_shown_after_the_checks():
    untreated = "Inclusion Criteria:\n\n* Newly diagnosed, untreated myeloma"
    plain = studies(4, title="Teclistamab in Newly Diagnosed Multiple Myeloma", criteria=untreated)
    treated = studies(6)
    mixed = [*plain, *treated]
    for n, study in enumerate(mixed):
        study["protocolSection"]["identificationModule"]["nctId"] = f"NCT0600{n:04d}"
    source = ListSource(mixed)
    run = SearchRun(source, build_request(SearchOptions(limit=3)))
    shown = [r.trial.nct_id for r in run]
    assert shown == ["NCT06000004", "NCT06000005", "NCT06000006"]
    assert (run.seen, run.unconfirmed, run.shown) == (7, 4, 3)
    assert run.limit_reached
    assert source.pulled == 8  # the page holding the third trial shown, no further
    report = run.report()
    assert report[0] == (
        "4 of 7 fetched trials were left out: their records do not say the disease was "
        "treated before (use --setting any to see them)"
    )
    assert report[1] == (
        "10 trials matched the registry search; 3 shown after the local filters "
        "(use --limit 0 to check them all)."
    )


def test_nearest_first_then_the_limit():
    found = located([44.0, 42.4, 43.0, 42.5])
    run = SearchRun(
        ListSource(found), build_request(SearchOptions(settings=ANY, near="02115", limit=2))
    )
    shown = [r.trial.nct_id for r in run]
    assert shown == ["NCT07000001", "NCT07000003"]
    assert run.shown == 2 and run.seen == 4  # all were fetched and sorted first


def test_nearest_first_the_report_says_when_the_limit_left_trials_out():
    # `search myeloma --near 02115 --limit 8` said "8 shown after the local filters.", not
    # that more had passed them.
    untreated = "Inclusion Criteria:\n\n* Newly diagnosed, untreated myeloma"
    found = located([44.0, 42.4, 43.0, 42.5])
    found[0] = make_study(
        nct_id="NCT07009999",
        title="Teclistamab in Newly Diagnosed Multiple Myeloma",
        criteria=untreated,
    )
    run = SearchRun(ListSource(found), build_request(SearchOptions(near="02115", limit=2)))
    assert len(list(run)) == 2 and (run.seen, run.unconfirmed) == (4, 1)
    assert run.report()[1] == (
        "4 trials matched the registry search within 100 miles of 02115 (Boston, MA); "
        "2 shown after the local filters (use --limit 0 to check them all)."
    )
    every = SearchRun(ListSource(found), build_request(SearchOptions(near="02115", limit=3)))
    assert len(list(every)) == 3
    assert every.report()[1].endswith("; 3 shown after the local filters.")


def test_a_failure_after_sorting_is_raised_once_what_arrived_is_shown():
    found = located([44.0, 42.4, 43.0, 42.5])
    run = SearchRun(
        ListSource(found, fail_after=1),
        build_request(SearchOptions(settings=ANY, near="02115", limit=1)),
    )
    shown = []
    with pytest.raises(PartialResults, match="2 of 4 trials fetched"):
        for result in run:
            shown.append(result.trial.nct_id)
    assert shown == ["NCT07000001"]  # the nearest of the two that arrived, then the failure


def test_with_a_profile_possible_trials_come_first_and_the_verdicts_are_counted():
    for_women = studies(2, sex="FEMALE")
    for_all = studies(2, sex="ALL")
    mixed = [*for_women, *for_all]
    for n, study in enumerate(mixed):
        study["protocolSection"]["identificationModule"]["nctId"] = f"NCT0800{n:04d}"
    profile = parse_profile('sex = "male"\nage = 60\n', "him.toml")
    run = SearchRun(ListSource(mixed), build_request(SearchOptions(settings=ANY, profile=profile)))
    results = list(run)
    verdicts = [r.fit.fit for r in results]
    assert verdicts[-2:] == ["excluded", "excluded"]
    assert [r.trial.nct_id for r in results[-2:]] == ["NCT08000000", "NCT08000001"]
    assert run.fit_counts["excluded"] == 2 and sum(run.fit_counts.values()) == 4
    assert run.report()[-1].startswith("against the profile him.toml: ")
    assert run.report()[-1].endswith("; excluded trials are shown last.")
    only = SearchRun(
        ListSource(mixed),
        build_request(SearchOptions(settings=ANY, profile=profile, fits=("excluded",))),
    )
    assert [r.trial.nct_id for r in only] == ["NCT08000000", "NCT08000001"]
    assert "left out (--fit excluded)" in only.report(quiet=True)[-1]


def test_ids_not_found_are_named():
    run = SearchRun(
        ListSource(studies(1)),
        build_request(SearchOptions(ids=("NCT05000000", "NCT09999999"))),
    )
    assert [r.trial.nct_id for r in run] == ["NCT05000000"]
    assert run.missing_ids == ["NCT09999999"]
    assert run.report()[-1] == "1 NCT id not found with this search's options: NCT09999999"


def test_settings_words():
    assert settings_words(("refractory", "relapsed", "resistant")) == (
        "the disease was treated before"
    )
    assert settings_words(("relapsed",)) == "the disease is relapsed"
    assert settings_words(("relapsed", "resistant")) == "the disease is relapsed or resistant"


def test_the_hint_after_nothing_shown_offers_no_setting_to_drop_when_none_was_asked_for():
    import click

    from trialfinder.cli import cli, next_step

    source = ListSource(studies(2))
    for settings, hint in ((ANY, ""), ((), "--setting any would show trials")):
        request = build_request(SearchOptions(settings=settings, categories=("surgery",)))
        run = SearchRun(source, request)
        assert list(run) == [] and run.left_out == 2
        context = click.Context(cli)
        context.meta["trialfinder.argv"] = ["search", "--category", "surgery"]
        said = next_step(context, run, source, [], None)
        assert said.startswith(hint) and bool(said) == bool(hint)
