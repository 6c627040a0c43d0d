"""An independent check that every rule a summary states is in the record's own criteria.

For every real record, each rule sentence of its summary ("must", "must not", "at least", "up
to", "cannot", "only") is parsed with this file's own small patterns into a kind, a polarity and
values, and looked for in the record's eligibility text, split here with this file's own simple
section rules. Nothing of trialfinder's reader, requirements or summary code decides anything
here: only the summary text (from ``summarize``) and the glossary's sentences (to strip them)
are used.

A sentence is supported when an item of the criteria says the same thing with the same values
(the number of "at least 2", every marker named) and the same polarity: a "must have" marker
stands in an inclusion item without a negation before it; a "must not have" marker stands with
a negation, or in an exclusion item. A count of earlier lines must count lines of any treatment
("2 prior lines of systemic therapy", not "1 prior taxane regimen"); a rule said for everyone
must not stand only under one part of the trial; a part of the trial named must be in the text.
Treatments are found by their names or by this file's own short lists of other spellings
("cytotoxic therapy", "T-DXd", "BCMA targeted therapy"); never by trialfinder's data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from trialfinder import glossary
from trialfinder.model import parse_study
from trialfinder.summary import summarize
from trialfinder.tagging import Tags
from trialfinder.tagging.requirements import Requirement

from conftest import load_real_record, needs_shared, real_record_paths

INCLUSION, EXCLUSION = "inclusion", "exclusion"
NUMBERS = {"no": 0, "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10}  # fmt: skip
NUMBER = r"(?:\d{1,2}|zero|one|two|three|four|five|six|seven|eight|nine|ten)"
ICASE = re.IGNORECASE


def number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBERS[word.lower()]


# -- the criteria, split with our own rules -----------------------------------------------------


@dataclass(frozen=True)
class Line:
    text: str
    section: str  # INCLUSION, EXCLUSION or "" (no heading yet)
    cohort: str  # "" unless under a heading or a lead naming a part of the trial ("part a")


HEADING = re.compile(
    r"^(?:[\w-]+\s+){0,3}?(?P<word>inclusion|exclusion|non-inclusion|eligibility|ineligibility)"
    r"(?:\s+criteri\w*)?\b(?P<rest>[^:.]{0,80}?)(?::\s*(?P<after>.*))?$",
    ICASE,
)
COHORT = (
    r"\b(?P<label>(?:part|cohort|arm|group|phase|module|sub-?study)\s+"
    r"(?:\d{1,2}[a-z]?\d?|[a-z]\d{0,2}|[ivx]{1,4}))\b"
)
COHORT_LEAD = re.compile(rf"^(?:for\s+|in\s+)?{COHORT}[^:]{{0,60}}:\s*(?P<after>.*)$", ICASE)
NEGATIVE_LEAD = re.compile(
    r"\bmust not\b|\bnot (?:be )?eligible\b|\bineligible\b|\bexcluded\b|\bcannot\b|\bwill not\b",
    ICASE,
)
BULLET = re.compile(r"^\s*(?:[*•·\-–+>]+|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)](?=\s))?\s*")
NUMBERED = re.compile(r"^\s*\(?\d{1,2}[.)]\s")
INLINE_HEADING = re.compile(r"(?<=\S)[ \t]*((?:key )?(?:inclusion|exclusion) criteria\s*:)", ICASE)


def cohort_name(label: str) -> str:
    return " ".join(label.lower().split())


def same_cohort(ours: str, said: str) -> bool:
    """Whether a line under our cohort ("" for everyone) holds for the part a summary names:
    "part 1" holds for "Parts 1 and 2"."""
    if not ours:
        return True
    word, _, ident = ours.partition(" ")
    said_words = cohort_name(said).replace(",", " ").split()
    return bool(said_words) and said_words[0].startswith(word[:4]) and ident in said_words[1:]


def claim_parts(said: str) -> list[str]:
    """The parts a rule is said for: "Cohort 7, Cohort A and Cohort B" names three, "Parts 1
    and 2" one (a label of the criteria)."""
    return re.split(r"(?:,| and) (?=[A-Z][a-z]+ )", said)


def criteria_lines(criteria: str) -> list[Line]:
    """Items of the criteria with their section and cohort, by this file's own simple rules."""
    text = re.sub(r"\\([<>=\[\]()*_~#.+!-])", r"\1", criteria or "")
    text = INLINE_HEADING.sub(r"\n\1", text)
    lines: list[Line] = []
    section, block = "", ""
    numbered_at: int | None = None  # the indent of the last numbered line
    block_ends_at: int | None = None  # a part labelled inside a numbered item ends at the next
    for raw in text.splitlines():
        line = BULLET.sub("", raw, count=1).strip().strip("*_ ").strip()
        if not line:
            continue
        indent = len(raw) - len(raw.lstrip())
        if NUMBERED.match(raw):
            if block_ends_at is not None and indent <= block_ends_at:
                block, block_ends_at = "", None
            numbered_at = indent
        heading = HEADING.match(line)
        if heading and (heading.group("after") is not None or len(line) <= 90):
            kind = heading.group("word").lower()
            if "inclusion" in line.lower() and "exclusion" in line.lower():
                section = ""
            elif kind in ("exclusion", "non-inclusion", "ineligibility"):
                section = EXCLUSION
            else:
                section = INCLUSION
            title = line[: heading.start("word")] + (heading.group("rest") or "")
            named = re.search(COHORT, title, ICASE)
            everyone = re.search(r"\ball (?:cohorts|parts|arms)|\bboth", line, ICASE)
            block = cohort_name(named.group("label")) if named and not everyone else ""
            block_ends_at = None
            line = (heading.group("after") or "").strip()
            if not line:
                continue
        cohort = block
        lead = COHORT_LEAD.match(line)
        if lead:
            if not lead.group("after").strip():
                block = cohort_name(lead.group("label"))
                if block_ends_at is None and numbered_at is not None and numbered_at < indent:
                    block_ends_at = numbered_at
                continue
            cohort = cohort_name(lead.group("label"))
        if line.endswith(":") and len(line) <= 160 and NEGATIVE_LEAD.search(line):
            section = EXCLUSION
        parts = re.split(r"(?<=[.;])\s+", line) if len(line) > 400 else [line]
        lines.extend(Line(part, section, cohort) for part in parts)
    return lines


# -- the rule sentences of a summary ----------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    kind: str
    rule: str
    values: tuple
    cohort: str
    sentence: str


def strip_glossary(text: str) -> str:
    for term in glossary.terms():
        text = text.replace(" " + term.sentence, "")
    return text


def rule_sentences(summary: str) -> list[str]:
    """The bullets of "What are some key rules?", without the glossary's explanations."""
    if "What are some key rules?" not in summary:
        return []
    part = summary.split("What are some key rules?\n", 1)[1].split("\n\n", 1)[0]
    return [strip_glossary(line[2:]) for line in part.splitlines() if line.startswith("- ")]


def split_values(listed: str) -> tuple[str, ...]:
    parts = re.split(r",\s+|\s+(?:or|and)\s+", listed.strip())
    return tuple(p.strip() for p in parts if p.strip())


LINES_OF = r"earlier lines? of treatment"
TRANSPLANT_KIND = r"(?P<kind> with your own cells| with cells from a donor|)"
MARKER_NOUN = r"(?:gene changes?|genes?|markers?|tissue types?)"
SENTENCES: list[tuple[str, str, str]] = [
    # (kind, rule, pattern): groups "n", "low", "high", "one", "values", "not", "kind"
    ("prior-lines", "at-least", rf"You must have had at least (?P<n>{NUMBER}) {LINES_OF}\."),
    ("prior-lines", "at-most",
     rf"You may have had up to (?P<n>{NUMBER}) {LINES_OF}, but not more\."),
    ("prior-lines", "none", r"You must not have had any earlier line of treatment for this "
     r"cancer\."),
    ("prior-lines", "none-advanced", r"You must not have had any earlier line of treatment for "
     r"cancer that is advanced or has spread\."),
    ("prior-lines", "exactly", rf"You must have had exactly (?P<n>{NUMBER}) {LINES_OF}\."),
    ("prior-lines", "between",
     rf"You must have had (?P<low>{NUMBER}) to (?P<high>{NUMBER}) {LINES_OF}\."),
    ("prior-therapy", "any-of", r"You must have been treated with "
     r"(?:at least one of these before: (?P<values>.+)|(?P<one>.+) before)\."),
    ("prior-therapy", "all-of",
     r"You must have been treated with each of these before: (?P<values>.+)\."),
    ("prior-therapy-not", "any-of", r"You must not have been treated with "
     r"(?:any of these before: (?P<values>.+)|(?P<one>.+) before)\."),
    ("refractory", "all-of", r"Your cancer must have stopped responding to each of these, "
     r"or never responded to them: (?P<values>.+)\."),
    ("refractory", "any-of",
     r"Your cancer must have stopped responding to (?P<values>.+), or never responded to it\."),
    ("marker", "have", r"(?:Your cancer|You) must have "
     rf"(?:this|one of these|a change in this|a change in one of these) {MARKER_NOUN}: "
     r"(?P<values>.+)\."),
    ("marker", "have", r"(?:Your cancer|You) must have a certain (?:inherited )?change in "
     rf"(?:this|one of these) {MARKER_NOUN}: (?P<values>.+?)\. The trial page says which\."),
    ("marker", "have", r"Your cancer must be estrogen receptor positive \((?P<values>ER\+)\)\."),
    ("marker", "not", r"(?:Your cancer|You) must not have "
     rf"(?:this|these|a change in this|a change in any of these) {MARKER_NOUN}"
     r"(?: that a targeted medicine can treat| if a targeted medicine can treat (?:it|them))?: "
     r"(?P<values>.+)\."),
    ("marker", "not", r"Your cancer must not test positive for "
     rf"(?:this|any of these) {MARKER_NOUN}: (?P<values>.+)\."),
    ("marker", "have", r"You must have a tissue type \((?P<values>.+) type\) that matches the "
     r"treatment\."),
    ("marker", "not", r"Your cancer must not have a change that (?:a targeted medicine can treat "
     rf"in|switches on) (?:this|any of these) {MARKER_NOUN}: (?P<values>.+)\."),
    ("ecog", "at-most", r"(?:.+\. )?This is an ECOG score of (?P<n>[0-4])(?: or lower)?\."),
    ("ecog", "between", r"Your ECOG score must be (?P<low>[0-4]) to (?P<high>[0-4])\."),
    ("brain", "none", r"You cannot join if the cancer has spread to the brain\."),
    ("brain", "treated-stable", r"If the cancer has spread to the brain, "
     r"you may join only on some conditions(?:, such as treatment that left it stable|, such as "
     r"that it causes no symptoms|, such as its size|, even if it is not treated|\. The trial "
     r"page lists them)\."),
    ("brain", "active-allowed", r"People whose cancer has spread to the brain may join in some "
     r"cases, even if it is not treated\."),
    ("brain", "required", r"It is for people whose cancer has spread to the brain\."),
    ("measurable", "required",
     r"Your cancer must be big enough to measure on a scan or a test\."),
    ("transplant", "prior",
     rf"You must (?P<not>not )?have had a stem cell transplant{TRANSPLANT_KIND} before\."),
    ("transplant", "ineligible",
     rf"You must be unable to have a stem cell transplant{TRANSPLANT_KIND}\."),
    ("transplant", "eligible",
     rf"You must be able to have a stem cell transplant{TRANSPLANT_KIND}\."),
]  # fmt: skip
PATTERNS = [(kind, rule, re.compile(pattern)) for kind, rule, pattern in SENTENCES]
TRANSPLANT_KINDS = {" with your own cells": "autologous", " with cells from a donor": "allogeneic"}


