"""The digest email: headers, parts, grouping, escaping, and hostile record text."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes
from email.policy import default

from trialfinder.criteria import SearchCriteria
from trialfinder.digest.changes import TrialState, compare
from trialfinder.digest.config import SavedSearch
from trialfinder.digest.mail import DigestContent, build_message, message_id_for, subject_for
from trialfinder.digest.searching import Found, snapshot_of
from trialfinder.model import parse_study
from trialfinder.request import SearchRequest

from factories import make_study

HOSTILE = 'Evil\r\nBcc: victim@example.net\r\nX-Injected: yes <script>alert("x")</script> & <b>'
SEARCH = SavedSearch(
    name="Refractory myeloma near Boston",
    request=SearchRequest(SearchCriteria(conditions=("multiple myeloma",))),
    recipients=("navigator@example.org",),
    subject="refractory myeloma trials near Boston",
)
NOW = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.timezone.utc)


def found(*studies) -> dict[str, Found]:
    return {(t := parse_study(s)).nct_id: Found(t) for s in studies}


def build(results, before=None, looked_up=None, recipient="navigator@example.org", **kwargs):
    changes, after = compare(before, snapshot_of(results), looked_up)
    content = DigestContent(SEARCH, recipient, changes, results, NOW)
    message_id = message_id_for(SEARCH.name, recipient, before, after, "digest@example.org")
    message = build_message(
        content, sender="Trial digest <digest@example.org>", message_id=message_id, **kwargs
    )
    return message_from_bytes(message.as_bytes(), policy=default), changes


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_subject_counts_the_changes():
    before = snapshot_of(found(make_study("NCT01000001", status="NOT_YET_RECRUITING")))
    results = found(
        make_study("NCT01000001", status="RECRUITING"),
        make_study("NCT01000002"),
        make_study("NCT01000003"),
        make_study("NCT01000004"),
    )
    message, changes = build(results, before)
    assert message["Subject"] == "3 new, 1 now recruiting: refractory myeloma trials near Boston"
    assert subject_for(SEARCH, []) == "no changes: refractory myeloma trials near Boston"


def test_headers_and_multipart_alternative_with_links_grouped_by_change():
    before = snapshot_of(found(make_study("NCT01000001", status="NOT_YET_RECRUITING")))
    results = found(make_study("NCT01000001"), make_study("NCT01000002", title="A new trial"))
    message, _ = build(
        results, before, list_unsubscribe="<mailto:off@example.org?subject={recipient}>"
    )
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["From"] == "Trial digest <digest@example.org>"
    assert message["To"] == "navigator@example.org"
    assert message["Date"] == "Mon, 30 Nov 2026 07:00:00 +0000"
    assert message["Message-ID"].startswith("<digest.") and message["Message-ID"].endswith(
        "@example.org>"
    )
    assert message["List-Unsubscribe"] == "<mailto:off@example.org?subject=navigator@example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = parts(message)
    for body in (text, html):
        assert "https://clinicaltrials.gov/study/NCT01000001" in body
        assert "https://clinicaltrials.gov/study/NCT01000002" in body
        # Grouped: the new trial comes under "New trials", before "Now recruiting".
        assert body.index("NCT01000002") < body.index("NCT01000001")
    assert "NEW TRIALS (1)" in text and "NOW RECRUITING (1)" in text
    assert "The status changed from not yet recruiting to recruiting." in text
    assert '<a href="https://clinicaltrials.gov/study/NCT01000001">' in html
    # The way to stop it, as an address a reader can use (not the header's "<...>").
    address = "mailto:off@example.org?subject=navigator@example.org"
    assert f"To stop receiving it: {address}\n" in text.replace("\r\n", "\n")
    assert f'To stop receiving it: <a href="{address}">{address}</a>.' in html


def test_no_list_unsubscribe_header_unless_configured():
    message, _ = build(found(make_study()))
    assert message["List-Unsubscribe"] is None


def test_the_message_id_is_deterministic_and_changes_with_the_state():
    after = snapshot_of(found(make_study()))
    one = message_id_for("s", "A@example.org", None, after, "d@example.org")
    assert one == message_id_for("s", "a@example.org", None, after, "d@example.org")
    assert one != message_id_for("s", "a@example.org", {}, after, "d@example.org")
    assert one != message_id_for("s", "b@example.org", None, after, "d@example.org")


def test_hostile_record_text_cannot_inject_headers_or_markup():
    study = make_study(
        "NCT01000009",
        title=HOSTILE,
        summary="<img src=x onerror=alert(1)>",
        locations=[{"facility": "<iframe>Site</iframe>\r\nBcc: x@example.net", "city": "Boston"}],
    )
    message, _ = build(found(study))
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert set(message.keys()) == {
        "Subject",
        "From",
        "To",
        "Date",
        "Message-ID",
        "Auto-Submitted",
        "MIME-Version",
        "Content-Type",
    }
    text, html = parts(message)
    assert "<script>" not in html and "<b>" not in html and "<iframe>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    # In plain text the title is kept as written, on one line.
    assert 'Evil Bcc: victim@example.net X-Injected: yes <script>alert("x")</script> & <b>' in text


def test_hostile_text_in_a_gone_trial_title_is_escaped_too():
    before = {"NCT01000009": TrialState("RECRUITING", "2025-01-01", (), "<script>x</script>")}
    message, changes = build({}, before, looked_up={"NCT01000009": None})
    assert [c.kind for c in changes] == ["gone"]
    _, html = parts(message)
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html


def test_utf8_survives_headers_and_bodies():
    search = SavedSearch(
        "Mielóma", SearchRequest(), ("ana@example.org",), subject="mieloma — Bogotá"
    )
    study = make_study(title="Daratumumab en mieloma múltiple – ensayo ☤")
    results = found(study)
    changes, after = compare(None, snapshot_of(results))
    content = DigestContent(search, "Ana Núñez <ana@example.org>", changes, results, NOW)
    raw = build_message(
        content, sender="Ensayos Ñ <d@example.org>", message_id="<x@example.org>"
    ).as_bytes()
    raw.decode("ascii")  # 7-bit clean on the wire
    message = message_from_bytes(raw, policy=default)
    assert message["Subject"] == "1 new: mieloma — Bogotá"
    assert message["To"] == "Ana Núñez <ana@example.org>"
    assert message["From"] == "Ensayos Ñ <d@example.org>"
    text, html = parts(message)
    assert "Daratumumab en mieloma múltiple – ensayo ☤" in text
    assert "Daratumumab en mieloma múltiple – ensayo ☤" in html


def test_templates_can_be_overridden_from_a_folder(tmp_path):
    (tmp_path / "digest.txt.j2").write_text("Custom: {{ counts }} for {{ topic }}\n")
    message, _ = build(found(make_study()), templates=tmp_path)
    text, html = parts(message)
    assert text.rstrip() == "Custom: 1 new for refractory myeloma trials near Boston"
    assert "<html" in html  # the packaged HTML template is still used


def test_a_summary_keeps_its_paragraphs_and_lines_and_is_escaped():
    trial = parse_study(make_study())
    summary = (
        "What does it test?\n- <b>teclistamab</b>.\nIt is given alone.\n\n"
        "Who can join?\nAdults.\nSee the rules.\n- after 3 treatments\n- & more\n\n"
        "A trial is research."
    )
    results = {trial.nct_id: Found(trial, summary=summary)}
    message, _ = build(results)
    text, html = parts(message)
    assert "\n    What does it test?\n    - <b>teclistamab</b>." in text.replace("\r\n", "\n")
    # In HTML: each question a heading, "- " lines a list, each other line a paragraph.
    body = re.sub(r' style="[^"]*"', "", html).replace("\r\n", "\n")
    assert (
        "<div>\n<h4>What does it test?</h4>\n<ul>\n<li>&lt;b&gt;teclistamab&lt;/b&gt;.</li>\n"
        "</ul>\n<p>It is given alone.</p>\n</div>\n<div>\n<h4>Who can join?</h4>\n"
        "<p>Adults.</p>\n<p>See the rules.</p>\n<ul>\n<li>after 3 treatments</li>\n"
        "<li>&amp; more</li>\n</ul>\n</div>\n<div>\n<p>A trial is research.</p>\n</div>"
    ) in body
    assert "<br" not in html and not re.search(r"^\s*- ", html, re.MULTILINE)


def test_internationalised_addresses_in_the_headers():
    results = found(make_study())
    changes, after = compare(None, snapshot_of(results))

    def raw(recipient: str, sender: str = "Ensayos Ñandú <d@exämple.org>") -> bytes:
        content = DigestContent(SEARCH, recipient, changes, results, NOW)
        message_id = message_id_for(SEARCH.name, recipient, None, after, sender)
        return build_message(content, sender=sender, message_id=message_id).as_bytes()

    # A non-ASCII domain travels as its A-label and the display name as an RFC 2047 word:
    # the message stays 7-bit, for any server.
    ascii_only = raw("José <jose@exämple.org>")
    ascii_only.decode("ascii")
    message = message_from_bytes(ascii_only, policy=default)
    assert message["To"] == "José <jose@xn--exmple-cua.org>"
    assert message["From"] == "Ensayos Ñandú <d@xn--exmple-cua.org>"
    assert message["Message-ID"].endswith("@xn--exmple-cua.org>")
    # A non-ASCII name before the @ is written as it is (the message goes with SMTPUTF8),
    # never as an encoded word, which would be another address.
    headers = raw("jösé@example.org").split(b"\r\n\r\n")[0]
    assert b"\r\nTo: j\xc3\xb6s\xc3\xa9@example.org\r\n" in headers and b"?=@" not in headers
    utf8 = raw("jösé@example.org")
    assert message_from_bytes(utf8, policy=default)["To"] == "jösé@example.org"
