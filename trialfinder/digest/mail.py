"""The digest email: one message per saved search and recipient per run, text and HTML from
templates.

Header values are built from the config and the change counts only, always on one line;
text from trial records goes into the bodies, escaped in the HTML part (the HTML template
is rendered with autoescape), so that no record can add a header or run a script.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from trialfinder.counting import radius_miles
from trialfinder.digest.addresses import parse_mailbox
from trialfinder.digest.changes import KIND_TITLES, KINDS, Change, Snapshot, counts_text
from trialfinder.digest.config import SavedSearch
from trialfinder.digest.searching import Found
from trialfinder.inert import inert
from trialfinder.model import STUDY_URL
from trialfinder.prescreen import rank, verdict_counts
from trialfinder.templating import render
from trialfinder.vocabulary import FITS
from trialfinder.wording import (
    category_words,
    one_line,
    phase_text,
    site_words,
    status_text,
)

if TYPE_CHECKING:
    from trialfinder.prescreen import Fit

POSSIBLE = FITS[0]
# With a recipient's profile, the email leads with the trials that could fit them; each says
# what changed, as its group's title would have.
FIT_TITLE = "Could fit you"
CHANGE_NOTES = {
    "new": "New in this search.",
    "recruiting": "Now recruiting.",
    "new_site": "A new site nearby.",
}


TEXT_TEMPLATE = "digest.txt.j2"
HTML_TEMPLATE = "digest.html.j2"
SUMMARY_TEMPLATE = "summary.txt.j2"  # the plain-language summary of each trial
TEMPLATES = (TEXT_TEMPLATE, HTML_TEMPLATE, SUMMARY_TEMPLATE)


def subject_for(search: SavedSearch, changes: list[Change]) -> str:
    """``3 new, 1 now recruiting: refractory myeloma trials near Boston``."""
    return one_line(f"{counts_text(changes)}: {search.topic}")


def message_id_for(
    search: str,
    recipient: str,
    before: Snapshot | None,
    after: Snapshot,
    sender: str,
    when: dt.datetime | None = None,
) -> str:
    """The same run, search, recipient and change of state always give the same Message-ID.

    The run's time is part of it so that two "nothing changed" digests are two messages.
    """
    payload = json.dumps(
        [
            search,
            recipient.lower(),
            _fingerprint(before),
            _fingerprint(after),
            when.isoformat() if when else None,
        ],
        ensure_ascii=False,
    )
    digest = hashlib.sha256(payload.encode()).hexdigest()[:32]
    return f"<digest.{digest}@{parse_mailbox(sender).domain}>"


def _fingerprint(snapshot: Snapshot | None) -> Any:
    if snapshot is None:
        return None
    return sorted(
        (
            nct_id,
            s.status,
            s.last_updated,
            sorted(s.sites),
            *([list(s.phases)] if s.phases is not None else []),
            *([[list(site) for site in s.open_sites]] if s.open_sites is not None else []),
            *([s.fit] if s.fit is not None else []),
        )
        for nct_id, s in snapshot.items()
    )


@dataclass(frozen=True)
class DigestContent:
    """Everything one message is made of; the templates get it as plain values."""

    search: SavedSearch
    recipient: str
    changes: list[Change]
    found: dict[str, Found]
    generated: dt.datetime
    fits: Mapping[str, Fit] | None = None  # the prescreen against the recipient's profile
    left_out: tuple[str, ...] = ()  # what the search's filters left out (SearchFound.left_out)
    first: bool = False  # the first digest of this search for this recipient

    @property
    def profile_name(self) -> str:
        profile = self.search.profile_for(self.recipient)
        return profile.name if profile is not None else ""


def _item(change: Change, found: Found | None, fit: Fit | None = None) -> dict[str, Any]:
    item = _change_item(change, found)
    item["fit"] = fit.fit if fit else None
    item["fit_reason"] = one_line(fit.reason) if fit else ""
    item["questions"] = [one_line(q) for q in fit.questions[:3]] if fit else []
    return item


def _change_item(change: Change, found: Found | None) -> dict[str, Any]:
    if found is not None:
        trial = found.trial
        nearest = None
        if found.nearest_site is not None:
            nearest = {
                # The country as people name it ("South Korea", not "Korea, Republic of"); no
                # comma a name ends with is doubled.
                "label": site_words(found.nearest_site),
                "distance_mi": found.distance_mi,
                # Said plainly: a site's own status can differ from the trial's.
                "status": status_text(found.nearest_site.status)
                if found.nearest_site.status
                else "site status not given",
            }
        return {
            "nct_id": trial.nct_id,
            "title": one_line(trial.title),
            "status": status_text(trial.overall_status),
            "phases": phase_text(trial.phases),
            "url": trial.url,
            "notes": [one_line(n) for n in change.notes],
            "summary": (found.summary or "").strip(),
            "summary_paragraphs": _paragraphs(found.summary or ""),
            "summary_sections": summary_sections(found.summary or ""),
            "categories": category_words(found.categories),
            "biomarkers": list(found.biomarkers),
            "nearest": nearest,
            "last_updated": trial.last_updated,
        }
    state = change.after or change.before
    return {
        "nct_id": change.nct_id,
        "title": one_line(state.title if state and state.title else change.nct_id),
        "status": status_text(state.status) if state else "Unknown",
        "phases": "",
        "url": STUDY_URL.format(nct_id=change.nct_id),
        "notes": [one_line(n) for n in change.notes],
        "summary": "",
        "summary_paragraphs": [],
        "summary_sections": [],
        "categories": [],
        "biomarkers": [],
        "nearest": None,
        "last_updated": state.last_updated if state else "",
    }


def summary_sections(text: str) -> list[dict[str, Any]]:
    """A summary for the HTML part: each paragraph a section with its heading (its first line
    when that is a question: "What does it test?") and its blocks in order, a run of list
    items ("- ...") a list, a run of other lines a block of text (a paragraph each)."""
    sections = []
    for lines in _paragraphs(text):
        heading = ""
        if len(lines) > 1 and lines[0].endswith("?") and not lines[0].startswith("- "):
            heading, lines = lines[0], lines[1:]
        blocks: list[dict[str, Any]] = []
        for line in lines:
            listed = line.startswith("- ")
            if listed:
                line = line[2:].strip()
            if not blocks or blocks[-1]["list"] != listed:
                blocks.append({"list": listed, "lines": []})
            blocks[-1]["lines"].append(line)
        sections.append({"heading": heading, "blocks": blocks})
    return sections


def _paragraphs(text: str) -> list[list[str]]:
    """Paragraphs (split at blank lines), each a list of its lines, for the HTML part."""
    paragraphs = re.split(r"\n\s*\n", text.strip().replace("\r\n", "\n"))
    return [
        [line.strip() for line in p.splitlines() if line.strip()] for p in paragraphs if p.strip()
    ]


def template_context(
    content: DigestContent, unsubscribe: str | None, max_summaries: int | None = None
) -> dict[str, Any]:
    """What the templates get. Past ``max_summaries`` trials, summaries are left out (the
    trials are still listed) so that a large digest stays a readable size."""
    groups = []
    shown = 0
    left_out = 0
    fits = content.fits or {}
    # With a profile, the trials that could fit the recipient lead, whatever their change.
    leading = [c for c in content.changes if _fit_of(fits, c) == POSSIBLE]
    kinds: list[tuple[str, str, list[Change]]] = []
    if leading:
        kinds.append((POSSIBLE, FIT_TITLE, leading))
    for kind in KINDS:
        rest = [c for c in content.changes if c.kind == kind and c not in leading]
        rest.sort(key=lambda c: rank(_fit_of(fits, c)))
        kinds.append((kind, KIND_TITLES[kind], rest))
    for kind, title, changes in kinds:
        items = []
        for change in changes:
            item = _item(change, content.found.get(change.nct_id), fits.get(change.nct_id))
            if kind == POSSIBLE and change.kind != "now_possible":
                item["notes"] = [CHANGE_NOTES.get(change.kind, ""), *item["notes"]]
                item["notes"] = [n for n in item["notes"] if n]
            if item["summary"]:
                if max_summaries is not None and shown >= max_summaries:
                    item.update(summary="", summary_paragraphs=[], summary_sections=[])
                    left_out += 1
                else:
                    shown += 1
            items.append(item)
        if items:
            groups.append({"kind": kind, "title": title, "items": items})
    counted = Counter(f.fit for f in fits.values())
    within = content.search.criteria.within_mi
    return {
        "profile": content.profile_name,
        "fit_counts": verdict_counts(counted) if fits else "",
        "search_name": one_line(content.search.name),
        "topic": one_line(content.search.topic),
        "counts": counts_text(content.changes),
        "total_changes": len(content.changes),
        "results_count": len(content.found),
        "first_digest": content.first,
        "left_out": [one_line(line[:1].upper() + line[1:]) for line in content.left_out],
        "groups": groups,
        "summaries_shown": shown,
        "summaries_left_out": left_out,
        "recipient": content.recipient,
        "generated": content.generated.strftime("%Y-%m-%d"),
        "near": content.search.criteria.near.name if content.search.criteria.near else None,
        # as a search says it ("49.7 miles" of "80km"), not 49.7097
        "within_mi": None if within is None else radius_miles(within),
        "unsubscribe": unsubscribe,
        # The header's addresses without its angle brackets, to show and link in the bodies.
        "unsubscribe_links": re.findall(r"<((?:https?|mailto):[^<>\s]+)>", unsubscribe or ""),
    }


def _fit_of(fits: Mapping[str, Fit], change: Change) -> str | None:
    """The verdict of a trial still in the results (None for one that left them)."""
    fit = fits.get(change.nct_id)
    return fit.fit if fit is not None and change.kind != "gone" else None


def unsubscribe_header(template: str | None, recipient: str) -> str | None:
    """The List-Unsubscribe value; ``{recipient}`` in the config is replaced (URL-quoted)."""
    if not template:
        return None
    return one_line(template.replace("{recipient}", quote(recipient, safe="@")))


def build_message(
    content: DigestContent,
    *,
    sender: str,
    message_id: str,
    list_unsubscribe: str | None = None,
    templates: Path | None = None,
    max_summaries: int | None = None,
) -> EmailMessage:
    unsubscribe = unsubscribe_header(list_unsubscribe, content.recipient)
    context = template_context(content, unsubscribe, max_summaries)
    # Record and config text carries no control characters into a mail reader.
    text = inert(render(TEXT_TEMPLATE, templates, **context))
    html = inert(render(HTML_TEMPLATE, templates, **context))

    sender_box, recipient_box = parse_mailbox(sender), parse_mailbox(content.recipient)
    # A non-ASCII name before the @ can only be written raw, in a message sent with SMTPUTF8;
    # otherwise every header is ASCII (a non-ASCII display name becomes an RFC 2047 word).
    smtputf8 = sender_box.needs_smtputf8 or recipient_box.needs_smtputf8
    message = EmailMessage(policy=SMTPUTF8 if smtputf8 else SMTP)
    message["Subject"] = inert(subject_for(content.search, content.changes))
    message["From"] = sender_box.header()
    message["To"] = recipient_box.header()
    message["Date"] = format_datetime(content.generated)
    message["Message-ID"] = one_line(message_id)
    if unsubscribe:
        message["List-Unsubscribe"] = unsubscribe
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    # Quoted-printable keeps the message 7-bit clean for any relay on the way.
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message
