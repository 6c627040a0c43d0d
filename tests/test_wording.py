"""trialfinder.wording: each fact worded once, and every output using that one wording."""

from __future__ import annotations

import io

import pytest

from trialfinder.digest.changes import TrialState, compare, status_sentence
from trialfinder.knowledge import load_toml
from trialfinder.model import Site, parse_study
from trialfinder.output import write_plain_table
from trialfinder.pipeline import build_result, to_record
from trialfinder.shortlist import change_of, row_values
from trialfinder.summary import summarize
from trialfinder.wording import (
    about_text,
    age_text,
    distance_text,
    distance_words,
    miles_text,
    one_line,
    other_names,
    phase_text,
    place_text,
    registry_text,
    sex_text,
    short_label,
    shorten,
    site_label,
    site_name,
    site_words,
    status_text,
)

from factories import BOSTON_SITE, drug, make_study


def test_one_line_joins_every_run_of_whitespace():
    assert one_line("  Phase 2\n\tstudy  of\r\nX  ") == "Phase 2 study of X"
    assert one_line("") == ""


def test_shorten_cuts_to_the_width_with_an_ellipsis_on_one_line():
    assert shorten("short", 10) == "short"
    assert shorten("a\nb", 10) == "a b"
    cut = shorten("Dana-Farber Cancer Institute, Boston", 12)
    assert cut == "Dana-Farber…" and len(cut) <= 12
    assert shorten("x" * 20, 20) == "x" * 20
    assert shorten("x" * 21, 20) == "x" * 19 + "…"


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("NOT_YET_RECRUITING", "Not yet recruiting"),
        ("RECRUITING", "Recruiting"),
        ("ACTIVE_NOT_RECRUITING", "Active not recruiting"),
        ("", "Unknown"),
    ],
)
def test_status_text(status, words):
    assert status_text(status) == words


@pytest.mark.parametrize(
    ("phases", "words"),
    [
        (("PHASE1", "PHASE2"), "Phase 1/2"),
        (("PHASE3",), "Phase 3"),
        (("EARLY_PHASE1",), "Early phase 1"),
        (("NA",), "Not applicable"),
        ((), "Not stated"),
        (("EARLY_PHASE1", "PHASE1"), "Early phase 1, Phase 1"),
        (("PHASE9",), "PHASE9"),
    ],
)
def test_phase_text(phases, words):
    assert phase_text(phases) == words
    assert phase_text(list(phases)) == words  # any iterable


def test_sex_text_keeps_a_code_it_does_not_know():
    assert [sex_text(s) for s in ("ALL", "FEMALE", "MALE", "OTHER")] == [
        "All",
        "Female",
        "Male",
        "OTHER",
    ]


@pytest.mark.parametrize(
    ("low", "high", "words"),
    [
        ("18 Years", "75 Years", "18 years to 75 years"),
        ("18 Years", None, "18 years and older"),
        (None, "17 Years", "up to 17 years"),
        (None, None, "any age"),
    ],
)
def test_age_text(low, high, words):
    trial = parse_study(make_study(min_age=low, max_age=high))
    assert age_text(trial) == words


def test_three_wordings_of_a_distance_each_for_its_place():
    assert distance_text(2691.44) == "2,691.4 mi"
    assert distance_text(None) == "unknown"
    assert [miles_text(m) for m in (0.2, 38.6, 1234.4)] == ["less than 1 mi", "39 mi", "1,234 mi"]
    assert [distance_words(m) for m in (0.4, 1.0, 38.6, 1204.2)] == [
        "less than a mile",
        "about 1 mile",
        "about 39 miles",
        "about 1,204 miles",
    ]


def test_place_text_leaves_out_what_is_not_known_and_keeps_each_part_on_one_line():
    assert place_text("Boston", "", None, "United States") == "Boston, United States"
    assert place_text(" New\nYork ", "  ") == "New York"
    assert place_text() == ""