def parse_claim(sentence: str) -> Claim | None:
    cohort, rest = "", sentence
    named = re.match(
        r"In (?:one part|some parts) of the trial \((?P<cohort>[^)]+)\), (?P<rest>.+)$", sentence
    )
    if named:
        cohort, rest = named.group("cohort"), named.group("rest")
        rest = rest[0].upper() + rest[1:]
    for kind, rule, pattern in PATTERNS:
        match = pattern.fullmatch(rest)
        if not match:
            continue
        found = {k: v for k, v in match.groupdict().items() if v is not None}
        values: tuple = ()
        if "n" in found:
            values = (number(found["n"]),)
        elif "low" in found:
            values = (number(found["low"]), number(found["high"]))
        elif "one" in found:
            values = (found["one"],)
        elif "values" in found:
            values = split_values(found["values"])
        if kind == "transplant":
            rule = f"{rule}-not" if found.get("not") else rule
            values = (TRANSPLANT_KINDS.get(found.get("kind", ""), "any"),)
        return Claim(kind, rule, values, cohort, sentence)
    return None


# -- negation -------------------------------------------------------------------------------------

# A negation anywhere before a marker in its clause ("Absence of sensitizing EGFR mutations
# (...) and ALK and ROS1 rearrangements"), or a few words before it ("no known ALK"), or right
# after it ("EGFR wild-type", "HER2-negative", "... are not eligible").
NEGATION_IN_CLAUSE = re.compile(
    r"\b(?:absence of|absent|lack of|lacking|negative for|free of|no evidence of)\b", ICASE
)
NEGATION_BEFORE = re.compile(
    r"\b(?:without|no|not|excluding|except|wild[- ]?type|wt|negative)\b\W*(?:[\w+-]+\W+){0,3}$"
    r"|\bnon-?$",
    ICASE,
)
NEGATION_AFTER = re.compile(  # within the same phrase: "HR-positive, HER2-negative" is two
    # "HER2-" (a bare minus); "HR-ve", as British and Indian reports write it;
    # "KRAS, NRAS and BRAF wild-type": a list of short names, then the word
    r"^[a-z0-9+*:]+\s?[-\u2212\u2013](?=$|[\s,;/)])|^\s?-\s?ve\b"
    r"|^[a-z0-9+*:-]+(?:\s*(?:,|/|\band\b|\bor\b)\s*(?:and\s+)?[a-z0-9]{2,6})+"
    r"\s*(?:wild[- ]?type|negative)\b|^\W{0,3}non-"
    # "kras), neuroblastoma ras viral oncogene homolog (nras), and ... (braf) wild-type": each
    # after its name in full (NCT06662786)
    r"|^[a-z0-9]+\)(?:\s*(?:,|\band\b|\bor\b)\s*(?:and\s+)?(?:[\w-]+\s+){1,8}\([a-z0-9]{2,6}\))+"
    r"\s*(?:wild[- ]?type|negative)\b"
    r"|^[\w+-]*[ \t()-]{0,3}?(?:[\w+-]+[ \t()-]+){0,3}?(?:negative|wild[- ]?type|wt\b|"
    r"\(-\)|not detected|are (?:not eligible|excluded|ineligible)|is (?:not eligible|excluded))",
    ICASE,
)


def clause_at(text: str, position: int) -> tuple[str, str]:
    """The text of the clause before and after ``position`` (clauses end at ; or a full stop)."""
    start = max(text.rfind(";", 0, position), text.rfind(". ", 0, position)) + 1
    ends = [e for e in (text.find(";", position), text.find(". ", position)) if e >= 0]
    return text[start:position], text[position : min(ends) if ends else len(text)]


def negated(text: str, position: int) -> bool:
    before, after = clause_at(text, position)
    return bool(
        NEGATION_IN_CLAUSE.search(before)
        or NEGATION_BEFORE.search(before)
        or NEGATION_AFTER.search(after)
    )


# -- markers --------------------------------------------------------------------------------------

WORDS = re.compile(r"[a-z0-9+*:]+(?:[-'][a-z0-9+*:]+)*")
# Marker names written another way in criteria (this file's own short list).
MARKER_ALIASES = {
    "her2": ["her2", "erbb2", "her-2"],
    "pd-l1": ["pd-l1", "pdl1", "programmed death-ligand 1", "programmed death ligand 1"],
    "msi-h": ["msi-h", "msi-high", "microsatellite instability-high",
              "microsatellite instability high"],
    "dmmr": ["dmmr", "mismatch repair deficient", "mismatch repair-deficient",
             "deficient mismatch repair"],
    # ("HR-ve status (ER-negative and PR-negative)", NCT06038539: the short names alone)
    "hr+": ["hr+", "hr-positive", "hormone receptor", "er+", "er-positive", "estrogen receptor",
            "oestrogen receptor", "hr", "er"],
    "er+": ["er+", "er-positive", "estrogen receptor", "oestrogen receptor"],
    "brca": ["brca", "brca1", "brca2"],
    "ros1": ["ros1", "ros-1", "ros 1", "alk/ros"],
    "raf1": ["raf1", "craf", "c-raf"],
    "bcr-abl": ["bcr-abl", "bcr::abl", "bcr-abl1", "philadelphia", "ph+"],
    "hpv+": ["hpv+", "hpv"],
}  # fmt: skip
# Words that say what kind of change a marker is: a criterion may word them differently.
CHANGE_WORDS = {"mutation", "mutations", "mutated", "mutant", "fusion", "fusions", "rearrangement",
                "rearrangements", "rearranged", "amplification", "amplified", "alteration",
                "alterations", "altered", "variant", "variants", "positive", "change", "changes",
                "deletion", "deletions", "insertion", "insertions", "skipping", "gene",
                "expression", "overexpression", "loss", "exon"}  # fmt: skip
# "anti-PD-L1 agent", "EGFR inhibitor", "EGFR-TKI", "HER2-directed therapy" name drugs.
DRUG_BEFORE = re.compile(r"(?:anti-?|targeting)\s*$", ICASE)
DRUG_AFTER = re.compile(
    r"[\s-]*(?:\w+[\s-]+){0,3}?(?:tyrosine kinase inhibitor|inhibitor|tki|targeted|directed|"
    r"antibod|agent|therap|blockade|blocker)",
    ICASE,
)
CHANGE_AFTER = re.compile(
    r"^[\w+*:-]*[\s-]*(?:[\w+-]+[\s-]+){0,3}?(?:mutat|fusion|rearrang|positiv|amplif|alteration|"
    r"skipping|variant|deletion|insertion)",
    ICASE,
)


def marker_terms(value: str) -> list[list[str]]:
    """What must appear for a marker to be named: its gene (one of its spellings) and every
    specific part (a variant such as G12C, an exon number); the kind of change may vary."""
    return [
        MARKER_ALIASES.get(word, [word])
        for word in WORDS.findall(value.lower())
        if word not in CHANGE_WORDS
    ]


def names_marker(text: str, value: str) -> list[int]:
    """Where ``text`` names the marker: the positions of its gene, when every specific part of
    it is in the text too, and the gene is not named as a drug's target. "MSI-H/dMMR" is named
    by either."""
    found = marker_places(text, value)
    if not found and "/" in value:
        parts = [p.strip() for p in value.split("/") if len(re.sub(r"\W", "", p)) >= 3]
        found = sorted({place for part in parts for place in marker_places(text, part)})
    return found


def marker_places(text: str, value: str) -> list[int]:
    lowered = text.lower()
    terms = marker_terms(value)
    if not terms:
        return []
    for spellings in terms[1:]:
        if not any(re.search(rf"(?<![a-z0-9]){re.escape(s)}", lowered) for s in spellings):
            return []
    return [
        m.start()
        for s in terms[0]
        for m in re.finditer(rf"(?<![a-z0-9]){re.escape(s)}(?![a-z])", lowered)
        if not DRUG_BEFORE.search(lowered[max(0, m.start() - 12) : m.start()])
        and not DRUG_AFTER.match(lowered[m.end() : m.end() + 30])
    ]


def said_as_wanted(value: str, lines: list[Line]) -> Line | None:
    """An inclusion item naming the marker as a change a person has ("tested positive for MET
    exon14 skipping mutation"), without a negation."""
    for line in lines:
        if line.section == EXCLUSION:
            continue
        lowered = line.text.lower()
        for position in names_marker(line.text, value):
            if not negated(lowered, position) and CHANGE_AFTER.match(lowered[position:]):
                return line
    return None


UNWANTED_BEFORE = re.compile(
    r"\b(?:without|lacking|lack of|absence of|no)\s+(?:[\w+-]+\s+){0,2}$", ICASE
)
UNWANTED_AFTER = re.compile(
    r"^[\w+*:-]*[\s-]*(?:[\w+-]+[\s-]+)?(?:wild[- ]?type|wt\b|negative)", ICASE
)


def said_as_unwanted(value: str, lines: list[Line]) -> Line | None:
    """An inclusion item that admits people without the marker ("either BRAF-mutant or BRAF
    wild-type tumors are eligible", "participants without T315I mutation")."""
    specific = [s for spellings in marker_terms(value)[1:] for s in spellings]
    for line in lines:
        if line.section == EXCLUSION or not names_marker(line.text, value):
            continue
        lowered = line.text.lower()
        places = [m.start() for m in re.finditer(r"(?<![a-z0-9])[a-z0-9+-]", lowered)
                  if any(lowered.startswith(s, m.start()) for s in specific)]  # fmt: skip
        for position in [*names_marker(line.text, value), *places]:
            if UNWANTED_BEFORE.search(lowered[:position]) or UNWANTED_AFTER.match(
                lowered[position:]
            ):
                return line
    return None


