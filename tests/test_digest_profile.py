"""Digests with a patient's profile: read per recipient, the possible trials first, and a
change of verdict reported as a change of its own."""

from __future__ import annotations

import pytest

from trialfinder.digest.changes import TrialState, compare, counts_text
from trialfinder.digest.config import parse_config
from trialfinder.digest.state import DigestState
from trialfinder.validation import InvalidConfig

from conftest import load_real_record, needs_shared
from digestkit import FAMILY, NAVIGATOR, run, write_config
from smtpserver import SmtpServer

PROFILE = """\
diagnosis = "multiple myeloma"
setting = ["relapsed", "refractory"]
age = 64
sex = "female"
prior_lines = {lines}
prior_treatments = ["Revlimid", "Velcade", "Darzalex", "teclistamab"]
ecog = 1
measurable_disease = true
"""
MINIMAL = """\
[smtp]
host = "smtp.example.org"
sender = "digest@example.org"

[[search]]
name = "myeloma"
condition = "multiple myeloma"
recipients = ["navigator@example.org", "Family <family@example.org>"]
{profile}
"""


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def _profile(tmp_path, lines: int = 4, name: str = "ann.toml"):
    path = tmp_path / name
    path.write_text(PROFILE.format(lines=lines), encoding="utf-8")
    return path


# -- the configuration ----------------------------------------------------------------------------


def test_a_profile_for_every_recipient_or_one_each(tmp_path):
    _profile(tmp_path)
    config = parse_config(MINIMAL.format(profile='profile = "ann.toml"'), tmp_path / "d.toml")
    search = config.searches[0]
    assert search.profile_for(NAVIGATOR).prior_lines == 4
    assert search.profile_for("Family <family@example.org>") is search.profile_for(NAVIGATOR)
    text = MINIMAL.format(profile='profile = { "FAMILY@example.org" = "ann.toml" }')
    search = parse_config(text, tmp_path / "d.toml").searches[0]
    assert search.profile_for(FAMILY).name == "ann.toml"
    assert search.profile_for(NAVIGATOR) is None


def test_profile_problems_are_config_problems_with_their_lines(tmp_path):
    (tmp_path / "bad.toml").write_text("ecog = 7\n", encoding="utf-8")
    text = MINIMAL.format(
        profile='profile = { "famly@example.org" = "ann.toml", "navigator@example.org" = '
        '"bad.toml" }'
    )
    with pytest.raises(InvalidConfig) as caught:
        parse_config(text, tmp_path / "d.toml")
    lines = caught.value.lines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{tmp_path / 'd.toml'}:9: search[1].profile: 'famly@example.org'")
    assert "did you mean 'family@example.org'?" in lines[0]
    assert f"profile: {tmp_path / 'bad.toml'}:1: ecog: 7 is out of range" in lines[1]
    missing = MINIMAL.format(profile='profile = "nobody.toml"')
    with pytest.raises(InvalidConfig, match="nobody.toml' does not exist"):
        parse_config(missing, tmp_path / "d.toml")


# -- changes and state ---------------------------------------------------------------------


def test_a_new_verdict_is_a_change_of_its_own():
    before = {
        "NCT01": TrialState("RECRUITING", "2026-01-01", fit="check"),
        "NCT02": TrialState("RECRUITING", "2026-01-01", fit="possible"),
        "NCT03": TrialState("RECRUITING", "2026-01-01", fit=None),
    }
    now = {
        "NCT01": TrialState("RECRUITING", "2026-01-01", fit="possible"),
        "NCT02": TrialState("RECRUITING", "2026-01-01", fit="excluded"),
        "NCT03": TrialState("RECRUITING", "2026-01-01", fit="excluded"),  # not known before
    }
    changes, snapshot = compare(before, now)
    assert [(c.nct_id, c.kind) for c in changes] == [
        ("NCT01", "now_possible"),
        ("NCT02", "now_excluded"),
    ]
    assert changes[0].notes == (
        "Checked against your profile, it could fit you now (it was check).",
    )
    assert counts_text(changes) == "1 newly possible, 1 newly excluded"
    assert snapshot["NCT03"].fit == "excluded"


def test_the_state_keeps_the_verdicts(tmp_path):
    with DigestState.open(tmp_path / "state.sqlite3") as state:
        state.save_snapshot("s", NAVIGATOR, {"NCT01": TrialState("RECRUITING", "d", fit="check")})
        assert state.snapshot("s", NAVIGATOR)["NCT01"].fit == "check"


# -- a run -------------------------------------------------------------------------------------


@pytest.fixture
def myeloma(fake_api):
    ids = ["NCT05572515", "NCT06208150", "NCT04975997", "NCT05862012"]
    fake_api.studies[:] = [load_real_record(nct_id) for nct_id in ids]
    return fake_api


def _text(received) -> str:
    return " ".join(received.message.get_body(("plain",)).get_content().split())


@needs_shared
def test_the_message_leads_with_the_possible_trials_and_reports_new_verdicts(
    myeloma, smtp, tmp_path
):
    profile = _profile(tmp_path, lines=4)
    config = write_config(
        tmp_path,
        smtp.port,
        recipients=(NAVIGATOR, FAMILY),
        search_extra=f'setting = "any"\nprofile = {{ "{NAVIGATOR}" = "{profile.name}" }}',
    )
    assert run(config).sent == 2
    by_recipient = {r.rcpt_tos[0]: r for r in smtp.received}
    mine = _text(by_recipient[NAVIGATOR])
    assert "Checked against your profile (ann.toml): 2 possible, 0 check, 2 excluded." in mine
    assert mine.index("COULD FIT YOU (2)") < mine.index("NEW TRIALS (2)")
    assert "New in this search. Fit: possible. Could fit:" in mine
    assert "Fit: excluded. Not for you:" in mine
    html = by_recipient[NAVIGATOR].message.get_body(("html",)).get_content()
    assert "<strong>Fit: possible.</strong>" in html
    theirs = _text(by_recipient[FAMILY])
    assert "Fit:" not in theirs and "profile" not in theirs.split("--")[0]

    # Two lines, not four: the trial for one or two lines now fits her.
    _profile(tmp_path, lines=2)
    assert run(config).sent == 1
    latest = smtp.received[-1]
    assert latest.rcpt_tos == [NAVIGATOR]
    assert latest.message["Subject"].startswith("1 newly possible")
    text = _text(latest)
    assert "Checked against your profile, it could fit you now (it was excluded)." in text
