"""A user's file is never destroyed: ``-o FILE`` changes only when the export is complete.

A failure, Ctrl-C, SIGTERM or SIGHUP part-way leaves FILE as it was and keeps what was written
as FILE.partial (valid JSON for JSON); a full disk and a non-UTF-8 argument are one-line errors
with their documented codes.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from trialfinder.cli import cli
from trialfinder.errors import ExitCode

from conftest import as_from_a_terminal
from factories import many_studies

PAGE = 5  # the fake API serves pages of 5, so that an export spans three pages
TOTAL = 12
IDS = [f"NCT{10_000_000 + n:08d}" for n in range(1, TOTAL + 1)]
# How long the fake API holds the second page while a test stops the export: long enough
# for the signal to arrive first; the test does not wait for it.
HOLD_PAGE_SECONDS = 10.0
LAST_WEEK = "last week's shortlist, the only copy\n"


@pytest.fixture
def api(fake_api):
    fake_api.studies = many_studies(TOTAL)
    serve = fake_api._page
    fake_api._page = lambda params: serve({**params, "pageSize": str(PAGE)})
    return fake_api


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def start(*args: str, ignored: tuple[int, ...] = ()) -> subprocess.Popen:
    """trialfinder in a process of its own (the fake API's address is in the environment), with
    the stop signals as a terminal leaves them, but for those ``ignored``."""

    def signals() -> None:
        as_from_a_terminal()
        for signum in ignored:
            signal.signal(signum, signal.SIG_IGN)

    return subprocess.Popen(
        [sys.executable, "-m", "trialfinder", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=signals,
    )


def wait_for_second_page(api, process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Until the process asked for page 2 and has written page 1's rows: it asks for the next
    page while it works on one, so it is done with page 1 once it is idle, waiting for page 2."""
    deadline = time.monotonic() + timeout
    while len(api.studies_requests()) < 2:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the export never asked for a second page"
        time.sleep(0.02)
    wait_until_idle(process.pid, deadline)


def wait_until_idle(pid: int, deadline: float, quiet: float = 0.3) -> None:
    """Until the process has used no CPU for ``quiet`` seconds and none of its threads is
    ready to run (on a busy machine a thread may wait that long for a CPU without being idle);
    without /proc, a second."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        time.sleep(1.0)
        return

    def cpu() -> int:  # clock ticks in user and system mode
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def ready() -> bool:  # a thread running or waiting for a CPU ("R")
        states = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):  # (a thread that has just ended)
                states.append((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
        return "R" in states

    used = cpu()
    while True:
        time.sleep(quiet)
        now = cpu()
        if now == used and not ready():
            return
        assert time.monotonic() < deadline, "the export never waited for its next page"
        used = now


# -- replaced only when complete ------------------------------------------------------------------


def test_a_complete_export_replaces_the_file_and_keeps_its_mode(api, tmp_path):
    out = tmp_path / "shortlist.csv"
    out.write_text(LAST_WEEK)
    out.chmod(0o640)
    result = run("search", "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert [row["nct_id"] for row in rows] == IDS
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert files_in(tmp_path) == ["shortlist.csv"]  # no temporary file left behind


def test_a_new_file_gets_the_mode_any_new_file_gets(api, tmp_path):
    old = os.umask(0o027)
    try:
        assert run("search", "-o", str(tmp_path / "new.json")).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640


def test_a_failed_search_leaves_the_file_as_it_was(api, tmp_path):
    out = tmp_path / "shortlist.csv"
    out.write_text(LAST_WEEK)
    api.fail("/studies", status=400, body="The API is down for maintenance")
    result = run("search", "-o", str(out))
    assert result.exit_code == ExitCode.NETWORK
    assert out.read_text() == LAST_WEEK
    assert files_in(tmp_path) == ["shortlist.csv"]  # nothing was fetched: no .partial
    assert f"{out} was not changed" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "table"])
def test_a_failure_part_way_keeps_what_was_fetched_beside_the_file(api, tmp_path, fmt):
    out = tmp_path / "trials.out"
    out.write_text(LAST_WEEK)
    api.fail("/studies", status=400, body="Invalid pageToken", after_pages=1)
    result = run("search", "--format", fmt, "-o", str(out))
    assert result.exit_code == ExitCode.PARTIAL
    assert out.read_text() == LAST_WEEK
    partial = tmp_path / "trials.out.partial"
    assert files_in(tmp_path) == ["trials.out", "trials.out.partial"]
    text = partial.read_text(encoding="utf-8")
    if fmt == "json":
        ids = [record["nct_id"] for record in json.loads(text)]  # valid JSON: array closed
    elif fmt == "ndjson":
        ids = [json.loads(line)["nct_id"] for line in text.splitlines()]
    elif fmt == "csv":
        ids = [row["nct_id"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    else:
        ids = [nct_id for nct_id in IDS if nct_id in text]
    assert ids == IDS[:PAGE]
    (message,) = [line for line in result.stderr.splitlines() if "error:" in line]
    assert f"{PAGE} of {TOTAL} trials fetched" in message
    assert f"what was written so far is kept in {partial}; {out} was not changed" in message


def test_the_same_file_as_ids_compare_and_output_survives_a_failure(api, tmp_path):
    shortlist = tmp_path / "shortlist.csv"
    assert run("search", "-o", str(shortlist)).exit_code == 0
    only_copy = shortlist.read_bytes()
    same = ["search", "--ids-file", str(shortlist), "--compare", str(shortlist)]

    api.fail("/studies", status=400, body="down")
    assert run(*same, "-o", str(shortlist)).exit_code == ExitCode.NETWORK
    assert shortlist.read_bytes() == only_copy

    api.fail("/studies", status=400, body="Invalid pageToken", after_pages=api.pages_served + 1)
    assert run(*same, "-o", str(shortlist)).exit_code == ExitCode.PARTIAL
    assert shortlist.read_bytes() == only_copy
    partial = shortlist.with_name("shortlist.csv.partial")
    rows = list(csv.DictReader(io.StringIO(partial.read_text(encoding="utf-8"), newline="")))
    assert [(row["change"], row["nct_id"]) for row in rows] == [("unchanged", i) for i in IDS[:5]]

    result = run(*same, "-o", str(shortlist))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(shortlist.read_text(encoding="utf-8"), newline="")))
    assert [(row["change"], row["nct_id"]) for row in rows] == [("unchanged", i) for i in IDS]


def test_a_symbolic_link_keeps_pointing_at_the_new_file(api, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text(LAST_WEEK)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert run("search", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text(encoding="utf-8").startswith('"nct_id"')


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_written_directly(api, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    result = run("search", "-o", str(fifo))
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # not replaced by a regular file
    rows = list(csv.DictReader(io.StringIO(received[0], newline="")))
    assert [row["nct_id"] for row in rows] == IDS


# -- a full disk --------------------------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_a_one_line_error_with_its_own_code(api):
    result = run("search", "-o", "/dev/full")
    assert result.exit_code == ExitCode.OUTPUT
    assert result.stderr == "trialfinder: error: cannot write /dev/full: No space left on device\n"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["search", "--format", "table"], "standard output"),
        (["search", "--format", "csv"], "standard output"),
        (["show", "NCT10000001"], "standard output"),
        (["explain", "refractory"], "the output"),
    ],
)
def test_standard_output_on_a_full_disk_too(api, args, what):
    with open("/dev/full", "w") as full:
        process = subprocess.run(
            [sys.executable, "-m", "trialfinder", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    assert process.returncode == ExitCode.OUTPUT
    expected = f"trialfinder: error: cannot write {what}: No space left on device\n"
    assert process.stderr.decode() == expected


def test_a_disk_that_fills_at_the_end_leaves_the_file_as_it_was(api, tmp_path, monkeypatch):
    out = tmp_path / "shortlist.csv"
    out.write_text(LAST_WEEK)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("trialfinder.outfile.os.fsync", full)
    result = run("search", "-o", str(out))
    assert result.exit_code == ExitCode.OUTPUT
    assert out.read_text() == LAST_WEEK
    assert files_in(tmp_path) == ["shortlist.csv"]
    assert f"cannot write {out}: No space left on device; {out} was not changed" in result.stderr


# -- SIGTERM, SIGHUP and Ctrl-C, for real ----------------------------------------------------


@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [
        (signal.SIGTERM, ExitCode.TERMINATED, "stopped by SIGTERM"),
        (signal.SIGHUP, ExitCode.HANGUP, "stopped by SIGHUP"),
        (signal.SIGINT, ExitCode.INTERRUPTED, "interrupted"),
    ],
)
def test_a_signal_mid_export_keeps_the_file_and_a_valid_partial(api, tmp_path, signum, code, said):
    out = tmp_path / "trials.json"
    out.write_text(LAST_WEEK)
    api.fail("/studies", action="delay", delay=HOLD_PAGE_SECONDS, after_pages=1)
    process = start("search", "-o", str(out))
    wait_for_second_page(api, process)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == code
    partial = tmp_path / "trials.json.partial"
    assert stderr.decode() == (
        f"trialfinder: {said}; what was written so far is kept in {partial}; "
        f"{out} was not changed\n"
    )
    assert out.read_text() == LAST_WEEK
    assert [record["nct_id"] for record in json.loads(partial.read_bytes())] == IDS[:PAGE]
    assert files_in(tmp_path) == ["trials.json", "trials.json.partial"]


def test_sigterm_while_writing_to_standard_output(api):
    api.fail("/studies", action="delay", delay=HOLD_PAGE_SECONDS, after_pages=1)
    process = start("search", "--format", "ndjson")
    wait_for_second_page(api, process)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == ExitCode.TERMINATED
    assert stderr == b"trialfinder: stopped by SIGTERM\n"
    assert [json.loads(line)["nct_id"] for line in stdout.splitlines()] == IDS[:PAGE]


# `nohup` ignores SIGHUP; a shell ignores SIGINT for a command it starts in the background.
@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGINT])
def test_a_signal_the_caller_ignores_stays_ignored(api, tmp_path, signum):
    out = tmp_path / "trials.json"
    api.fail("/studies", action="delay", delay=1.0, after_pages=1)
    process = start("search", "-o", str(out), ignored=(signum,))
    wait_for_second_page(api, process)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert [record["nct_id"] for record in json.loads(out.read_bytes())] == IDS


# -- arguments that are not text -----------------------------------------------------------------


@pytest.mark.parametrize("args", [[b"search", b"my\xffeloma"], [b"search", b"-o", b"\xff.csv"]])
def test_an_argument_that_is_not_utf8_is_a_usage_error(args, tmp_path):
    process = subprocess.run(
        [sys.executable, "-m", "trialfinder", *args],
        capture_output=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert process.returncode == ExitCode.USAGE
    assert b"is not UTF-8 text" in process.stderr and b"\\xff" in process.stderr
    assert b"Traceback" not in process.stderr
    assert list(tmp_path.iterdir()) == []


# -- documented ------------------------------------------------------------------------------


def test_every_exit_code_is_in_the_documented_table():
    docs = Path(__file__).resolve().parents[1] / "docs" / "searching.md"
    table = (
        docs.read_text(encoding="utf-8").split("## Exit codes\n", 1)[1].strip().split("\n\n", 1)[0]
    )
    documented = {int(line.split("|")[1]) for line in table.splitlines()[2:]}
    codes = {int(code) for code in ExitCode}
    assert documented == codes