# "Triple-negative" breast cancer has neither hormone receptors nor HER2.
TRIPLE_NEGATIVE = re.compile(r"\btriple[- ]negative\b|\btnbc\b", ICASE)


# What a summary says a required marker must be, in brackets after its name: "KRAS (other than
# G12C)", "PD-L1 (TPS at least 50%)".
ASKED = re.compile(r"(?P<marker>.+?) \((?P<asked>[^()]+)\)")
OTHER_THAN = re.compile(r"other than (?P<variant>\w+)")
LEVEL = re.compile(r"(?:(?P<score>[A-Z]+) )?(?:at least|more than) (?P<n>\d+(?:\.\d+)?)(?P<pc>%?)")
SCORE_WORDS = {
    "TPS": r"\btps\b|tumou?r proportion score",
    "TC": r"\btc\b|tumou?r cells?",
    "CPS": r"\bcps\b|combined positive score",
    "IC": r"\bic\b|immune cells?",
}


def asked_in(line: str, position: int, asked: str) -> tuple[bool, bool]:
    """Whether the criterion names, after the marker at ``position``, what the summary says is
    asked of it, and whether that is a "non-" the marker's own negation test would take as one."""
    after = line.lower()[position:]
    other = OTHER_THAN.fullmatch(asked)
    if other is not None:
        variant = re.escape(other["variant"].lower())
        return bool(re.match(rf"[\w-]*\W{{0,3}}non[\s-]?{variant}\b", after)), True
    level = LEVEL.fullmatch(asked)
    if level is None:
        return False, False
    clause = re.split(r"[;]|\.\s", after, maxsplit=1)[0]
    number = rf"(?:≥|>=|>|at least|greater than|more than|above)\s*{re.escape(level['n'])}"
    if not re.search(number + (r"\s*%" if level["pc"] else r"(?!\s*%)"), clause):
        return False, False
    score = level["score"]
    return score is None or bool(re.search(SCORE_WORDS[score], clause)), False


def support_marker(claim: Claim, lines: list[Line]) -> tuple[list[Line], str]:
    supporting = []
    for said in claim.values:
        qualified = ASKED.fullmatch(said)
        value = qualified["marker"] if qualified else said
        here = []
        if claim.rule == "not" and value.lower() in ("her2", "hr+"):
            here = [line for line in lines if line.section != EXCLUSION
                    and TRIPLE_NEGATIVE.search(line.text)][:1]  # fmt: skip
        for line in [] if here else lines:
            for position in names_marker(line.text, value):
                is_negated = negated(line.text.lower(), position)
                if qualified:
                    found, non = asked_in(line.text, position, qualified["asked"])
                    if not found:
                        continue
                    if non:  # "KRAS non-G12C": the "non-" is what is asked, no negation
                        lowered = line.text.lower()
                        rest = lowered[position:].replace("non", "   ", 1)
                        is_negated = negated(lowered[:position] + rest, position)
                if claim.rule == "have":
                    ok = line.section != EXCLUSION and not is_negated
                else:
                    ok = (line.section == EXCLUSION) != is_negated
                if ok:
                    here.append(line)
                    break
        if not here:
            if claim.rule == "have":
                return [], f"{said!r} is not named without a negation in an inclusion item"
            return [], f"{said!r} is not named in an exclusion item or with a negation"
        if claim.rule == "not" and (wanted := said_as_wanted(value, lines)):
            return [], f"{value!r} is wanted in an inclusion item: {wanted.text[:80]!r}"
        if claim.rule == "have" and (unwanted := said_as_unwanted(value, lines)):
            return [], f"an inclusion item admits people without {value!r}: {unwanted.text[:80]!r}"
        supporting.extend(here)
    return supporting, ""


# -- earlier treatment ----------------------------------------------------------------------------

PRIOR = re.compile(
    r"\b(?:prior|previous|previously|received|receiving|treated|pretreated|exposed|exposure|"
    r"after|following|earlier|history of|failed)\b",
    ICASE,
)
# "Completed at least 1 cycle of neoadjuvant chemotherapy", "completed cisplatin plus
# radiotherapy": a treatment the person had.
PRIOR_OR_AFTER = re.compile(
    rf"{PRIOR.pattern}|progress\w* (?:on|after|following)|\bcompleted\b", ICASE
)
REFRACTORY = re.compile(r"refractor|resistan|progress|fail|relaps|recurr|stopped responding", ICASE)
# A count of earlier lines: the number, then only generic words up to "lines", "regimens",
# "therapies" or "treatments" (and after "of", only generic words: "2 prior lines of systemic
# therapy", not "1 prior taxane regimen" nor "1 prior line of platinum-based chemotherapy").
GENERIC = {"prior", "previous", "previously", "earlier", "systemic", "standard", "of", "the", "or",
           "and", "anti-cancer", "anticancer", "antineoplastic", "anti-neoplastic", "cancer",
           "cancer-directed", "anti-myeloma", "antimyeloma", "anti-lymphoma", "for", "advanced",
           "metastatic", "recurrent", "relapsed", "refractory", "disease", "therapy", "therapies",
           "treatment", "treatments", "line", "lines", "regimen", "regimens", "approved",
           "available", "unique", "distinct", "different", "complete", "full", "more", "less",
           "than", "at", "least", "most", "up", "to", "a", "an", "including"}  # fmt: skip
LINES = re.compile(
    rf"(?P<n>{NUMBER})(?:\s*(?:-|–|to|or)\s*(?P<m>{NUMBER}))?\s*(?:or more\s+)?"
    r"(?P<mid>(?:[\w-]+\s+){0,4}?)(?:lines?|regimens?|therap(?:y|ies)|treatments?)\b",
    ICASE,
)
OF_WHAT = re.compile(
    r"^\s+of\s+((?:[\w-]+\s+){0,3}?)(therap(?:y|ies)|treatments?|regimens?|\S+)", ICASE
)
MORE_THAN = re.compile(r"(?:>(?!=)|more than|greater than|over|exceed\w*)\s*$", ICASE)
AT_MOST = re.compile(
    r"(?:<=|≤|up to|no more than|not more than|at most|maximum of|max\.?)\s*$", ICASE
)
LESS_THAN = re.compile(r"(?:<(?!=)|less than|fewer than)\s*$", ICASE)
AT_LEAST = r"(?:at least|>=|≥|minimum of)\s*"
NAIVE = re.compile(
    r"\b(?:no prior|not (?:have )?(?:previously )?received|untreated|treatment[- ]na[iï]ve|"
    r"previously untreated|no previous)\b",
    ICASE,
)


def counts_of_lines(text: str) -> list[tuple[int, int | None, str]]:
    """(n, m of "n to m" or None, the words right before) for each count of earlier lines."""
    found = []
    for match in LINES.finditer(text):
        words = match.group("mid").lower().split()
        of = OF_WHAT.match(text[match.end() :])  # "lines of systemic therapy", "line of FOLFOX"
        if of:
            words += [*of.group(1).lower().split(), of.group(2).lower()]
        if any(w not in GENERIC for w in words):
            continue
        if not PRIOR.search(text[max(0, match.start() - 80) : match.end() + 40]):
            continue
        m = number(match.group("m")) if match.group("m") else None
        before = text[max(0, match.start() - 25) : match.start()]
        found.append((number(match.group("n")), m, before))
    return found


def counts_support(claim: Claim, line: Line, n: int, m: int | None, before: str) -> bool:
    wanted = line.section != EXCLUSION
    if claim.rule == "between":
        low, high = claim.values
        at_least_low = re.search(rf"{AT_LEAST}{low}\b", line.text, ICASE)
        # "1 to 2 prior lines", "at least 2 but no more than 5 previous regimens"
        return wanted and (
            (n, m) == (low, high)
            or (m is None and n == high and bool(AT_MOST.search(before)) and bool(at_least_low))
        )
    if m is not None:
        return False
    limit = claim.values[0]
    if claim.rule in ("at-least", "exactly"):
        more_than = n == limit - 1 and MORE_THAN.search(before)  # "more than 1" is "at least 2"
        return wanted and not AT_MOST.search(before) and (n == limit or bool(more_than))
    if claim.rule == "at-most":
        if wanted:
            up_to = n == limit and (AT_MOST.search(before) or "or fewer" in line.text.lower())
            return bool(up_to or (n == limit + 1 and LESS_THAN.search(before)))
        return (n == limit and bool(MORE_THAN.search(before))) or n == limit + 1
    return False


def support_prior_lines(claim: Claim, lines: list[Line]) -> list[Line]:
    if claim.rule in ("none", "none-advanced"):
        # "For cancer that is advanced or has spread" only where the item says so; "for this
        # cancer" only where it does not (it would rule out more than the item does).
        advanced = claim.rule == "none-advanced"
        return [
            line
            for line in lines
            if bool(ADVANCED_DISEASE.search(line.text)) == advanced
            and (
                (line.section != EXCLUSION and NAIVE.search(line.text))
                or (
                    line.section == EXCLUSION
                    and re.match(
                        r"(?:any |use of )?(?:prior|previous)?\b.*\b(?:therapy|treatment)\b.*"
                        r"\b(?:advanced|metastatic|for (?:the )?treatment (?:or prevention )?of)\b",
                        line.text,
                        ICASE,
                    )
                )
            )
        ]
    return [
        line
        for line in lines
        if any(counts_support(claim, line, *count) for count in counts_of_lines(line.text))
    ]


ADVANCED_DISEASE = re.compile(
    r"\b(?:advanced|metasta\w*|recurrent|incurable|unresectable|inoperable|stage (?:iv|4)"
    r"|mnsclc|mcrc|mbc|mcrpc)\b",
    ICASE,
)


def norm(text: str) -> str:
    """Lower case, brackets and list marks as spaces, and a gene's number joined to its letters
    ("Bcl-2", "CTLA4" and "CD 38" are "bcl2", "ctla4" and "cd38")."""
    text = text.lower().replace("≥", " >= ").replace("≤", " <= ")
    text = " ".join(re.sub(r"[_/,;()\[\]]", " ", text).split())
    return re.sub(r"(?<=[a-z])[ -](?=\d)", "", text)