def test_site_label_puts_facility_and_place_as_the_form_says():
    assert site_label("Dana-Farber", "Boston, MA") == "Dana-Farber, Boston, MA"
    assert site_label("Dana-Farber", "Boston", "{facility} in {place}") == "Dana-Farber in Boston"
    assert site_label("Dana-Farber", "Boston", "{facility} ({place})") == "Dana-Farber (Boston)"
    assert site_label("", "Boston", "{facility} ({place})") == "Boston"
    assert site_label(None, "") == ""
    assert site_label("Dana-\nFarber", "") == "Dana- Farber"


def test_site_name_of_a_site():
    site = Site(
        facility="Dana-Farber", city="Boston", state="Massachusetts", country="United States"
    )
    assert site_name(site) == "Dana-Farber, Boston, Massachusetts, United States"
    assert site_name(site, "{facility} in {place}") == (
        "Dana-Farber in Boston, Massachusetts, United States"
    )
    assert short_label(site_name(site)) == "Dana-Farber, Boston, Massachusetts"
    assert short_label("Hospital, Paris, France") == "Hospital, Paris, France"
    assert short_label("Hospital, Seoul, Korea, Republic of") == "Hospital, Seoul, South Korea"


def test_a_sentence_names_a_site_country_as_people_do_without_a_doubled_comma():
    site = Site(facility="Asan Medical Center,", city="Seoul", country="Korea, Republic of")
    # the record's own words stay in tables and files
    assert site_name(site) == "Asan Medical Center,, Seoul, Korea, Republic of"
    assert site_words(site) == "Asan Medical Center, Seoul, South Korea"
    assert site_words(site, "{facility} in {place}") == "Asan Medical Center in Seoul, South Korea"
    assert site_words(Site(city="Boston", country="United States")) == "Boston, United States"


def test_about_text_uses_the_short_words_of_the_data_files():
    settings = load_toml("settings.toml")
    categories = load_toml("categories.toml")
    setting = next(name for name, table in settings.items() if "short" in table)
    category = next(name for name, table in categories.items() if "short" in table)
    record = {"setting": [setting], "categories": [category, "made-up-thing"]}
    expected = f"{settings[setting]['short']} · {categories[category]['short']}, made up thing"
    assert about_text(record) == expected
    assert about_text({"setting": [], "categories": []}) == ""
    assert about_text({}) == ""


# -- every output says it the same way -----------------------------------------------------


def test_the_csv_row_the_table_and_the_digest_word_a_status_alike():
    record = to_record(build_result(parse_study(make_study(status="NOT_YET_RECRUITING"))))
    assert row_values(record)["status_text"] == status_text("NOT_YET_RECRUITING")
    table = io.StringIO()
    write_plain_table([record], table)
    assert "\tNot yet recruiting\t" in table.getvalue()
    sentence = status_sentence("NOT_YET_RECRUITING", "RECRUITING")
    assert sentence == "The status changed from not yet recruiting to recruiting."


def test_the_digest_notes_a_phase_change_in_the_shared_words():
    old = TrialState(status="RECRUITING", last_updated="a", phases=("PHASE1",))
    new = TrialState(status="RECRUITING", last_updated="a", phases=("PHASE1", "PHASE2"))
    [change], _ = compare({"NCT01000001": old}, {"NCT01000001": new})
    assert change.notes == (
        f"The phase changed from {phase_text(old.phases).lower()} to "
        f"{phase_text(new.phases).lower()}.",
    )


