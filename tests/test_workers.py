"""The work on each trial on worker processes: the same results in the same order as in one
process (the prescreen's verdicts and their order too), a failing trial named and skipped, a
broken template stopping the search at its trial, no pool for small searches, `show` or
`--help`, and Ctrl-C stopping the workers at once."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from trialfinder import workers
from trialfinder.criteria import SearchCriteria
from trialfinder.errors import ConfigError, ExitCode
from trialfinder.model import nct_id_of
from trialfinder.pipeline import TagFilter
from trialfinder.profile import parse_profile
from trialfinder.request import SearchRequest
from trialfinder.search import SearchRun
from trialfinder.settings import Settings
from trialfinder.sources.ctgov import ClinicalTrialsGov
from trialfinder.workers import TrialWork

from conftest import (
    SMALL_PAGE,
    as_from_a_terminal,
    load_real_record,
    needs_shared,
    real_record_paths,
)
from factories import make_study, many_studies
from fakeapi import FakeApi

PAGE = SMALL_PAGE
pytestmark = pytest.mark.usefixtures("small_pages")


@dataclass(frozen=True)
class Exploding(TagFilter):
    """A filter with a bug: it fails on every CAR-T trial (in whichever process it runs)."""

    def accepts(self, tags) -> bool:
        if "car-t" in tags.categories:
            raise RuntimeError("the filter broke")
        return super().accepts(tags)


def car_t(nct_id: str) -> dict:
    return make_study(
        nct_id=nct_id,
        title="Ciltacabtagene Autoleucel in Relapsed or Refractory Multiple Myeloma",
        interventions=[{"type": "BIOLOGICAL", "name": "Ciltacabtagene autoleucel"}],
    )


def search_run(api: FakeApi, count: int, wanted=None, templates=None, profile=None) -> SearchRun:
    """A search of every trial ``api`` serves, on ``count`` workers."""
    settings = Settings.from_env(api_url=api.url, cache=False, min_interval=0)
    criteria = SearchCriteria(settings=("any",), statuses=("any",))
    request = SearchRequest(criteria, wanted or TagFilter(), profile=profile)
    return SearchRun(ClinicalTrialsGov(settings), request, templates=templates, workers=count)


def searched(api: FakeApi, count: int, wanted=None, templates=None, profile=None):
    """(the run, its records) of a search of every trial ``api`` serves, on ``count`` workers."""
    run = search_run(api, count, wanted, templates, profile)
    return run, list(run.records())


@needs_shared
def test_workers_give_the_same_records_in_the_same_order(small_pool):
    studies = [load_real_record(path.stem) for path in real_record_paths()[:70]]
    with FakeApi(studies) as api:
        _, alone = searched(api, 1)
        assert small_pool == []
        run, pooled = searched(api, 2)
    assert small_pool == [2]
    assert pooled == alone
    assert [r["nct_id"] for r in pooled] == [nct_id_of(s) for s in studies]
    assert all(r["summary"] for r in pooled)
    assert run.seen == len(studies) and run.results.complete


@needs_shared
def test_workers_prescreen_each_trial_and_the_verdicts_come_in_their_order(small_pool):
    studies = [load_real_record(path.stem) for path in real_record_paths()[:60]]
    profile = parse_profile(
        'age = 64\nsex = "female"\ndiagnosis = "multiple myeloma"\nprior_lines = 4\n'
        'setting = ["relapsed", "refractory"]\nbrain_metastases = "active"\n',
        "ann.toml",
    )
    with FakeApi(studies) as api:
        alone_run, alone = searched(api, 1, profile=profile)
        pooled_run, pooled = searched(api, 2, profile=profile)
    assert small_pool == [2]
    assert pooled == alone
    verdicts = [record["fit"] for record in pooled]
    assert len(set(verdicts)) > 1  # the profile tells trials apart
    assert verdicts == sorted(verdicts, key=("possible", "check", "excluded").index)
    assert all(record["checks"] for record in pooled)
    assert pooled_run.fit_counts == alone_run.fit_counts


@pytest.mark.parametrize("count", [1, 2])
def test_a_trial_that_breaks_the_work_is_named_and_skipped(small_pool, caplog, count):
    studies = many_studies(30)
    studies[7] = car_t("NCT77777777")
    with FakeApi(studies) as api, caplog.at_level(logging.WARNING, "trialfinder"):
        run, records = searched(api, count, wanted=Exploding())
    assert [r["nct_id"] for r in records] == [nct_id_of(s) for s in studies if s != studies[7]]
    [skipped] = run.results.skipped
    assert skipped.record_id == "NCT77777777"
    assert "RuntimeError: the filter broke" in skipped.reason
    assert "this is a bug in trialfinder" in skipped.reason
    assert "skipped record NCT77777777: processing it failed" in caplog.text
    assert run.report()[0].startswith("1 record could not be read and was skipped")
    assert small_pool == ([2] if count == 2 else [])


@pytest.mark.parametrize("count", [1, 2])
def test_a_broken_template_stops_the_search_at_its_trial(small_pool, tmp_path, count):
    (tmp_path / "summary.txt.j2").write_text(
        '{{ s.nct_id }}{% if s.nct_id == "NCT10000025" %}{{ no_such_thing }}{% endif %}\n'
    )
    with FakeApi(many_studies(40)) as api:
        run = search_run(api, count, templates=str(tmp_path))
        written = []
        with pytest.raises(ConfigError) as failure:
            for record in run.records():
                written.append(record["summary"])
    assert written == [f"NCT{10_000_000 + n:08d}" for n in range(1, 25)]
    assert "'no_such_thing' is undefined" in failure.value.message
    assert failure.value.__notes__ == ["at NCT10000025"]


@pytest.mark.parametrize(("count", "pool"), [(29, False), (30, True)])
def test_a_small_search_starts_no_pool(monkeypatch, count, pool):
    monkeypatch.setattr(workers, "POOL_THRESHOLD", 30)
    started = []
    monkeypatch.setattr(workers, "_start_pool", lambda *args: started.append(args))
    monkeypatch.setattr(TrialWork, "results", lambda self, started: [])  # no work here
    with FakeApi(many_studies(count)) as api:
        searched(api, 4)
    assert bool(started) == pool


PROBE = """
import contextlib, io, sys
from trialfinder.cli import cli
with contextlib.redirect_stdout(io.StringIO()):
    try:
        cli.main(sys.argv[1:], prog_name="trialfinder")
    except SystemExit as exit:
        assert not exit.code, exit.code
