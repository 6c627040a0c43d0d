"""The glossary: plain definitions of the words a summary keeps (``data/glossary.toml``).

:func:`explain_first_uses` adds "<Term> means ..." right after the sentence where a term is
first used; :func:`lookup` serves ``trialfinder explain TERM``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property

from trialfinder.errors import InvalidInput
from trialfinder.knowledge import load_toml

# Where a sentence ends within its line: after ".", "!" or "?", the spaces up to the next
# sentence (a line break ends a sentence of its own). Definitions are put before the spaces.
_SENTENCE_GAP = re.compile(r"(?<=[.!?])[^\S\n]+|\n")
_GAP = re.compile(r"([.!?])[^\S\n]+")
# A gap that is not one space, or spaces at the end of a line: one pattern for each mark, as
# a pattern that starts with one character skips to it in C, one that starts with a choice of
# three steps through every character.
_ODD_GAPS = tuple(
    re.compile(re.escape(mark) + r"(?:[^\S \n]|[^\S\n](?:[^\S\n]|\n|\Z))") for mark in ".!?"
)
_LAST_GAP = re.compile(r"([.!?])[^\S\n]+(?=\n|\Z)")  # spaces after the last sentence


@dataclass(frozen=True)
class Term:
    name: str
    forms: tuple[str, ...]
    means: str
    # What it means in a summary of a trial not about cancer, where ``means`` speaks of cancer
    # ("" leaves it unexplained there); None: ``means`` is true of any trial.
    not_cancer: str | None = None

    @cached_property
    def sentence(self) -> str:
        """The definition as a sentence of its own: ``Placebo means a dummy treatment ...``."""
        return self._sentence(self.means)

    @cached_property
    def not_cancer_sentence(self) -> str:
        """The sentence said in a summary of a trial not about cancer ("": none)."""
        if self.not_cancer is None:
            return self.sentence
        return self._sentence(self.not_cancer) if self.not_cancer else ""

    def _sentence(self, means: str) -> str:
        name = self.name[0].upper() + self.name[1:]
        return f"{name} means {means}."


@cache
def terms() -> tuple[Term, ...]:
    return tuple(
        Term(
            name=name,
            forms=tuple(entry.get("forms") or [name]),
            means=entry["means"].strip(),
            not_cancer=entry["not_cancer"].strip() if "not_cancer" in entry else None,
        )
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
    and the longest form wins ("bispecific antibody" over "antibody"). A use never spans two
    sentences or lines: a joiner holds no ".", "!", "?" or line break.
    """
    table = _forms_by_first_word()
    found = []
    end = 0  # uses do not overlap: a word inside one starts none
    for start, first in _first_words_in(text):
        if start < end:
            continue
        word = None
        for form, term in table[first]:
            if len(form) == 1 and first.isascii():
                # Found whole by _first_words_in: the text's word there is the one whose
                # letters lower-case to these (of a-z and 0-9), so it is this form.
                found.append((start, term))
                end = start + len(first)
                break
            if word is None:
                word = _WORD.match(text, start)
                assert word is not None  # a word of the lower-case text is one of the text
            words = [word]
            if len(form) > 1:
                following = _WORD.finditer(text, word.end())
                words += [w for _, w in zip(range(len(form) - 1), following, strict=False)]
            if _matches(text, words, form):
                found.append((start, term))
                end = words[-1].end()
                break
    return found


# Bytes a-z and 0-9 stay, every other byte is a space: the runs of a-z and 0-9 of an ASCII
# text, cut out in C.
_ALNUM_ONLY = bytes(c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256))


def _first_words_in(text: str) -> list[tuple[int, str]]:
    """``(position, word)`` for each word of ``text`` that some form starts with, in order.

    Read from the text in lower case, letter for letter (a letter that lower-cases to two, "İ",
    is kept): lower case turns no letter or digit into anything else, nor anything else into
    one, so the words there are the text's words in lower case. A first word of a-z and 0-9 is
    then a run of a-z and 0-9 (any other character, "?" for one outside ASCII, cuts a run), so
    looking at those runs finds them all; any other first word is looked for as it is.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    ascii_words, other_words = _first_words()
    runs = lowered.encode("ascii", "replace").translate(_ALNUM_ONLY).split()
    present = [run.decode("ascii") for run in ascii_words.intersection(runs)]
    found = []
    for word in present + other_words:
        at = lowered.find(word)
        while at >= 0:
            after = at + len(word)
            # a whole word ([^\W_] is a letter or digit: isalnum), not a piece of one
            if (at == 0 or not lowered[at - 1].isalnum()) and (
                after == len(lowered) or not lowered[after].isalnum()
            ):
                found.append((at, word))
            at = lowered.find(word, after)
    found.sort()
    return found


@cache
def _first_words() -> tuple[frozenset[bytes], list[str]]:
    """The forms' first words: those of a-z and 0-9 (as bytes), and any others."""
    ascii_words, other_words = set(), []
    for word in _forms_by_first_word():
        if word.isascii() and word.isalnum():
            ascii_words.add(word.encode("ascii"))
        else:
            other_words.append(word)
    return frozenset(ascii_words), other_words


