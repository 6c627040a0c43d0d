"""Terminal output is inert: hostile record and config text cannot drive a terminal or a mail
reader, nor be read as markup by the table. Every check looks at the bytes written."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import subprocess
import sys
from email import message_from_bytes
from email.policy import default

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from trialfinder.cli import cli
from trialfinder.criteria import SearchCriteria
from trialfinder.digest.changes import compare
from trialfinder.digest.config import SavedSearch
from trialfinder.digest.mail import DigestContent, build_message
from trialfinder.digest.searching import Found, snapshot_of
from trialfinder.inert import inert, json_text
from trialfinder.model import parse_study
from trialfinder.request import SearchRequest

from conftest import needs_shared, real_record_paths
from factories import make_study

CLEAR = "\x1b[2J\x1b[H"
WINDOW_TITLE = "\x1b]0;pwned-title\x07"
OSC8 = "\x1b]8;;http://osc8.example/\x1b\\click me\x1b]8;;\x1b\\"
OSC52 = "\x1b]52;c;Y2xpcGJvYXJk\x07"
CSI_8BIT = "\x9b5m"
BIDI = "\u202eevil\u202c \u2066iso\u2069"
MARKUP = "[/] [link=http://markup.example]x[/link] [blink]b[/blink]"
HOSTILE_TITLE = f"{MARKUP} {CLEAR}{WINDOW_TITLE}{OSC8}{OSC52}{CSI_8BIT}{BIDI}\x07\x08 end"
HOSTILE_CONDITION = f"[/]{OSC52}[red]Myeloma[/red]\u202e"

# What must never reach a terminal: escape payloads, and these characters in any encoding.
FORBIDDEN_TEXT = ("pwned-title", "osc8.example", "Y2xpcGJvYXJk")
FORBIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_study(nct_id: str = "NCT01000001"):
    return make_study(
        nct_id,
        title=HOSTILE_TITLE,
        conditions=[HOSTILE_CONDITION],
        summary=f"Summary {CLEAR}{OSC52} [blink]text[/blink]",
        locations=[
            {
                "facility": f"Site {WINDOW_TITLE}\u202eAB",
                "city": "Boston",
                "status": "RECRUITING",
                "country": "United States",
            }
        ],
    )


def assert_inert(data: bytes, crlf: bool = False, allow_sgr: bool = False) -> str:
    """``data`` decodes as UTF-8 and carries no control character; returns the text.

    ``crlf``: lines end in CRLF (a pseudo-terminal's line discipline, a mail part).
    ``allow_sgr``: rich's own colours and bold (SGR) are allowed, and nothing else; never blink.
    """
    text = data.decode("utf-8")
    if crlf:
        text = text.replace("\r\n", "\n")
    if allow_sgr:
        styles = re.findall(r"\x1b\[([0-9;]*)m", text)
        assert not any(p in {"5", "6"} for s in styles for p in s.split(";")), styles
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    bad = FORBIDDEN_CHARS.findall(text)
    assert not bad, sorted({hex(ord(c)) for c in bad})
    for payload in FORBIDDEN_TEXT:
        assert payload not in text
    return text


# -- inert(), one string at a time -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a \x1b[31mred\x1b[0m b", "a red b"),
        ("x\x1b]0;window title\x07y", "xy"),
        ("\x1b]8;;http://e.example/\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1b]52;c;ZXZpbA==\x07copied?", "copied?"),
        ("\x9b31mred", "red"),
        ("\x9d0;title\x9cok", "ok"),
        ("\x1bPq#0;2;0;0;0\x1b\\ok", "ok"),  # DCS (sixel)
        ("\x1bcok", "ok"),  # full reset
        ("\x1b(0ok", "ok"),  # line-drawing character set
        ("\x1b]0;no terminator", "0;no terminator"),  # introducer gone, the rest is plain text
        ("a\x00b\x07c\x08d\x7fe", "abcde"),
        ("safe\revil", "safe\nevil"),  # a carriage return cannot overwrite the line
        ("a\r\nb", "a\nb"),
        ("a\x0bb\x0cc\x85d", "a\nb\nc\nd"),
        ("\u202eevil\u202c \u2066iso\u2069 \u202aemb\u202b", "evil iso emb"),
    ],
)
def test_control_characters_and_sequences_are_removed_whole(raw, shown):
    assert inert(raw) == shown
    assert inert(shown) == shown


@pytest.mark.parametrize(
    "text",
    [
        "tab\there\nnew line",
        "Mieloma múltiple, ≥ 18 años, 5 µg/kg ☤",
        "سرطان الدم النخاعي",  # right-to-left text itself is kept
        "מחקר קליני",
        "👩\u200d⚕️ nurse",  # zero-width joiner and variation selector belong to the emoji
        "[bold]markup is text[/]",
    ],
)
def test_ordinary_text_is_kept(text):
    assert inert(text) == text


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_nothing_forbidden_survives_and_inert_is_idempotent(text):
    shown = inert(text)
    assert not FORBIDDEN_CHARS.search(shown)
    assert inert(shown) == shown


@settings(max_examples=100, deadline=None, database=None)
@given(
    st.recursive(
        st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=8,
    )
)
def test_json_text_keeps_the_data_and_writes_no_raw_controls(value):
    text = json_text(value)
    assert json.loads(text) == value
    assert not FORBIDDEN_CHARS.search(text)


@needs_shared
def test_no_real_record_loses_a_character():
    checked = 0

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    for path in real_record_paths():
        for text in strings(json.loads(path.read_text(encoding="utf-8"))):
            assert inert(text) == text, (path.name, text[:80])
            checked += 1
    assert checked > 10_000


# -- the table, show, JSON and CSV: bytes written ------------------------------------------------


@pytest.fixture
def hostile_api(fake_api):
    fake_api.studies = [hostile_study(), make_study("NCT01000002", title="[/]")]
    return fake_api


def run_on_terminal(*args: str) -> bytes:
    """Run trialfinder with standard output on a pseudo-terminal; the bytes it shows."""
    controller, terminal = os.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "trialfinder", *args],
            stdout=terminal,
            stderr=subprocess.PIPE,
            env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "250"},
            timeout=60,
        )
        os.close(terminal)
        terminal = None
        shown = b""
        with contextlib.suppress(OSError):  # EIO once everything written has been read
            while chunk := os.read(controller, 65536):
                shown += chunk
    finally:
        if terminal is not None:
            os.close(terminal)
        os.close(controller)
    assert process.returncode == 0, process.stderr.decode(errors="replace")
    return shown


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_the_table_on_a_terminal_shows_record_text_as_written_and_nothing_else(hostile_api):
    text = assert_inert(run_on_terminal("search", "--format", "table"), crlf=True, allow_sgr=True)
    # Markup is shown as the record wrote it, never applied; "[/]" does not crash the table.
    assert "[/] [link=http://markup.example]x[/link] [blink]b[/blink]" in text
    assert "NCT01000002" in text and "│ [/]" in text
    assert "[red]Myeloma[/red]" in text
    assert "click me" in text and "evil iso" in text


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_csv_on_a_terminal_is_inert_too(hostile_api):
    text = assert_inert(run_on_terminal("search", "--format", "csv"), crlf=True)
    assert "click me" in text and "[/]" in text


def test_show_writes_no_control_byte(hostile_api):
    process = subprocess.run(
        [sys.executable, "-m", "trialfinder", "show", "NCT01000001"],
        capture_output=True,
        timeout=60,
    )
    assert process.returncode == 0, process.stderr
    text = assert_inert(process.stdout)
    assert "[/] [link=http://markup.example]x[/link]" in text
    assert "Site AB" in text  # the site's name, without its escape and override


def test_a_title_of_just_markup_closing_tag_is_shown(hostile_api):
    result = CliRunner().invoke(cli, ["search", "--format", "table"])
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout_bytes)
    # Piped, the table is tab-separated: the title cell is "[/]" as written.
    assert "\nNCT01000002\t[/]\t" in result.stdout


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_json_keeps_the_data_as_is_in_escapes(hostile_api, fmt):
    result = CliRunner().invoke(cli, ["search", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert not FORBIDDEN_CHARS.search(result.stdout_bytes.decode("utf-8"))
    if fmt == "json":
        records = json.loads(result.stdout)
    else:
        records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["title"] == HOSTILE_TITLE  # a program reads exactly what the record says
    assert records[0]["conditions"] == [HOSTILE_CONDITION]


def test_show_json_keeps_the_data_as_is_in_escapes(hostile_api):
    result = CliRunner().invoke(cli, ["show", "NCT01000001", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert not FORBIDDEN_CHARS.search(result.stdout_bytes.decode("utf-8"))
    assert json.loads(result.stdout)["title"] == HOSTILE_TITLE


def test_a_csv_file_keeps_the_data_as_is(hostile_api, tmp_path):
    import csv

    out = tmp_path / "list.csv"
    result = CliRunner().invoke(cli, ["search", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["title"] == HOSTILE_TITLE


def test_an_error_message_quoting_the_server_is_inert(fake_api):
    fake_api.fail("/studies", status=400, body=f"bad request {WINDOW_TITLE}{OSC52}\u202e")
    result = CliRunner().invoke(cli, ["search"])
    assert result.exit_code == 3
    assert "bad request" in result.stderr
    assert_inert(result.stderr_bytes)


# -- the digest's parts -------------------------------------------------------------------------


def test_the_digest_text_and_html_parts_are_inert():
    search = SavedSearch(
        name=f"Myeloma {WINDOW_TITLE}",
        request=SearchRequest(SearchCriteria(conditions=("multiple myeloma",))),
        recipients=("navigator@example.org",),
        subject=f"myeloma {OSC52}trials\u202e",
    )
    trial = parse_study(hostile_study())
    results = {trial.nct_id: Found(trial, summary=f"Plain words {CLEAR}{OSC8}.")}
    changes, _ = compare(None, snapshot_of(results))
    content = DigestContent(
        search, "navigator@example.org", changes, results, dt.datetime(2026, 11, 30)
    )
    raw = build_message(content, sender="d@example.org", message_id="<x@example.org>").as_bytes()
    assert b"\x1b" not in raw
    message = message_from_bytes(raw, policy=default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert_inert(part.encode("utf-8"), crlf=True)
        assert "click me" in part
    assert "[/] [link=http://markup.example]x[/link]" in text
    assert "Plain words" in text
    assert_inert(str(message["Subject"]).encode("utf-8"))
    assert message["Subject"].endswith("myeloma trials")
