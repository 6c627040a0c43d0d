"""The terminal table: its About column (settings and treatment approaches in short words)
and how it reads at 80 and 120 columns."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from rich.console import Console

from trialfinder.cli import cli
from trialfinder.geo import geocode
from trialfinder.knowledge import load_toml
from trialfinder.model import parse_study
from trialfinder.output import results_table
from trialfinder.pipeline import ResultOptions, build_results, to_record
from trialfinder.vocabulary import CATEGORY_NAMES, SETTINGS
from trialfinder.wording import about_text

from conftest import needs_shared, real_record_paths
from factories import make_study
from tablekit import table_rows


@pytest.mark.parametrize(
    "setting, categories, about",
    [
        (["relapsed"], ["immunotherapy", "car-t"], "relapsed · immunotherapy, CAR T"),
        (
            ["refractory", "resistant"],
            ["targeted-therapy", "combination"],
            "refractory, resistant · targeted, combination",
        ),
        ([], ["stem-cell-transplant"], "stem cell transplant"),
        (["relapsed"], [], "relapsed"),
        ([], [], ""),
    ],
)
def test_about_says_settings_then_approaches_in_short_words(setting, categories, about):
    assert about_text({"setting": setting, "categories": categories}) == about


def test_every_setting_and_category_has_its_short_words_in_the_data():
    settings, categories = load_toml("settings.toml"), load_toml("categories.toml")
    for name in SETTINGS:
        assert settings[name]["short"].strip(), name
    for name in CATEGORY_NAMES:
        assert categories[name]["short"].strip(), name
    # Short words, not codes: no hyphenated names in the table.
    assert "-" not in about_text({"setting": list(SETTINGS), "categories": list(CATEGORY_NAMES)})


def test_the_search_table_has_the_about_column(fake_api):
    fake_api.studies = [make_study()]  # teclistamab in relapsed or refractory myeloma
    result = CliRunner().invoke(cli, ["search", "--format", "table"])
    assert result.exit_code == 0, result.output
    assert "About" in result.stdout
    assert "refractory, relapsed · immunotherapy" in result.stdout


def _records(near=None) -> list[dict]:
    studies = [json.loads(p.read_text(encoding="utf-8")) for p in real_record_paths()[:40]]
    options = ResultOptions(near=near)
    return [to_record(r) for r in build_results((parse_study(s) for s in studies), options)]


@needs_shared
@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("near", [None, "02115"])
def test_at_80_and_120_columns_every_row_shows_its_id_and_all_its_about_text(width, near):
    place = geocode(near) if near else None
    records = _records(place)
    assert any(r["setting"] for r in records) and any(r["categories"] for r in records)
    out = io.StringIO()
    Console(file=out, width=width, soft_wrap=False).print(
        results_table(records, show_distance=place is not None, width=width)
    )
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= width
    headers, rows = table_rows(text)
    about = headers.index("About")
    assert [row[0] for row in rows] == [r["nct_id"] for r in records]
    for row, record in zip(rows, records, strict=True):
        # Wrapped (or, for a word too long, folded), never cut.
        assert row[about].replace(" ", "") == about_text(record).replace(" ", ""), row[0]
    # The title and About need the room: the conditions are left out, the phase goes under
    # the status, and the nearest site under the title.
    assert "Conditions" not in headers and "Phase" not in headers
    assert headers[1] == ("Title; nearest site" if place else "Title")
    widths = [len(cell) for cell in text.splitlines()[1].split("┃")[1:-1]]
    assert widths[1] == max(widths) and widths[1] >= width // 3  # the title's column is widest


@needs_shared
@pytest.mark.parametrize("width", [60, 72])
@pytest.mark.parametrize("fit", [False, True])
def test_narrower_every_row_shows_its_whole_id_fit_and_about_text(width, fit):
    # At 60 and 72 columns the NCT id ("NCT058…") and the fit ("pos…") were cut: the About
    # text goes under the title instead of beside it
    records = _records()
    for n, record in enumerate(records):
        record["fit"] = ("possible", "check", "excluded")[n % 3]
    out = io.StringIO()
    Console(file=out, width=width, soft_wrap=False).print(
        results_table(records, width=width, show_fit=fit)
    )
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= width
    headers, rows = table_rows(text)
    assert [row[0] for row in rows] == [r["nct_id"] for r in records]
    if fit:
        assert [row[1] for row in rows] == [r["fit"] for r in records]
    # beside the title while there is room for both, else under it
    where = headers.index("About" if "About" in headers else "Title")
    assert ("About" in headers) == (width == 72 and not fit)
    for row, record in zip(rows, records, strict=True):
        about = about_text(record).replace(" ", "")
        assert about in row[where].replace(" ", ""), row[0]
