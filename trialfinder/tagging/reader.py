"""The reader of a trial's text: each question about its layout is answered here, once.

- **Eligibility criteria** (:func:`read_criteria`): split into sections (inclusion, exclusion,
  or ``""`` where the text has no heading) under any common heading ("Key Inclusion Criteria",
  "Non-inclusion criteria", "Patients must not have any of the following:"), into cohorts or
  parts with their own rules ("Part A", "Cohort 2", "Arm B only"), and into items (a bullet,
  a numbered line, or a sentence of a long paragraph), each with its section, its cohort and
  the lead-in line it hangs from ("Prior treatment with:"). The headings are data
  (``data/eligibility.toml``, ``[sections]``).
- **Where the exclusion criteria start**: at the first exclusion heading (:func:`read_criteria`).
- **Whether a trial is about cancer** (:func:`is_cancer_trial`).
- **Which interventions are tested and which are comparators** (:func:`arm_plan`).

Tagging, summaries, the search's confirmation and the prescreen all ask these questions here,
so they cannot disagree.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate
from typing import Any, NamedTuple, TypeVar

from trialfinder.knowledge import load_toml, phrases_pattern
from trialfinder.model import ArmGroup, Trial
from trialfinder.tagging.lexicon import knowledge
from trialfinder.tagging.text import (
    FOLDING_TO_ASCII,
    Guarded,
    WordStarts,
    capital_words,
    leading_words,
    lower,
)
from trialfinder.wording import registry_text

INCLUSION = "inclusion"
EXCLUSION = "exclusion"

# Beyond these, criteria are cut: no real criterion is this long, and it bounds the work per
# record whatever the size of the eligibility text.
MAX_ITEM_CHARS = 2_000
MAX_ITEMS = 2_000
MAX_CRITERIA_CHARS = 100_000

# Arms that give no treatment of their own, and arms that give the comparison treatment.
PLACEBO_ARMS = frozenset({"PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION"})
COMPARATOR_ARMS = PLACEBO_ARMS | {"ACTIVE_COMPARATOR"}


# -- eligibility criteria -----------------------------------------------------------------


class Item(NamedTuple):
    """One criterion, as written, with where it stands.

    A named tuple, not a frozen dataclass: a trial has dozens of items and each is built once,
    for every trial read, and a tuple is several times cheaper to build."""

    text: str  # never empty
    section: str  # INCLUSION, EXCLUSION, or "" when the text has no heading
    cohort: str = ""  # "" when it applies to everyone; else "Part A", "Cohort 2", ...
    lead: str = ""  # the line it hangs from ("Prior treatment with:"), or ""

    @property
    def wanted(self) -> bool:
        """Whether it says what a person must have or be (not an exclusion)."""
        return self.section != EXCLUSION


# An item made from its fields in one call in C (a named tuple's own constructor is Python).
_new_item = functools.partial(tuple.__new__, Item)


@dataclass(frozen=True)
class Criteria:
    """A trial's eligibility criteria, read: its items, in order, and its cohorts."""

    items: tuple[Item, ...]

    @property
    def cohorts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.cohort for i in self.items if i.cohort))

    def inclusion(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.wanted)

    def exclusion(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if not i.wanted)

    @property
    def inclusion_text(self) -> str:
        """The items that say what a person must have, one per line."""
        return "\n".join(i.text for i in self.items if i.wanted)


_BULLET = re.compile(
    r"^\s*(?:[*•·\-–+>#]+|\(?\d{1,2}[.)](?!\d)|\(?(?:[a-zA-Z]|[ivx]{2,4}|[IVX]{2,4})[.)](?=\s))?\s*"
)
# The kind of a line's bullet: a sign, a number, a letter or a roman numeral. An item numbered
# or lettered ("1.", "a)", "ii)") at the indent of a lead-in line with a bullet of another kind
# still hangs from it ("- ... large B-cell lymphoma including:" then "i) ...", "ii) ..."); a
# lead-in line without a bullet, or with one of the same kind, starts no such list.
_BULLET_KINDS = re.compile(
    r"^\s*(?:(?P<sign>[*•·\-–+>#])|\(?(?:(?P<roman>[ivx]{2,4}|[IVX]{2,4})|(?P<number>\d{1,2})"
    r"|(?P<letter>[a-zA-Z]))[.)]\s)"
)


def _bullet_kind(raw: str) -> str:
    match = _BULLET_KINDS.match(raw)
    return (match.lastgroup or "") if match else ""


_INLINE_GAP = r"[ \t]*[-–]?[ \t]*"  # before a heading inside a paragraph
_GAP_CHARACTERS = " \t-–"  # what it is made of


