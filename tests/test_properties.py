"""Property tests: whatever JSON the API sends, parsing, tagging and summarising never crash.

A record is either a Trial or a RecordError (which the search skips with a warning); the tagger
and the summary renderer accept any parsed trial and give the same answer twice.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trialfinder.errors import RecordError
from trialfinder.model import Trial, parse_study
from trialfinder.output import write_ndjson
from trialfinder.records import trial_details, trial_record
from trialfinder.shortlist import write_csv

FAST = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
# Tagging and summarising do more per trial: fewer examples keep the suite quick.
FEWER = settings(FAST, max_examples=40)

# Any Unicode, lone surrogates (which JSON's \ud800 escapes can produce) included.
any_text = st.text(st.characters(codec=None, categories=None), max_size=40) | st.text(
    st.characters(categories=("Cs", "Zs", "Cc", "So", "Mn")), max_size=10
)
huge_text = st.tuples(st.characters(), st.integers(10_000, 150_000)).map(lambda t: t[0] * t[1])
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
any_json = st.recursive(
    scalars | huge_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=20,
)


def study_records(wild: bool) -> st.SearchStrategy:
    """Records in the API's shape, with any Unicode, huge and empty values.

    ``wild``: any field may also hold any JSON at all (the wrong type included); otherwise
    fields hold their own type or null, so that the record parses.
    """

    def field(value=None):
        value = any_text if value is None else value
        return value | (any_json if wild else st.none())

    def obj(**fields):
        shaped = st.fixed_dictionaries({}, optional=fields)
        return shaped | any_json if wild else shaped

    texts = st.lists(any_text | huge_text, max_size=3) | (any_json if wild else st.none())
    age = st.sampled_from(["18 Years", "6 Months", "0 Days", "99 Minutes", "2 Weeks", "abc", ""])
    phase = st.sampled_from(["PHASE1", "PHASE2", "NA", "EARLY_PHASE1"])
    nct_id = st.integers(1, 99_999_999).map(lambda n: f"NCT{n:08d}")
    long_text = any_text | huge_text
    interventions = st.lists(
        obj(
            type=field(st.sampled_from(["DRUG", "BIOLOGICAL", "RADIATION", "PROCEDURE"])),
            name=field(long_text),
            otherNames=texts,
            description=field(long_text),
            armGroupLabels=texts,
        ),
        max_size=4,
    )
    location = obj(
        facility=field(),
        city=field(),
        state=field(),
        zip=field(),
        country=field(),
        status=field(),
        geoPoint=obj(lat=field(st.floats()), lon=field(st.floats())),
        contacts=st.lists(
            obj(name=field(), role=field(), phone=field(), phoneExt=field(), email=field()),
            max_size=2,
        )
        | (any_json if wild else st.none()),
    )
    mesh = st.lists(obj(id=field(), term=field(long_text)), max_size=3)
    protocol = obj(
        identificationModule=st.fixed_dictionaries(
            {"nctId": field(nct_id) if wild else nct_id},
            optional={"briefTitle": field(long_text), "officialTitle": field(), "acronym": field()},
        ),
        statusModule=obj(
            overallStatus=field(st.sampled_from(["RECRUITING", "COMPLETED"]) | any_text),
            lastUpdatePostDateStruct=obj(date=field()),
            startDateStruct=obj(date=field()),
        ),
        designModule=obj(
            phases=st.lists(phase | any_text, max_size=2),
            studyType=field(),
            designInfo=obj(primaryPurpose=field()),
        ),
        conditionsModule=obj(conditions=texts, keywords=texts),
        armsInterventionsModule=obj(
            interventions=interventions,
            armGroups=st.lists(
                obj(label=field(), type=field(), description=field(), interventionNames=texts),
                max_size=3,
            ),
        ),
        eligibilityModule=obj(
            eligibilityCriteria=field(long_text),
            sex=field(st.sampled_from(["ALL", "FEMALE", "MALE"])),
            minimumAge=field(age | any_text),
            maximumAge=field(age | any_text),
            healthyVolunteers=field(st.booleans()),
        ),
        contactsLocationsModule=obj(
            locations=st.lists(location, max_size=3),
            centralContacts=st.lists(obj(name=field(), phone=field(), email=field()), max_size=2),
        ),
        sponsorCollaboratorsModule=obj(leadSponsor=obj(name=field(long_text))),
        descriptionModule=obj(briefSummary=field(long_text)),
    )
    derived = obj(interventionBrowseModule=obj(meshes=mesh, ancestors=mesh))
    return st.fixed_dictionaries(
        {"protocolSection": protocol}, optional={"derivedSection": derived}
    )


wild_records = study_records(wild=True)
good_records = study_records(wild=False)


def parse_or_error(data):
    try:
        trial = parse_study(data)
    except RecordError as exc:
        assert exc.record_id and exc.reason
        return None
    assert isinstance(trial, Trial)
    return trial


@FAST
@given(any_json)
def test_any_json_gives_a_trial_or_a_record_error(data):
    parse_or_error(data)


@FAST
@given(wild_records)
def test_any_study_shaped_record_gives_a_trial_or_a_record_error(data):
    trial = parse_or_error(data)
    if trial is not None:
        assert trial.nct_id
        assert parse_study(data) == trial  # deterministic


@FAST
@given(wild_records)
def test_what_json_decoding_gives_back_parses_the_same(data):
    try:
        text = json.dumps(data)
    except ValueError:
        assume(False)
    first = parse_or_error(data)
    second = parse_or_error(json.loads(text))
    assert (first is None) == (second is None)


@FAST
@given(wild_records)
def test_sites_made_when_first_read_are_the_sites_made_at_once(data):
    trial = parse_or_error(data)
    try:
        lazy = parse_study(data, lazy_sites=True)
    except RecordError:
        lazy = None
    assert lazy == trial
    if trial is not None:
        assert len(lazy.sites) == len(trial.sites) and tuple(lazy.sites) == trial.sites


@st.composite
def trials(draw) -> Trial:
    """Trials as parse_study makes them from any study-shaped record."""
    trial = parse_or_error(draw(good_records))
    assume(trial is not None)
    return trial


@FEWER
@given(trials())
def test_any_parsed_trial_renders_as_json_and_csv(trial):
    record = trial_record(trial)
    line = io.StringIO()
    assert write_ndjson([record], line) == 1
    assert json.loads(line.getvalue().encode("utf-8"))["nct_id"] == trial.nct_id
    json.dumps(trial_details(trial), ensure_ascii=False).encode("utf-8")
    out = io.StringIO()
    assert write_csv([record], out) == 1
    text = out.getvalue().encode("utf-8").decode("utf-8")  # files are written as UTF-8
    limit = csv.field_size_limit(10**7)  # huge titles are longer than the reader's default
    try:
        rows = list(csv.reader(io.StringIO(text)))
    finally:
        csv.field_size_limit(limit)
    assert len(rows) == 2 and rows[1][0] == trial.nct_id


@FEWER
@given(trials())
def test_tagging_any_parsed_trial_never_crashes_and_is_deterministic(trial):
    tagging = pytest.importorskip("trialfinder.tagging")
    tags = tagging.tag_trial(trial)
    assert tags == tagging.tag_trial(trial)
    for name in (*tags.categories, *tags.settings, *tags.biomarkers):
        assert isinstance(name, str) and name
    assert all(e.kind in ("category", "setting", "biomarker") for e in tags.evidence)
    for intervention in trial.interventions:
        assert set(tags.categories_of(intervention.name)) <= set(tags.categories)


@FEWER
@given(trials())
def test_summarising_any_parsed_trial_never_crashes_and_is_deterministic(trial):
    summary = pytest.importorskip("trialfinder.summary")
    tags = None
    try:
        from trialfinder.tagging import tag_trial
    except ImportError:
        pass
    else:
        tags = tag_trial(trial)
    text = summary.summarize(trial, tags=tags)
    assert isinstance(text, str) and text.strip()
    assert text == summary.summarize(trial, tags=tags)


def test_lone_surrogates_from_json_escapes_are_replaced():
    text = '{"protocolSection": {"identificationModule": {"nctId": "NCT00000001", '
    text += '"briefTitle": " Lymphoma \\ud800 study "}, '
    text += '"conditionsModule": {"conditions": ["\\udfff"]}}}'
    trial = parse_study(json.loads(text))
    assert trial.brief_title == "Lymphoma \ufffd study"
    assert trial.conditions == ("\ufffd",)
    out = io.StringIO()
    write_ndjson([trial_record(trial)], out)
    out.getvalue().encode("utf-8")  # what a file or a pipe needs