def _matches(text: str, words: list[re.Match[str]], form: tuple[str, ...]) -> bool:
    if len(words) < len(form):
        return False
    for k, (word, expected) in enumerate(zip(words, form, strict=True)):
        if word.group(0).lower() != expected:
            return False
        if k and not _JOINER.fullmatch(text, words[k - 1].end(), word.start()):
            return False
    return True


def _said(term: Term, cancer: bool) -> str:
    """The sentence that explains ``term`` in a summary of a trial about cancer or not."""
    return term.sentence if cancer else term.not_cancer_sentence


@cache
def _defined_with(cancer: bool) -> dict[str, tuple[Term, ...]]:
    """Term name -> the terms its own definition uses, in order (read once)."""
    return {term.name: tuple(t for _, t in terms_in(_said(term, cancer))) for term in terms()}


def explain_first_uses(text: str, cancer: bool = True) -> str:
    """Add each term's definition right after the sentence that first uses it.

    A sentence ends at ".", "!" or "?" and the spaces after it, or at the end of its line (one
    paragraph a line), so a definition stays beside its term. Definitions are read for terms
    too, so a word used in a definition is explained as well. Sentences on a line are said
    with one space between them, as they are joined again. In a summary of a trial not about
    cancer (``cancer`` false) a term is explained by its ``not_cancer`` words, where it has
    them ("Radiation therapy means ... to kill cancer cells" is not said of radiotherapy for a
    bone disease).
    """
    explained: set[str] = set()
    defined_with = _defined_with(cancer)

    def first_uses(used: Iterable[Term]) -> list[Term]:
        """The terms not explained yet, in order, each once; from now on they are."""
        new = []
        for term in used:
            if term.name not in explained:
                explained.add(term.name)
                new.append(term)
        return new

    uses = terms_in(text)  # the whole text read once: no use spans two sentences
    pieces: list[str] = []
    copied = 0  # the text before this is in ``pieces``
    i = 0
    while i < len(uses):
        end = _sentence_end(text, uses[i][0])
        used = []
        while i < len(uses) and uses[i][0] < end:
            used.append(uses[i][1])
            i += 1
        # A definition follows the sentence, and the definitions of the new terms it uses
        # follow it in turn.
        queue = first_uses(used)
        if queue:
            pieces.append(text[copied:end])
            copied = end
        while queue:
            term = queue.pop(0)
            said = _said(term, cancer)
            if said:
                pieces.append(" " + said)
            queue[0:0] = first_uses(defined_with[term.name])
    pieces.append(text[copied:])
    return _one_space("".join(pieces))


def _sentence_end(text: str, start: int) -> int:
    """Where the sentence holding ``start`` ends: at the first gap after a ".", "!" or "?" that
    is not inside a quoted name of the record (a name may hold sentences of its own: "It is for
    people with "Myeloma. Free care."" ends after the quote), or at the end of the line."""
    for gap in _SENTENCE_GAP.finditer(text, start):
        if gap.group() == "\n":
            return gap.start()
        line_start = text.rfind("\n", 0, gap.start()) + 1
        if text.count('"', line_start, gap.start()) % 2 == 0:
            return gap.start()  # not after an opening quote
        line_end = text.find("\n", gap.start())
        if text.count('"', line_start, len(text) if line_end < 0 else line_end) % 2:
            return gap.start()  # the line's quotes do not pair up: none is a name's
        continue  # inside the quotes of a name
    return len(text)


def _one_space(text: str) -> str:
    """One space between two sentences of a line, and none after the last."""
    if not any(gap.search(text) for gap in _ODD_GAPS):  # as it should be: nothing to change
        return text
    return _GAP.sub(r"\1 ", _LAST_GAP.sub(r"\1", text))