class _Layout:
    """The heading patterns of ``data/eligibility.toml``, compiled once."""

    def __init__(self, table: dict[str, Any]) -> None:
        words = table["sections"]
        self.inclusion = _whole_line(words["inclusion"], words["qualifiers"])
        self.exclusion = _whole_line(words["exclusion"], words["qualifiers"])
        self.both = _whole_line(words["both"], words["qualifiers"])
        # What every heading of these three starts with (see _heading).
        starts = [leading_words(p) for p in (self.both, self.exclusion, self.inclusion)]
        self.heading_words: tuple[str, ...] | None = None
        if None not in starts:
            self.heading_words = _shortest_prefixes(w for found in starts if found for w in found)
        self.heading_reach = max(map(len, self.heading_words or ("",)))
        # What every heading of these three starts with: tried before them, it rules most
        # lines out at once ("Patients with ...").
        self.any_heading = _heading_start(
            words["both"] + words["exclusion"] + words["inclusion"], words["qualifiers"]
        )
        self.exclusion_lead = _any(words["exclusion_leads"])
        earlier = table["earlier_study"]
        # (Looked for only where the words every phrase holds one of are: a criteria text is
        # long, and the phrases' pattern slow to try at each of its characters.)
        self.earlier_study = Guarded(
            phrases_pattern([*earlier["phrases"], *earlier["weak"]]), tuple(earlier["find"])
        )
        self.earlier_study_weak = frozenset(" ".join(p.lower().split()) for p in earlier["weak"])
        denied = phrases_pattern(earlier["denied"]).pattern
        self.earlier_study_denied = re.compile(rf"(?:{denied})\s*(?:\S+\s+){{0,3}}$", re.I)
        self.earlier_study_allowing = phrases_pattern(earlier["allowing"])
        self.earlier_study_weak_not = phrases_pattern(earlier["weak_not"])
        self.earlier_study_not_with = phrases_pattern(earlier["not_with"])
        self.inclusion_lead = _any(words["inclusion_leads"])
        # A heading inside a paragraph, with the spaces and the dash before it (replaced), and
        # where such a heading starts (found first: see _break_inline_headings).
        self.inline = re.compile(rf"{_INLINE_GAP}(?<![\w-])(?={words['inline']})", re.I)
        self.inline_start = re.compile(rf"(?<![\w-])(?={words['inline']})", re.I)
        self.inline_words = leading_words(re.compile(words["inline"], re.I))
        if self.inline_words and not all(map(str.isascii, self.inline_words)):
            self.inline_words = None  # (they are looked for in the text's ASCII letters)
        self.inline_starts = WordStarts(self.inline_words or ())
        self.heading_start = re.compile(
            rf"(?:^|\b(?:and|or)|[&/])\s*$|^\s*(?:(?:{'|'.join(words['qualifiers'])})(?:\s+|$))*$",
            re.I,
        )
        cohort = "|".join(words["cohort_words"])
        # The case of a cohort's own words, whatever the text's ("STANDARD RISK 1" is "Standard
        # risk 1"): the first word of each capitalised, the others in lower case.
        self.cohort_word_case = {
            word: word.capitalize() if at == 0 else word
            for phrase in words["cohort_words"]
            for at, word in enumerate(phrase.lower().split())
        }
        ident = r"(?:\d{1,2}[A-Za-z]?\d?|[A-Za-z]\d{0,2}|[IVX]{1,4})\b"
        # ("Phase 2 and Phase 3": the word may be said again before each id.)
        again = rf"(?:(?:{cohort})\s+)?"
        label = rf"(?P<label>\b(?:{cohort})\s+{ident}(?:\s*(?:and|,|&|/|or)\s*{again}{ident})*)"
        # Or a part named by its step ("Dose Escalation and MTD Expansion:", step_label).
        step = rf"(?P<step>\b(?:{words['step_label']}))"
        # (Its colon is not optional: a line without one is not looked at.)
        self.cohort = re.compile(
            rf"^(?:(?:(?:for|in)\s+)?{label}|(?:(?:for|in)\s+(?:the\s+)?)?{step})\b"
            rf"(?P<rest>[^:：]*)[:：]\s*(?P<after>.*)$",
            re.IGNORECASE,
        )
        self.step_part = re.compile(words["step_label"], re.IGNORECASE)
        self.cohort_in_heading = re.compile(label, re.IGNORECASE)
        self.all_cohorts = re.compile(words["all_cohorts"], re.IGNORECASE)


def _shortest_prefixes(words: Iterable[str]) -> tuple[str, ...]:
    """``words`` less those that start with another of them: a text starts with one of these
    exactly when it starts with one of ``words`` ("exclusion criteria" goes, "exclusion" stays),
    and fewer, shorter words are checked faster."""
    kept: list[str] = []
    for word in sorted(set(words), key=len):
        if not word.startswith(tuple(kept)):
            kept.append(word)
    return tuple(sorted(kept))


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _whole_line(phrases: list[str], qualifiers: list[str]) -> re.Pattern[str]:
    """A heading: qualifiers ("key", "part 2"), one of ``phrases``, at most a cohort ("(Parts 1
    and 2)", "specific to Cohort A1") and a colon; then, rarely, the first item ("after").

    Without a colon, only a phrase of several words ("Inclusion Criteria for Participants with
    Stage III NSCLC") takes the words of a cohort after it: an item such as "Inclusion in Part
    B requires ..." is no heading."""
    ordered = sorted(phrases, key=len, reverse=True)
    phrase = "|".join(re.escape(p) for p in ordered)
    several = "|".join(re.escape(p) for p in ordered if " " in p) or "(?!)"
    qualifier = "|".join(sorted(qualifiers, key=len, reverse=True))
    return re.compile(
        rf"^(?:(?:{qualifier})\s+)*"
        rf"(?:(?:{phrase})\b[^:：.;]{{0,60}}?[:：]\s*[-–]?\s*(?P<after>.*)"
        rf"|(?:{phrase})\b\s*(?:\([^)]{{0,40}}\))?\s*"
        rf"|(?:{several})\b\s*(?:for|specific to|only for|in)\s[^:：.;]{{0,90}}\s*)$",
        re.IGNORECASE,
    )