pool_modules = ("trialfinder.workers", "concurrent.futures.process")
print(" ".join(m for m in pool_modules if m in sys.modules))
"""


@pytest.mark.parametrize("args", [["--help"], ["search", "--help"], ["show", "NCT10000001"]])
def test_help_and_show_start_no_pool(fake_api, args):
    fake_api.studies = many_studies(1)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


def test_the_number_of_workers_is_checked(monkeypatch):
    assert Settings.from_env().workers == workers_default()
    monkeypatch.setenv("TRIALFINDER_WORKERS", "3")
    assert Settings.from_env().workers == 3
    for bad in ("0", "-1", "1.5", "many", "100000"):
        monkeypatch.setenv("TRIALFINDER_WORKERS", bad)
        with pytest.raises(ConfigError, match="TRIALFINDER_WORKERS"):
            Settings.from_env()


def workers_default() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# -- Ctrl-C, for real -----------------------------------------------------------------------


def workers_of(pid: int) -> list[int]:
    """The worker processes of process ``pid`` (not multiprocessing's resource tracker).

    Threads and children come and go while /proc is read: one gone between the listing and the
    read is passed over (the caller asks again)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:
            continue
        for child in children:
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"spawn_main" in command and b"resource_tracker" not in command:
                found.append(int(child))
    return found


def ignores_sigint(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:  # gone since it was listed
        return False
    for line in status.splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def export_with_a_pool_at_work(api: FakeApi, out: Path) -> tuple[subprocess.Popen, list[int]]:
    """`search -o out` in its own process group, once its two workers have started (and ignore
    Ctrl-C) and page 2 is on its way (held back by the server)."""
    api.studies = many_studies(3100)  # pages of 1,000: a pool, and a page on its way
    api.fail("/studies", action="delay", delay=20, after_pages=1)
    process = subprocess.Popen(
        [sys.executable, "-m", "trialfinder", "search", "--setting", "any", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TRIALFINDER_WORKERS": "2"},
        start_new_session=True,  # its own process group, as a terminal gives a command
        preexec_fn=as_from_a_terminal,
    )
    deadline = time.monotonic() + 60
    pool: list[int] = []
    while len(api.studies_requests()) < 2 or len(pool) < 2:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no pool at work while page 2 was on its way"
        time.sleep(0.05)
        pool = [pid for pid in workers_of(process.pid) if ignores_sigint(pid)]
    return process, pool


needs_proc = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")


@needs_proc
def test_ctrl_c_stops_the_workers_at_once(fake_api, tmp_path):
    out = tmp_path / "trials.ndjson"
    process, pool = export_with_a_pool_at_work(fake_api, out)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the whole group gets it
    started = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - started < 3
    assert process.returncode == ExitCode.INTERRUPTED
    assert stderr.decode().startswith("trialfinder: interrupted"), stderr.decode()
    assert b"Traceback" not in stderr
    assert not [pid for pid in pool if running(pid)]
    partial = tmp_path / "trials.ndjson.partial"
    if partial.exists():  # what the workers had finished
        lines = partial.read_text().splitlines()
        assert [json.loads(line)["nct_id"] for line in lines] == [
            f"NCT{10_000_000 + n:08d}" for n in range(1, len(lines) + 1)
        ]


@needs_proc
def test_workers_end_with_a_main_process_that_was_killed(fake_api, tmp_path):
    process, pool = export_with_a_pool_at_work(fake_api, tmp_path / "trials.ndjson")
    process.kill()
    process.communicate(timeout=30)
    deadline = time.monotonic() + 5
    while [pid for pid in pool if running(pid)]:
        assert time.monotonic() < deadline, "a worker outlived its main process"
        time.sleep(0.02)


# -- only the work the output shows ------------------------------------------------------------


def test_a_table_makes_no_summaries_and_an_export_does(fake_api, monkeypatch, tmp_path):
    from click.testing import CliRunner

    import trialfinder.pipeline
    from trialfinder.cli import cli

    fake_api.studies = many_studies(3)
    made = []
    summarize = trialfinder.pipeline.summarize

    def counted(trial, **options):
        made.append(trial.nct_id)
        return summarize(trial, **options)

    monkeypatch.setattr(trialfinder.pipeline, "summarize", counted)
    table = CliRunner().invoke(cli, ["search", "--setting", "any", "--format", "table"])
    assert table.exit_code == 0, table.output
    assert "NCT10000003" in table.stdout
    assert made == []
    out = tmp_path / "trials.ndjson"
    export = CliRunner().invoke(cli, ["search", "--setting", "any", "-o", str(out)])
    assert export.exit_code == 0, export.output
    assert len(made) == 3
    assert all(json.loads(line)["summary"] for line in out.read_text().splitlines())