NOT_NAME_WORDS = {"a", "an", "the", "of", "based", "containing", "therapy", "agent", "agents"}
# Classes and drugs as criteria also write them (this file's own short list, in norm's form).
TREATMENT_ALIASES = {
    "chemotherapy": ["cytotoxic therapy", "cytotoxic therapies", "cytotoxic chemotherapy",
                     "cytotoxic agent", "cytotoxic treatment", "chemotherapeutic agent"],
    "immune checkpoint inhibitor": ["checkpoint inhibitor", "checkpoint blockade",
                                    "checkpoint inhibition", "checkpoint blocker"],
    "endocrine therapy": ["hormonal therapy", "hormonal therapies", "hormone therapy",
                          "hormonal treatment", "hormonal agent", "endocrine treatment"],
    "imid": ["immunomodulatory agent", "immunomodulatory drug", "immunomodulatory imide"],
    "antibody-drug conjugate": ["antibody drug conjugate"],
    "trastuzumab deruxtecan": ["t-dxd", "ds-8201", "enhertu"],
    "antibody-drug conjugate carrying a topoisomerase i inhibitor": [
        "adc containing a chemotherapeutic agent targeting topoisomerase i",
        "adc containing a topoisomerase i inhibitor", "topoisomerase i inhibitor adc",
        "adc with a topoisomerase i inhibitor", "top1 inhibitor adc", "top1i adc"],
    "radiotherapy to the brain": ["brain radiotherapy", "radiation therapy to the brain",
                                  "brain radiation", "whole brain radiotherapy",
                                  "cranial radiotherapy", "cranial irradiation"],
    "radiotherapy to the pelvis": ["pelvic radiotherapy", "pelvic radiation",
                                   "pelvic irradiation", "irradiation to the pelvis"],
    "radiotherapy to the breast": ["breast rt", "breast radiotherapy", "breast radiation",
                                   "breast irradiation"],
    # (TRIDENT-3, NCT06140836)
    "ros1 inhibitor": ["tkis that demonstrated activities in ros1-positive",
                       "tki that demonstrated activity in ros1-positive"],
}  # fmt: skip
# Short forms that name a class only as written, in capitals ("adjuvant ET", "ADCs"): "et al."
# is no endocrine therapy.
TREATMENT_ABBREVIATIONS = {"endocrine therapy": ["ET"], "antibody-drug conjugate": ["ADC"]}
# Classes named by their target ("BCMA-directed therapy", "anti-CD38", "KRAS G12C inhibitor"),
# as criteria also write them: "BCMA targeted therapy", "HER2 targeting therapies", "CD38
# monoclonal antibody", "treatment targeting KRAS G12C mutation".
TARGET_CLASSES = [
    (re.compile(r"(?P<target>[a-z0-9-]+?)-directed therapy"),
     r"(?<![a-z0-9]){t}[\s-]*(?:directed|targeted|targeting)\b|\banti-?\s*{t}(?![a-z0-9])"),
    (re.compile(r"anti-(?P<target>[a-z0-9-]+)"),
     r"(?<![a-z0-9]){t}[\s-]*(?:(?:monoclonal\s+)?antibod|directed|targeted)"),
    (re.compile(r"(?P<target>[a-z0-9 -]+?) inhibitor"),
     r"\btargeting\s+(?:the\s+)?{t}(?![a-z0-9])|(?<![a-z0-9]){t}[\s-]*(?:directed|targeted)"),
]  # fmt: skip


def names_treatment(text: str, value: str) -> list[int]:
    """Where a treatment (a drug or a class) is named: the whole name or another spelling of it
    (this file's own lists), or every word of it that is not an article or a generic word.
    A sentence may name a class with a generic word after it ("an anti-CD38 antibody",
    "platinum chemotherapy", "an immunomodulatory drug (IMiD)"): the class alone counts too."""
    name = re.sub(r"^(?:an?|the)\s+", "", norm(value))
    without = re.sub(r"\s*\([^)]*\)\s*$", "", value)
    short = re.sub(r"^(?:an?|the)\s+", "", norm(without))
    bare = re.sub(r"\s+(?:antibody|antibodies|chemotherapy|therapy)$", "", short)
    inside = re.search(r"\(([^)]*)\)\s*$", value)
    named = norm(inside.group(1)) if inside else ""
    for candidate in dict.fromkeys(c for c in (name, short, bare, named) if c):
        places = _names_treatment(text, candidate)
        if places:
            return places
    return []


def _names_treatment(text: str, name: str) -> list[int]:
    lowered = norm(text)
    if not name:
        return []
    for spelling in [name, *TREATMENT_ALIASES.get(name, [])]:
        places = [m.start() for m in re.finditer(rf"(?<![a-z0-9]){re.escape(spelling)}", lowered)]
        if places:
            return places
    for shape, pattern in TARGET_CLASSES:
        if shape_match := shape.fullmatch(name):
            target = re.escape(shape_match.group("target")).replace(r"\ ", r"\s+")
            places = [m.start() for m in re.finditer(pattern.format(t=target), lowered)]
            if places:
                return places
    for short in TREATMENT_ABBREVIATIONS.get(name, []):
        written = re.search(rf"(?<![A-Za-z0-9]){short}s?(?![A-Za-z0-9])", text)
        if written:
            return [len(norm(text[: written.start()] + "x")) - 1]
    words = [w for w in WORDS.findall(name) if w not in NOT_NAME_WORDS]
    stems = [w[:-1] if w.endswith("s") and len(w) > 4 else w for w in words]
    if words and all(re.search(rf"(?<![a-z0-9]){re.escape(s)}", lowered) for s in stems):
        return [lowered.find(stems[0])]
    return []


# An item opening with "No prior ..." negates every treatment of its first clause: "No previous
# irradiation to the pelvis or chemotherapy". A turn ("but", "unless", a full stop) ends it.
NEGATED_OPENING = re.compile(r"^(?:no|without|not)\s+(?:any\s+)?(?:prior|previous|earlier)\b")
CLAUSE_TURN = re.compile(
    r"[.;:]|\b(?:but|unless|except|other than|apart from|however|although|must|should|is|are)\b"
)


# An item that allows a treatment ("may have received (neo)adjuvant chemotherapy") does not
# require it.
ALLOWED_ONLY = re.compile(
    r"\bmay\b|\ballowed\b|\bpermitted\b|\bpermissible\b|\bacceptable\b|\bregardless\b|"
    r"\bwith or without\b",
    ICASE,
)


def negated_treatment(text: str, position: int) -> bool:
    """Whether the treatment at ``position`` of ``text`` (in norm's form) is said with a
    negation: near it, or at the opening of its clause."""
    opening = NEGATED_OPENING.match(text)
    return (
        negated(text, position)
        or bool(opening and not CLAUSE_TURN.search(text, opening.end(), position))
        or NOT_EXPOSED.search(text[:position]) is not None
    )


# "must not be exposed previously with TKIs that ..." (NCT06140836): what follows in the clause
NOT_EXPOSED = re.compile(
    r"\b(?:must|should|may)\s+not\s+(?:have\s+)?(?:been\s+|be\s+)?(?:previously\s+)?"
    r"(?:exposed|treated|received)\b[^.;]*$"
)


def support_treatments(claim: Claim, lines: list[Line]) -> tuple[list[Line], str]:
    supporting: list[Line] = []
    for value in claim.values:
        here = []
        for line in lines:
            text = norm(line.text)
            for position in names_treatment(line.text, value):
                if claim.kind == "prior-therapy-not":
                    ok = bool(
                        line.section == EXCLUSION
                        or negated_treatment(text, position)
                        or re.search(r"na[iï]ve", line.text, ICASE)
                    )
                else:
                    context = REFRACTORY if claim.kind == "refractory" else PRIOR_OR_AFTER
                    ok = bool(
                        line.section != EXCLUSION
                        and not negated_treatment(text, position)
                        and context.search(line.text)
                        and not ALLOWED_ONLY.search(line.text)
                    )
                if ok:
                    here.append(line)
                    break
        if not here:
            return [], f"{value!r} is not named where the criteria say so ({claim.kind})"
        supporting.extend(here)
    return supporting, ""


# -- ECOG, brain metastases, measurable disease, transplant -----------------------------------

ECOG_WORDS = re.compile(
    r"\becog\b|eastern cooperative|performance status|\bwho\b[^.;]{0,20}status|zubrod", ICASE
)
KARNOFSKY = re.compile(r"karnofsky|\bkps\b|lansky", ICASE)
KPS_TO_ECOG = {100: 0, 90: 0, 80: 1, 70: 1, 60: 2, 50: 2, 40: 3, 30: 3, 20: 4, 10: 4}
SIGN_WORDS = [("less than or equal to", "<="), ("greater than or equal to", ">="),
              ("less than", "<"), ("greater than", ">"), ("more than", ">"), ("≤", "<="),
              ("≥", ">=")]  # fmt: skip
SCORE = re.compile(r"(<=|>=|<|>)?\s*\b([0-4])\b(?!\s*(?:%|weeks?|days?|months?|mg|x\b))")
SCORE_GLUE = re.compile(r"^[\s,()]*(?:or|and|to|-|–)?[\s,()]*$", ICASE)


def first_scores(span: str) -> list[tuple[int, str]]:
    """The first run of scores in ``span`` ("0, 1 or 2", "0-1", "<= 2"), not later numbers."""
    scores: list[tuple[int, str]] = []
    end = None
    for match in SCORE.finditer(span):
        if end is not None and not SCORE_GLUE.match(span[end : match.start()]):
            break
        scores.append((int(match.group(2)), match.group(1) or ""))
        end = match.end()
    return scores


def ecog_supports(claim: Claim, line: Line) -> bool:
    text = line.text
    for phrase, sign in SIGN_WORDS:
        text = re.sub(re.escape(phrase), sign, text, flags=ICASE)
    text = re.sub(
        r"\b(zero|one|two|three|four)\b", lambda m: str(number(m.group(1))), text, flags=ICASE
    )
    wanted = line.section != EXCLUSION
    for match in ECOG_WORDS.finditer(text):
        after = text[match.end() : match.end() + 80]
        clause = re.split(r"[;.](?:\s|$)|karnofsky|kps|lansky", after, maxsplit=1, flags=ICASE)[0]
        scores = first_scores(clause)
        if not scores:
            continue
        if claim.rule == "between":
            values = [score for score, _ in scores]
            if wanted and claim.values[0] in values and claim.values[1] in values:
                return True
            continue
        limit = claim.values[0]
        if wanted and max(s - 1 if sign == "<" else s for s, sign in scores) == limit:
            return True
        if not wanted and any(
            (s == limit + 1 and sign in ("", ">=")) or (s == limit and sign == ">")
            for s, sign in scores
        ):
            return True  # "ECOG >= 2" excluded is "1 or lower"
    if claim.rule == "at-most" and wanted:
        for match in KARNOFSKY.finditer(text):
            for m in re.finditer(r"\b(100|[1-9]0)\b", text[match.end() : match.end() + 60]):
                value = int(m.group(1))  # conversions differ by one step at the edges
                if claim.values[0] in (KPS_TO_ECOG[value], KPS_TO_ECOG.get(value - 10)):
                    return True
    return False