def _heading_start(phrases: list[str], qualifiers: list[str]) -> re.Pattern[str]:
    """The start of every heading :func:`_whole_line` makes of ``phrases``: its qualifiers
    and phrase."""
    phrase = "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))
    qualifier = "|".join(sorted(qualifiers, key=len, reverse=True))
    return re.compile(rf"(?:(?:{qualifier})\s+)*(?:{phrase})\b", re.IGNORECASE)


@cache
def _layout() -> _Layout:
    return _Layout(load_toml("eligibility.toml"))


# The criteria of the last few trials: tagging, the summary and the prescreen ask for a trial's in
# turn. A memo of thousands would keep their items alive for the garbage collector to walk.
@lru_cache(maxsize=16)
def read_criteria(criteria: str) -> Criteria:
    """The eligibility text ``criteria`` split into sections, cohorts and items."""
    layout = _layout()
    text = (criteria or "")[:MAX_CRITERIA_CHARS]
    # (HTML's names of signs left in would end a clause at their ";", NCT06760702.)
    text = registry_text(text)
    text = _break_inline_headings(text, layout)
    text = _break_inline_numbers(text)
    items: list[Item] = []
    section, cohort = "", ""
    leads: list[tuple[int, str, str]] = []  # (indent, line, bullet kind) of open lead-ins
    words, reach = layout.heading_words, layout.heading_reach
    # A cohort labelled inside a numbered or bulleted criterion ("3. ... for each part:" over
    # an indented "Part 1:") ends at that criterion's next sibling ("4. ECOG ..."): the
    # (indent, bullet kind) of the criterion, while such a cohort is open.
    enclosing: tuple[int, str] | None = None
    previous = (0, "")  # (indent, line as written) of the last criterion
    joined = ""  # a connector on a line of its own ("OR"), said with the next criterion
    for raw in text.splitlines():
        body = raw.lstrip()
        if not body:
            continue
        indent = len(raw) - len(body)
        if enclosing and indent <= enclosing[0] and _bullet_kind(raw) == enclosing[1]:
            cohort, enclosing = "", None
        bullet = _BULLET.match(raw)  # (every part of it is optional: it always matches)
        line = raw[bullet.end() if bullet else 0 :].strip()
        line = line.strip("*_ ").strip()
        if not line:
            continue
        if line.lower() in _CONNECTORS:
            # ("... must have had approved first-line chemotherapy." / "OR" / "-declined
            # standard treatment.", NCT03745326: the next criterion is an alternative.)
            joined = line.lower()
            continue
        # Whether it may start with a heading (see _heading), tested here: most lines do not,
        # and only a line ending with a colon may be a lead-in heading.
        head = line[:reach]
        may_start = words is None or not head.isascii() or head.lower().startswith(words)
        heading = None
        if may_start or line[-1] in ":：":
            heading = _heading(line, layout, may_start)
        if heading is not None:
            section, cohort, line = heading
            leads, enclosing, joined = [], None, ""
            if not line:
                continue
        elif joined:
            line, joined = f"{joined} {line.lstrip('-–• ')}", ""
        elif (
            items
            and bullet is not None
            and bullet.end() == indent
            and items[-1].text[-1] not in _ENDS
            and (
                body[0].islower()
                or (indent > previous[0] and body.isupper() and items[-1].text.isupper())
            )
            and len(items[-1].text) + len(line) < MAX_ITEM_CHARS
        ):
            # A line without a bullet that goes on with the sentence the last item broke off
            # ("... any other laboratory test on" over "resected tissue. Patients ... will
            # also be eligible"): part of that item. In capitals, where no letter says so, a
            # line indented under the item goes on with it ("... LABORATORY TEST ON" over an
            # indented "RESECTED TISSUE. ...").
            last = items[-1]
            items[-1] = _new_item((f"{last.text} {line}", *last[1:]))
            continue
        match = None
        if heading is None and (":" in line or "：" in line):  # (a cohort's line holds one)
            match = layout.cohort.match(line)
        opens = match and (not match.group("after") or match.group("after").rstrip().endswith(":"))
        if match and opens and match.group("step"):
            # (A part named by its step labels the criterion on its line only: a list under
            # it, "For the Dose-escalation ... Cohorts: ... from the following list:", stays
            # the items it was, each read as the disease it names.)
            match = None
        elif match and opens:
            cohort = _cohort_name(match.group("label"))
            # ("Phase 3: ... patients must have one of the following:": what follows the label
            # is the lead-in of the items under it.)
            after = match.group("after").strip()
            leads = [(indent, after, _bullet_kind(raw))] if after else []
            if enclosing is None and previous[0] < indent and (kind := _bullet_kind(previous[1])):
                enclosing = (previous[0], kind)  # (a later label inside it keeps it)
            elif enclosing is None and after and (kind := _bullet_kind(raw)):
                # ("* Part 2: The cohorts are:" over indented items: it ends at "* ECOG ...".)
                enclosing = (indent, kind)
            continue
        item_cohort = cohort
        if match and len(match.group("rest")) <= 40:
            item_cohort = _step_name(match) if match.group("step") else _cohort_name(match["label"])
            line = match.group("after").strip() or line
        lead_in = line.endswith((":", "："))  # ("Prior treatment with:")
        kind = _bullet_kind(raw) if leads or lead_in else ""
        if leads:
            leads = [
                (i, t, k)
                for i, t, k in leads
                if i < indent or (i == indent and k and kind not in ("", "sign", k))
            ]
        lead = leads[-1][1] if leads else ""
        if len(line) <= _PARAGRAPH:  # (the usual case: one criterion, shorter than the cut)
            items.append(_new_item((line, section, item_cohort, lead)))
        else:
            # A paragraph that opens with whom it is for ("For some parts of the study only:
            # have untreated active CNS metastases ... Patients with treated CNS metastases are
            # eligible ...", NCT04956640) says it of all its sentences: those words lead each.
            opening = _PARAGRAPH_LEAD.match(line)
            own_lead = opening.group(1) if opening and not lead else lead
            items += [
                _new_item((p[:MAX_ITEM_CHARS], section, item_cohort, own_lead if i else lead))
                for i, p in enumerate(_sentences(line))
            ]
        if lead_in:
            leads.append((indent, line, kind))
        previous = (indent, raw)
        if len(items) >= MAX_ITEMS:
            break
    return Criteria(_for_every_part(items[:MAX_ITEMS]))


