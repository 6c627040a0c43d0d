"""Renderers: one streaming function per output format, shared by every command.

Every renderer takes an iterable of *trial records* (the JSON-ready dicts of
:mod:`trialfinder.records`) and writes them to a stream as they arrive: JSON and NDJSON here,
the table for people here, CSV in :mod:`trialfinder.shortlist`, the workbook in
:mod:`trialfinder.workbook`. :func:`render` picks one by its format's name; :data:`NEEDS` says
what each format shows, so that the search works out only that. ``show``'s text is here too
(:func:`trial_text`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any

from trialfinder.errors import PartialResults, TrialfinderError
from trialfinder.geo import Place, nearest_site
from trialfinder.inert import inert, json_text
from trialfinder.model import Trial
from trialfinder.pipeline import OutputNeeds
from trialfinder.records import recruiting_sites, sites_open_first, sites_with_distances
from trialfinder.shortlist import write_csv
from trialfinder.templating import TEXT_WIDTH
from trialfinder.templating import render as render_template
from trialfinder.wording import (
    about_text,
    age_text,
    distance_text,
    one_line,
    phase_text,
    place_text,
    registry_text,
    shorten,
    site_label,
    status_text,
)
from trialfinder.workbook import write_xlsx

if TYPE_CHECKING:
    from rich.table import Table

# From this many columns on, the table has a column each for the phase, the conditions (or
# the nearest site and its distance); narrower, the phase goes under the status and the
# nearest site under the title, so that the title keeps most of the width (see results_table).
WIDE_TABLE = 160


def write_json(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """A JSON array, written one object at a time; valid JSON even when it stops part-way.

    Each object goes out in one write with its separator, and an export that fails (or is
    interrupted) still closes its array, so that a partial file holds the objects written.
    """
    count = 0
    out.write("[")
    try:
        for record in records:
            out.write((",\n" if count else "\n") + json_text(record))
            count += 1
    except BaseException:
        with contextlib.suppress(OSError, TrialfinderError):  # a full disk: nothing to close
            out.write("\n]\n" if count else "]\n")
        raise
    out.write("\n]\n" if count else "]\n")
    return count


def write_ndjson(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json_text(record) + "\n")
        count += 1
    return count


def write_table(
    records: Iterable[Mapping[str, Any]],
    out: IO[str],
    *,
    show_distance: bool = False,
    show_fit: bool = False,
) -> int:
    """A table for people (:func:`results_table`), as wide as the terminal; to a pipe or a
    file, plain tab-separated lines instead (:func:`write_plain_table`).

    ``show_distance`` (a search near a place) adds the nearest site and its distance;
    ``show_fit`` (a search with a profile) the prescreen's verdict.
    """
    if not _is_terminal(out):
        return write_plain_table(records, out, show_distance=show_distance, show_fit=show_fit)
    from rich.console import Console

    console = Console(file=out, soft_wrap=False)
    arrived = _Arrived(records)
    table = results_table(
        arrived, show_distance=show_distance, width=console.width, show_fit=show_fit
    )
    if table.row_count:
        console.print(table)
    arrived.raise_failure()  # after showing what arrived
    return table.row_count


# The columns of the plain table, for `cut -f` and `sort -t$'\t'`: the header's names.
PLAIN_COLUMNS = ("NCT id", "Title", "Status", "Phase", "About")
PLAIN_SITE_COLUMNS = ("Nearest site", "Distance (mi)")
PLAIN_FIT_COLUMNS = ("Fit",)


def write_plain_table(
    records: Iterable[Mapping[str, Any]],
    out: IO[str],
    *,
    show_distance: bool = False,
    show_fit: bool = False,
) -> int:
    """The table as tab-separated text, a header line then one line per trial, written as
    the trials arrive: what a pipe (``| grep``, ``| cut -f1``) or a file gets. Tabs and line
    breaks inside a cell become spaces; no cell is shortened. The fit comes last. The header
    comes with the first trial (or at the end of a search that found none): a search that
    fails before any trial arrives writes nothing, not a header that looks like no results."""
    columns = PLAIN_COLUMNS + (PLAIN_SITE_COLUMNS if show_distance else ())
    columns += PLAIN_FIT_COLUMNS if show_fit else ()
    header = "\t".join(columns) + "\n"
    count = 0
    for record in records:
        if not count:
            out.write(header)
        cells = [
            record["nct_id"],
            record.get("title") or "",
            status_text(record.get("status") or ""),
            phase_text(record.get("phases") or ()),
            about_text(record),
        ]
        if show_distance:
            miles = record.get("distance_mi")
            cells += [
                _nearest_cell(record.get("nearest_site")),
                "" if miles is None else f"{miles:g}",
            ]
        if show_fit:
            cells.append(record.get("fit") or "")
        out.write("\t".join(one_line(inert(cell)) for cell in cells) + "\n")
        count += 1
    if not count:
        out.write(header)
    return count


# Widths (in characters) of the columns other than the title.
_ID_WIDTH = 11
_STATUS_WIDTH = 10  # "recruiting"; longer statuses wrap at their spaces
_PHASE_WIDTH = 13  # "Early phase 1"
_DISTANCE_WIDTH = 10  # "2,691.4 mi"
_ABOUT_WIDTH = (14, 18)  # narrow, wide: its longest word ("immunotherapy") fits either
_FIT_WIDTH = 8  # "possible", "excluded"
_TITLE_LEAST = 20  # the narrowest title column worth reading
_TITLE_SHARE = 0.6  # of what the fixed columns leave, in a wide table (the rest: conditions)


def results_table(
    records: Iterable[Mapping[str, Any]],
    *,
    show_distance: bool = False,
    width: int | None = None,
    show_fit: bool = False,
) -> Table:
    """NCT id, title, status, phase and what the trial is about (its settings and treatment
    approaches in short words, :func:`about_text`), for a console ``width`` columns wide.

    The title gets most of the width. Narrower than :data:`WIDE_TABLE` columns, the phase goes
    under the status and, with ``show_distance``, the nearest site and its distance under the
    title; from :data:`WIDE_TABLE` on, each has its column, and the conditions (mostly in the
    title already) are shown too when there is no nearest site.
    """
    from rich.table import Table
    from rich.text import Text

    width = width or 80
    wide = width >= WIDE_TABLE
    about_width = _ABOUT_WIDTH[width >= 100]
    fixed = [_ID_WIDTH, _STATUS_WIDTH, about_width] + ([_FIT_WIDTH] if show_fit else [])
    if wide:
        fixed += [_PHASE_WIDTH] + ([_DISTANCE_WIDTH] if show_distance else [])
    columns = len(fixed) + 1 + (1 if wide else 0)  # the title, and conditions or site
    room = width - (3 * columns + 1) - sum(fixed)  # each column: its borders and padding
    # Too narrow for the About column beside a title of _TITLE_LEAST: it goes under the title,
    # so that the NCT id and the fit are never cut (at 60 or 72 columns).
    about_under = not wide and room < _TITLE_LEAST
    if about_under:
        room += about_width + 3
    least = _TITLE_LEAST // 2 if about_under else _TITLE_LEAST
    title_width = max(least, int(room * _TITLE_SHARE) if wide else room)
    extra_width = max(12, room - title_width)  # conditions or the nearest site, when wide

    table = Table(show_lines=False, header_style="bold", expand=False)
    table.add_column("NCT id", no_wrap=True, width=_ID_WIDTH, min_width=_ID_WIDTH)
    if show_fit:
        table.add_column("Fit", no_wrap=True, width=_FIT_WIDTH, min_width=_FIT_WIDTH)
    title_header = "Title" if wide or not show_distance else "Title; nearest site"
    table.add_column(title_header, width=title_width)
    table.add_column("Status" if wide else "Status, phase", width=_STATUS_WIDTH)
    if wide:
        table.add_column("Phase", width=_PHASE_WIDTH)
    if wide and not show_distance:
        table.add_column("Conditions", width=extra_width)
    # A word longer than the column is folded, not cut.
    if not about_under:
        table.add_column("About", width=about_width, overflow="fold")
    if wide and show_distance:
        table.add_column("Nearest site", width=extra_width)
        table.add_column("Distance", no_wrap=True, justify="right", width=_DISTANCE_WIDTH)
    # About four lines of title; `show` has it in full.
    longest_title = max(90, 4 * title_width)
    for record in records:
        status = status_text(record.get("status") or "")
        phase = phase_text(record.get("phases") or ())
        title = Text(_shorten(record.get("title") or "", longest_title))
        site = _nearest_cell(record.get("nearest_site"))
        distance = distance_text(record.get("distance_mi"))
        if show_distance and not wide:
            title.append(f"\n{distance}: {inert(site)}", style="dim")
        if about_under and (about := about_text(record)):
            title.append(f"\n{about}", style="dim")
        cells: list[Text] = [Text(inert(record["nct_id"]))]
        if show_fit:
            fit = record.get("fit") or ""
            cells.append(Text(fit, style=_FIT_STYLES.get(fit, "")))
        cells.append(title)
        if wide:
            cells += [Text(status), Text(phase)]
        else:
            cells.append(Text(f"{status}\n{phase}"))
        if wide and not show_distance:
            cells.append(Text(_shorten(", ".join(record.get("conditions") or ()), 120)))
        if not about_under:
            cells.append(Text(about_text(record)))
        if wide and show_distance:
            cells += [Text(inert(site)), Text(distance)]
        # Text, not markup: "[link=...]" or "[/]" in a record is shown as written; every
        # piece from a record went through inert() above (_shorten does it too).
        table.add_row(*cells)
    return table


_FIT_STYLES = {"possible": "green", "check": "yellow", "not-yet": "cyan", "excluded": "dim"}


class _Arrived:
    """The records until fetching fails; :meth:`raise_failure` then raises that failure."""

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        self._records = records
        self._failure: PartialResults | None = None

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        try:
            yield from self._records
        except PartialResults as exc:
            self._failure = exc

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


def _is_terminal(out: IO[str]) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def _nearest_cell(site: Mapping[str, Any] | None) -> str:
    """``Dana-Farber Cancer Institute, Boston, Massachusetts (recruiting)``."""
    if not site:
        return "no site location given"
    place = place_text(site.get("city"), site.get("state") or site.get("country"))
    label = site_label(_shorten(registry_text(site.get("facility") or ""), 45), place)
    status = status_text(site["status"]).lower() if site.get("status") else "status not given"
    return f"{label} ({status})"


def _shorten(text: str, width: int) -> str:
    """``text`` made inert, then cut to ``width`` (measured as it will show)."""
    return shorten(inert(text), width)


RENDERERS: dict[str, Callable[..., int]] = {
    "table": write_table,
    "json": write_json,
    "ndjson": write_ndjson,
    "csv": write_csv,
    "xlsx": write_xlsx,
}
# What each format shows beyond a record's base fields. A table shows no summary; it is read,
# then a trial shown with `show`, which finds it in the cache with every site's details.
NEEDS = {fmt: OutputNeeds(site_details=fmt == "table", summary=fmt != "table") for fmt in RENDERERS}


def render(
    fmt: str,
    records: Iterable[Mapping[str, Any]],
    out: IO[str],
    *,
    show_distance: bool = False,
    show_fit: bool = False,
    **options: Any,
) -> int:
    """Write ``records`` in format ``fmt``; returns how many were written.

    ``show_distance`` adds the nearest-site columns to the table (the other formats always
    carry ``nearest_site`` and ``distance_mi``); ``show_fit`` the prescreen's verdict to the
    table and its columns to CSV and xlsx (JSON carries it in every record that has it). ``options``
    go to the other renderers (``bom``, ``previous`` and ``lookup`` for CSV; ``previous`` and
    ``lookup`` for xlsx, which writes bytes to ``out``).
    """
    if fmt == "table":
        return write_table(records, out, show_distance=show_distance, show_fit=show_fit)
    if fmt in ("csv", "xlsx") and show_fit:
        options["fit"] = True
    return RENDERERS[fmt](records, out, **options)


def trial_text(
    trial: Trial,
    templates: str | None = None,
    max_sites: int = 20,
    near: Place | None = None,
    tags: Any = None,
    summary: str | None = None,
    fit: Any = None,
    profile_name: str = "",
    width: int = TEXT_WIDTH,
) -> str:
    """One trial in full, as readable text (``show``), from the ``trial.txt.j2`` template,
    wrapped to ``width`` columns (see :func:`text_width`).

    ``summary`` (the plain-language summary) leads when given, then ``fit`` (the prescreen
    against the profile ``profile_name``: its checks, failed first, and the questions). With
    ``near``, the sites that may enrol are listed nearest first, then the closed ones, with
    their distances, else those that take patients first (:func:`sites_open_first`); with
    ``tags`` (from :func:`trialfinder.tagging.tag_trial`), its tags and their evidence are
    shown.
    """
    countries = sorted({s.country for s in trial.sites if s.country})
    context: dict[str, Any] = {"near": None, "nearest": None, "site_distances": [], "unlocated": 0}
    if near is not None:
        context = {
            "near": near,
            "nearest": nearest_site(trial, near.lat, near.lon),
            # those that may enrol first (nearest first within each): a list of the nearest
            # twenty all completed hid the open ones (NCT02227251 near 02115)
            "site_distances": sorted(
                sites_with_distances(trial, near), key=lambda pair: not pair[0].may_enrol
            )[:max_sites],
            "unlocated": sum(1 for s in trial.sites if not s.has_coordinates),
        }
    return inert(
        render_template(
            "trial.txt.j2",
            templates,
            trial=trial,
            age=age_text(trial),
            countries=countries,
            sites=sites_open_first(trial.sites)[:max_sites],
            recruiting=recruiting_sites(trial.sites),
            tags=tags,
            summary=summary,
            fit=fit,
            fit_checks=_checks_in_order(fit),
            profile_name=profile_name,
            width=width,
            **context,
        )
    )


def text_width(stream: IO[str]) -> int:
    """The width to wrap text for on ``stream``: a terminal's own, up to :data:`TEXT_WIDTH`
    (longer lines are hard to follow); :data:`TEXT_WIDTH` for a file or a pipe."""
    import shutil

    if not stream.isatty():
        return TEXT_WIDTH
    return max(MIN_TEXT_WIDTH, min(TEXT_WIDTH, shutil.get_terminal_size().columns))


# Narrower than this, text would be a word a line: it is wrapped here and the terminal folds it.
MIN_TEXT_WIDTH = 40


def _checks_in_order(fit: Any) -> list[Any]:
    """The checks failed first, then those unknown, then those passed."""
    if fit is None:
        return []
    order = {"fail": 0, "unknown": 1, "pass": 2}
    return sorted(fit.checks, key=lambda c: order.get(c.outcome, 3))