BRAIN = re.compile(
    r"(?:brain|cns|central nervous system|intracranial|cerebral)\W+(?:\(cns\)\W+)?"
    r"(?:metasta|lesion|involvement|disease|tumou?r)"
    r"|metasta\w*(?: disease)? (?:to|in|of) the brain|leptomeningeal",
    ICASE,
)
BRAIN_QUALIFIED = re.compile(
    r"\b(?:active|untreated|symptomatic|unstable|progressi\w+|uncontrolled|unless|except|new|"
    r"requir\w+|recently|treated|stable|asymptomatic|controlled|inactive|leptomeningeal|only|if)\b",
    ICASE,
)
# What an item lists after "including" or "such as" is other things: "CNS metastases or CNS
# pathology including: ... severe uncontrolled mental illness". Leptomeningeal disease joined
# to brain metastases by "or" is one more thing excluded, not a kind of them.
OTHER_THINGS = re.compile(r"\b(?:including|such as|e\.g\.)", ICASE)
LISTED_LEPTOMENINGEAL = re.compile(r"(?:,|\bor|\band(?:/or)?)\s+leptomeningeal", ICASE)
COUNTED = re.compile(r"(?:\d|>|≥|more than|at least)\s*$", ICASE)  # "> 3 brain metastases"
# An inclusion item naming brain metastases a person has, without a negation, lets people with
# them join ("Participants with measurable and non-measurable CNS lesions", "1 to 3 brain
# metastases", "untreated brain metastases not needing immediate local therapy"), unless it
# says they must be treated or stable.
TREATED_OR_STABLE = re.compile(
    r"\b(?:treated|stable|stability|asymptomatic|controlled|inactive|irradiated|resected|"
    r"radiotherapy|radiation|radiosurgery|surgery|excluded|ineligible|not eligible)\b",
    ICASE,
)
UNTREATED = re.compile(r"\b(?:untreated|active|progressing|new)\W+(?:\w+\W+){0,2}$", ICASE)


def brain_mentions(line: Line) -> list[re.Match[str]]:
    """Where the item names brain metastases (leptomeningeal disease alone is not them)."""
    return [m for m in BRAIN.finditer(line.text) if not m.group().lower().startswith("lepto")]


def brain_supports(rule: str, line: Line) -> bool:
    mentions = brain_mentions(line)
    if rule == "treated-stable":
        if not mentions:  # leptomeningeal disease only: some with brain metastases may join
            return bool(BRAIN.search(line.text) and BRAIN_QUALIFIED.search(line.text))
        return bool(BRAIN_QUALIFIED.search(said_of(line.text, mentions[0])))
    if not mentions:
        return False
    match = mentions[0]
    if rule == "none":
        return brain_excluded(line, match)
    lowered = line.text.lower()
    return line.section != EXCLUSION and any(
        not negated(lowered, m.start())
        and (
            UNTREATED.search(lowered[max(0, m.start() - 40) : m.start()])
            or not TREATED_OR_STABLE.search(line.text)
        )
        for m in mentions
    )


def said_of(text: str, match: re.Match[str]) -> str:
    """The words of an item that can describe the brain metastases at ``match``: all but the
    mention itself, what is listed after "including", and leptomeningeal disease listed beside
    them."""
    others = OTHER_THINGS.search(text, match.end())
    rest = text[match.end() : others.start() if others else None]
    return LISTED_LEPTOMENINGEAL.sub(" ", text[: match.start()] + " " + rest)


def brain_excluded(line: Line, match: re.Match[str]) -> bool:
    """Whether the item rules out everyone with brain metastases."""
    text = line.text
    before = text[max(0, match.start() - 40) : match.start()]
    if re.search(r"resect|surg|radi|treat|therap|prior|\bfor\b", before, ICASE):
        return False  # an item about something else ("... resection of brain metastases")
    if COUNTED.search(before):
        return False  # only more than some number of them
    qualified = BRAIN_QUALIFIED.search(said_of(text, match))
    if line.section == EXCLUSION:
        return not qualified
    said_no = re.search(r"\b(?:no|without|absence of|free of)\b[^.;]{0,40}$", before, ICASE)
    return bool(said_no) and not qualified


def requires_measurable(sentence: str) -> bool:
    """ "Measurable disease per RECIST", not "measurable or evaluable disease", "no measurable
    disease", "non-measurable disease" nor "measurable disease or bone-only disease"."""
    alternative = (
        r"non-?measurable|evaluable|\bor\s+(?:non|not)\b|bone[- ]only|absence of measurable"
    )
    return bool(
        re.search(r"(?<!non-)(?<!non )\bmeasurable\b", sentence, ICASE)
        and not re.search(alternative, sentence, ICASE)
        and not re.search(
            r"\b(?:no|not|without|need not|do not need)\s+measurable", sentence, ICASE
        )
    )


# "High-dose chemotherapy requiring hematopoietic stem cell rescue" is a transplant of the
# person's own cells, collected before the chemotherapy and given back after it.
TRANSPLANT = re.compile(
    r"(?:stem[- ]cells?|bone marrow|ha?ematopoietic|autologous|allogen\w*)\W+(?:\w+\W+){0,3}?"
    r"transplant|\bhsct\b|\b(?:auto-?|allo-?|a)?sct\b"
    r"|(?:stem[- ]cells?|ha?ematopoietic)\W+(?:\w+\W+){0,2}?rescue",
    ICASE,
)
TRANSPLANT_WORDS = {
    "autologous": r"autologous|\bauto|\basct\b|stem[- ]cells?\W+rescue",
    "allogeneic": r"allogen|\ballo",
}
INELIGIBLE = (
    r"ineligible|not (?:be )?eligible|not (?:a )?candidate|unsuitable|not suitable|unfit|"
    r"not fit|deferr|declin|refus|not planned|not considered"
)


# A transplant of an organ is no stem cell transplant: "allogenic tissue/solid organ transplant"
# (but "allogeneic stem cell or solid organ transplantation" names both).
ORGAN = re.compile(r"organ|solid|tissue|kidney|renal|liver|hepatic|heart|lung|cornea", ICASE)
STEM_CELLS = re.compile(r"stem|marrow|ha?ematopoietic|sct\b", ICASE)


def transplant_supports(claim: Claim, line: Line) -> bool:
    found = (
        m
        for m in TRANSPLANT.finditer(line.text)
        if STEM_CELLS.search(m.group()) or not ORGAN.search(m.group())
    )
    match = next(found, None)
    kind = TRANSPLANT_WORDS.get(claim.values[0], "")
    if not match or not re.search(kind, line.text, ICASE):
        return False
    text = line.text.lower()
    is_negated = negated(text, match.start())
    wanted = line.section != EXCLUSION
    if claim.rule == "prior":
        return wanted and not is_negated and bool(PRIOR.search(text) or "post" in text)
    if claim.rule == "prior-not":
        return (not wanted and not is_negated) or (wanted and is_negated)
    if claim.rule == "ineligible":
        return wanted and bool(re.search(INELIGIBLE, text))
    eligible = re.search(r"eligible|candidate|suitable|\bfit\b", text)
    return wanted and not re.search(INELIGIBLE, text) and bool(eligible)


# -- the checker ----------------------------------------------------------------------------------


def support(claim: Claim, lines: list[Line]) -> tuple[list[Line], str]:
    """The lines that support ``claim``, and why not when there are none."""
    if claim.kind == "prior-lines":
        found = support_prior_lines(claim, lines)
        return found, f"no item counts {claim.values} earlier lines ({claim.rule}) of any treatment"
    if claim.kind in ("prior-therapy", "refractory", "prior-therapy-not"):
        return support_treatments(claim, lines)
    if claim.kind == "marker":
        return support_marker(claim, lines)
    if claim.kind == "ecog":
        found = [line for line in lines if ecog_supports(claim, line)]
        return found, f"no item sets the ECOG score {claim.rule} {claim.values}"
    if claim.kind == "brain":
        # (a trial for people with them takes them in an item, and names them in its
        # conditions: checked in `check`)
        rule = "active-allowed" if claim.rule == "required" else claim.rule
        found = [line for line in lines if brain_supports(rule, line)]
        return found, f"no item says brain metastases: {claim.rule}"
    if claim.kind == "measurable":
        found = [
            line
            for line in lines
            if line.section != EXCLUSION
            and any(requires_measurable(part) for part in re.split(r"(?<=\.)\s+", line.text))
        ]
        return found, "no inclusion item requires measurable disease (without an alternative)"
    found = [line for line in lines if transplant_supports(claim, line)]
    return found, f"no item says transplant {claim.rule} {claim.values}"


BRAIN_CONDITION = re.compile(r"\b(?:brain|cns|intracranial)\s+(?:metasta|mets\b)", re.IGNORECASE)


def conditions_name_brain(raw: dict) -> bool:
    """Whether the record's conditions name brain metastases."""
    conditions = raw["protocolSection"].get("conditionsModule", {}).get("conditions", [])
    return any(BRAIN_CONDITION.search(c) for c in conditions)


def check(raw: dict, summary: str) -> list[str]:
    """Every problem with the rules ``summary`` states about the record ``raw``."""
    protocol = raw["protocolSection"]
    nct_id = protocol["identificationModule"]["nctId"]
    criteria = protocol.get("eligibilityModule", {}).get("eligibilityCriteria", "")
    lines = criteria_lines(criteria)
    problems = []
    for sentence in rule_sentences(summary):
        claim = parse_claim(sentence)
        if claim is None:
            problems.append(f"{nct_id}: {sentence!r}: not a rule this check knows")
            continue
        found, why = support(claim, lines)
        if claim.kind == "brain" and claim.rule == "required" and not conditions_name_brain(raw):
            why, found = "the conditions do not name brain metastases", []
        cohorts = {line.cohort for line in found}
        if claim.cohort:
            # A rule said once for several parts ("Cohort 7, Cohort A and Cohort B") holds
            # for each: each is named in the criteria and has a line saying it.
            supported = found
            for named in claim_parts(claim.cohort):
                if cohort_name(named) not in " ".join(criteria.lower().split()):
                    why, found = f"the criteria name no {named!r}", []
                    break
                found = [line for line in supported if same_cohort(line.cohort, named)]
                if not found:
                    why = f"{why} (for {named!r})"
                    break
        elif len(cohorts) == 1 and "" not in cohorts:
            why, found = f"said for everyone, but the criteria give it for {cohorts} only", []
        if not found:
            problems.append(f"{nct_id}: {sentence!r}: {why}")
    return problems + outside_the_rules(nct_id, protocol, summary)


