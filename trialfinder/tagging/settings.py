"""Disease settings (refractory, relapsed, resistant) from titles, conditions and criteria."""

from __future__ import annotations

import re
from bisect import bisect_right

from trialfinder.tagging.lexicon import Knowledge
from trialfinder.tagging.reader import Fields
from trialfinder.tagging.tags import SETTING, Evidence
from trialfinder.tagging.text import may_match, snippet


def _positions(lowered: str, words: tuple[str, ...]) -> list[int]:
    """Where any of ``words`` occurs in ``lowered``, in order."""
    starts = []
    for word in words:
        position = lowered.find(word)
        while position >= 0:
            starts.append(position)
            position = lowered.find(word, position + 1)
    return sorted(starts)


def tag_settings(fields: Fields, k: Knowledge, evidence: list[Evidence]) -> tuple[str, ...]:
    parts, everything, lowered, starts = fields
    positions = _positions(lowered, k.setting_words)
    if not positions:
        return ()
    pieces: list[tuple[int, int]] = []  # (start, end) around each word, within one field
    for position in positions:
        field = bisect_right(starts, position) - 1
        field_end = starts[field] + len(parts[field][1])
        start, end = max(starts[field], position - 40), min(field_end, position + 40)
        if pieces and start <= pieces[-1][1]:
            pieces[-1] = (pieces[-1][0], max(end, pieces[-1][1]))
        else:
            pieces.append((start, end))
    found: dict[str, re.Match[str]] = {}
    for setting, regex, words in k.settings:
        for start, end in pieces:
            if not may_match(lowered[start:end], words):
                continue
            match = next(
                (
                    m
                    for m in regex.finditer(everything, start, end)
                    if not k.setting_negation.search(everything[max(0, m.start() - 30) : m.start()])
                ),
                None,
            )
            if match is not None:
                found[setting] = match
                break
    for setting, match in found.items():
        field = bisect_right(starts, match.start()) - 1
        source, text = parts[field]
        at = match.start() - starts[field]
        evidence.append(
            Evidence(
                setting,
                SETTING,
                source,
                snippet(text, at, at + len(match.group())),
                match.group(),
                f'{setting}: "{match.group()}" ({source}): {k.setting_plain.get(setting, setting)}',
            )
        )
    return tuple(s for s in ("refractory", "relapsed", "resistant") if s in found)