_COHORT = operator.itemgetter(2)  # an item's cohort


def _for_every_part(items: list[Item]) -> tuple[Item, ...]:
    """``items``, those of a label that names every part the criteria name ("Parts 1 and 2"
    beside "Part 1" and "Part 2") made rules for everyone."""
    cohorts = {*map(_COHORT, items)} - {""}  # (each read once, in C)
    several = {name for name in cohorts if len(cohort_label(name)[1]) > 1}
    if not several:
        return tuple(items)
    everyone = {name for name in several if every_part((name,), cohorts)}
    if not everyone:
        return tuple(items)
    return tuple(item._replace(cohort="") if item.cohort in everyone else item for item in items)


def every_part(some: Iterable[str], cohorts: Iterable[str]) -> bool:
    """Whether the parts ``some`` are together every part of the trial the criteria name
    (``cohorts``, as :attr:`Criteria.cohorts`): all of them are named with one word ("Phase 2",
    "Phase 3"), two parts at least, and ``some`` names each ("Phase 2" and "Phase 3", or
    "Phases 2 and 3"). What is asked in each of them is then asked of everyone, as the criteria
    name no other people."""
    labels = [cohort_label(name) for name in cohorts]
    named = {ident for _, ids in labels for ident in ids}
    if len(named) < 2 or len({word for word, _ in labels}) != 1:
        return False
    given = [cohort_label(name) for name in some]
    return {word for word, _ in given} == {labels[0][0]} and {
        ident for _, ids in given for ident in ids
    } >= named


# A criterion numbered in brackets in a paragraph of them, and the next number ("(1) Women aged
# ... (2) Patients newly diagnosed ...", NCT05421650).
_FIRST_NUMBER = re.compile(r"^[ \t]*\(1\)[ \t]", re.MULTILINE)
_NEXT_NUMBER = re.compile(r"[ \t]\((\d{1,2})\)[ \t]")


def _break_inline_numbers(text: str) -> str:
    """A line break before each number of a paragraph that numbers its criteria in brackets, one
    after another from (1), when it holds (2) and (3) at least: each is a criterion of its own
    (the paragraph was read as one, and only its first rules)."""
    if "(3)" not in text:
        return text
    pieces: list[str] = []
    copied = 0
    for first in _FIRST_NUMBER.finditer(text):
        end = text.find("\n", first.end())
        end = len(text) if end < 0 else end
        breaks: list[int] = []
        for number in _NEXT_NUMBER.finditer(text, first.end(), end):
            if int(number[1]) != len(breaks) + 2:
                break
            breaks.append(number.start())
        if len(breaks) < 2:
            continue
        for at in breaks:
            pieces.append(text[copied:at])
            pieces.append("\n")
            copied = at + 1
    return "".join(pieces) + text[copied:] if pieces else text


