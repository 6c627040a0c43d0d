"""Counts as people say them ("1 trial", "1,148 sites"): one definition, importing nothing of
the package, so that every module, the validation kit of the data files included, can say one.
"""

from __future__ import annotations

import re

_CONSONANT_Y = re.compile(r"[^aeiou]y$")


def counted(number: float, word: str, plural: str = "") -> str:
    """``1 trial``, ``2 trials``, ``1,148 sites``, ``2.5 miles``, ``3 countries``: a count with
    its thousands separated and its word in the right number (``plural`` when the word's
    plural is not regular). A template writes it ``n | counted("trial")``."""
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if number == 1:
        return f"1 {word}"
    if not plural:
        plural = word[:-1] + "ies" if _CONSONANT_Y.search(word) else word + "s"
    said = f"{number:,.6g}" if isinstance(number, float) else f"{number:,}"
    return f"{said} {plural}"


def radius_miles(miles: float) -> float | int:
    """A search's radius as people read it: ``100``, ``49.7`` (of ``--within 80km``)."""
    return round(miles, 1) if miles % 1 else int(miles)


def radius_text(miles: float) -> str:
    """A search's radius: ``100 miles``, ``49.7 miles`` (of ``--within 80km``)."""
    return counted(radius_miles(miles), "mile")