MODAL = re.compile(r"\b(?:must|cannot|at least|up to|only)\b", ICASE)
# Said when an inclusion criterion takes only people of another study: one that names taking
# part (completed, enrolled, received, consent) and another study, protocol or project.
ANOTHER_STUDY = "You can join only if you are or were in another study, as its criteria say."
ANOTHER_STUDY_LINE = re.compile(
    r"\b(?:completed|co-enrolled|enrolled|received|participat\w*|consent)\b.*"
    r"(?:\b(?:prior|previous|earlier|parent|pivotal|feeder)\s+(?:clinical\s+)?"
    r"(?:stud(?:y|ies)|trials?|protocols?|projects?)\b|\bprotocol\s+[\w-]*\d)",
    ICASE,
)
# Sentences outside the rules that a summary says from the record's own fields, and the field
# value each needs.
FIELD_SENTENCES = {
    "Only women can join.": ("sex", "FEMALE"),
    "Only men can join.": ("sex", "MALE"),
    "Only people who are asked by the study team can join.": ("status", "ENROLLING_BY_INVITATION"),
}


def outside_the_rules(nct_id: str, protocol: dict, summary: str) -> list[str]:
    """A "must" or "only" sentence outside the rules is one said from the record's fields, and
    true; the record's own words (names, places, contacts) are left out first."""
    rest = summary
    if "What are some key rules?" in summary:
        before, after = summary.split("What are some key rules?", 1)
        rest = before + after.split("\n\n", 1)[-1]
    rest = strip_glossary(rest)
    for words in sorted(record_words(protocol), key=len, reverse=True):
        rest = rest.replace(words, "")
    eligibility = protocol.get("eligibilityModule", {})
    fields = {
        "sex": eligibility.get("sex", ""),
        "status": protocol.get("statusModule", {}).get("overallStatus", ""),
    }
    ages = " ".join((eligibility.get("minimumAge", ""), eligibility.get("maximumAge", "")))
    criteria = eligibility.get("eligibilityCriteria", "")
    problems = []
    for sentence in re.split(r"(?<=[.?!])\s+", rest):
        sentence = sentence.strip()
        if not MODAL.search(sentence):
            continue
        field = FIELD_SENTENCES.get(sentence)
        if sentence == ANOTHER_STUDY:
            inclusion = re.split(r"exclusion criteria", criteria, maxsplit=1, flags=ICASE)[0]
            if not any(ANOTHER_STUDY_LINE.search(line) for line in inclusion.splitlines()):
                problems.append(f"{nct_id}: {sentence!r}: no inclusion criterion asks for a study")
        elif re.fullmatch(r"People aged .+ can join\.", sentence):
            if not set(re.findall(r"\d+", sentence)) <= set(re.findall(r"\d+", ages)):
                problems.append(f"{nct_id}: {sentence!r}: the record's ages are {ages.strip()!r}")
        elif field is None:
            problems.append(f"{nct_id}: {sentence!r}: a rule said outside the rules")
        elif fields[field[0]] != field[1] and not asks_one_sex(protocol, fields, field):
            name, value = field[0], fields[field[0]]
            problems.append(f"{nct_id}: {sentence!r}: the record's {name} is {value!r}")
    return problems


# An inclusion criterion that starts by naming one sex ("1. Male participants...").
SEX_LINES = {
    "MALE": re.compile(r"^\W*(?:\d{1,2}[.)]\s*)?(?:males?|men)\b(?!\s+(?:or|and)\b)", ICASE),
    "FEMALE": re.compile(r"^\W*(?:\d{1,2}[.)]\s*)?(?:females?|women)\b(?!\s+(?:or|and)\b)", ICASE),
}


def asks_one_sex(protocol: dict, fields: dict[str, str], field: tuple[str, str]) -> bool:
    """Whether the record's sex is all (or not given) and an inclusion criterion asks the sex a
    sentence says of everyone."""
    if field[0] != "sex" or fields["sex"] not in ("ALL", ""):
        return False
    text = protocol.get("eligibilityModule", {}).get("eligibilityCriteria", "")
    inclusion = re.split(r"exclusion criteria", text, maxsplit=1, flags=ICASE)[0]
    return any(SEX_LINES[field[1]].search(line) for line in inclusion.splitlines())


def record_words(protocol: dict) -> set[str]:
    """The record's own names, places and contacts, as a summary writes them on one line."""
    words = set(protocol.get("conditionsModule", {}).get("conditions", []))
    arms = protocol.get("armsInterventionsModule", {})
    words |= {i.get("name", "") for i in arms.get("interventions", [])}
    words |= {a.get("label", "") for a in arms.get("armGroups", [])}
    contacts = protocol.get("contactsLocationsModule", {})
    for contact in contacts.get("centralContacts", []):
        words |= {contact.get(k, "") for k in ("name", "phone", "phoneExt", "email")}
    for site in contacts.get("locations", []):
        words |= {site.get(k, "") for k in ("facility", "city", "state", "country")}
    return {" ".join(w.split()) for w in words if w and w.strip()}


def wrong_way_markers(raw: dict, summary: str) -> list[str]:
    """ "Must have" markers that the criteria name only in the exclusion section, or only after
    "absence of", or as "wild-type" or "negative"."""
    protocol = raw["protocolSection"]
    lines = criteria_lines(protocol.get("eligibilityModule", {}).get("eligibilityCriteria", ""))
    problems = []
    for sentence in rule_sentences(summary):
        claim = parse_claim(sentence)
        if claim is None or (claim.kind, claim.rule) != ("marker", "have"):
            continue
        for value in claim.values:
            named = [(line, p) for line in lines for p in names_marker(line.text, value)]
            if named and all(ruled_out(line, p) for line, p in named):
                nct_id = protocol["identificationModule"]["nctId"]
                problems.append(f"{nct_id}: {sentence!r}: {value!r} is only named as ruled out")
    return problems


def ruled_out(line: Line, position: int) -> bool:
    return line.section == EXCLUSION or negated(line.text.lower(), position)


# -- over the real records ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_summaries() -> list[tuple[dict, str]]:
    result = []
    for path in real_record_paths():
        raw = json.loads(path.read_text(encoding="utf-8"))
        result.append((raw, summarize(parse_study(raw))))
    return result


@needs_shared
def test_every_rule_of_every_real_summary_is_in_its_criteria(real_summaries):
    assert len(real_summaries) >= 200
    problems = [p for raw, summary in real_summaries for p in check(raw, summary)]
    assert not problems, "\n".join(problems)


@needs_shared
def test_no_summary_says_must_have_for_a_marker_the_criteria_rule_out(real_summaries):
    problems = [p for raw, summary in real_summaries for p in wrong_way_markers(raw, summary)]
    assert not problems, "\n".join(problems)


# -- the checker can fail ----------------------------------------------------------------------


def summary_with_rules(raw: dict, *sentences: str) -> str:
    """The record's own summary, with ``sentences`` as its rules."""
    summary = summarize(parse_study(raw), tags=Tags())
    rules = "What are some key rules?\n" + "\n".join(f"- {s}" for s in sentences) + "\n"
    return summary.replace("The full list of rules", rules + "The full list of rules", 1)