def _break_inline_headings(text: str, layout: _Layout) -> str:
    """``layout.inline.sub`` with :func:`_break_before`: a line break before each heading
    inside a paragraph, in place of the spaces and dash before it.

    That pattern, which starts with the spaces, is tried at every character of the text; here
    the headings are found first (:func:`_inline_heading_starts`), and the pattern is only
    tried where the spaces and dash before each begin, found by walking back. Its match there
    ends where the heading starts, as no heading starts with a space or dash (one that does
    is read the slow way). As ``re.sub`` does, the empty match where the heading starts is
    replaced too after a match of spaces or a dash: the matches are the same, and so is the
    text. A match replaced by itself (a heading that starts its line, the usual case) leaves
    the text as it is: only the others are cut out and replaced.
    """
    pieces: list[str] = []
    copied = 0  # the text before this is in ``pieces``
    after = 0  # where the last heading starts: a match starts no earlier
    for at in _inline_heading_starts(text, layout):
        if text[at : at + 1] in _GAP_CHARACTERS:  # ("" is in it too: no heading at the end)
            return layout.inline.sub(lambda m: _break_before(m, text, layout), text)
        line_start = text.rfind("\n", 0, at) + 1
        if at == line_start or text[line_start:at].isspace():
            after = at  # (the usual case) it starts its line: every match is kept as it is
            continue
        start = at
        while start > after and text[start - 1] in " \t":
            start -= 1
        if start > after and text[start - 1] in "-–":
            start -= 1
            while start > after and text[start - 1] in " \t":
                start -= 1
        for begin in (start, at) if start < at else (at,):
            match = layout.inline.match(text, begin)
            assert match is not None and match.end() == at  # up to the heading
            replacement = _break_before(match, text, layout)
            if replacement != match.group():
                pieces += (text[copied:begin], replacement)
                copied = at
        after = at
    if not pieces:
        return text
    pieces.append(text[copied:])
    return "".join(pieces)


def _inline_heading_starts(text: str, layout: _Layout) -> list[int]:
    """Where the headings that ``inline_start`` finds start, in order.

    Every such heading starts with one of ``inline_words`` in some case, so only where the
    lower-case text has one is the pattern tried (not at every character); a text holding a
    letter outside a-z that the pattern may read as one (``FOLDING_TO_ASCII``) is searched
    throughout.
    """
    words = layout.inline_words
    if words is None or (not text.isascii() and any(c in text for c in FOLDING_TO_ASCII)):
        return [heading.start() for heading in layout.inline_start.finditer(text)]
    # Its ASCII letters in lower case, any other character a "?" (faster than ``lower``): the
    # words are ASCII, and without those letters nothing else matches one.
    lowered = text.encode("ascii", "replace").lower().decode("ascii")
    found = layout.inline_starts.find(lowered)
    return [at for at in sorted(found) if layout.inline_start.match(text, at)]


def _break_before(match: re.Match[str], text: str, layout: _Layout) -> str:
    """A line break before a heading inside a paragraph; none where the heading starts its line
    or goes on from a qualifier ("Part 2 additional exclusion criteria:", "Inclusion and ...")."""
    line_start = text.rfind("\n", 0, match.start()) + 1
    if layout.heading_start.search(text[line_start : match.start()]):
        return match.group()
    return "\n"


def _heading(line: str, layout: _Layout, may_start: bool) -> tuple[str, str, str] | None:
    """(section, cohort, the first item when it shares the line) for a heading, else None.

    ``may_start``: whether it may start with a heading of ``both``, ``exclusion`` or
    ``inclusion``: each starts with one of ``heading_words`` in some case (``leading_words``);
    a line that starts with letters outside ASCII, which a pattern may read as a-z, always may.
    """
    if len(line) > 600:
        return None
    may_start = may_start and layout.any_heading.match(line) is not None
    if may_start and (match := layout.both.match(line)):
        section = ""
    elif may_start and (match := layout.exclusion.match(line)):
        section = EXCLUSION
    elif may_start and (match := layout.inclusion.match(line)):
        section = INCLUSION
    elif line.endswith((":", "：")) and len(line) <= 160:
        if layout.exclusion_lead.search(line):
            return EXCLUSION, "", ""
        if layout.inclusion_lead.search(line):
            return INCLUSION, "", ""
        return None
    else:
        return None
    after = (match.group("after") or "").strip()
    title = line[: len(line) - len(after)] if after else line
    named = layout.cohort_in_heading.search(title)
    if named is None or layout.all_cohorts.search(title):
        return section, "", after
    return section, _cohort_name(named.group("label")), after


_SPACES = re.compile(r"\s+")


def _cohort_name(label: str) -> str:
    """ "PART A" -> "Part A", "cohort  2" -> "Cohort 2", "Parts 1 AND 2" -> "Parts 1 and 2",
    "STANDARD RISK 1" -> "Standard risk 1"."""
    words = _SPACES.sub(" ", label.strip()).split(" ")
    case = _layout().cohort_word_case
    rest = (
        w.lower()
        if w.lower() in _JOINING
        else case.get(w.lower()) or (w.upper() if len(w) <= 3 else w)
        for w in words[1:]
    )
    return " ".join([words[0].capitalize(), *rest])


def named_by_step(cohort: str) -> bool:
    """Whether ``cohort`` is a part named by its step ("Dose escalation and MTD expansion",
    "Esophageal cohort expansion"), not by a label with an id ("Part A", "Cohort 2")."""
    return bool(cohort) and _layout().step_part.fullmatch(cohort) is not None