def test_the_summary_and_the_comparison_name_a_site_with_the_shared_label():
    trial = parse_study(make_study())
    only = site_name(trial.sites[0], "{facility} in {place}")
    assert only == "Dana-Farber Cancer Institute in Boston, Massachusetts, United States"
    assert only in one_line(summarize(trial))
    old = {"last_updated": "2025-01-01", "nearest_site": "Old Clinic", "nearest_city": "Austin"}
    row = {
        "last_updated": "2025-06-01",
        "nearest_site": BOSTON_SITE["facility"],
        "nearest_city": BOSTON_SITE["city"],
        "nearest_state": BOSTON_SITE["state"],
    }
    assert change_of(row, old) == (
        "updated: nearest site Old Clinic (Austin) -> "
        "Dana-Farber Cancer Institute (Boston, Massachusetts)"
    )


def test_other_names_leave_out_other_interventions_and_kinds_of_treatment():
    # NCT05099809 said "Hyperthermia (also called Radiotherapy, Chemotherapy, Surgery)".
    study = make_study(
        interventions=[
            drug("Hyperthermia", kind="OTHER", other_names=["Radiotherapy", " chemotherapy"]),
            drug("Adagrasib", other_names=["MRTX849", "pembrolizumab", "mrtx849", "Adagrasib"]),
            drug("Pembrolizumab", other_names=["Keytruda", "Surgery"]),
        ]
    )
    trial = parse_study(study)
    hyperthermia, adagrasib, pembrolizumab = trial.interventions
    assert other_names(hyperthermia, trial) == []
    assert other_names(adagrasib, trial) == ["MRTX849"]
    assert other_names(pembrolizumab, trial) == ["Keytruda"]


def test_other_names_leave_out_shared_names_groups_descriptions_and_misspelt_interventions():
    study = make_study(
        interventions=[
            # NCT04638790: each drug of ABVD "also called ABVD"
            drug("Doxorubicin", other_names=["ABVD", "Adriamycin"]),
            drug("Vinblastine", other_names=["ABVD"]),
            # NCT06016452: an arm's label; NCT05742711: a description of a sham device
            drug("Chlorophyllin", other_names=["Stratum A (Symptomatic)"]),
            drug(
                "Sham Device",
                kind="DEVICE",
                other_names=["Standard Treatment for Postoperative Pain"],
            ),
            # NCT04613596: the other intervention misspelt
            drug("Adagrasib", other_names=["Pemrolizumab", "MRTX849"]),
            drug("Pembrolizumab", other_names=["Keytruda"]),
        ],
        arm_groups=[{"label": "Stratum A (Symptomatic)", "type": "EXPERIMENTAL"}],
    )
    trial = parse_study(study)
    said = [other_names(i, trial) for i in trial.interventions]
    assert said == [["Adriamycin"], [], [], [], ["MRTX849"], ["Keytruda"]]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (r"greater than (\>) 3 months", "greater than (>) 3 months"),  # NCT02227251
        (r"cell \[RBC\] transfusion", "cell [RBC] transfusion"),
        (r"\&lt; 6 months", "< 6 months"),  # NCT06760702
        (r"Investigator\&#39;s opinion", "Investigator's opinion"),
        ("S.P. Medical College &amp; AG of Hospitals", "S.P. Medical College & AG of Hospitals"),
        (r"10\^9/L, 3\*ULN, Johnson \& Johnson", "10^9/L, 3*ULN, Johnson & Johnson"),
        ("AT&T; a \\ b; ≥ 18", "AT&T; a \\ b; ≥ 18"),
    ],
)
def test_registry_text_undoes_markdown_escapes_and_html_names_of_signs(written, read):
    assert registry_text(written) == read


def test_a_site_is_named_as_people_read_it():
    site = Site(facility="S.P. Medical College &amp; AG of Hospitals", city="Bikaner")
    assert site_name(site) == "S.P. Medical College & AG of Hospitals, Bikaner"


def test_a_search_radius_is_said_in_whole_miles_or_to_a_tenth():
    from trialfinder.counting import radius_text

    # "--within 80km" was said "within 49.7097 miles"
    assert radius_text(80 / 1.609344) == "49.7 miles"
    assert radius_text(100.0) == "100 miles" and radius_text(1) == "1 mile"