UP_TO_THREE = "you may have had up to three earlier lines of treatment, but not more."
NO_BRAIN = "You cannot join if the cancer has spread to the brain."
STABLE_BRAIN = (
    "If the cancer has spread to the brain, you may join only on some conditions, such as"
    " treatment that left it stable."
)
ACTIVE_BRAIN = (
    "People whose cancer has spread to the brain may join in some cases, even if it is not treated."
)
FOR_BRAIN = "It is for people whose cancer has spread to the brain."
TRUE_AND_FALSE = [
    # (record, a true sentence, a false one)
    ("NCT04975997", "You must have had one to two earlier lines of treatment.",
     "You must have had at least three earlier lines of treatment."),
    ("NCT04975997", "You must be up and about for more than half the day and able to care for "
     "yourself. This is an ECOG score of 2 or lower.",
     "You must be up and about and able to do light work. This is an ECOG score of 1 or lower."),
    ("NCT04975997", "Your cancer must be big enough to measure on a scan or a test.",
     "You must not have been treated with daratumumab before."),
    ("NCT04975997", "You must not have been treated with iberdomide before.",
     "You must have been treated with iberdomide before."),
    ("NCT06627647", "Your cancer must not have these gene changes: EGFR mutation, "
     "ALK rearrangement, ROS1 rearrangement.",
     "Your cancer must have this gene change: ALK rearrangement."),
    ("NCT06627647", "Your cancer must not have these gene changes: EGFR L858R, "
     "EGFR exon 19 deletion.",
     "Your cancer must have one of these gene changes: EGFR exon 19 deletion or EGFR L858R."),
    ("NCT06627647", "If the cancer has spread to the brain, you may join only on some "
     "conditions, such as treatment that left it stable.",
     "You cannot join if the cancer has spread to the brain."),
    ("NCT06627647", "You must not have been treated with an anti-PD-1 agent before.",
     "You must have been treated with an anti-PD-1 agent before."),
    ("NCT06627647", "Your cancer must have this marker: PD-L1.",
     "Your cancer must not have this marker: PD-L1."),
    ("NCT06411691", f"In one part of the trial (Cohort C), {UP_TO_THREE}",
     f"In one part of the trial (Cohort Z), {UP_TO_THREE}"),
    ("NCT06411691", f"In one part of the trial (Cohort C), {UP_TO_THREE}",
     UP_TO_THREE.capitalize()),
    ("NCT04576156", "Your cancer must have stopped responding to JAK inhibitor, or never "
     "responded to it.",
     "Your cancer must have stopped responding to momelotinib, or never responded to it."),
    ("NCT04576156", "You must be unable to have a stem cell transplant with cells from a donor.",
     "You must be able to have a stem cell transplant with cells from a donor."),
    ("NCT05552976", "You must not have had a stem cell transplant with cells from a donor before.",
     "You must have had a stem cell transplant with cells from a donor before."),
    ("NCT06312176", "You must have been treated with each of these before: endocrine therapy "
     "and CDK4/6 inhibitor.",
     "You must have been treated with each of these before: endocrine therapy and chemotherapy."),
    ("NCT05110196", "Your cancer must have this gene change: MET exon14 skipping.",
     "Your cancer must not have this gene change: MET exon14 skipping."),
    ("NCT05110196", "Your cancer must not have these gene changes: EGFR mutation, "
     "ALK rearrangement.",
     "You must have had at least one earlier line of treatment."),  # "either treatment naive or"
    ("NCT06427811", "You must not have had a stem cell transplant before.",
     "Your cancer must have this gene change: BCR-ABL T315I."),  # "participants without T315I"
    # Treatments as the criteria write them: "completed", a negated opening, other spellings.
    ("NCT02139605", "You must have been treated with chemotherapy before.",
     "You must not have been treated with chemotherapy before."),  # "completed ... chemotherapy"
    ("NCT03256916", "You must not have been treated with chemotherapy before.",
     "You must have been treated with chemotherapy before."),  # "No previous ... or chemotherapy"
    ("NCT03934567", "You must have been treated with each of these before: anti-CD20 and "
     "chemotherapy.", "You must not have been treated with anti-CD20 before."),
    ("NCT05147467", "You must not have been treated with BCL2 inhibitor before.",
     "You must have been treated with BCL2 inhibitor before."),  # "Bcl-2 inhibitor"
    ("NCT05317416", "You must not have been treated with BCMA-directed therapy before.",
     "You must have been treated with BCMA-directed therapy before."),  # "BCMA targeted"
    ("NCT05514054", "You must have been treated with endocrine therapy before.",
     "You must have been treated with chemotherapy before."),  # "may have received chemo..."
    ("NCT05605535", "You must not have been treated with endocrine therapy before.",
     "You must have been treated with endocrine therapy before."),  # "hormonal therapy"
    ("NCT06429761", "You must not have been treated with trastuzumab deruxtecan before.",
     "You must not have been treated with trastuzumab emtansine before."),  # "T-DXd"
    ("NCT06467357", "You must not have been treated with any of these before: HER2-directed "
     "therapy, antibody-drug conjugate or immune checkpoint inhibitor.",
     "You must have been treated with antibody-drug conjugate before."),  # "ADCs"
    ("NCT06875310", "You must not have been treated with KRAS G12C inhibitor before.",
     "You must have been treated with KRAS G12C inhibitor before."),  # "targeting KRAS G12C"
    ("NCT07030517", "You must have been treated with each of these before: proteasome "
     "inhibitor, anti-CD38 and IMiD.", "You must not have been treated with IMiD before."),
    # Brain metastases as the criteria write them.
    ("NCT04474964", NO_BRAIN, ACTIVE_BRAIN),  # "No evidence of metastatic disease in the brain"
    ("NCT04603807", ACTIVE_BRAIN, NO_BRAIN),  # "Participants with ... CNS lesions"
    ("NCT05144867", ACTIVE_BRAIN, NO_BRAIN),  # "1 to 3 brain metastases"; "> 3" excluded
    ("NCT05144867", FOR_BRAIN, NO_BRAIN),  # ... and its conditions: "Brain Metastases, Adult"
    ("NCT04603807", ACTIVE_BRAIN, FOR_BRAIN),  # takes them; its conditions do not name them
    ("NCT05786924", f"In one part of the trial (Part 2A3), {ACTIVE_BRAIN[0].lower()}"
     f"{ACTIVE_BRAIN[1:]}", f"In one part of the trial (Part 2A1), {ACTIVE_BRAIN[0].lower()}"
     f"{ACTIVE_BRAIN[1:]}"),  # "... and active CNS metastatic disease" in Part 2A3 only
    # One rule said for several parts holds for each ("Part 2A3: ... KRAS non-G12C or BRAF").
    ("NCT05786924", "In some parts of the trial (Part 2A and Part 2A3), your cancer must have a "
     "change in one of these genes: KRAS (other than G12C) or BRAF.",
     "In some parts of the trial (Part 2A and Part 2A4), your cancer must have a change in one "
     "of these genes: KRAS (other than G12C) or BRAF."),  # "Part 2A4: ... KRAS G12C"
    ("NCT06346392", NO_BRAIN, STABLE_BRAIN),  # "CNS metastases or CNS pathology including: ..."
    ("NCT06380751", NO_BRAIN, STABLE_BRAIN),  # "brain metastases, ..., or leptomeningeal disease"
    ("NCT06411691", NO_BRAIN, STABLE_BRAIN),  # "brain metastases and/or leptomeningeal spread"
    # "Prior high-dose chemotherapy requiring hematopoietic stem cell rescue"
    # "HR-ve status (ER-negative and PR-negative)"
    ("NCT06038539", "Your cancer must not test positive for this marker: HR+.",
     "Your cancer must have this marker: HR+."),
    ("NCT06726265", "You must not have had a stem cell transplant with your own cells before.",
     "You must not have had a stem cell transplant with cells from a donor before."),
]  # fmt: skip


@needs_shared
@pytest.mark.parametrize(("nct_id", "true", "false"), TRUE_AND_FALSE)
def test_the_checker_passes_a_true_rule_and_fails_a_false_one(nct_id, true, false):
    raw = load_real_record(nct_id)
    assert check(raw, summary_with_rules(raw, true)) == []
    problems = check(raw, summary_with_rules(raw, false))
    assert len(problems) == 1 and nct_id in problems[0] and false in problems[0], problems


@needs_shared
def test_the_checker_fails_what_it_cannot_read_and_rules_said_elsewhere():
    raw = load_real_record("NCT04975997")
    [problem] = check(raw, summary_with_rules(raw, "You must eat apples."))
    assert "not a rule this check knows" in problem
    summary = summarize(parse_study(raw), tags=Tags())
    [problem] = check(raw, summary.replace("People of any sex can join.", "Only women can join."))
    assert "sex is 'ALL'" in problem
    said = summary.replace(
        "People of any sex can join.", f"People of any sex can join. {ANOTHER_STUDY}"
    )
    [problem] = check(raw, said)
    assert "no inclusion criterion asks for a study" in problem
    follow_up = load_real_record("NCT04524416")  # "... within a prior clinical study"
    assert ANOTHER_STUDY in summarize(parse_study(follow_up))
    assert check(follow_up, summarize(parse_study(follow_up))) == []
    moved = summary.replace("It is a phase 3 trial.", "It is a phase 3 trial. You must be 30.")
    [problem] = check(raw, moved)
    assert "said outside the rules" in problem


@needs_shared
def test_the_wording_check_catches_a_marker_said_the_wrong_way():
    raw = load_real_record("NCT06627647")  # "Absence of ... EGFR mutations ... and ALK and ROS1"
    for marker in ("ALK rearrangement", "ROS1 rearrangement", "EGFR mutation", "EGFR L858R"):
        said = summary_with_rules(raw, f"Your cancer must have this gene change: {marker}.")
        [problem] = wrong_way_markers(raw, said)
        assert marker in problem and "only named as ruled out" in problem
    said = summary_with_rules(raw, "Your cancer must have this marker: PD-L1.")
    assert wrong_way_markers(raw, said) == []


# -- true requirements, said and checked ------------------------------------------------------


def req(kind: str, rule: str, values: tuple, text: str, section: str, cohort: str = ""):
    return Requirement(kind, rule, values, text, section, cohort)


HAND_READ = {
    # Requirements read by hand from each record's criteria.
    "NCT04975997": (
        req("prior-lines", "between", (1, 2), "Received 1 to 2 prior lines", INCLUSION),
        req("measurable-disease", "required", (), "measurable disease", INCLUSION),
        req("ecog", "at-most", (2,), "ECOG 0, 1 or 2", INCLUSION),
        req("prior-therapy-excluded", "any-of", ("iberdomide",), "Prior therapy with iberdomide.",
            EXCLUSION),
    ),
    "NCT06627647": (
        req("biomarker-excluded", "any-of", ("EGFR mutation", "ALK rearrangement",
            "ROS1 rearrangement"), "Absence of sensitizing EGFR mutations ...", INCLUSION),
        req("brain-metastases", "treated-stable", (), "Brain metastases unless ...", EXCLUSION),
        req("prior-therapy-excluded", "any-of", ("anti-PD-1 agent", "anti-PD-L1 agent"),
            "Any prior treatment with an anti-PD-1 or anti-PD-L1 agent.", EXCLUSION),
    ),
    "NCT06411691": (
        req("prior-lines", "at-most", (3,), "no more than 3 lines", INCLUSION, "Cohort C"),
    ),
    "NCT04576156": (
        req("refractory-required", "any-of", ("JAK inhibitor",), "Relapsed/refractory to JAK",
            INCLUSION),
        req("transplant", "ineligible-required", ("allogeneic",), "not eligible for allogeneic",
            INCLUSION),
    ),
    "NCT05552976": (
        req("prior-lines", "at-least", (1,), "at least one prior line", INCLUSION),
        req("transplant", "prior-excluded", ("allogeneic",), "received allogeneic", EXCLUSION),
    ),
    "NCT06312176": (
        req("prior-therapy-required", "all-of", ("endocrine therapy", "CDK4/6 inhibitor"),
            "progression on one or more lines of endocrine therapy ...", INCLUSION),
    ),
    "NCT06427811": (
        req("transplant", "prior-excluded", ("any",), "Previous treatment with a hematopoietic "
            "stem-cell transplantation.", EXCLUSION),
    ),
}  # fmt: skip


@needs_shared
@pytest.mark.parametrize("nct_id", sorted(HAND_READ))
def test_true_requirements_of_real_records_are_said_and_pass_the_check(nct_id):
    raw = load_real_record(nct_id)
    summary = summarize(parse_study(raw), tags=Tags(requirements=HAND_READ[nct_id]))
    assert len(rule_sentences(summary)) == len(HAND_READ[nct_id])
    assert check(raw, summary) == []


def criteria_of(nct_id: str) -> list[Line]:
    raw = load_real_record(nct_id)
    return criteria_lines(raw["protocolSection"]["eligibilityModule"]["eligibilityCriteria"])


@needs_shared
def test_our_own_sections_and_cohorts():
    lines = criteria_of("NCT04975997")
    assert [line.section for line in lines[:4]] == [INCLUSION] * 4
    assert lines[-1] == Line("Other protocol-defined Inclusion/Exclusion criteria apply.",
                             EXCLUSION, "")  # fmt: skip
    cohort_c = [line for line in criteria_of("NCT06411691") if line.cohort == "cohort c"]
    assert cohort_c and "no more than 3 lines" in cohort_c[0].text
    assert same_cohort("part 1", "Parts 1 and 2") and same_cohort("", "Part B")
    assert claim_parts("Cohort 7, Cohort A and Cohort B") == ["Cohort 7", "Cohort A", "Cohort B"]
    assert claim_parts("Parts 1 and 2") == ["Parts 1 and 2"]
    assert not same_cohort("part 1", "Part 2") and not same_cohort("cohort a", "Part A")


def test_the_checker_finds_markers_as_criteria_write_them():
    assert names_marker("MSI-high colorectal cancer", "MSI-H/dMMR") == [0]
    assert names_marker("HER2-positive (IHC 3+)", "HER2")
    assert names_marker("EGFR exon 19 deletion or L858R", "EGFR L858R")
    assert names_marker("EGFR exon 19 deletion", "EGFR L858R") == []
    for drug in ("prior EGFR inhibitor", "EGFR-TKI", "anti-PD-L1 agent", "KRAS G12C inhibitor",
                 "HER2-directed therapy", "treatment targeting KRAS G12C"):  # fmt: skip
        value = re.search(r"EGFR|PD-L1|KRAS G12C|HER2", drug).group()
        assert names_marker(drug, value) == [], drug


