"""The glossary: plain definitions of the words a summary keeps (``data/glossary.toml``).

:func:`explain_first_uses` adds "<Term> means ..." right after the sentence where a term is
first used; :func:`lookup` serves ``trialfinder explain TERM``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

from trialfinder.errors import InvalidInput
from trialfinder.knowledge import load_toml

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Term:
    name: str
    forms: tuple[str, ...]
    means: str

    @property
    def sentence(self) -> str:
        """The definition as a sentence of its own: ``Placebo means a dummy treatment ...``."""
        name = self.name[0].upper() + self.name[1:]
        return f"{name} means {self.means}."


@cache
def terms() -> tuple[Term, ...]:
    return tuple(
        Term(name=name, forms=tuple(entry.get("forms") or [name]), means=entry["means"].strip())
        for name, entry in load_toml("glossary.toml").items()
    )


def normalize(text: str) -> str:
    """Case, spacing, hyphens and underscores do not matter: ``CAR-T`` == ``car t``."""
    return " ".join(re.sub(r"[-_/]+", " ", text).lower().split())


@cache
def _index() -> dict[str, Term]:
    index: dict[str, Term] = {}
    for term in terms():
        for form in (term.name, *term.forms):
            index.setdefault(normalize(form), term)
    return index


def lookup(text: str) -> Term:
    """The glossary entry for ``text``; an unknown term raises :class:`InvalidInput`."""
    key = normalize(text)
    index = _index()
    if key in index:
        return index[key]
    if key.endswith("s") and key[:-1] in index:
        return index[key[:-1]]
    close = difflib.get_close_matches(key, list(index), n=3, cutoff=0.6)
    names = list(dict.fromkeys(index[c].name for c in close))
    hint = (
        f"did you mean: {', '.join(names)}?"
        if names
        else "run `trialfinder explain --list` to see every term"
    )
    raise InvalidInput(f"{text!r} is not in the glossary", hint=hint)


@cache
def _pattern() -> re.Pattern[str]:
    forms = sorted({f for t in terms() for f in t.forms}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")\b", re.IGNORECASE)


def terms_in(text: str) -> list[tuple[int, Term]]:
    """``(position, term)`` for every use of a glossary term in ``text``, in order."""
    index = _index()
    return [(m.start(), index[normalize(m.group(0))]) for m in _pattern().finditer(text)]


def explain_first_uses(text: str) -> str:
    """Add each term's definition right after the sentence that first uses it.

    Works paragraph by paragraph (one per line), so a definition stays beside its term.
    Definitions are read for terms too, so a word used in a definition is explained as well.
    """
    explained: set[str] = set()
    lines = []
    for line in text.split("\n"):
        sentences = [s for s in _SENTENCE_END.split(line) if s] if line.strip() else [line]
        out: list[str] = []
        queue = list(sentences)
        while queue:
            sentence = queue.pop(0)
            out.append(sentence)
            added = []
            for _, term in terms_in(sentence):
                if term.name not in explained:
                    explained.add(term.name)
                    added.append(term.sentence)
            queue[0:0] = added
        lines.append(" ".join(out) if line.strip() else line)
    return "\n".join(lines)
