"""The glossary: plain definitions of the words a summary keeps (``data/glossary.toml``).

:func:`explain_first_uses` adds "<Term> means ..." right after the sentence where a term is
first used; :func:`lookup` serves ``trialfinder explain TERM``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache, lru_cache

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


_WORD = re.compile(r"[^\W_]+")
_JOINER = re.compile(r"[ \t-]{1,3}")


@cache
def _forms_by_first_word() -> dict[str, list[tuple[tuple[str, ...], Term]]]:
    """Each form as its words, filed under its first word, longest form first."""
    table: dict[str, list[tuple[tuple[str, ...], Term]]] = {}
    for term in terms():
        for form in term.forms:
            words = tuple(w.lower() for w in _WORD.findall(form))
            if words:
                table.setdefault(words[0], []).append((words, term))
    for forms in table.values():
        forms.sort(key=lambda item: len(item[0]), reverse=True)
    return table


def terms_in(text: str) -> list[tuple[int, Term]]:
    """``(position, term)`` for every use of a glossary term in ``text``, in order.

    Whole words only; a space or a hyphen between words counts the same ("CAR-T" is "CAR T"),
    and the longest form wins ("bispecific antibody" over "antibody").
    """
    return list(_terms_in(text))


# Summaries are mostly the same sentences (the templates' own and the glossary's definitions):
# each distinct sentence is read once.
@lru_cache(maxsize=8192)
def _terms_in(text: str) -> tuple[tuple[int, Term], ...]:
    table = _forms_by_first_word()
    words = list(_WORD.finditer(text))
    found = []
    i = 0
    while i < len(words):
        for form, term in table.get(words[i].group(0).lower(), ()):
            n = len(form)
            if _matches(text, words[i : i + n], form):
                found.append((words[i].start(), term))
                i += n
                break
        else:
            i += 1
    return tuple(found)


def _matches(text: str, words: list[re.Match[str]], form: tuple[str, ...]) -> bool:
    if len(words) < len(form):
        return False
    for k, (word, expected) in enumerate(zip(words, form, strict=True)):
        if word.group(0).lower() != expected:
            return False
        if k and not _JOINER.fullmatch(text, words[k - 1].end(), word.start()):
            return False
    return True


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
