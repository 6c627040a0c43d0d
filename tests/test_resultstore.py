"""Results kept between searches (``trialfinder.resultstore``): a search run again gives the
same output without working out again a record it knows, any change to a record, to what was
asked or to trialfinder is worked out afresh, and a store that cannot be used never stops a
search."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from trialfinder import workers
from trialfinder.cli import cli
from trialfinder.geo import Place
from trialfinder.model import StudyText
from trialfinder.pipeline import (
    KEPT,
    LEFT_OUT,
    SKIPPED,
    UNCONFIRMED,
    Outcome,
    ResultOptions,
    TagFilter,
    TrialJob,
)
from trialfinder.resultstore import KEEP_DAYS, STORE_FILE, ResultStore, digest_of, storable

from conftest import SMALL_PAGE
from factories import make_study, many_studies

RECORD_JOB = TrialJob(record=True)


def text_of(study: dict) -> StudyText:
    return StudyText(json.dumps(study), study["protocolSection"]["identificationModule"]["nctId"])


def store_at(tmp_path: Path, job: TrialJob = RECORD_JOB, **options) -> ResultStore:
    store = ResultStore.open(tmp_path / STORE_FILE, job, **options)
    assert store is not None
    return store


# -- the store itself ------------------------------------------------------------------------

OUTCOMES = [
    Outcome(KEPT, "NCT00000001", {"nct_id": "NCT00000001", "summary": "Ça va ✓", "n": [1, 2.5]}),
    Outcome(KEPT, "NCT00000002", {"nct_id": "NCT00000002"}, distance=12.3, fit="possible"),
    Outcome(UNCONFIRMED, "NCT00000003"),
    Outcome(LEFT_OUT, "NCT00000004"),
]


def test_outcomes_come_back_as_they_were_kept(tmp_path):
    store = store_at(tmp_path)
    records = [text_of(make_study(nct_id=o.nct_id)) for o in OUTCOMES]
    keys = [store.key(r) for r in records]
    store.put(list(zip(keys, OUTCOMES, strict=True)))
    store.close()
    again = store_at(tmp_path)
    assert again.get([again.key(r) for r in records]) == dict(enumerate(OUTCOMES))


def test_only_outcomes_of_records_read_and_worked_out_are_kept(tmp_path):
    store = store_at(tmp_path)
    records = [text_of(make_study(nct_id=f"NCT0000000{n}")) for n in (1, 2, 3)]
    keys = [store.key(r) for r in records]
    store.put(
        [
            (keys[0], Outcome(SKIPPED, "NCT00000001", "processing it failed")),
            (keys[1], Outcome(KEPT, "NCT00000002", {"when": object()})),  # not plain JSON
            (keys[2], Outcome(KEPT, "NCT00000003", {"distance": float("nan")})),
        ]
    )
    assert store.get(keys) == {}


def test_a_decoded_record_has_no_key_and_is_never_looked_up(tmp_path):
    store = store_at(tmp_path)
    assert store.key(make_study()) is None
    assert store.get([None, None]) == {}


def test_any_change_to_a_record_or_to_what_is_asked_is_another_key(tmp_path):
    study = make_study(nct_id="NCT00000001", title="A trial")
    changed = make_study(nct_id="NCT00000001", title="A trial.")
    store = store_at(tmp_path)
    near = store_at(
        tmp_path, TrialJob(record=True, options=ResultOptions(near=Place("Boston", 42.3, -71.1)))
    )
    confirmed = store_at(tmp_path, TrialJob(TagFilter(settings=("refractory",)), record=True))
    keys = {
        store.key(text_of(study)),
        store.key(text_of(changed)),
        near.key(text_of(study)),
        confirmed.key(text_of(study)),
    }
    assert len(keys) == 4
    assert store.key(text_of(study)) == store_at(tmp_path).key(text_of(study))


def test_the_digest_of_the_code_changes_with_any_file_and_not_with_compiled_ones(tmp_path):
    folder = tmp_path / "package"
    (folder / "data").mkdir(parents=True)
    (folder / "__pycache__").mkdir()
    (folder / "a.py").write_text("x = 1\n")
    (folder / "data" / "b.toml").write_text("[b]\n")
    first = digest_of([folder])
    (folder / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"compiled")
    assert digest_of([folder]) == first
    (folder / "data" / "b.toml").write_text("[b]\nc = 1\n")
    edited = digest_of([folder])
    assert edited != first
    (folder / "data" / "c.toml").write_text("")
    assert digest_of([folder]) not in (first, edited)


@pytest.mark.parametrize(
    "job",
    [
        TrialJob(record=False),  # results as objects (the digest's)
        TrialJob(record=True, options=ResultOptions(templates="my-templates")),
    ],
)
def test_jobs_whose_outcomes_could_differ_next_time_have_no_store(tmp_path, job):
    assert not storable(job)
    assert ResultStore.open(tmp_path / STORE_FILE, job) is None
    assert not (tmp_path / STORE_FILE).exists()


def test_refresh_reads_nothing_but_keeps_what_it_works_out(tmp_path):
    record = text_of(make_study())
    fresh = store_at(tmp_path, refresh=True)
    key = fresh.key(record)
    fresh.put([(key, OUTCOMES[0])])
    assert fresh.get([key]) == {}
    assert store_at(tmp_path).get([key]) == {0: OUTCOMES[0]}


def test_entries_are_dropped_some_days_after_they_were_stored(tmp_path, monkeypatch):
    record = text_of(make_study())
    store = store_at(tmp_path)
    key = store.key(record)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - KEEP_DAYS * 86400 - 60)
    store.put([(key, OUTCOMES[0])])
    store.close()
    monkeypatch.setattr(time, "time", lambda: now)
    assert store_at(tmp_path).get([key]) == {}
    with sqlite3.connect(tmp_path / STORE_FILE) as connection:
        assert connection.execute("SELECT count(*) FROM outcomes").fetchone() == (0,)


def test_a_file_that_is_not_a_database_is_replaced_with_a_warning(tmp_path, caplog):
    (tmp_path / STORE_FILE).write_bytes(b"not a database, " * 100)
    with caplog.at_level(logging.WARNING, logger="trialfinder"):
        store = store_at(tmp_path)
    assert "is damaged" in caplog.text and "starting a new one" in caplog.text
    record = text_of(make_study())
    store.put([(store.key(record), OUTCOMES[0])])
    assert store.get([store.key(record)]) == {0: OUTCOMES[0]}


def test_a_store_that_cannot_be_opened_is_left_with_a_warning(tmp_path, caplog):
    (tmp_path / STORE_FILE).mkdir()  # a folder where the file should be
    with caplog.at_level(logging.WARNING, logger="trialfinder"):
        assert ResultStore.open(tmp_path / STORE_FILE, RECORD_JOB) is None
    assert "cannot be used" in caplog.text


def test_a_store_failing_during_a_search_is_left_after_one_warning(tmp_path, caplog):
    store = store_at(tmp_path)
    record = text_of(make_study())
    with sqlite3.connect(tmp_path / STORE_FILE) as other:
        other.execute("DROP TABLE outcomes")
    with caplog.at_level(logging.WARNING, logger="trialfinder"):
        assert store.get([store.key(record)]) == {}
        store.put([(store.key(record), OUTCOMES[0])])
        assert store.get([store.key(record)]) == {}
    assert caplog.text.count("failed") == 1


def test_a_stored_outcome_this_version_cannot_read_is_worked_out_again(tmp_path):
    store = store_at(tmp_path)
    records = [text_of(make_study(nct_id=f"NCT0000000{n}")) for n in (1, 2, 3)]
    keys = [store.key(r) for r in records]
    store.put([(keys[2], OUTCOMES[0])])
    with sqlite3.connect(tmp_path / STORE_FILE) as other:
        other.executemany(
            "INSERT INTO outcomes VALUES (?, ?, ?)",
            [(keys[0], "{garbled", time.time()), (keys[1], '["gone", "NCT1", 1, 2, 3]', 0)],
        )
    assert store.get(keys) == {2: OUTCOMES[0]}


# -- searches ----------------------------------------------------------------------------------

FORMATS = ("ndjson", "csv", "json", "xlsx", "table")


@pytest.fixture(autouse=True)
def with_the_cache(monkeypatch):
    """The cache, and with it the store, on as for users (conftest turns it off for others)."""
    monkeypatch.setenv("TRIALFINDER_CACHE", "1")


@pytest.fixture
def api(fake_api):
    fake_api.studies = many_studies(3 * SMALL_PAGE)
    return fake_api


@pytest.fixture
def worked_out(monkeypatch):
    """The NCT ids of the records worked out in this process."""
    ids: list[str] = []
    assess = workers.assess

    def counting(job, raw):
        outcome = assess(job, raw)
        ids.append(outcome.nct_id)
        return outcome

    monkeypatch.setattr(workers, "assess", counting)
    return ids


def store_file(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "trialfinder" / STORE_FILE


def export(tmp_path: Path, fmt: str, *options: str, said: list[str] | None = None) -> bytes:
    """The output of a search of every trial, written to a file (``said``: gets its stderr)."""
    out = tmp_path / f"out.{'txt' if fmt == 'table' else fmt}"
    argv = ["search", "--setting", "any", "--limit", "0", "-o", str(out), *options]
    if fmt == "table":
        argv += ["--format", "table"]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0, result.output
    if said is not None:
        said.append(result.stderr)
    if fmt == "xlsx":  # the cells, not the bytes (a workbook holds the time it was written)
        sheet = load_workbook(out, read_only=True).worksheets[0]
        return repr([list(row) for row in sheet.iter_rows(values_only=True)]).encode()
    return out.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_search_run_again_gives_the_same_output_without_working_anything_out(
    api, tmp_path, worked_out, fmt
):
    first = export(tmp_path, fmt)
    assert len(worked_out) == len(api.studies)
    worked_out.clear()
    assert export(tmp_path, fmt, "--no-cache") == first  # worked out afresh: the same
    assert len(worked_out) == len(api.studies)
    worked_out.clear()
    assert export(tmp_path, fmt) == first
    assert worked_out == []


def test_with_a_pool_a_search_run_again_starts_no_worker(
    api, tmp_path, small_pages, small_pool, monkeypatch
):
    monkeypatch.setenv("TRIALFINDER_WORKERS", "2")
    first = export(tmp_path, "ndjson")
    assert small_pool == [2]
    assert export(tmp_path, "ndjson") == first
    assert small_pool == [2]  # every record was kept: no pool for the second search


def test_a_changed_record_is_worked_out_again(api, tmp_path, worked_out):
    export(tmp_path, "ndjson")
    nct_id = api.studies[1]["protocolSection"]["identificationModule"]["nctId"]
    api.studies[1] = make_study(nct_id=nct_id, title="A new title for this trial")
    (store_file(tmp_path).parent / "http-cache.sqlite").unlink()  # new answers, same store
    worked_out.clear()
    lines = export(tmp_path, "ndjson").decode().splitlines()
    assert worked_out == [nct_id]
    assert json.loads(lines[1])["title"] == "A new title for this trial"


def test_refresh_works_every_record_out_again(api, tmp_path, worked_out):
    first = export(tmp_path, "ndjson")
    worked_out.clear()
    assert export(tmp_path, "ndjson", "--refresh") == first
    assert len(worked_out) == len(api.studies)


@pytest.mark.parametrize("off", [("--no-cache",), ()])
def test_without_the_cache_nothing_is_kept(api, tmp_path, monkeypatch, off):
    if not off:
        monkeypatch.setenv("TRIALFINDER_CACHE_TTL", "0")
    export(tmp_path, "ndjson", *off)
    assert not store_file(tmp_path).exists()


def test_a_prescreen_is_never_kept(api, tmp_path, worked_out):
    profile = tmp_path / "me.toml"
    profile.write_text('diagnosis = "multiple myeloma"\nage = 60\n', encoding="utf-8")
    export(tmp_path, "ndjson", "--profile", str(profile))
    worked_out.clear()
    export(tmp_path, "ndjson", "--profile", str(profile))
    assert len(worked_out) == len(api.studies)


def test_a_damaged_store_never_stops_a_search(api, tmp_path):
    first = export(tmp_path, "ndjson")
    store_file(tmp_path).write_bytes(b"\0garbage" * 512)
    said: list[str] = []
    assert export(tmp_path, "ndjson", said=said) == first
    assert "the results store" in said[0] and "is damaged" in said[0]
