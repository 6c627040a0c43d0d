"""Biomarkers a trial's patients must have, from its titles, conditions and inclusion criteria."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

from trialfinder.tagging.lexicon import Knowledge, MarkerRule
from trialfinder.tagging.reader import Fields
from trialfinder.tagging.tags import BIOMARKER, Evidence
from trialfinder.tagging.text import capital_runs, snippet, whole_capital_positions


def tag_biomarkers(fields: Fields, k: Knowledge, evidence: list[Evidence]) -> tuple[str, ...]:
    found: list[str] = []
    context = k.biomarker_context
    parts, everything, lowered_all, starts = fields
    candidates = _biomarker_candidates(everything, lowered_all, k)
    if not candidates:
        return ()
    for marker in candidates:
        if marker.one_tag and marker.name in found:
            continue
        for match in _marker_matches(marker, everything, lowered_all):
            field = bisect_right(starts, match.start()) - 1
            source, text = parts[field]
            offset = starts[field]
            if match.end() - offset > len(text):
                continue
            tag = _biomarker_tag(marker, match, everything)
            if tag is None or tag in found:
                continue
            before = _clause(everything, match.start(), backwards=True)
            after = _clause(everything, match.end())
            # The checks are independent; the ones that rule out most for least come first.
            positive = marker.positive or context["positive"]
            if marker.needs_context and not (
                positive.search(after[:45])
                or positive.search(before[-30:])
                or (tag != marker.name and marker.positive is None)
            ):
                continue
            if (
                _BARE_MINUS.match(after)
                or _WHICH_DRUG_FOR.search(before)
                or context["negative"].search(_before_next_marker(after[:30]))
                # "Absence of EGFR mutations and ALK and ROS1 rearrangements": the whole clause
                # before the marker counts for a negation, only a few words after it.
                or context["negative"].search(_sentence_before(everything, match.start()))
                # "Known EGFR or ALK alterations are not eligible"
                or context["ruled_out"].search(_sentence_after(everything, match.end()))
            ):
                continue
            if context["drug"].search(after) or context["drug"].search(before):
                continue
            found.append(tag)
            quoted = snippet(text, match.start() - offset, match.end() - offset)
            evidence.append(
                Evidence(
                    tag,
                    BIOMARKER,
                    source,
                    quoted,
                    match.group(),
                    f'{tag}: "{quoted}" ({source}) selects patients by this biomarker',
                )
            )
            if marker.one_tag:
                break  # its other mentions can only repeat the tag
    return tuple(found)


def _biomarker_candidates(text: str, lowered: str, k: Knowledge) -> list[MarkerRule]:
    """The markers whose `find` words occur in ``text``, in the order of the data file."""
    indexes = {
        index
        for letters in k.markers_by_capitals.keys() & capital_runs(text)
        for index in k.markers_by_capitals[letters]
    }
    for word, index in k.marker_words:
        if index not in indexes and word in lowered:  # a marker found once needs no more looks
            indexes.add(index)
    return [k.biomarkers[index] for index in sorted(indexes)]


# A find word may stand a few words into the phrase: "high tumour mutational burden".
_FIND_LOOK_BACK = 30


def _marker_matches(marker: MarkerRule, text: str, lowered: str) -> Iterator[re.Match[str]]:
    """The marker's matches, looked for only around its `find` words (much faster), in order."""
    positions: set[int] = set()
    for capital in marker.capitals:
        positions.update(whole_capital_positions(text, capital))
    for word in marker.words:
        position = lowered.find(word)
        while position >= 0:
            positions.add(position)
            position = lowered.find(word, position + 1)
    last_end = -1
    for position in sorted(positions):
        if position < last_end:
            continue
        window = max(0, position - _FIND_LOOK_BACK, last_end), min(len(text), position + 80)
        match = marker.regex.search(text, *window)
        if match and match.start() >= last_end:
            yield match  # found lazily: the caller may stop at the first that counts
            last_end = match.end()


# "PARP inhibitors (for BRCA mutants)": which drug suits which patients, not a requirement.
_WHICH_DRUG_FOR = re.compile(r"\bfor (?:known |the |patients with )?$", re.IGNORECASE)


# ", HER2-negative" after "ER-positive" is about another marker.
_NEXT_MARKER = re.compile(r"[,;]\s*(?:and |or )?[A-Z]")


def _before_next_marker(piece: str) -> str:
    """``piece`` up to a comma that starts another capitalised name."""
    match = _NEXT_MARKER.search(piece)
    return piece[: match.start()] if match else piece


def _sentence_after(text: str, position: int) -> str:
    """The text from ``position`` to the end of the sentence (or line), at most 150 chars."""
    piece = text[position : position + 150]
    cuts = [c for c in map(piece.find, ".;\n") if c >= 0]
    return piece[: min(cuts)] if cuts else piece


def _sentence_before(text: str, position: int) -> str:
    """The text from the start of the sentence (or line) to ``position``, at most 100 chars."""
    piece = text[max(0, position - 100) : position]
    cut = max(piece.rfind(c) for c in ".;\n")
    return piece[cut + 1 :] if cut >= 0 else piece


_BARE_MINUS = re.compile(r"\s?[-\u2212\u2013](?:\s|$|[/,;)])")  # "HER2- breast cancer"


_LOWER_PREFIX = re.compile(r"^[a-z]+")  # "gBRCA1" -> "BRCA1"
_BOTH_GENES = re.compile(r"[12]/2$")  # "BRCA1/2" -> "BRCA"
_NON = re.compile(r"non-?\s*$")
_EXON = re.compile(r"^ex(?:on)? ?(\d+)$")  # "ex14", "exon14" -> "exon 14"
_EXON_NAME = r"exon \1"


def _biomarker_tag(marker: MarkerRule, match: re.Match[str], text: str) -> str | None:
    if marker.from_match:
        written = _LOWER_PREFIX.sub("", match.group())
        return _BOTH_GENES.sub("", written)
    if marker.variant is not None:
        variant = marker.variant.search(text[match.end() : match.end() + 90])
        if variant and not _NON.search(text[match.end() : match.end() + variant.start(1)]):
            return f"{marker.name} {_EXON.sub(_EXON_NAME, variant.group(1))}"
    if marker.variant_before is not None:
        variant = marker.variant_before.search(text[max(0, match.start() - 40) : match.start()])
        if variant:
            return f"{marker.name} {variant.group(1)}"
    return marker.name


def _clause(text: str, position: int, backwards: bool = False) -> str:
    """The text up to the nearest clause break (a full stop, semicolon or line end)."""
    if backwards:
        piece = text[max(0, position - 60) : position]
        cut = max(
            piece.rfind("."),
            piece.rfind(";"),
            piece.rfind("\n"),
            piece.rfind("("),
            piece.rfind(","),
        )
        return piece[cut + 1 :]
    piece = text[position : position + 60]
    first = (piece.find("."), piece.find(";"), piece.find("\n"), piece.find(")"), piece.find(","))
    cuts = [c for c in first if c > 0]  # each mark's first place, unless it starts the piece
    return piece[: min(cuts)] if cuts else piece
