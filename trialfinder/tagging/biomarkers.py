"""Biomarkers a patient must have, and must not have, with the requirements they come from.

A marker is found where it is written (``biomarkers.toml``: its pattern, variants and the words
that make a mention a patient characteristic, such as "mutation" or "positive"), in the titles,
conditions, keywords and criteria (never the summary). The context rules (``context.py``) say
what the words around it do:

- negated ("EGFR wild-type", "ALK negative", "absence of EGFR mutations", "HER2-") in an
  inclusion criterion or a title: the patient must not have it;
- hypothetical ("regardless of", "stratified by", "either ... or ... are eligible", "status must
  be known", "tested for"), an exception, or not about the cancer (a drug's target: "EGFR
  inhibitor", "anti-HER2 therapy"): nothing;
- else, in an inclusion criterion or a title: the patient must have it; in an exclusion
  criterion ("known BRAF V600E mutation"): the patient must not have it.

Markers of one list are read alike when some have no result written by them: "Kirsten rat
sarcoma viral oncogene (KRAS), neuroblastoma RAS viral oncogene homolog (NRAS), and ... (BRAF)
wild-type" rules out all three.

Each criterion gives ``biomarker-required`` requirements, one per marker or per list of
alternatives ("exon 19 deletion or L858R", "BRCA1 or BRCA2": either satisfies), and one
``biomarker-excluded`` requirement with every marker it rules out. The trial's markers
(``Tags.biomarkers`` and ``Tags.excluded_biomarkers``) are those of the requirements and of
its titles, conditions and keywords.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from trialfinder.tagging.context import clause_covering, clause_effects, rules
from trialfinder.tagging.lexicon import Knowledge, MarkerRule, knowledge
from trialfinder.tagging.reader import EXCLUSION, KEYWORD, SUMMARY, Fields, Item
from trialfinder.tagging.requirements import (
    Requirement,
    alternative_scope,
    excepted_after,
    one_of_alternatives,
    said_allowed,
)
from trialfinder.tagging.tags import BIOMARKER, Evidence
from trialfinder.tagging.text import capital_runs, snippet, whole_capital_positions

REQUIRED = "biomarker-required"
EXCLUDED = "biomarker-excluded"
# A result written as one of several ways in ("ER negative and PR negative, or HER2 positive"):
# it neither asks nor rules out, but makes the markers beside it alternatives.
_ONE_WAY_IN = "one way in"
# Both results of a marker welcome ("HER2 status: positive or negative", "KRAS mutant tumors
# or KRAS wild-type tumors"): it selects no one, and what else its item says of it is unclear.
_BOTH_RESULTS = "both results"
# What the context may say of a marker that then neither requires nor excludes it.
NOT_A_RULE = frozenset({"HYPOTHETICAL", "PREVENTION", "NOT_CANCER", "EXCEPTION"})
_EITHER = frozenset({"NEGATED", "HYPOTHETICAL"})


class Markers(NamedTuple):
    """The markers a patient must have and must not have, and the requirements of the criteria."""

    required: tuple[str, ...]
    excluded: tuple[str, ...]
    requirements: tuple[Requirement, ...]


class _Mention(NamedTuple):
    tags: tuple[str, ...]  # the marker, or its variants written together ("G12C or G12D")
    kind: str  # REQUIRED, EXCLUDED, _ONE_WAY_IN or _BOTH_RESULTS
    part: int
    start: int  # in the joined text
    end: int
    # The diseases of people it holds for, in an item of a list of alternatives (see
    # requirements.alternative_scope); () for everyone.
    scope: tuple[str, ...] = ()


def left_out_variant(marker: str, text: str) -> str:
    """The change of ``marker`` that ``text`` (the criterion asking for it) leaves out right
    after its first mention ("KRAS non-G12C mutations": "G12C"), or "" (``left_out`` of
    ``[context]`` in biomarkers.toml)."""
    pattern = knowledge().biomarker_context.get("left_out")
    if pattern is None:
        return ""
    found = _named(marker).search(text)
    left = pattern.match(text, found.end()) if found is not None else None
    return left["variant"] if left is not None else ""


@lru_cache(maxsize=256)
def _named(marker: str) -> re.Pattern[str]:
    """Where a text names ``marker`` (a hyphen in it optional), case ignored."""
    return re.compile(r"\b" + re.escape(marker).replace(r"\-", "-?") + r"\b", re.IGNORECASE)


def tag_biomarkers(fields: Fields, k: Knowledge, evidence: list[Evidence]) -> Markers:
    parts, everything, lowered, starts = fields.parts, fields.text, fields.lowered, fields.starts
    if parts and parts[-1][0] == SUMMARY:  # the summary comes last and is not read here
        everything, lowered = everything[: starts[-1]], lowered[: starts[-1]]
    candidates = _biomarker_candidates(everything, lowered, k)
    if not candidates:
        return Markers((), (), ())
    matches: list[tuple[MarkerRule, re.Match[str], int]] = []
    for marker in candidates:
        for match in _marker_matches(marker, everything, lowered):
            index = bisect_right(starts, match.start()) - 1
            if match.end() - starts[index] <= len(parts[index][1]):
                matches.append((marker, match, index))
    read = [_read(marker, match, index, fields, k) for marker, match, index in matches]
    if _NO_RESULT in read:
        read = _read_as_their_list(matches, read, fields, k)
    mentions = [m for m in read if isinstance(m, _Mention)]
    mentions = _mixed_alternatives(sorted(mentions, key=lambda m: m.start), everything)
    mentions = [m for m in _consistent(mentions) if m.kind in (REQUIRED, EXCLUDED)]
    requirements = tuple(_requirements(mentions, fields))
    # (A marker of people with some diseases only is no marker of the trial's.)
    mentions = [m for m in mentions if not m.scope]
    unclear = _unclear(mentions, fields)
    required: list[str] = []
    excluded: list[str] = []
    for mention in mentions:
        found = required if mention.kind == REQUIRED else excluded
        for tag in mention.tags:
            if tag not in found and (tag, mention.kind) not in unclear:
                found.append(tag)
                _add_evidence(tag, mention, fields, evidence)
    return Markers(tuple(required), tuple(excluded), requirements)


# Between two markers of a list of alternatives, whatever is said of each and of the cancer
# ("HER2-positive or triple-negative", "KRAS wild-type or KRAS G12C-mutant", "Triple negative
# breast cancer or HER2 positive breast cancer"), and of a marker read as no rule between them
# ("ER negative and PR negative, or HER2 positive").
_ALTERNATIVES_GAP = re.compile(
    r"(?i)(?:[\s,/&()+:-]|\b(?:or|and|either|mutations?|mutated|mutant|positive|negative|wild|"
    r"type|WT|non-?mutated|unmutated|status|gene|expression|low|high|\d+|breast|cancers?|"
    r"carcinomas?|disease|tumou?rs?)\b|(?-i:\b[A-Z][A-Za-z]?[A-Z0-9]+\b))*"
)
_OR = re.compile(r"(?i)(?<!and/)\bor\b")  # ("and/or" joins two markers, not two lists)
_JOINED = re.compile(r"(?i),|\band\b")


def _mixed_alternatives(mentions: list[_Mention], text: str) -> list[_Mention]:
    """In a list of alternatives where some rule a marker out and others ask for one
    ("HER2-positive or triple-negative breast cancer", "ER+/HER2- or triple-negative"): a marker
    is ruled out only if every alternative rules it out (HER2 in the second), and asked for only
    if every alternative asks for a marker; otherwise the list says nothing of it. Mentions in
    sorted order; lists of one kind are left to :func:`_requirements`."""
    kept: list[_Mention] = []
    chain: list[_Mention] = []
    for mention in [*mentions, None]:
        if mention is not None and chain:
            last = chain[-1]
            gap = text[last.end : mention.start]
            if mention.part == last.part and len(gap) <= 40 and _ALTERNATIVES_GAP.fullmatch(gap):
                chain.append(mention)
                continue
        if chain:
            kept.extend(_either_side(chain, text))
        chain = [mention] if mention is not None else []
    return kept


def _either_side(chain: list[_Mention], text: str) -> list[_Mention]:
    """See :func:`_mixed_alternatives`: one list. What comes after an "or" joined by a comma or
    "and" ("ER+ or PR+, HER2-") is said of every alternative: such a list is left alone."""
    branches: list[list[_Mention]] = [[chain[0]]]
    for before, mention in zip(chain, chain[1:], strict=False):
        gap = text[before.end : mention.start]
        if _OR.search(gap):
            branches.append([])
        elif len(branches) > 1 and _JOINED.search(gap):
            return chain
        branches[-1].append(mention)
    if len(branches) < 2:
        return chain
    if len({m.kind for m in chain}) < 2 and not (
        chain[0].kind == EXCLUDED and _each_says_no(branches, text)
    ):
        return chain  # ("No EGFR or ALK alteration": one "no" of both)
    ruled_out = set.intersection(
        *({tag for m in branch if m.kind == EXCLUDED for tag in m.tags} for branch in branches)
    )
    asked = all(any(m.kind == REQUIRED for m in branch) for branch in branches)
    kept = []
    for mention in chain:
        if mention.kind == REQUIRED:
            if asked:
                kept.append(mention)
        elif mention.kind == EXCLUDED and (
            tags := tuple(tag for tag in mention.tags if tag in ruled_out)
        ):
            kept.append(mention._replace(tags=tags))
    return kept


def _each_says_no(branches: list[list[_Mention]], text: str) -> bool:
    """Whether each way in of a list that rules markers out says its own "no" after its
    markers ("HER2-negative breast cancer or triple-negative breast cancer": an HR-positive,
    HER2-negative cancer joins by the first), not one "no" before them all ("No EGFR or ALK
    alteration"). The last says it in its own words, or the list is one of the other kind."""
    return all(
        _OWN_NO.search(text, branch[-1].start, following[0].start)
        for branch, following in zip(branches, branches[1:], strict=False)
    )


# A negative result written after a marker ("HER2-negative", "HER2-", "EGFR wild-type").
_OWN_NO = re.compile(
    r"(?i)negativ|-ve\b|wild[\s-]?type|\bWT\b|non-?mutated|unmutated|non-?amplified"
    r"|\w[-\u2212\u2013](?![a-z])"
)


_NO_RESULT = "no result"  # what _read says of a marker with no result written by it
# Between two markers of one list, the second written after its name in full: "Kirsten rat
# sarcoma viral oncogene (KRAS), neuroblastoma RAS viral oncogene homolog (NRAS), and v-raf
# murine sarcoma viral oncogene homolog B (BRAF) wild-type" (NCT06662786), "BRAF (V600E),
# human epidermal growth factor receptor 2 (HER2), MET (exon 14), ROS1" (NCT06119581): a
# closing bracket, a variant in brackets, commas or a slash, "and" or "or", then the next
# marker's name in full (a few words) before its own bracket, or nothing.
_NAMED_GAP = re.compile(
    r"\)?(?:\s*\([^()]{1,20}\))?[\s,/]*(?:(?:and/or|or|and)\s+)?"
    r"(?:(?:[A-Za-z][\w.-]*\s+){1,8}\(|\(?)\s*"
)


def _read_as_their_list(
    found: list[tuple[MarkerRule, re.Match[str], int]],
    read: list[_Mention | str | None],
    fields: Fields,
    k: Knowledge,
) -> list[_Mention | str | None]:
    """A marker with no result of its own in a list written with full names (_NAMED_GAP) is
    read as the others of the list say: "(KRAS), ... (NRAS), and ... (BRAF) wild-type" rules
    out all three when "wild-type" rules out BRAF. Nothing when they do not all say the same.
    ``found`` are the mentions (marker, match, part) and ``read`` what :func:`_read` said of
    each."""
    order = sorted(range(len(found)), key=lambda i: found[i][1].start())
    runs: list[list[int]] = []
    for i in order:
        if runs:
            last = runs[-1][-1]
            end, start = found[last][1].end(), found[i][1].start()
            if (
                found[last][2] == found[i][2]
                and start - end <= 120
                and _NAMED_GAP.fullmatch(fields.text, end, start)
            ):
                runs[-1].append(i)
                continue
        runs.append([i])
    read = list(read)
    for run in runs:
        said = {m.kind for i in run if isinstance(m := read[i], _Mention)}
        if len(said) != 1 or not said <= {REQUIRED, EXCLUDED}:
            continue
        (kind,) = said
        for i in run:
            if read[i] == _NO_RESULT:
                read[i] = _read(*found[i], fields, k, list_kind=kind)
    return read


def _consistent(mentions: list[_Mention]) -> list[_Mention]:
    """Without the markers a field or criterion both asks for and rules out ("ER+/HER2- or
    triple-negative breast cancer": ER+ or not, either may join)."""
    sides: dict[tuple[int, str], set[str]] = {}
    for mention in mentions:
        sides.setdefault((mention.part, mention.tags[0]), set()).add(mention.kind)
    both = {key for key, kinds in sides.items() if len(kinds) > 1}
    if not both:
        return mentions
    return [m for m in mentions if (m.part, m.tags[0]) not in both]


def _unclear(mentions: list[_Mention], fields: Fields) -> set[tuple[str, str]]:
    """Markers the trial both asks for and rules out in its titles or inclusion criteria
    (unless in different cohorts): it says nothing clear of them. An exclusion criterion that
    rules out a marker asked for elsewhere ("HER2 mutation without HER2 expression"), or one
    change of it ("ALK I1171X" beside "ALK fusion"), narrows the requirement and leaves it
    standing."""
    cohorts: dict[tuple[str, str], set[str]] = {}
    for mention in mentions:
        item = fields.items[mention.part]
        if item is not None and item.section == EXCLUSION:
            continue
        for tag in mention.tags:
            cohorts.setdefault((tag, mention.kind), set()).add(item.cohort if item else "")
    # A change of a marker asked for ("ALK I1171X" beside "ALK fusion", NCT05170204) is no
    # trial-wide exclusion: the criterion's rule stands.
    unclear: set[tuple[str, str]] = {
        (tag, EXCLUDED)
        for mention in mentions
        if mention.kind == EXCLUDED
        for tag in mention.tags
        if " " in tag and (tag.split(" ", 1)[0], REQUIRED) in cohorts
    }
    for (tag, kind), where in cohorts.items():
        if kind == REQUIRED and (tag, EXCLUDED) in cohorts:
            elsewhere = cohorts[(tag, EXCLUDED)]
            if "" in where or "" in elsewhere or where & elsewhere:
                unclear.update({(tag, REQUIRED), (tag, EXCLUDED)})
        elif kind == REQUIRED:
            unclear.add((tag, EXCLUDED))  # ruled out only by an exclusion: narrowed
    return unclear


def _read(
    marker: MarkerRule,
    match: re.Match[str],
    index: int,
    fields: Fields,
    k: Knowledge,
    list_kind: str = "",
) -> _Mention | str | None:
    """What one mention of a marker says: required, excluded, or nothing (None); _NO_RESULT
    when it says nothing only for want of a result written by it ("mutation", "wild-type").
    ``list_kind`` (REQUIRED or EXCLUDED) is what the list it is written in says of it (see
    :func:`_read_as_their_list`)."""
    source, text = fields.parts[index]
    if source == KEYWORD:
        return None  # a topic of the study ("ESR1 mutation" for its subgroups), not a rule
    everything = fields.text
    offset = fields.starts[index]
    item = fields.items[index]
    start, end = match.start() - offset, match.end() - offset
    in_exclusion = item is not None and item.section == EXCLUSION
    scope: tuple[str, ...] = ()
    if item is not None and one_of_alternatives(item):
        # "ii) High-grade B-cell lymphoma with MYC and BCL2 rearrangements": of people with
        # that disease only, or of no one it can name.
        scope = alternative_scope(item, (i for i in fields.items if i is not None))
        if not scope:
            return None
    if in_exclusion and _TREATED_FOR.search(text, 0, start):
        return None  # "prior therapy for HER2-positive disease" excludes the therapy
    if in_exclusion and _NARROWED.match(text, end):
        return None  # "HER2-positive patients who have not received trastuzumab"
    if in_exclusion and said_allowed(_OUTSIDE_BRACKETS.sub(" ", _rest_of_clause(text, end))):
        return None  # "... activating RET mutations ... are eligible" among the exclusions
    excepted = excepted_after(text, end, end + _EXCEPTION_REACH)
    tags = (marker.name,) if excepted else _biomarker_tags(marker, match, everything)
    excluded_by_name = marker.excluded is not None and marker.excluded.fullmatch(match.group())
    # The words of the mention itself first (cheap), the context only when they may count.
    says_result = True
    if marker.needs_context and not excluded_by_name:
        after = _clause(everything, match.end())
        either = k.biomarker_context.get("either")
        both = either.search(after) if either is not None else None
        own = {marker.name.upper(), *(tag.upper() for tag in tags)}
        if both is not None and all(
            name.upper() in own for name in _ANOTHER_NAME.findall(both.group())
        ):
            # "HER2 status: positive or negative": both results are welcome (not "HER2
            # positive disease or ER negative disease": two markers, one way in each)
            return _Mention(tags, _BOTH_RESULTS, index, match.start(), match.end(), scope)
        positive = marker.positive or k.biomarker_context["positive"]
        if not positive.search(after[:45]):  # (usually it does: "EGFR mutation")
            before = _clause(everything, match.start(), backwards=True)
            says_result = bool(
                positive.search(before[-30:])
                or (tags[0] != marker.name and marker.positive is None)
                or _said_of_the_list(positive, everything, match.start(), match.end())
            )
            says_result = says_result or bool(list_kind)
            if not says_result and not (
                _NEGATIVE.search(after[:30]) or _NEGATIVE.search(before[-20:])
            ):
                # Neither a result such as "mutation" nor one that says no: nothing, unless
                # the list it is written in says one (_read_as_their_list).
                return _NO_RESULT
    said = clause_effects(text, start, end)
    if "NEGATED" in said and "HYPOTHETICAL" in said:
        # "testing of ALK with no ALK rearrangement": one of the two, the nearest; what else
        # is said of it (an exception) still holds.
        said = said - _EITHER | _nearest(text, start, end)
    if said & NOT_A_RULE:
        return None
    negated = "NEGATED" in said or (list_kind == EXCLUDED and not in_exclusion)
    if excluded_by_name:
        if negated and not in_exclusion and _status_of_the_next(text, start, end):
            if _ALTERNATIVE_WORDS.search(text, *rules().clause(text, start, end)):
                # "ER negative and PR negative, or HER2 positive": one way in of several.
                return _Mention(tags, _ONE_WAY_IN, index, match.start(), match.end(), scope)
            negated = False  # "ER negative and PR negative": the second "negative" is PR's
        negated = not negated  # "triple-negative" says no; "not triple-negative" says nothing
        if not negated:
            return None
    elif not says_result and not negated:
        return None  # "wild-type" near a marker that nothing negates
    if negated and in_exclusion:
        if not _ruled_out_after(text, start, end):
            return None  # "no EGFR mutation" among the exclusions: unclear, so nothing
        negated = False  # "... RET mutations ... are excluded": an exclusion said twice
    if excepted and (negated or in_exclusion):
        return None  # "EGFR mutation other than exon 19 deletion": not every EGFR mutation
    kind = EXCLUDED if negated or in_exclusion else REQUIRED
    return _Mention(tags, kind, index, match.start(), match.end(), scope)


def _status_of_the_next(text: str, start: int, end: int) -> bool:
    """Whether every negation of a name that says no by itself ("ER negative") comes from a
    status word said after "and" and another marker's name ("... and PR negative"): that one's
    own ("ER negative or PR negative" asks neither of everyone)."""
    low, _ = rules().clause(text, start, end)
    negations = [m for m in clause_covering(text, start, end) if m.category == "NEGATED"]
    return bool(negations) and all(
        m.direction == "backward"
        and m.span[0] + low >= end
        and _ANOTHER_NAME.search(text, end, m.span[0] + low) is not None
        and _AND.search(text, end, m.span[0] + low) is not None
        for m in negations
    )


_ALTERNATIVE_WORDS = re.compile(r"(?i)\bor\b|\beither\b")  # ("and/or" holds "or")


# A marker's name between a mention and a status word after it ("ER negative and PR negative").
_ANOTHER_NAME = re.compile(r"\b[A-Z][A-Za-z]?[A-Z0-9]+\b")


def _ruled_out_after(text: str, start: int, end: int) -> bool:
    """Whether the negation of a target is said after it ("... are excluded", "are not
    eligible"), not before it ("no EGFR mutation")."""
    low, _ = rules().clause(text, start, end)
    negations = [m for m in clause_covering(text, start, end) if m.category == "NEGATED"]
    return bool(negations) and all(
        m.span[0] >= end - low
        # (a result, "HER2-negative disease", is no "are excluded": ruling out a negative
        # result asks for a positive one, which is not read)
        and not _NEGATIVE.match(text, low + m.span[0], low + m.span[1])
        for m in negations
    )


def _nearest(text: str, start: int, end: int) -> frozenset[str]:
    """For a target both negated and hypothetical: negated when the nearest cue before it says
    so ("testing of ALK with no ALK rearrangement"), else hypothetical ("either BRAF-mutant or
    BRAF wild-type tumors are eligible")."""
    low, _ = rules().clause(text, start, end)
    covering = clause_covering(text, start, end)
    if any(m.category == "HYPOTHETICAL" and m.span[0] >= end - low for m in covering):
        return frozenset(["HYPOTHETICAL"])  # said of all before it: "Absence of X is not required"
    before = [m for m in covering if m.span[1] <= start - low]
    if before and max(before, key=lambda m: m.span[1]).category == "NEGATED":
        return frozenset(["NEGATED"])
    return frozenset(["HYPOTHETICAL"])


# A list of markers between a mention and the word said of them all: "KRAS, HRAS, NRAS or BRAF
# mutations", "driver mutation (EGFR or ALK/ROS1)".
_LIST_UNIT = r"(?:[\s,/()]|\band/or\b|\bor\b|\band\b|\b[A-Z][A-Za-z0-9]*[A-Z0-9][\w-]*|\bnon-\S+)"
_LIST_HEAD = re.compile(_LIST_UNIT + "*")
_LIST_WORD = re.compile(_LIST_UNIT + "+")
_PIECES = re.compile(r"\s*\S+\s*")
_CLAUSE_END = re.compile(r"[.;\n]")


def _said_of_the_list(positive: re.Pattern[str], text: str, start: int, end: int) -> bool:
    """Whether a word such as "mutation" is said of the list of markers this one is in."""
    after = text[end : end + 120]
    cut = _CLAUSE_END.search(after)
    after = after[: cut.start()] if cut else after
    head = _LIST_HEAD.match(after)
    if head and head.end():
        rest = head.end()
        # (In capitals a word such as "MUTATIONS" or "TESTING" looks like a name: the list
        # ends before the first that is none.)
        if _CAPITALS_WORD.search(after, 0, rest):
            for piece in _PIECES.finditer(after, 0, rest):
                if _no_name_in_capitals(positive, piece.group()):
                    rest = piece.start()
                    break
        if rest and positive.search(after[rest : rest + 45]):
            return True
    before = text[max(0, start - 120) : start]
    cuts = [m.end() for m in _CLAUSE_END.finditer(before)]
    before = before[cuts[-1] :] if cuts else before
    # Walk back over the words of the list ("(EGFR or "), then look before it.
    rest = len(before.rstrip())
    for piece in reversed(_PIECES.findall(before[:rest])):
        if not _LIST_WORD.fullmatch(piece) or _result_in_capitals(positive, piece):
            break
        rest -= len(piece)
    return rest != len(before) and bool(positive.search(before[:rest][-40:]))


def _result_in_capitals(positive: re.Pattern[str], piece: str) -> bool:
    """Whether a word in capitals is a result, no marker of a list: in a criterion written in
    capitals, "MUTATION" in "POSITIVE ONCOGENE MUTATION STATUS (EGFR/ALK)". (Short ones, "IHC",
    "TPS", may be names.)"""
    word = piece.strip(" \t\n,/()")
    return len(word) > 4 and word.isalpha() and word.isupper() and bool(positive.fullmatch(word))


# A word of five capitals or more, without a digit: it may be no name (see _no_name_in_capitals).
_CAPITALS_WORD = re.compile(r"\b[A-Z]{5,}\b")


def _no_name_in_capitals(positive: re.Pattern[str], piece: str) -> bool:
    """Whether a word in capitals after a marker is no name of its list: a result
    ("MUTATIONS OR ALTERATIONS") or a word of seven letters or more, longer than a marker's
    name without a digit ("PDGFRA" has six): "TESTING", "ANAPLASTIC"."""
    word = piece.strip(" \t\n,/()")
    return (
        word.isalpha() and word.isupper() and (len(word) > 6 or _result_in_capitals(positive, word))
    )


# "Prior therapy for locally advanced or metastatic HER2-positive breast cancer": in an exclusion
# criterion, the marker is that of the disease treated, not one that excludes.
_TREATED_FOR = re.compile(
    r"(?i)\b(?:therap(?:y|ies)|treatments?|regimens?|chemotherapy)\s+(?:\w+\s+)?for\b[^.;]*$"
)


# A result that says no, next to a marker that has no word such as "mutation" by it.
_NEGATIVE = re.compile(
    r"(?i)negativ|wild[\s-]?type|\bWT\b|non-?mutated|unmutated|non-?amplified|^\s?[-\u2212\u2013]"
)


def _requirements(mentions: list[_Mention], fields: Fields) -> list[Requirement]:
    """Per criterion: a ``biomarker-required`` requirement for each marker or list of
    alternatives, and one ``biomarker-excluded`` with every marker it rules out."""
    by_part: dict[int, list[_Mention]] = {}
    for mention in mentions:
        if fields.items[mention.part] is not None:
            by_part.setdefault(mention.part, []).append(mention)
    out: list[Requirement] = []
    for index, found in by_part.items():
        item = fields.items[index]
        assert item is not None
        if also := _ALSO_ELIGIBLE.search(item.text):
            # Another way in ("Patients ... with G12D mutated NRAS and HRAS will also be
            # eligible"): with the markers the item asked for before it, one rule of them all.
            if (either := _with_also_eligible(found, fields, index, also.start())) is not None:
                out.append(_requirement(REQUIRED, either, item, found[0].scope))
            elif any(m.kind == REQUIRED for m in found) and index - 1 in by_part:
                # Said as an item of its own: the markers the item before asked for are
                # no rule for all either.
                before = fields.items[index - 1]
                out = [r for r in out if not (r.kind == REQUIRED and _of_item(r, before))]
            continue  # without them, no rule for all
        groups: list[list[str]] = []
        for chain in _lists(fields.text, [m for m in found if m.kind == REQUIRED]):
            chain = _one_name_each(fields.text, chain)
            betweens = [
                fields.text[a.end : b.start] for a, b in zip(chain, chain[1:], strict=False)
            ]
            # "KRAS, HRAS, NRAS, BRAF, and/or CRAF mutations": the "or" may come after the last.
            betweens.append(fields.text[chain[-1].end : chain[-1].end + 12])
            if (
                len(chain) > 1
                and any(_OR_NEXT.match(b) for b in betweens[-1:])
                or any(_joins_alternatives(between) for between in betweens[:-1])
                or (len(chain) > 1 and all(_commas_only(b) for b in betweens[:-1]))
            ):
                chain_tags = [tag for mention in chain for tag in mention.tags]
                candidates = [list(dict.fromkeys(chain_tags))]  # alternatives: one requirement
            else:
                candidates = [list(mention.tags) for mention in chain]
            for group in candidates:
                if not any(set(group) <= set(seen) for seen in groups):
                    groups.append(group)
        scope = found[0].scope  # (that of its item)
        out.extend(_requirement(REQUIRED, group, item, scope) for group in groups)
        ruled_out = [m for m in found if m.kind == EXCLUDED]
        if item.section == EXCLUSION:
            ruled_out = _each_ruled_out(fields.text, ruled_out)
        excluded = list(dict.fromkeys(t for m in ruled_out for t in m.tags))
        if excluded:
            out.append(_requirement(EXCLUDED, excluded, item, scope))
    return out


def _each_ruled_out(text: str, mentions: list[_Mention]) -> list[_Mention]:
    """The markers of an exclusion criterion that each rule a person out: not those of one
    clause joined by "and" with no "or" ("dMMR/MSI-H status and HER2-positive/amplified tumor"),
    which may rule out only a person who has all of them."""
    runs: list[list[_Mention]] = []
    for mention in mentions:
        if runs:
            between = text[runs[-1][-1].end : mention.start]
            if len(between) <= _CLAUSE_GAP and not _CLAUSE_BREAK.search(between):
                runs[-1].append(mention)
                continue
        runs.append([mention])
    kept: list[_Mention] = []
    for run in runs:
        # (Between two names of one marker, "(dMMR)/ high microsatellite instability", no list.)
        pairs = zip(run, run[1:], strict=False)
        betweens = [text[a.end : b.start] for a, b in pairs if a.tags != b.tags]
        if not any(_AND.search(b) for b in betweens) or any(_OR_EITHER.search(b) for b in betweens):
            kept.extend(run)
    return kept


# Between two markers of one clause of an exclusion criterion (see _each_ruled_out).
_CLAUSE_GAP = 120
_CLAUSE_BREAK = re.compile(r"[.;:]\s|\n")
_OR_EITHER = re.compile(r"(?i)\bor\b|\beither\b")


def _of_item(requirement: Requirement, item: Item | None) -> bool:
    return item is not None and (requirement.text, requirement.section, requirement.cohort) == (
        item.text,
        item.section,
        item.cohort,
    )


# Between two markers of one list: connectors and the words said of the markers.
_BETWEEN = re.compile(
    r"(?i)(?:[\s,/&()+:-]|\b(?:or|and|either|mutations?|mutated|mutant|fusions?|rearrange\w*|"
    r"alterations?|altered|amplifi\w*|positive|gene|genes|deletions?|insertions?|variants?|"
    r"over-?expression|expression|exon|skipping|translocations?|status|\d+|non-[\w-]+))*"
)
_OR_NEXT = re.compile(r"(?i)^[\s,]*(?:and/or|or)\b")
# Markers listed with commas only ("KRAS, HRAS, NRAS, BRAF, CRAF (RAF1) mutations"): any of them
# (with "and" they may each be asked for: "MYC, BCL2 and BCL6 rearrangements").
_AND = re.compile(r"(?i)\band\b")


# Only a bracket between two names of one marker: "CRAF (RAF1)".
_BRACKET_ONLY = re.compile(r"\s*\(\s*")


def _one_name_each(text: str, chain: list[_Mention]) -> list[_Mention]:
    """``chain`` with a marker's second name in brackets left out ("BRAF, CRAF (RAF1)
    mutations"): the list goes on after it as before it."""
    kept = chain[:1]
    for mention in chain[1:]:
        last = kept[-1]
        if mention.tags != last.tags or not _BRACKET_ONLY.fullmatch(text[last.end : mention.start]):
            kept.append(mention)
    return kept


def _commas_only(between: str) -> bool:
    return "," in between and not _AND.search(between)


_OUTSIDE_BRACKETS = re.compile(r"\([^()]*\)")


def _rest_of_clause(text: str, start: int) -> str:
    end = _CLAUSE_END.search(text, start)
    return text[start : end.start() if end else len(text)]


_ALSO_ELIGIBLE = re.compile(r"(?i)\balso\s+(?:be\s+)?eligible\b")
# A slash after a marker's own result joins markers that are each required: "HER2-positive/
# ER-positive" (while "EGFR/ALK" and "EGFR/ALK-positive" offer either).
_OWN_RESULT_SLASH = re.compile(r"(?i)(?:positive|[+])\s*/")


def _joins_alternatives(between: str) -> bool:
    """Whether the words between two markers of a list make them alternatives: "or", or a slash
    not written after the first marker's own result."""
    if re.search(r"(?i)\bor\b", between):
        return True
    return "/" in between and not _OWN_RESULT_SLASH.search(between)


def _lists(text: str, mentions: list[_Mention]) -> Iterator[list[_Mention]]:
    """The mentions in runs written as one list ("NTRK1, NTRK2 or NTRK3 fusion", "MYC and BCL2
    rearrangements"): its markers are alternatives when the list says "or" anywhere, else each
    is required."""
    chain: list[_Mention] = []
    for mention in mentions:
        if chain:
            between = text[chain[-1].end : mention.start]
            if len(between) > 80 or not (
                _BETWEEN.fullmatch(between) or _NAMED_GAP.fullmatch(between)
            ):
                yield chain
                chain = []
        chain.append(mention)
    if chain:
        yield chain


def _with_also_eligible(
    found: list[_Mention], fields: Fields, index: int, also: int
) -> list[str] | None:
    """The markers of one item that asks for some and then says people with others "will also
    be eligible" (``also``: where those words are), as alternatives; None when the item asks
    for none before the sentence that says it, or rules any out."""
    if any(m.kind == EXCLUDED for m in found):
        return None
    offset = fields.starts[index]
    text = fields.parts[index][1]
    sentence = max(text.rfind(". ", 0, also), text.rfind("; ", 0, also)) + 1
    before = [m for m in found if m.start - offset < sentence]
    after = [m for m in found if m.start - offset >= sentence]
    if not before or not after:
        return None
    return list(dict.fromkeys(tag for m in found for tag in m.tags))


def _requirement(
    kind: str, values: list[str], item: Item, scope: tuple[str, ...] = ()
) -> Requirement:
    return Requirement(kind, "any-of", tuple(values), item.text, item.section, item.cohort, scope)


def _add_evidence(tag: str, mention: _Mention, fields: Fields, evidence: list[Evidence]) -> None:
    source, text = fields.parts[mention.part]
    offset = fields.starts[mention.part]
    quoted = snippet(text, mention.start - offset, mention.end - offset)
    matched = fields.text[mention.start : mention.end]
    if mention.kind == REQUIRED:
        reason = f'{tag}: "{quoted}" ({source}) selects patients by this biomarker'
    else:
        reason = f'{tag}: "{quoted}" ({source}) leaves out patients with this biomarker'
    evidence.append(Evidence(tag, BIOMARKER, source, quoted, matched, reason))


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
        while match is not None:
            # What follows the window may undo a match found near its end ("HER2 IHC 2+"):
            # only one that holds in the whole text counts.
            whole = marker.regex.match(text, match.start())
            if whole is not None:
                match = whole
                break
            match = marker.regex.search(text, match.start() + 1, window[1])
        if match and match.start() >= last_end:
            yield match
            last_end = match.end()


_LOWER_PREFIX = re.compile(r"^[a-z]+")  # "gBRCA1" -> "BRCA1"
_BOTH_GENES = re.compile(r"[12]/2$")  # "BRCA1/2" -> "BRCA"
_NON = re.compile(r"non-?\s*$")
# Between a marker and a variant, these words make the variant another group's, or absent:
# "Ph+ CML-CP (Without T315I Mutation)", "For Ph+ CML-CP participants with T315I mutation".
_VARIANT_GAP = re.compile(
    r"\b(?:without|no|not|negative|absence|participants|patients|subjects|people)\b", re.I
)
# How far after a marker an exception is taken as one to the marker ("EGFR mutation other than
# exon 19 deletion or L858R"): what follows it is a variant the marker is not.
_EXCEPTION_REACH = 30
# After a marker in an exclusion criterion, the people it excludes narrowed ("HER2-positive
# breast cancer patients who have not received trastuzumab"): not everyone with the marker.
# (Not "mutations that are sensitive to targeted therapy": said of the marker, NCT06561386.)
_NARROWED = re.compile(r"[^.;:\n]{0,60}?\b(?:who|whose)\b", re.I)
_EXON = re.compile(r"^ex(?:on)? ?(\d+)$", re.IGNORECASE)  # "ex14", "EXON14" -> "exon 14"
_EXON_NAME = r"exon \1"
# Between one variant and the next of a list: "G12C or G12D", "exon 19 deletion or exon 21 L858R".
_NEXT_VARIANT = re.compile(r"(?i)^\W*(?:\w+\W+)?(?:and/or|or|,)(?=\W)")


def _biomarker_tags(marker: MarkerRule, match: re.Match[str], text: str) -> tuple[str, ...]:
    """The tag of a mention: the marker, or each of the variants written after it."""
    if marker.from_match:
        written = _LOWER_PREFIX.sub("", match.group())
        return (_BOTH_GENES.sub("", written),)
    if marker.variant is not None:
        piece = text[match.end() : match.end() + 90]
        variant = marker.variant.search(piece)
        gap = piece[: variant.start(1)] if variant else ""
        if variant and not _NON.search(gap) and not _VARIANT_GAP.search(gap):
            tags = [f"{marker.name} {_EXON.sub(_EXON_NAME, variant.group(1))}"]
            # The variants listed after the first are alternatives to it.
            while True:
                piece = piece[variant.end() :]
                joint = _NEXT_VARIANT.match(piece)
                variant = marker.variant.search(piece[joint.end() :]) if joint else None
                if joint is None or variant is None:
                    break
                piece = piece[joint.end() :]
                name = f"{marker.name} {_EXON.sub(_EXON_NAME, variant.group(1))}"
                if name not in tags:
                    tags.append(name)
            return tuple(tags)
    if marker.variant_before is not None:
        variant = marker.variant_before.search(text[max(0, match.start() - 40) : match.start()])
        if variant:
            return (f"{marker.name} {variant.group(1)}",)
    return (marker.name,)


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