def _step_name(match: re.Match[str]) -> str:
    """A part named by its step, in one case whatever the text's: "DOSE ESCALATION AND MTD
    EXPANSION" is "Dose escalation and MTD expansion" (a word of three letters or fewer is an
    abbreviation, in capitals), "Dose-escalation" stays."""
    words = [
        w.lower() if len(w) > 3 or w.lower() in _JOINING else w.upper()
        for w in _SPACES.sub(" ", match.group("step").strip()).split(" ")
    ]
    name = " ".join(words)
    return name[:1].upper() + name[1:]


_JOINING = ("and", "or")
_LABEL = re.compile(r"^(?P<word>[A-Za-z]+?)s?\s+(?P<ids>.+)$")


def cohort_label(cohort: str) -> tuple[str, tuple[str, ...]]:
    """ "Parts 1 and 2" -> ("part", ("1", "2")); "Cohort A1" -> ("cohort", ("a1",)): the ids in
    the order written, each once. A label with several ids names several parts."""
    match = _LABEL.match(cohort.strip())
    if match is None:
        return cohort.lower(), ()
    word = match.group("word").lower()
    ids = re.split(r"\s*(?:,|&|/|\band\b|\bor\b)\s*", match.group("ids"), flags=re.I)
    # ("Phase 2 and Phase 3": the word said again before an id is no part of it.)
    ids = [re.sub(rf"^{re.escape(word)}s?\s+", "", i.lower()) for i in ids]
    return word, tuple(dict.fromkeys(i for i in ids if i))


# A line longer than this is a paragraph of several criteria (see _sentences); a shorter one is
# one item, whole (it is shorter than MAX_ITEM_CHARS).
_PARAGRAPH = 400
# What ends a sentence, or a lead-in line.
_ENDS = frozenset(".;:!?：")


# A line holding only one of these joins the criteria around it.
_CONNECTORS = frozenset({"or", "and/or"})

# The words before a colon that open a paragraph ("For some parts of the study only:").
_PARAGRAPH_LEAD = re.compile(r"^\W*([^:.;]{3,60}:)\s")


def _sentences(paragraph: str) -> list[str]:
    """A long paragraph is several criteria: split it into sentences."""
    return [part for part in re.split(r"(?<=[.;])\s+", paragraph) if part]


def inclusion_criteria(criteria: str) -> str:
    """The parts of an eligibility text that say what a person must have, one item a line."""
    return read_criteria(criteria).inclusion_text


def earlier_study(criteria: str) -> str:
    """The inclusion criterion for everyone that takes only people who took part in an earlier
    study ("Patient who received a MINIject glaucoma implant within a prior clinical study"),
    or "": see ``[earlier_study]`` in ``data/eligibility.toml``. A criterion with others given
    as alternatives to it ("OR" on a line of its own) counts only when each of them asks the
    same."""
    layout = _layout()
    if not criteria or not layout.earlier_study.may_match(criteria):
        return ""
    items = [i for i in read_criteria(criteria).items if i.section != EXCLUSION and not i.cohort]
    runs: list[list[Item]] = []  # each criterion with those given as alternatives to it
    for item in items:
        if runs and item.text.startswith(_ALTERNATIVE_STARTS):
            runs[-1].append(item)
        else:
            runs.append([item])
    for run in runs:
        if all(_asks_earlier_study(item.text, layout) for item in run):
            return run[0].text
    return ""


_ALTERNATIVE_STARTS = tuple(f"{word} " for word in _CONNECTORS)  # ("or The Phase 2b LTS ...")
_SENTENCE_END = re.compile(r"[.;]")


def _asks_earlier_study(text: str, layout: _Layout) -> bool:
    if not layout.earlier_study.may_match(text):
        return False
    for match in layout.earlier_study.regex.finditer(text):
        start = max(text.rfind(".", 0, match.start()), text.rfind(";", 0, match.start())) + 1
        end = _SENTENCE_END.search(text, match.end())
        if layout.earlier_study_denied.search(text, start, match.start()):
            continue
        weak = " ".join(match.group().lower().split()) in layout.earlier_study_weak
        stop = end.start() if end else len(text)
        if layout.earlier_study_not_with.search(text, start, stop):
            continue
        if not weak or not (
            layout.earlier_study_allowing.search(text, start, stop)
            or layout.earlier_study_weak_not.search(text, start, stop)
        ):
            return True
    return False


# -- is it about cancer -------------------------------------------------------------------


_R = TypeVar("_R")


def per_trial(read: Callable[[Trial], _R]) -> Callable[[Trial], _R]:
    """``read``, remembering its answer for the last trial it was given: tagging, the summary
    and the prescreen each ask the same questions of one trial in turn."""
    last: list[tuple[Trial | None, Any]] = [(None, None)]

    @functools.wraps(read)
    def remembered(trial: Trial) -> _R:
        answer: _R
        seen, answer = last[0]  # one read of one tuple: safe beside other threads
        if seen is not trial:
            answer = read(trial)
            last[0] = (trial, answer)
        return answer

    _FORGET.append(lambda: last.__setitem__(0, (None, None)))
    return remembered


_FORGET: list[Callable[[], None]] = []


def forget_trials() -> None:
    """Forget the answers :func:`per_trial` remembers (after the data files change)."""
    for forget in _FORGET:
        forget()


