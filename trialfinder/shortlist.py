"""Shortlists: read NCT ids back from a file, and compare a search with a previous shortlist.

A shortlist is the CSV that ``search --format csv`` writes (columns in
:data:`trialfinder.output.CSV_COLUMNS`). Week to week, a navigator fetches the same trials
again (``--ids-file``) and sees what changed (``--compare``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from trialfinder.errors import InvalidInput
from trialfinder.model import normalize_nct_id
from trialfinder.output import BOM, CSV_COLUMNS, LIST_SEPARATOR, phase_text, status_text

CHANGE_COLUMN = "change"
NEW, UPDATED, UNCHANGED, DROPPED = "new", "updated", "unchanged", "dropped"
ID_COLUMN = "nct_id"
COMMENT = "#"


def read_text(path: Path) -> str:
    """A UTF-8 text file (a byte-order mark is dropped); unreadable -> :class:`InvalidInput`."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{path} is not UTF-8 text", hint="save the file as UTF-8 (CSV UTF-8 in Excel)"
        ) from None


def is_shortlist(text: str) -> bool:
    """True when the first line that is not blank or a comment is a header naming nct_id."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith(COMMENT):
            _allow_cells_of(line)
            try:
                header = next(csv.reader([line]), [])
            except csv.Error:
                return False
            return ID_COLUMN in (cell.strip().lower() for cell in header)
    return False


def _allow_cells_of(text: str) -> None:
    """Let ``csv`` read any cell of ``text``: no cell is longer than the text itself.

    The csv module refuses cells over 131,072 characters by default, and a summary or
    eligibility text that trialfinder wrote can be longer.
    """
    if len(text) > csv.field_size_limit():
        csv.field_size_limit(len(text))


def read_ids(path: Path) -> list[str]:
    """The NCT ids in ``path``, in file order, without repeats.

    The file is either a previous shortlist CSV (recognised by its header; rows marked
    ``dropped`` by a comparison are left out, as they were no longer in the results), or one
    NCT id per line, where blank lines and ``#`` comments are ignored. A malformed id raises
    :class:`InvalidInput` naming its line.
    """
    text = read_text(path)
    pairs = _shortlist_ids(text, path) if is_shortlist(text) else _listed_ids(text)
    ids: dict[str, None] = {}
    for line_number, raw in pairs:
        try:
            ids[normalize_nct_id(raw)] = None
        except ValueError:
            raise InvalidInput(
                f"{path}, line {line_number}: {raw.strip()!r} is not an NCT id",
                hint="write one NCT id per line, e.g. NCT01234567 (# starts a comment)",
            ) from None
    if not ids:
        raise InvalidInput(f"{path} lists no NCT ids", hint="write one NCT id per line")
    return list(ids)


def _listed_ids(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split(COMMENT, 1)[0].strip()
        if entry:
            yield number, entry


def _shortlist_ids(text: str, path: Path) -> Iterator[tuple[int, str]]:
    reader = _ShortlistReader(text, path)
    for row in reader:
        if (row.get(CHANGE_COLUMN) or "").strip() == DROPPED:
            continue
        nct_id = (row.get(ID_COLUMN) or "").strip()
        if nct_id:
            yield reader.line_num, nct_id


class _ShortlistReader:
    """Rows of a shortlist as dicts with lower-case column names; ``line_num`` counts from
    the top of the file (comment lines before the header included)."""

    def __init__(self, text: str, path: Path) -> None:
        _allow_cells_of(text)
        self._path = path
        lines = io.StringIO(text.removeprefix(BOM), newline="")
        self._skipped = 0
        while True:
            position = lines.tell()
            line = lines.readline()
            if not line or (line.strip() and not line.lstrip().startswith(COMMENT)):
                break
            self._skipped += 1
        lines.seek(position)
        self._reader = csv.DictReader(lines)
        if self._reader.fieldnames:
            self._reader.fieldnames = [name.strip().lower() for name in self._reader.fieldnames]

    @property
    def line_num(self) -> int:
        return self._reader.line_num + self._skipped

    def __iter__(self) -> Iterator[dict[str, str]]:
        try:
            yield from self._reader
        except csv.Error as exc:
            raise InvalidInput(
                f"{self._path}, line {self.line_num}: not readable as CSV: {exc}",
                hint="give a CSV written by `trialfinder search --format csv`",
            ) from None


def read_shortlist(path: Path) -> dict[str, dict[str, str]]:
    """A previous shortlist: NCT id -> its row (column -> text), in file order.

    Rows a comparison marked ``dropped`` are left out: they had already left the results.
    """
    text = read_text(path)
    if not is_shortlist(text):
        raise InvalidInput(
            f"{path} is not a trialfinder shortlist (no {ID_COLUMN} column in its header)",
            hint="give a CSV written by `trialfinder search --format csv`",
        )
    rows: dict[str, dict[str, str]] = {}
    reader = _ShortlistReader(text, path)
    for row in reader:
        if (row.get(CHANGE_COLUMN) or "").strip() == DROPPED:
            continue
        raw = (row.get(ID_COLUMN) or "").strip()
        if not raw:
            continue
        try:
            nct_id = normalize_nct_id(raw)
        except ValueError:
            raise InvalidInput(
                f"{path}, line {reader.line_num}: {raw!r} is not an NCT id",
                hint="give a CSV written by `trialfinder search --format csv`",
            ) from None
        rows[nct_id] = {column: row.get(column) or "" for column in CSV_COLUMNS}
        rows[nct_id][ID_COLUMN] = nct_id
    return rows


# -- comparing -------------------------------------------------------------------------------


def compare(
    rows: Iterable[Mapping[str, str]], previous: Mapping[str, Mapping[str, str]]
) -> Iterator[dict[str, str]]:
    """Each new row with a ``change`` cell, then the previous rows that left the results.

    ``new``: not in the previous shortlist; ``updated: ...``: its last update date moved
    (saying what changed where the previous row shows it: status, phase, nearest site);
    ``unchanged``; ``dropped``: in the previous shortlist only, with its previous values.
    Streams: only the previous shortlist is held in memory.
    """
    seen: set[str] = set()
    for row in rows:
        nct_id = row[ID_COLUMN]
        seen.add(nct_id)
        old = previous.get(nct_id)
        yield {CHANGE_COLUMN: change_of(row, old), **row}
    for nct_id, old in previous.items():
        if nct_id not in seen:
            yield {CHANGE_COLUMN: DROPPED, **old}


def change_of(row: Mapping[str, str], old: Mapping[str, str] | None) -> str:
    """``new``, ``unchanged`` or ``updated`` with what changed, for one trial's row."""
    if old is None:
        return NEW
    if (old.get("last_updated") or "") == (row.get("last_updated") or ""):
        return UNCHANGED
    changes = [
        f"{what} {before} -> {after}"
        for what, before, after in (
            ("status", *_both(old, row, "status", _status)),
            ("phase", *_both(old, row, "phases", _phase)),
            ("nearest site", *_both(old, row, "nearest_site", None, _site)),
        )
        if before is not None and before != after
    ]
    if not changes:
        changes = [f"last updated {old.get('last_updated') or '?'} -> {row.get('last_updated')}"]
    return f"{UPDATED}: " + "; ".join(changes)


def _both(old, row, column, describe=None, describe_row=None):
    """(before, after) texts of ``column``, or (None, None) when either row does not show it.

    A missing value means the other search did not ask for it (no --near, say), not a change.
    """
    before, after = (old.get(column) or "").strip(), (row.get(column) or "").strip()
    if not before or (not after and column == "nearest_site"):
        return None, None
    if describe_row:
        return describe_row(old), describe_row(row)
    return (describe(before), describe(after)) if describe else (before, after)


def _status(cell: str) -> str:
    return status_text(cell.strip().upper().replace(" ", "_"))


def _phase(cell: str) -> str:
    return phase_text(p.strip() for p in cell.split(LIST_SEPARATOR.strip()) if p.strip())


def _site(row: Mapping[str, str]) -> str:
    place = ", ".join(p for p in (row.get("nearest_city"), row.get("nearest_state")) if p)
    facility = row.get("nearest_site") or ""
    return f"{facility} ({place})" if place else facility