def test_the_checker_reads_counts_of_any_treatment_only():
    assert counts_of_lines("Received 1 to 2 prior lines of anti-myeloma therapy.") == [
        (1, 2, "Received ")
    ]
    assert counts_of_lines("≥ 2 prior lines of systemic therapy")[0][:2] == (2, None)
    for specific in ("Up to one prior taxane regimen",
                     "at least 1 prior line of platinum-based chemotherapy",
                     "at least 1 prior line of FOLFOX",
                     "no more than 3 lines of systemic chemotherapy"):  # fmt: skip
        assert counts_of_lines(specific) == [], specific


def supported(sentence: str, text: str, section: str) -> bool:
    claim = parse_claim(sentence)
    assert claim is not None, sentence
    return bool(support(claim, [Line(text, section, "")])[0])


TREATED_WITH = "You must have been treated with {} before."
NOT_TREATED_WITH = "You must not have been treated with {} before."


@pytest.mark.parametrize(
    ("sentence", "text", "section"),
    [
        (TREATED_WITH.format("chemotherapy"),
         "Patient completed at least 1 cycle of neoadjuvant chemotherapy", INCLUSION),
        (NOT_TREATED_WITH.format("chemotherapy"),
         "No previous irradiation to the pelvis or chemotherapy", INCLUSION),
        (TREATED_WITH.format("chemotherapy"),
         "At least two prior lines including anti-CD20 antibody and cytotoxic therapy", INCLUSION),
        (NOT_TREATED_WITH.format("BCL2 inhibitor"), "Received Bcl-2 inhibitor treatment.",
         EXCLUSION),
        (NOT_TREATED_WITH.format("anti-CTLA-4"), "Prior treatment with anti-CTLA4", EXCLUSION),
        (TREATED_WITH.format("anti-CD38"), "Received an anti- cluster of differentiation 38 "
         "(CD38) monoclonal antibody", INCLUSION),
        (TREATED_WITH.format("anti-CD38"), "Received an anti-CD 38 antibody", INCLUSION),
        (NOT_TREATED_WITH.format("BCMA-directed therapy"),
         "Prior treatment with BCMA targeted therapy", EXCLUSION),
        (NOT_TREATED_WITH.format("BCMA-directed therapy"),
         "Received any prior B cell maturation antigen (BCMA)-directed therapy", EXCLUSION),
        (NOT_TREATED_WITH.format("HER2-directed therapy"),
         "Prior exposure to other HER2 targeting therapies", EXCLUSION),
        (NOT_TREATED_WITH.format("KRAS G12C inhibitor"),
         "Treatment targeting KRAS G12C mutation (eg, sotorasib, adagrasib)", EXCLUSION),
        (TREATED_WITH.format("endocrine therapy"),
         "Participants must have received at least 24 months of any adjuvant ET", INCLUSION),
        (NOT_TREATED_WITH.format("endocrine therapy"),
         "No prior chemotherapy, immunotherapy, targeted or hormonal therapy", INCLUSION),
        (NOT_TREATED_WITH.format("antibody-drug conjugate"), "Prior exposure to ADCs", EXCLUSION),
        (NOT_TREATED_WITH.format("immune checkpoint inhibitor"),
         "Prior treatment with immune checkpoint blockade therapies", EXCLUSION),
        (NOT_TREATED_WITH.format("trastuzumab deruxtecan"), "Prior treatment with T-DXd",
         EXCLUSION),
        (TREATED_WITH.format("IMiD"), "received a PI, an anti-CD38 antibody and an "
         "immunomodulatory agent", INCLUSION),
    ],
)  # fmt: skip
def test_the_checker_finds_treatments_as_criteria_write_them(sentence, text, section):
    assert supported(sentence, text, section)


@pytest.mark.parametrize(
    ("sentence", "text", "section"),
    [
        # Each a way of writing above, with what makes it say something else.
        (TREATED_WITH.format("chemotherapy"), "Patients who have not completed chemotherapy",
         INCLUSION),
        (TREATED_WITH.format("chemotherapy"),
         "No previous irradiation to the pelvis or chemotherapy", INCLUSION),
        (NOT_TREATED_WITH.format("chemotherapy"),
         "No previous irradiation to the pelvis, but chemotherapy is required", INCLUSION),
        (TREATED_WITH.format("chemotherapy"), "Participants may have received (neo)adjuvant "
         "chemotherapy", INCLUSION),
        (NOT_TREATED_WITH.format("chemotherapy"),
         "Prior anti-cytotoxic T lymphocyte-associated protein 4 antibodies", EXCLUSION),
        (NOT_TREATED_WITH.format("BCL2 inhibitor"), "Received Bcl-xL inhibitor treatment.",
         EXCLUSION),
        (NOT_TREATED_WITH.format("anti-CTLA-4"), "Prior treatment with anti-CTLA-8", EXCLUSION),
        (TREATED_WITH.format("anti-CD38"), "Previously treated; CD38 expression on plasma cells",
         INCLUSION),
        (NOT_TREATED_WITH.format("BCMA-directed therapy"),
         "BCMA expression on at least 5% of plasma cells", EXCLUSION),
        (NOT_TREATED_WITH.format("KRAS G12C inhibitor"), "Known KRAS G12C mutation", EXCLUSION),
        (TREATED_WITH.format("endocrine therapy"),
         "Previously received chemotherapy (Smith et al.)", INCLUSION),
        (NOT_TREATED_WITH.format("endocrine therapy"), "Prior hormone replacement therapy",
         EXCLUSION),
        (NOT_TREATED_WITH.format("antibody-drug conjugate"), "Prior exposure to ADCC-inducing "
         "antibodies", EXCLUSION),
        (NOT_TREATED_WITH.format("trastuzumab deruxtecan"), "Prior treatment with T-DM1",
         EXCLUSION),
        (TREATED_WITH.format("IMiD"), "Received prior immunomodulatory imaging", INCLUSION),
        # A class said with its article and a generic word after it is still that class only.
        (NOT_TREATED_WITH.format("an anti-CD38 antibody"), "Prior anti-CD20 antibody",
         EXCLUSION),
        (TREATED_WITH.format("platinum chemotherapy"), "Previously received taxane chemotherapy",
         INCLUSION),
        (TREATED_WITH.format("an immunomodulatory drug (IMiD)"),
         "Received a proteasome inhibitor", INCLUSION),
    ],
)  # fmt: skip
def test_the_checker_rejects_what_those_ways_of_writing_do_not_say(sentence, text, section):
    assert not supported(sentence, text, section)


@pytest.mark.parametrize(
    ("sentence", "text", "section"),
    [
        (NO_BRAIN, "No evidence of metastatic disease in the brain, spine or cerebral spinal "
         "fluid (CSF)", INCLUSION),
        (NO_BRAIN, "CNS metastases or CNS pathology including: epilepsy, severe uncontrolled "
         "mental illness", EXCLUSION),
        (NO_BRAIN, "Spinal cord compression, brain metastases, carcinomatous meningitis, or "
         "leptomeningeal disease", EXCLUSION),
        (NO_BRAIN, "Known history or evidence of brain metastases and/or leptomeningeal spread.",
         EXCLUSION),
        (ACTIVE_BRAIN, "Participants with measurable and non-measurable CNS lesions per RECIST "
         "v1.1, including leptomeningeal carcinomatosis", INCLUSION),
        (ACTIVE_BRAIN, "Untreated brain metastases not needing immediate local therapy",
         INCLUSION),
        (ACTIVE_BRAIN, "1 to 3 brain metastases, each no more than 3 cm across", INCLUSION),
        (ACTIVE_BRAIN, "NSCLC with KRAS mutations and active CNS metastatic disease", INCLUSION),
        (ACTIVE_BRAIN, "Patients with treated or untreated brain metastases", INCLUSION),
        (STABLE_BRAIN, "Brain metastases, unless treated and stable for 4 weeks", EXCLUSION),
    ],
)  # fmt: skip
def test_the_checker_finds_brain_metastases_as_criteria_write_them(sentence, text, section):
    assert supported(sentence, text, section)


@pytest.mark.parametrize(
    ("sentence", "text", "section"),
    [
        (NO_BRAIN, "Metastatic disease in the brain, unless treated and stable", EXCLUSION),
        (NO_BRAIN, "Brain metastases with leptomeningeal involvement", EXCLUSION),
        (NO_BRAIN, "More than 3 brain metastases", EXCLUSION),
        (NO_BRAIN, "> 3 brain metastases", EXCLUSION),
        (NO_BRAIN, "Leptomeningeal disease", EXCLUSION),
        (NO_BRAIN, "Metastatic disease in the bone", EXCLUSION),
        (ACTIVE_BRAIN, "Patients with treated, stable brain metastases", INCLUSION),
        (ACTIVE_BRAIN, "Patients with brain metastases are eligible if treated with "
         "radiotherapy", INCLUSION),
        (ACTIVE_BRAIN, "No evidence of brain metastases", INCLUSION),
        (ACTIVE_BRAIN, "Participants without CNS lesions", INCLUSION),
        (ACTIVE_BRAIN, "Leptomeningeal carcinomatosis is allowed", INCLUSION),
        (ACTIVE_BRAIN, "Untreated brain metastases", EXCLUSION),
        (STABLE_BRAIN, "Spinal cord compression, brain metastases, or leptomeningeal disease",
         EXCLUSION),
        (STABLE_BRAIN, "CNS metastases or CNS pathology including: uncontrolled epilepsy",
         EXCLUSION),
    ],
)  # fmt: skip
def test_the_checker_rejects_brain_rules_those_ways_of_writing_do_not_say(sentence, text, section):
    assert not supported(sentence, text, section)


OWN_CELLS = "You must not have had a stem cell transplant with your own cells before."


def test_the_checker_reads_a_stem_cell_rescue_as_a_transplant_of_ones_own_cells():
    rescue = "Prior high-dose chemotherapy requiring hematopoietic stem cell rescue."
    assert supported(OWN_CELLS, rescue, EXCLUSION)
    assert not supported(OWN_CELLS.replace("your own cells", "cells from a donor"), rescue,
                         EXCLUSION)  # fmt: skip
    assert not supported(OWN_CELLS.replace("must not", "must"), rescue, EXCLUSION)
    assert not supported(OWN_CELLS, "Prior high-dose methotrexate with leucovorin rescue",
                         EXCLUSION)  # fmt: skip
    donor = OWN_CELLS.replace("your own cells", "cells from a donor")
    assert not supported(donor, "History of allogenic tissue/solid organ transplant.", EXCLUSION)