@per_trial
def is_cancer_trial(trial: Trial) -> bool:
    """Its conditions, titles or keywords use a cancer word (``data/cancer.toml`` and the
    lexicon's ``cancer_words``; acronyms such as "ALL" only as whole capitalised words)."""
    k = knowledge()
    text = " | ".join((*trial.conditions, trial.brief_title, trial.official_title, *trial.keywords))
    lowered = lower(text)
    if any(map(lowered.__contains__, k.cancer_words)):
        return True
    return not k.cancer_acronyms.isdisjoint(capital_words(text))


# -- arms: what is tested, what is compared -----------------------------------------------


@dataclass(frozen=True)
class ArmPlan:
    """Which of a trial's interventions (by index) are tested and which are comparators.

    Tested: those given in an EXPERIMENTAL arm that is not the comparison (see
    :func:`_compared_experimental_arms`); when no arm is marked experimental, those in any arm
    that is not a comparator (or, when every arm is an active comparator, in any arm that gives
    a treatment); and always those linked to no arm at all, so nothing is lost. Comparators:
    those given only in other arms (active comparator, placebo, sham, usual care, and an
    experimental arm that is the comparison). ``arms`` maps each arm's label to its
    interventions, from both sides of the record.
    """

    tested: tuple[int, ...]
    comparators: tuple[int, ...]
    arms: dict[str, list[int]]
    tested_arms: tuple[ArmGroup, ...]
    comparator_arms: tuple[ArmGroup, ...]

    def compares(self, arm: ArmGroup) -> bool:
        """Whether ``arm`` gives what the tested treatments are compared with (not, as an arm
        that only is not tested, another step such as "Induction")."""
        return arm.type in COMPARATOR_ARMS or (
            arm.type == "EXPERIMENTAL" and arm not in self.tested_arms
        )


@per_trial
def arm_plan(trial: Trial) -> ArmPlan:
    arms = arm_interventions(trial)
    tested_arms = _tested_arms(trial, arms)
    tested_labels = {a.label for a in tested_arms}
    comparator_arms = tuple(a for a in trial.arm_groups if a.label not in tested_labels)
    linked = {i for indexes in arms.values() for i in indexes}
    if not trial.arm_groups or not linked:
        everything = tuple(range(len(trial.interventions)))
        return ArmPlan(everything, (), arms, tuple(tested_arms), comparator_arms)
    tested = {i for a in tested_arms for i in arms.get(a.label, ())}
    tested.update(i for i in range(len(trial.interventions)) if i not in linked)
    comparators = sorted(linked - tested)
    return ArmPlan(
        tuple(sorted(tested)), tuple(comparators), arms, tuple(tested_arms), comparator_arms
    )


def arm_interventions(trial: Trial) -> dict[str, list[int]]:
    """Arm label -> indexes of its interventions, from both sides of the record."""
    by_name: dict[str, list[int]] = {}
    for index, intervention in enumerate(trial.interventions):
        by_name.setdefault(intervention.name.strip().casefold(), []).append(index)
    arms: dict[str, list[int]] = {}
    for arm in trial.arm_groups:
        found = arms.setdefault(arm.label, [])
        for listed in arm.intervention_names:
            name = listed.split(":", 1)[1] if ":" in listed else listed
            for index in by_name.get(name.strip().casefold(), ()):
                if index not in found:
                    found.append(index)
    labels = {arm.label.strip().casefold(): arm.label for arm in trial.arm_groups}
    for index, intervention in enumerate(trial.interventions):
        for label in intervention.arm_group_labels:
            arm_label = labels.get(label.strip().casefold())
            if arm_label is not None and index not in arms[arm_label]:
                arms[arm_label].append(index)
    return arms


def _tested_arms(trial: Trial, arms: dict[str, list[int]]) -> list[ArmGroup]:
    """The arms that give the treatments under test (see :class:`ArmPlan`)."""
    experimental = [a for a in trial.arm_groups if a.type == "EXPERIMENTAL"]
    if experimental:
        compared = _compared_experimental_arms(trial, experimental, arms)
        return [a for a in experimental if a.label not in compared]
    others = [a for a in trial.arm_groups if a.type not in COMPARATOR_ARMS]
    if others:
        return others
    return [a for a in trial.arm_groups if a.type not in PLACEBO_ARMS]


