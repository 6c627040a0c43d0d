"""What a person sees on a terminal: the table at 80, 120 and 200 columns read off a real
pseudo-terminal's screen, a progress bar that is gone before the table, the hint line after
the results, and the plain tab-separated table when the output is piped."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from itertools import takewhile

import pytest
from click.testing import CliRunner
from rich.console import Console

from trialfinder.cli import cli
from trialfinder.progress import PageProgress
from trialfinder.wording import about_text, status_text

from conftest import needs_shared, real_record_paths
from factories import make_study, many_studies
from ptykit import needs_pty, run_on_screen
from tablekit import table_rows

pytestmark = needs_pty


def _real_studies(count: int = 12) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in real_record_paths()[:count]]


def _table_lines(lines: list[str]) -> list[str]:
    """The lines of the table on the screen, its top border to its bottom border."""
    top = next(i for i, line in enumerate(lines) if "┏" in line)
    bottom = next(i for i, line in enumerate(lines) if line.startswith("└"))
    return lines[top : bottom + 1]


def _first_cells(table: list[str]) -> list[str]:
    return [line.split("│")[1].strip() for line in table if line.startswith("│")]


@needs_shared
@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("near", [None, "02115"])
def test_the_table_fits_the_terminal_and_the_bar_is_gone(fake_api, columns, near):
    # Near Boston: 7 of the first 24 have a site within 100 miles that may enrol.
    fake_api.studies = _real_studies(24 if near else 12)
    args = ["search", "--setting", "any", "--status", "any", "--limit", "6"]
    screen = run_on_screen(*args, *(["--near", near] if near else []), columns=columns)
    assert screen.returncode == 0, screen.text
    assert b"Fetching trials" in screen.raw  # the bar was shown while fetching ...
    assert "Fetching trials" not in screen.text  # ... and erased: it shares no line
    table = _table_lines(screen.lines)
    assert table[0].startswith("┏") and table[0].endswith("┓")  # a line of its own
    assert all(len(line) <= columns for line in table)
    # Each trial starts a row, its NCT id whole in the first column.
    ids = [cell for cell in _first_cells(table) if cell]
    all_ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in fake_api.studies]
    if near:  # nearest first
        assert len(ids) == 6 and set(ids) <= set(all_ids)
    else:
        assert ids == all_ids[:6]
    headers = [cell.strip() for cell in table[1].split("┃")[1:-1]]
    widths = [len(cell) for cell in table[1].split("┃")[1:-1]]
    assert "About" in " ".join(headers) or "About" in table[2]
    title = 1
    assert widths[title] == max(widths), "the title has the widest column"
    if columns == 80:
        assert widths[title] >= 30  # readable: several words a line, not one
    after = screen.lines[screen.lines.index(table[-1]) + 1 :]
    # (near a place, the line is longer than 80 columns: the terminal wraps it)
    assert re.search(r"\d+ trials matched.*6 shown", "".join(after))
    first = ids[0]
    hint = f"next: trialfinder show {first}" + (f" --near {near}" if near else "")
    assert any(line.startswith(hint) for line in after), after


def test_the_about_text_and_status_are_on_the_screen_at_80_columns(fake_api):
    fake_api.studies = [make_study(status="NOT_YET_RECRUITING", phases=["PHASE1", "PHASE2"])]
    screen = run_on_screen("search", columns=80)
    assert screen.returncode == 0, screen.text
    headers, [row] = table_rows("\n".join(_table_lines(screen.lines)))
    assert headers == ["NCT id", "Title", "Status, phase", "About"]
    assert row[1] == "Teclistamab in Relapsed or Refractory Multiple Myeloma"
    assert row[2] == "Not yet recruiting Phase 1/2"
    about = about_text({"setting": ["refractory", "relapsed"], "categories": ["immunotherapy"]})
    assert row[3] == about == "refractory, relapsed · immunotherapy"


def test_the_bar_counts_trials_against_the_announced_total():
    class Results:
        fetched, total = 30, 60

    console = Console(record=True, force_terminal=True, width=100)
    with PageProgress(lambda: (Results.fetched, Results.total), console=console) as progress:
        progress._progress.refresh()
    assert "30/60" in console.export_text()


def test_a_retry_is_shown_on_the_bar(fake_api):
    fake_api.studies = many_studies(3)
    fake_api.fail("/studies", status=429, headers={"Retry-After": "1"})
    screen = run_on_screen(
        "search", "--setting", "any", columns=100, env={"TRIALFINDER_RETRY_AFTER_MAX": "2"}
    )
    assert screen.returncode == 0, screen.text
    shown = screen.raw.decode("utf-8", "replace")
    assert "waiting 1 s: the registry said 429 (too many requests)" in shown
    assert "waiting" not in screen.text and "Fetching" not in screen.text


def test_json_goes_to_standard_output_while_the_bar_is_on_the_terminal(fake_api):
    # Only standard error is a terminal: the export must still reach standard output whole.
    fake_api.studies = many_studies(3)
    controller, terminal = os.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "trialfinder", "search", "--setting", "any", "--format", "json"],
            stdout=subprocess.PIPE,
            stderr=terminal,
            env={**os.environ, "TERM": "xterm-256color"},
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert process.returncode == 0
    assert len(json.loads(process.stdout)) == 3


def test_piped_the_table_is_tab_separated_with_whole_cells(fake_api):
    fake_api.studies = [
        make_study(title="A long title\twith a tab\nand a line break " + "word " * 40),
        make_study(nct_id="NCT01000002", status="ACTIVE_NOT_RECRUITING"),
    ]
    result = CliRunner().invoke(cli, ["search", "--setting", "any", "--status", "any"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "NCT id\tTitle\tStatus\tPhase\tAbout"
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(row) == 5 for row in rows)
    assert rows[0][1].startswith("A long title with a tab and a line break word")
    assert rows[0][1].endswith("word")  # whole: a pipe gets every word
    assert rows[1][2] == status_text("ACTIVE_NOT_RECRUITING") == "Active not recruiting"
    assert "┃" not in result.stdout and "│" not in result.stdout


def test_a_misspelled_disease_gets_a_suggestion_when_nothing_matched(fake_api):
    fake_api.studies = many_studies(2)
    fake_api.answers = lambda params: "myloma" not in params.get("query.cond", "")
    screen = run_on_screen("search", "multiple myloma", "--near", "02115", columns=120)
    assert screen.returncode == 0, screen.text
    assert (
        'nothing matched; did you mean "multiple myeloma"? trialfinder search \'multiple '
        "myeloma' --near 02115" in screen.text
    )


def test_nothing_treated_before_says_what_setting_any_would_show(fake_api):
    fake_api.studies = many_studies(2)
    # The registry finds nothing with the setting words, two trials without them.
    fake_api.answers = lambda params: "query.term" not in params
    screen = run_on_screen("search", "glioblastoma", columns=200)
    assert screen.returncode == 0, screen.text
    assert (
        "--setting any would show trials whose records do not say the disease was treated "
        "before (2 found without it): trialfinder search glioblastoma --setting any"
    ) in screen.text
    requests = fake_api.studies_requests()
    assert len(requests) == 2 and requests[1].params["pageSize"] == "1"  # one small count


def test_no_hint_when_standard_error_is_not_a_terminal(fake_api):
    fake_api.studies = many_studies(2)
    result = CliRunner().invoke(cli, ["search"])
    assert result.exit_code == 0
    assert "next:" not in result.stderr and "trials matched" in result.stderr


def _untreated_and_treated() -> list[dict]:
    untreated = make_study(
        nct_id="NCT09000001",
        title="Teclistamab in Newly Diagnosed Multiple Myeloma",
        criteria="Inclusion Criteria:\n\n* Newly diagnosed, untreated myeloma",
    )
    return [untreated, *many_studies(2)]


LEFT_OUT = (
    "trialfinder: 1 of 3 fetched trials was left out: its record does not say the disease "
    "was treated before (use --setting any to see it)"
)


@pytest.mark.parametrize("columns", [60, 80])
def test_messages_on_standard_error_wrap_at_spaces_to_the_terminal(fake_api, columns):
    # At 80 columns the terminal cut "...do not say t" | "he disease was treated before".
    fake_api.studies = _untreated_and_treated()
    screen = run_on_screen("search", "myeloma", "-o", os.devnull, columns=columns)
    assert screen.returncode == 0, screen.text
    start = next(i for i, line in enumerate(screen.lines) if line.startswith(LEFT_OUT[:30]))
    after = takewhile(lambda line: line.startswith("  "), screen.lines[start + 1 :])
    message = [screen.lines[start], *after]
    assert len(message) > 1 and " ".join(line.strip() for line in message) == LEFT_OUT


def test_messages_to_a_file_or_a_pipe_keep_a_line_each(fake_api):
    fake_api.studies = _untreated_and_treated()
    result = CliRunner().invoke(cli, ["search", "myeloma", "-o", os.devnull])
    assert result.exit_code == 0
    assert LEFT_OUT in result.stderr.splitlines()


def test_the_bar_of_a_real_search_counts_against_the_registry_total(fake_api):
    fake_api.studies = many_studies(300)  # tagging them takes longer than a refresh
    screen = run_on_screen("search", "--limit", "0", columns=100, rows=60)
    assert screen.returncode == 0, screen.text
    counts = re.findall(r"(\d+)/300", screen.raw.decode("utf-8", "replace"))
    assert counts, "the bar never showed the announced total"
    assert all(0 <= int(n) <= 300 for n in counts)
    assert "Fetching" not in screen.text


_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def _words(text: str) -> str:
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def _written_lines(raw: bytes) -> list[str]:
    """The lines as the program wrote them (before the terminal folds any), escapes left out."""
    return _ESCAPES.sub(b"", raw).decode("utf-8", "replace").replace("\r\n", "\n").split("\n")


@needs_shared
@pytest.mark.parametrize("columns", [60, 80])
def test_show_wraps_its_text_to_the_terminal(fake_api, columns):
    # The real records with the longest titles, arm labels and intervention names.
    every = _real_studies(len(real_record_paths()))
    records = sorted(every, key=lambda s: -len(json.dumps(s["protocolSection"])))[:3]
    fake_api.studies = records
    for record in records:
        nct_id = record["protocolSection"]["identificationModule"]["nctId"]
        screen = run_on_screen("show", nct_id, "--near", "02115", columns=columns)
        assert screen.returncode == 0, screen.text
        lines = _written_lines(screen.raw)
        # Each line fits, but for one word longer than a line (a web address), kept whole.
        too_long = [line for line in lines if len(line) > columns and len(line.split()) > 1]
        assert not [line for line in too_long if "https://" not in line], too_long
        piped = CliRunner().invoke(cli, ["show", nct_id, "--near", "02115"])
        assert piped.exit_code == 0, piped.output
        # Piped, the same words (a line may break after a hyphen), wrapped to a file's width.
        assert _words(piped.stdout) == _words("\n".join(lines))
        assert max(len(line) for line in piped.stdout.splitlines()) > columns


@pytest.mark.parametrize("args", [["categories"], ["explain", "--list"]])
def test_lists_of_words_wrap_to_the_terminal_and_piped_keep_a_line_each(args):
    screen = run_on_screen(*args, columns=60)
    assert screen.returncode == 0, screen.text
    lines = [line for line in _written_lines(screen.raw) if line]
    assert lines and max(len(line) for line in lines) <= 60
    piped = CliRunner().invoke(cli, args)
    assert _words(piped.stdout) == _words("\n".join(lines))
    if args[0] == "explain":  # one term a line, for grep
        assert len(piped.stdout.splitlines()) < len(lines)
