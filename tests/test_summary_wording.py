"""The wording of every real record's summary, as text and in the digest email's HTML part.

Reads ../shared/ctgov/records (skipped where it is absent). Each summary is rendered with the
record's tags and its nearest site from Boston, and every record goes into one digest email
(half new, half with a changed status and a closed nearest site). The patterns below are this
test's own: they catch what a person would notice, not what trialfinder means to write.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from email import message_from_bytes
from email.policy import default
from html import unescape

import pytest

from trialfinder.counting import counted
from trialfinder.criteria import SearchCriteria
from trialfinder.digest.changes import compare
from trialfinder.digest.config import SavedSearch
from trialfinder.digest.mail import DigestContent, build_message
from trialfinder.digest.searching import Found, snapshot_of
from trialfinder.geo import Place, nearest_site
from trialfinder.model import parse_study
from trialfinder.request import SearchRequest
from trialfinder.summary import summarize
from trialfinder.tagging import tag_trial

from conftest import needs_shared, real_record_paths

BOSTON = Place("Boston, MA", 42.3601, -71.0589)

# What a person would notice, in any text meant for people.
WRONG_EVERYWHERE = {
    "a count of one with a plural": re.compile(
        r"\b1 (?:trials|sites|miles|countries|records|messages|lines)\b"
    ),
    "a count in a '(s)' form": re.compile(r"\w\(s\)|\(es\)"),
    "a country by its formal name": re.compile(
        r"Korea, Republic|Republic of\b|Iran, Islamic|Russian Federation|Territory, occupied"
        r"|Brunei Darussalam|Viet Nam\b|Côte D'"
    ),
    "a country said without 'the'": re.compile(
        r"(?:all in|countries:[^.\n]*?(?:,| and)|:) (?:United States|United Kingdom|Netherlands)\b"
    ),
    "the summary naming itself": re.compile(r"in plain words\.", re.IGNORECASE),
    "a contact made of a sentence": re.compile(
        r"You can contact (?:(?!Phone:|Email:|Trial page:)[^\n])*?\b(?i:here may be"
        r"|multiple sites|please|questions|MUST|Reference Study|recommended|Toll free"
        r"|Study Contact|https?:|www\.)"
    ),
    "a sentence ending on 'or'": re.compile(r"\b(?:or|and)\.(?:\s|$)", re.MULTILINE),
    "a category code": re.compile(
        r"\b(?:targeted-therapy|car-t|hormone-therapy|stem-cell-transplant|palliative-care)\b"
    ),
    "doubled punctuation": re.compile(r"\.\.(?!\.)|\s[.,;:](?:\s|$)|,,", re.MULTILINE),
}
# A count of four digits or more, said without a thousands separator; any number of four
# digits or more in our own sentences (not in what they quote).
BARE_COUNT = re.compile(
    r"(?<![\d,.])\d{4,}(?= (?:sites?|trials?|miles?|countries|people|messages)\b)"
)
BARE_NUMBER = re.compile(r"(?<![\d,.\w+-])\d{4,}(?![\d,]|-\d)")  # not a date, not a code
QUOTED = re.compile(r'"[^"\n]*"')
URL = re.compile(r"https?://\S+")
# Lines that quote the record (names, phones, emails, places): not our own sentences.
QUOTING = re.compile(r"^(?:Phone|Email|Trial page): |^You can contact |^It has one site: ")


def record_texts(trial) -> set[str]:
    """What a summary or a digest may quote from the record as it is written: titles, names
    of conditions, treatments, arms, places and people."""
    texts = {trial.title, trial.official_title, *trial.conditions}
    texts |= {i.name for i in trial.interventions} | {a.label for a in trial.arm_groups}
    texts |= {c.name for c in trial.central_contacts}
    for site in trial.sites:
        texts |= {site.facility, site.city, site.state}
    return {" ".join(t.split()) for t in texts if t and t.strip()}


def scrubbed(text: str, quoted: set[str]) -> str:
    """``text`` with what it quotes from records taken out (longest first)."""
    for name in sorted(quoted, key=len, reverse=True):
        if name in text:
            text = text.replace(name, "«»")
    return text


def own_sentences(text: str) -> str:
    """``text`` without what it quotes: names in quotes, addresses, phones and emails."""
    lines = [line for line in text.splitlines() if not QUOTING.match(line.strip())]
    return URL.sub("", QUOTED.sub('""', "\n".join(lines)))


def problems(text: str, quoted: set[str], lines: bool = True) -> list[str]:
    """What is wrong in ``text`` (not counting what it quotes of ``quoted``), each with the
    words where it is. Without ``lines`` (text whose lines were wrapped), numbers are checked
    where they count something only."""
    # Only the quoted texts that would trip a pattern need taking out.
    tripping = {
        q
        for q in quoted
        if any(p.search(q) for p in WRONG_EVERYWHERE.values()) or BARE_NUMBER.search(q)
    }
    text = scrubbed(text, tripping)
    found = [
        f"{name}: {text[max(0, m.start() - 40) : m.end() + 20]!r}"
        for name, pattern in WRONG_EVERYWHERE.items()
        if (m := pattern.search(text))
    ]
    own = own_sentences(text) if lines else ""
    for where, m in ((text, BARE_COUNT.search(text)), (own, BARE_NUMBER.search(own))):
        if m:
            found.append(f"a bare number: {where[max(0, m.start() - 40) : m.end() + 20]!r}")
    return found


@pytest.fixture(scope="module")
def real() -> list[Found]:
    """Every real record, with its tags, nearest site from Boston and summary."""
    results = []
    for path in real_record_paths():
        trial = parse_study(json.loads(path.read_text(encoding="utf-8")))
        tags = tag_trial(trial)
        nearest = nearest_site(trial, BOSTON.lat, BOSTON.lon)
        summary = summarize(trial, tags=tags, nearest=nearest)
        results.append(Found(trial, tags, nearest, summary, open_in_range=()))
    return results


@needs_shared
def test_every_summary_reads_as_a_person_wrote_it(real):
    assert len(real) >= 200
    wrong = {}
    for found in real:
        quoted = record_texts(found.trial)
        for text in (found.summary or "", summarize(found.trial, tags=found.tags)):
            if problems(text, quoted):
                wrong[found.trial.nct_id] = problems(text, quoted)
    assert not wrong, wrong
    said = "\n".join(found.summary or "" for found in real)
    # The wording the patterns look for is there to be checked: counts, countries, contacts.
    assert re.search(r"\b\d{1,3}(?:,\d{3})+ miles\b", said)  # a site far away
    assert re.search(r"You can contact the study team\.", said)
    without_place = "\n".join(summarize(f.trial, tags=f.tags) for f in real)
    assert "all in the United States." in without_place
    assert re.search(r"\d+ countries: [^\n]*\band the United States\.", without_place)
    assert re.search(r"\d,\d{3} sites\b", without_place)


@needs_shared
def test_every_summary_in_the_digest_email_has_headings_and_lists(real):
    results = {found.trial.nct_id: found for found in real}
    after = snapshot_of(results)
    # Half of the trials were there before, with another status and a nearer open site in
    # South Korea that is gone now; the others are new.
    before = {
        nct_id: replace(
            state,
            status="NOT_YET_RECRUITING" if state.status != "NOT_YET_RECRUITING" else "RECRUITING",
            open_sites=(("Old Site, Seoul, Korea, Republic of", 0.8),),
            sites=(),
        )
        for nct_id, state in list(after.items())[::2]
    }
    changes, _ = compare(before, after)
    search = SavedSearch(
        name="Every real record",
        request=SearchRequest(SearchCriteria(near=BOSTON, within_mi=1.0)),
        recipients=("navigator@example.org",),
        subject="every real record",
    )
    when = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.timezone.utc)
    content = DigestContent(search, "navigator@example.org", changes, results, when)
    message = build_message(
        content, sender="Trial digest <digest@example.org>", message_id="<x@example.org>"
    )
    message = message_from_bytes(message.as_bytes(), policy=default)
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()

    assert "Sites within 1 mile of Boston, MA." in text
    assert "no longer listed" in text and "Old Site, Seoul, South Korea" in text
    quoted = set().union(*(record_texts(found.trial) for found in real))
    # The HTML part as a reader sees it: its text, each block on its lines.
    seen = unescape(re.sub(r"<[^>]+>", "", html))
    assert not problems(seen, quoted), problems(seen, quoted)
    # The text part wraps long lines: its words in one line.
    assert not problems(" ".join(text.split()), quoted, lines=False)
    assert "<br" not in html
    assert not re.search(r"^\s*-\s", html, re.MULTILINE)  # no line drawn as a list item
    assert not re.search(r"<(?:p|li|h\d)[^>]*>\s*-\s", html)
    # Each trial is a heading, each question of its summary one below it, rules a list.
    assert html.count("<h3") == len(real)
    assert html.count(">What does it test?</h4>") == len(real)
    assert html.count(">How can I ask about it?</h4>") == len(real)
    rules = sum(1 for f in real if "What are some key rules?\n- " in (f.summary or ""))
    assert rules > 50
    assert len(re.findall(r">What are some key rules\?</h4>\s*<ul", html)) == rules
    approaches = re.findall(r"Treatment approach: ([^<\n]*)", html)
    assert len(approaches) > 100
    assert not [a for a in approaches if re.search(r"\b[a-z]+-[a-z]+\b", a)]


@pytest.mark.parametrize(
    ("number", "word", "said"),
    [
        (1, "trial", "1 trial"),
        (0, "trial", "0 trials"),
        (1148, "site", "1,148 sites"),
        (1.0, "mile", "1 mile"),
        (2.5, "mile", "2.5 miles"),
        (3, "country", "3 countries"),
    ],
)
def test_counted(number, word, said):
    assert counted(number, word) == said


def test_counted_takes_an_irregular_plural():
    assert counted(2, "saved search", "saved searches") == "2 saved searches"
    assert counted(1, "saved search", "saved searches") == "1 saved search"