def _compared_experimental_arms(
    trial: Trial, experimental: list[ArmGroup], arms: dict[str, list[int]]
) -> set[str]:
    """Labels of the arms marked EXPERIMENTAL that are in fact the comparison (the lexicon's
    ``comparator_arm``, ``comparison`` and ``title_versus``), by either of two signs:

    - the arm says it gives a chosen or the usual treatment ("PVd or Kd based on principal
      investigator's choice"), the titles or brief summary compare, another experimental arm
      says no such thing, and none of the arm's interventions is given in those other arms;
    - a title names the arm only after "versus" (by its label, or an abbreviation it gives in
      brackets), and another experimental arm, or a treatment it gives, before it; the arm
      gives an intervention the other experimental arms do not, which the title does not name
      before "versus" ("MeziVd Versus ... (PVd)", "Dato-DXd With or Without Osimertinib
      Compared With Platinum Based Doublet Chemotherapy").

    A single arm, and arms that give only what the others give (the doses of one drug), stay
    tested."""
    if len(experimental) < 2:
        return set()
    k = knowledge()
    names = [i.name.strip().casefold() for i in trial.interventions]

    def given(chosen: Iterable[ArmGroup]) -> set[str]:
        return {names[i] for a in chosen for i in arms.get(a.label, ())}

    compared: set[str] = set()
    said = [a for a in experimental if k.comparator_arm.search(f"{a.label}\n{a.description}")]
    if said and len(said) < len(experimental):
        about = "\n".join((trial.brief_title, trial.official_title, trial.brief_summary))
        if k.comparison.search(about):
            tested = given(a for a in experimental if a not in said)
            compared = {
                a.label for a in said if given([a]) and tested and tested.isdisjoint(given([a]))
            }
    for title in (trial.brief_title, trial.official_title):
        versus = k.title_versus.search(title)
        if versus is None:
            continue
        before, after = _folded(title[: versus.start()]), _folded(title[versus.end() :])
        for arm in experimental:
            others = [a for a in experimental if a is not arm]
            own = given([arm]) - given(others)
            if (
                own
                and _names_arm(after, arm)
                and not _names_arm(before, arm)
                and not any(_whole(before, name) for name in own)
                and any(_named(before, a, arms, trial) for a in others)
            ):
                compared.add(arm.label)
        if compared:
            break
    if len(compared) >= len(experimental):
        return set()
    return compared


_ARM_NAME = re.compile(r"[^():]+")
_BRACKETED = re.compile(r"\(([^()]{2,30})\)")
_FOLD = re.compile(r"[\s\-–]+")


def _folded(text: str) -> str:
    """``text`` in lower case with each run of spaces and dashes one space, between spaces:
    "Platinum-based" and "Platinum Based" read alike."""
    return f" {_FOLD.sub(' ', text.casefold()).strip()} "


def _names_arm(folded: str, arm: ArmGroup) -> bool:
    """Whether ``folded`` (see :func:`_folded`) names ``arm``: a part of its label outside
    brackets and colons ("Group 3: Platinum-based Doublet Chemotherapy"), or an abbreviation
    the label gives in brackets ("PVd (pomalidomide, ...)", "... (PVd)"), as whole words."""
    parts = [p.strip(" ,.;") for p in _ARM_NAME.findall(arm.label)]
    parts += _BRACKETED.findall(arm.label)
    return any(_whole(folded, part) for part in parts if len(part.strip()) >= 2)


def _named(folded: str, arm: ArmGroup, arms: dict[str, list[int]], trial: Trial) -> bool:
    """Whether ``folded`` names ``arm`` or one of the interventions it gives, as whole words."""
    return _names_arm(folded, arm) or any(
        _whole(folded, trial.interventions[i].name) for i in arms.get(arm.label, ())
    )


def _whole(folded: str, name: str) -> bool:
    name = _folded(name).strip()
    return bool(name) and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded) is not None


# -- the text settings and biomarkers are read from ---------------------------------------


SUMMARY = "summary"
KEYWORD = "keyword"
CONDITION = "condition"
_ITEM_SOURCES = {INCLUSION: "inclusion criteria", EXCLUSION: "exclusion criteria", "": "criteria"}
CRITERIA_SOURCES = frozenset(_ITEM_SOURCES.values())  # the sources of what a criterion says


class Fields(NamedTuple):
    """The fields settings and biomarkers are read from, and all of them joined by new lines.

    Each criterion is a part of its own, so that what is read in it keeps its item, section
    and cohort (``items``; ``None`` for a title, condition, keyword or the summary).
    """

    parts: list[tuple[str, str]]  # (source, text)
    text: str
    lowered: str  # the joined text in lower case, letter for letter
    starts: list[int]  # where each part begins in the joined text
    items: list[Item | None]  # the criterion each part is, if it is one


def text_fields(trial: Trial) -> Fields:
    """Titles, conditions, keywords, every criterion (inclusion and exclusion, each with its
    section and cohort) and the brief summary, joined and lower-cased once."""
    fields = [("title", trial.brief_title), ("official title", trial.official_title)]
    fields += [(CONDITION, c) for c in trial.conditions]
    fields += [(KEYWORD, kw) for kw in trial.keywords]
    parts = [field for field in fields if field[1]]
    items: list[Item | None] = [None] * len(parts)
    if trial.eligibility.criteria:
        criteria = read_criteria(trial.eligibility.criteria).items
        parts += [(_ITEM_SOURCES[item.section], item.text) for item in criteria]
        items += criteria
    if trial.brief_summary:  # last: biomarkers read up to it
        parts.append((SUMMARY, trial.brief_summary))
        items.append(None)
    texts = [text for _, text in parts]
    joined = "\n".join(texts)
    # Each part begins one past the end of the one before it (the new line between them).
    starts = list(accumulate(map(_PLUS_ONE, map(len, texts)), initial=0))
    del starts[len(texts) :]
    return Fields(parts, joined, lower(joined), starts, items)


_PLUS_ONE = (1).__add__
