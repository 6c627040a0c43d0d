"""Digest runs end to end: the fake API (a real HTTP server) and a real SMTP server on loopback.

Every failure case checks the two halves of the delivery guarantee on the following runs:
nothing lost (every undelivered change arrives) and nothing sent twice.
"""

from __future__ import annotations

import os
import re
import stat

import pytest
from click.testing import CliRunner

from trialfinder.cli import cli
from trialfinder.digest.smtp import SendFailure
from trialfinder.digest.state import DigestState, RunLock
from trialfinder.errors import ConfigError, ExitCode

from digestkit import FAMILY, NAVIGATOR, run, write_config
from factories import BOSTON_SITE, make_study
from smtpserver import SmtpServer


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def subjects(server, recipient=None) -> list[str]:
    return [
        r.message["Subject"]
        for r in server.received
        if recipient is None or r.rcpt_tos == [recipient]
    ]


def set_status(api, nct_id: str, status: str, updated: str = "2025-07-01") -> None:
    for study in api.studies:
        protocol = study["protocolSection"]
        if protocol["identificationModule"]["nctId"] == nct_id:
            protocol["statusModule"]["overallStatus"] = status
            protocol["statusModule"]["lastUpdatePostDateStruct"]["date"] = updated


@pytest.fixture
def two_trials(fake_api):
    fake_api.studies[:] = [
        make_study("NCT01000001", status="NOT_YET_RECRUITING", title="Teclistamab after CAR T"),
        make_study("NCT01000002", title="Elranatamab in myeloma"),
    ]
    return fake_api


def test_first_run_sends_everything_as_new_then_nothing_twice(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port, recipients=(NAVIGATOR, FAMILY))
    report = run(config)
    assert (report.sent, report.failed, report.exit_code) == (2, 0, ExitCode.OK)
    # One message per recipient, each addressed to that recipient alone.
    assert sorted(tuple(r.rcpt_tos) for r in smtp.received) == [(FAMILY,), (NAVIGATOR,)]
    received = smtp.received[0]
    assert received.mail_from == "digest@example.org"
    message = received.message
    assert message["Subject"] == "2 new: refractory myeloma trials near Boston"
    assert message["To"] == received.rcpt_tos[0]
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()
    assert (
        '<a href="https://clinicaltrials.gov/study/NCT01000001">Teclistamab after CAR T</a>' in html
    )

    report = run(config)
    assert (report.sent, report.unchanged, len(smtp.received)) == (0, 2, 2)


def test_the_email_says_how_many_trials_the_setting_left_out(fake_api, smtp, tmp_path):
    fake_api.studies[:] = [
        make_study("NCT01000001"),
        make_study(
            "NCT01000002",
            title="Daratumumab for Newly Diagnosed Myeloma",
            criteria="Inclusion Criteria:\n\n* Newly diagnosed, untreated multiple myeloma",
            summary="This study tests daratumumab as the first treatment for myeloma.",
        ),
    ]
    run(write_config(tmp_path, smtp.port))
    (received,) = smtp.received
    text = " ".join(received.message.get_body(("plain",)).get_content().split())
    assert received.message["Subject"] == "1 new: refractory myeloma trials near Boston"
    assert "Newly Diagnosed" not in text
    assert (
        "1 of 2 trials the registry found was left out: its record does not say the disease was "
        "treated before."
    ) in text


def test_the_email_says_what_its_categories_left_out_in_words(fake_api, smtp, tmp_path):
    fake_api.studies[:] = [
        make_study("NCT01000001"),
        make_study(
            "NCT01000002",
            title="Selinexor in Relapsed or Refractory Multiple Myeloma",
            interventions=[{"type": "DRUG", "name": "Selinexor", "armGroupLabels": ["A"]}],
            arm_groups=[
                {"label": "A", "type": "EXPERIMENTAL", "interventionNames": ["Drug: Selinexor"]}
            ],
            summary="This study tests selinexor in people whose myeloma came back.",
        ),
    ]
    run(write_config(tmp_path, smtp.port, search_extra='categories = ["immunotherapy"]'))
    (received,) = smtp.received
    text = " ".join(received.message.get_body(("plain",)).get_content().split())
    assert (
        "1 of 2 trials the registry found did not match the treatment approach asked for"
        " (immunotherapy) and was left out."
    ) in text
    assert "--category" not in text


def test_a_trial_whose_record_cannot_be_read_is_not_reported_gone(two_trials, smtp, tmp_path):
    # A record with a field of the wrong type was skipped, then said to be "No longer listed in
    # the registry" (exit 0), and "new" the week it could be read again.
    config = write_config(tmp_path, smtp.port)
    run(config)
    sent = len(smtp.received)
    readable = two_trials.studies[1]
    broken = make_study("NCT01000002", title="Elranatamab in myeloma")
    broken["protocolSection"]["conditionsModule"]["conditions"] = "Myeloma"  # not a list
    two_trials.studies[1] = broken
    report = run(config)
    assert report.exit_code == ExitCode.OK
    assert len(smtp.received) == sent  # nothing changed that can be told
    two_trials.studies[1] = readable
    run(config)
    assert len(smtp.received) == sent  # nor new when it can be read again
    # nor when the part that holds its NCT id is what cannot be read
    unnamed = make_study("NCT01000002", title="Elranatamab in myeloma")
    unnamed["protocolSection"]["identificationModule"] = "broken"
    two_trials.studies[1] = unnamed
    assert run(config).exit_code == ExitCode.OK
    assert len(smtp.received) == sent


def test_an_empty_answer_does_not_say_every_trial_left_the_registry(two_trials, smtp, tmp_path):
    # A broken mirror answering every search with no trial: the digest told everyone that all
    # their trials were "No longer listed in the registry"
    config = write_config(tmp_path, smtp.port)
    run(config)
    sent = len(smtp.received)
    two_trials.studies[:] = []
    assert run(config).exit_code == ExitCode.OK
    assert len(smtp.received) == sent  # nothing to tell
    # and once the registry answers again, nothing had changed
    two_trials.studies[:] = [
        make_study("NCT01000001", status="NOT_YET_RECRUITING", title="Teclistamab after CAR T"),
        make_study("NCT01000002", title="Elranatamab in myeloma"),
    ]
    assert run(config).exit_code == ExitCode.OK
    assert len(smtp.received) == sent


def test_an_answer_to_a_look_up_with_none_of_the_trials_asked_for_is_not_believed(
    two_trials, smtp, tmp_path, monkeypatch
):
    # A mirror that ignores filter.ids answered the look-up of the trials that left with other
    # trials: each was "No longer listed in the registry"
    config = write_config(tmp_path, smtp.port)
    run(config)
    sent = len(smtp.received)
    two_trials.studies.pop(1)  # NCT01000002 left the results...
    real_page = two_trials._page
    monkeypatch.setattr(
        two_trials,
        "_page",
        lambda params: real_page({k: v for k, v in params.items() if k != "filter.ids"}),
    )
    assert run(config).exit_code == ExitCode.OK
    assert len(smtp.received) == sent  # ...but the look-up's answer named only NCT01000001


def test_changes_of_the_week_arrive_grouped(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port)
    run(config)
    set_status(two_trials, "NCT01000001", "RECRUITING")
    two_trials.studies.append(make_study("NCT01000003", title="A new one"))
    two_trials.studies.append(make_study("NCT01000004", title="Another new one"))
    two_trials.studies.pop(1)  # NCT01000002 left the registry

    run(config)
    assert subjects(smtp)[-1] == (
        "2 new, 1 now recruiting, 1 no longer matching: refractory myeloma trials near Boston"
    )
    text = smtp.received[-1].message.get_body(("plain",)).get_content()
    assert text.index("NEW TRIALS (2)") < text.index("NOW RECRUITING (1)")
    assert "NCT01000002" in text and "No longer listed in the registry." in text
    # The lookup of the trial that left asked for it by id, whatever its status.
    lookup = two_trials.studies_requests()[-1]
    assert lookup.params["filter.ids"] == "NCT01000002"
    assert "filter.overallStatus" not in lookup.params


def test_smtp_down_loses_nothing(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port)
    run(config)
    set_status(two_trials, "NCT01000001", "RECRUITING")
    smtp.stop()
    report = run(config)
    assert (report.sent, report.failed, report.exit_code) == (0, 1, ExitCode.DELIVERY)

    two_trials.studies.append(make_study("NCT01000003"))
    with SmtpServer() as back:
        config = write_config(tmp_path, back.port)
        report = run(config)
        # Both the change that could not be delivered and the newer one.
        assert subjects(back) == ["1 new, 1 now recruiting: refractory myeloma trials near Boston"]
        assert run(config).sent == 0 and len(back.received) == 1


@pytest.mark.parametrize(
    "reply", ["451 4.3.0 Temporary failure, try again later", "554 5.7.1 Message rejected"]
)
def test_a_refused_message_is_sent_with_the_next_run(two_trials, smtp, tmp_path, reply):
    config = write_config(tmp_path, smtp.port)
    smtp.refuse_data(reply)
    report = run(config)
    assert (report.sent, report.failed, report.exit_code) == (0, 1, ExitCode.DELIVERY)
    assert smtp.received == []
    with DigestState.open(tmp_path / "state" / "digest.sqlite3") as state:
        assert state.pending() == []  # refused outright: rebuilt, not resent, next time

    set_status(two_trials, "NCT01000002", "SUSPENDED")
    report = run(config)
    assert report.sent == 1 and report.exit_code == ExitCode.OK
    assert subjects(smtp) == ["2 new: refractory myeloma trials near Boston"]
    assert run(config).sent == 0 and len(smtp.received) == 1


def test_one_refused_recipient_does_not_hold_back_the_others(two_trials, smtp, tmp_path, caplog):
    config = write_config(tmp_path, smtp.port, recipients=(NAVIGATOR, FAMILY))
    smtp.refuse_rcpt("550 5.1.1 No such user", FAMILY)
    report = run(config)
    assert (report.sent, report.failed) == (1, 1)
    assert [r.rcpt_tos for r in smtp.received] == [[NAVIGATOR]]
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert f"not delivered to {FAMILY}" in errors[0] and "550 5.1.1 No such user" in errors[0]

    smtp.handler.rcpt_replies.clear()
    report = run(config)
    assert report.sent == 1
    assert [r.rcpt_tos for r in smtp.received] == [[NAVIGATOR], [FAMILY]]
    assert subjects(smtp, FAMILY) == ["2 new: refractory myeloma trials near Boston"]


class Crash(BaseException):
    """The process dies (power cut, kill -9) right after the SMTP server took the message."""


def test_crash_between_sending_and_saving_resends_the_same_message(
    two_trials, smtp, tmp_path, monkeypatch
):
    config = write_config(tmp_path, smtp.port)

    def crash(self, pending):
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(DigestState, "delivered", crash)
        with pytest.raises(Crash):
            run(config)
    assert len(smtp.received) == 1
    first = smtp.received[0]

    report = run(config)
    assert report.sent == 1 and len(smtp.received) == 2
    again = smtp.received[1]
    # The same message, byte for byte: same Message-ID, so mail systems see one message.
    assert again.message["Message-ID"] == first.message["Message-ID"]
    assert again.data == first.data

    assert run(config).sent == 0 and len(smtp.received) == 2


def test_after_a_crash_newer_changes_follow_in_their_own_message(
    two_trials, smtp, tmp_path, monkeypatch
):
    config = write_config(tmp_path, smtp.port)
    with monkeypatch.context() as patch:
        patch.setattr(DigestState, "delivered", lambda self, pending: (_ for _ in ()).throw(Crash))
        with pytest.raises(Crash):
            run(config)
    set_status(two_trials, "NCT01000001", "RECRUITING")
    run(config)
    ids = [r.message["Message-ID"] for r in smtp.received]
    assert ids[0] == ids[1] and len(set(ids)) == 2
    assert subjects(smtp)[2] == "1 now recruiting: refractory myeloma trials near Boston"


def test_a_connection_broken_while_sending_keeps_the_message_for_the_next_run(
    two_trials, smtp, tmp_path
):
    config = write_config(tmp_path, smtp.port)

    def broken(*args):
        raise SendFailure("the connection broke while sending the message", definite=False)

    report = run(config, sender=broken)
    assert report.failed == 1 and report.exit_code == ExitCode.DELIVERY
    with DigestState.open(tmp_path / "state" / "digest.sqlite3") as state:
        (pending,) = state.pending()
    # Even with new changes meanwhile, the kept message goes first, unchanged.
    set_status(two_trials, "NCT01000001", "RECRUITING")
    report = run(config)
    assert smtp.received[0].message["Message-ID"] == pending.message_id
    assert smtp.received[0].data == pending.message
    assert subjects(smtp) == [
        "2 new: refractory myeloma trials near Boston",
        "1 now recruiting: refractory myeloma trials near Boston",
    ]


def test_dry_run_writes_eml_files_and_changes_no_state(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port, recipients=(NAVIGATOR, FAMILY))
    out = tmp_path / "preview"
    report = run(config, out_dir=out)
    assert sorted(p.name for p in out.iterdir()) == [
        "refractory-myeloma-near-boston--family@example.org.eml",
        "refractory-myeloma-near-boston--navigator@example.org.eml",
    ]
    assert report.written and smtp.received == []
    assert not (tmp_path / "state").exists()
    from email import message_from_bytes
    from email.policy import default

    preview = message_from_bytes(report.written[0].read_bytes(), policy=default)
    assert preview["Subject"] == "2 new: refractory myeloma trials near Boston"
    assert run(config).sent == 2  # the real run still has everything to send


def test_first_run_can_only_record(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port, state_extra='first_run = "record"')
    report = run(config)
    assert (report.sent, report.recorded) == (0, 1) and smtp.received == []
    two_trials.studies.append(make_study("NCT01000003"))
    run(config)
    assert subjects(smtp) == ["1 new: refractory myeloma trials near Boston"]


def test_send_when_empty(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port, digest_extra="send_when_empty = true")
    run(config)
    run(config)
    run(config)
    assert subjects(smtp)[1:] == ["no changes: refractory myeloma trials near Boston"] * 2
    # Two weeks without changes are two messages, not one message sent twice.
    assert smtp.received[1].message["Message-ID"] != smtp.received[2].message["Message-ID"]
    assert "Nothing changed since the last digest" in (
        smtp.received[1].message.get_body(("plain",)).get_content()
    )


def test_a_first_digest_of_a_search_that_matches_nothing_says_so(fake_api, smtp, tmp_path):
    fake_api.studies[:] = []
    run(write_config(tmp_path, smtp.port, digest_extra="send_when_empty = true"))
    message = smtp.received[0].message
    for part in ("plain", "html"):
        text = " ".join(message.get_body((part,)).get_content().split())
        assert "This is the first digest of this search. It matches no trial yet." in text
        assert "since the last digest" not in text


def test_a_failed_search_does_not_stop_the_others(two_trials, smtp, tmp_path, caplog):
    second = """
[[search]]
name = "Second"
condition = "lymphoma"
recipients = ["family@example.org"]
"""
    config = write_config(tmp_path, smtp.port, more_searches=second)
    two_trials.fail("/studies", status=400, body="Bad request")
    report = run(config)
    assert report.exit_code == ExitCode.NETWORK and report.sent == 1
    assert [r.rcpt_tos for r in smtp.received] == [[FAMILY]]
    (error,) = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert error.startswith("search 'Refractory myeloma near Boston' failed: ")
    run(config)  # the API is back: the first search's recipient gets it all
    assert subjects(smtp, NAVIGATOR) == ["2 new: refractory myeloma trials near Boston"]


def test_login_uses_the_password_from_the_environment(two_trials, tmp_path, monkeypatch):
    with SmtpServer(users={"digest": "s3cret"}) as server:
        config = write_config(
            tmp_path, server.port, smtp_extra='username = "digest"\npassword_env = "DIGEST_PW"'
        )
        with pytest.raises(ConfigError, match="DIGEST_PW is empty"):
            run(config)
        monkeypatch.setenv("DIGEST_PW", "wrong")
        report = run(config)
        assert report.failed == 1 and server.received == []
        monkeypatch.setenv("DIGEST_PW", "s3cret")
        assert run(config).sent == 1 and server.logins == ["digest"]


def test_cli_run_quiet_is_silent_on_success_and_logs_lines_otherwise(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port)
    result = CliRunner().invoke(cli, ["digest", "run", "--config", str(config), "--quiet"])
    assert result.exit_code == 0 and result.output == ""
    assert len(smtp.received) == 1

    set_status(two_trials, "NCT01000001", "RECRUITING")
    result = CliRunner().invoke(cli, ["digest", "run", "--config", str(config)])
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert any(
        line.endswith(
            'INFO: sent "1 now recruiting: refractory myeloma trials near Boston" '
            "to navigator@example.org"
        )
        for line in lines
    ), lines
    assert all(" trialfinder " in line for line in lines)

    smtp.stop()
    set_status(two_trials, "NCT01000002", "COMPLETED")
    result = CliRunner().invoke(cli, ["digest", "run", "--config", str(config), "--quiet"])
    assert result.exit_code == ExitCode.DELIVERY
    (line,) = result.stderr.splitlines()
    assert "ERROR: not delivered to navigator@example.org" in line
    assert "cannot connect to the SMTP server 127.0.0.1" in line


def test_cli_dry_run(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port)
    out = tmp_path / "eml"
    result = CliRunner().invoke(
        cli, ["digest", "run", "--config", str(config), "--dry-run", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("*.eml"))) == 1 and smtp.received == []


def test_a_dry_run_into_a_folder_that_cannot_be_made_is_a_usage_error(two_trials, smtp, tmp_path):
    # ("--out afile/x" ran every search, then said "unexpected error ... this is a bug", exit 1)
    config = write_config(tmp_path, smtp.port)
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "x"
    result = CliRunner().invoke(
        cli, ["digest", "run", "--config", str(config), "--dry-run", "--out", str(out)]
    )
    assert result.exit_code == ExitCode.USAGE, result.output
    assert f"cannot make the folder {out}" in result.stderr
    assert "bug" not in result.stderr
    assert two_trials.pages_served == 0  # no search ran
    # nor a name longer than a folder's may be (was exit 1, "this is a bug")
    long = tmp_path / ("x" * 300)
    result = CliRunner().invoke(
        cli, ["digest", "run", "--config", str(config), "--dry-run", "--out", str(long)]
    )
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "cannot make the folder" in result.stderr


@pytest.mark.parametrize("in_the_way", ["folder", "symbolic link", "pipe"])
def test_a_preview_never_writes_through_what_is_in_the_way(two_trials, smtp, tmp_path, in_the_way):
    # A folder at a preview's name ended the run with exit 1 ("this is a bug"); a symbolic link
    # there was written through, over the file it points to; a pipe waited for a reader.
    config = write_config(tmp_path, smtp.port)
    out = tmp_path / "eml"
    out.mkdir()
    name = out / "refractory-myeloma-near-boston--navigator@example.org.eml"
    elsewhere = tmp_path / "notes.txt"
    elsewhere.write_text("my notes")
    if in_the_way == "folder":
        name.mkdir()
    elif in_the_way == "symbolic link":
        name.symlink_to(elsewhere)
    else:
        os.mkfifo(name)
    result = CliRunner().invoke(
        cli, ["digest", "run", "--config", str(config), "--dry-run", "--out", str(out)]
    )
    assert result.exit_code == ExitCode.OUTPUT, result.output
    assert f"cannot write {name}: " in result.stderr and "is in the way" in result.stderr
    assert "bug" not in result.stderr
    assert elsewhere.read_text() == "my notes"
    assert smtp.received == []


def test_a_preview_replaces_a_hard_link_at_its_name_without_writing_into_it(
    two_trials, smtp, tmp_path
):
    # a hard link to a file of the user's at a preview's name: the file held the email after
    config = write_config(tmp_path, smtp.port)
    out = tmp_path / "eml"
    out.mkdir()
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    os.link(notes, out / "refractory-myeloma-near-boston--navigator@example.org.eml")
    result = CliRunner().invoke(
        cli, ["digest", "run", "--config", str(config), "--dry-run", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert notes.read_text() == "my notes"
    preview = out / "refractory-myeloma-near-boston--navigator@example.org.eml"
    assert "Subject:" in preview.read_text()
    # a new file as any other: 0o666 less the umask (a temporary file's 0o600 was kept)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(preview.stat().st_mode) == 0o666 & ~umask


def test_two_searches_of_one_file_name_keep_a_preview_each(two_trials, smtp, tmp_path):
    # "all" and "all!" are one file name: one preview was written over the other
    config = write_config(tmp_path, smtp.port)
    text = config.read_text()
    second = text[text.index("[[search]]") :].replace('name = "', 'name = "!', 1)
    config.write_text(text + "\n" + second)
    report = run(config, out_dir=tmp_path / "eml")
    assert len(report.written) == 2 and len(set(report.written)) == 2
    assert all(path.exists() for path in report.written)


def test_out_without_dry_run_is_a_usage_error_and_sends_nothing(two_trials, smtp, tmp_path):
    # ("--out preview/" alone sent the real messages and recorded them)
    config = write_config(tmp_path, smtp.port)
    result = CliRunner().invoke(
        cli, ["digest", "run", "--config", str(config), "--out", str(tmp_path / "preview")]
    )
    assert result.exit_code == ExitCode.USAGE
    assert "add --dry-run" in result.stderr
    assert smtp.received == [] and two_trials.pages_served == 0


def test_a_second_run_at_once_exits_with_a_clear_message(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port)
    with RunLock(tmp_path / "state" / "digest.sqlite3", timeout=0):
        result = CliRunner().invoke(cli, ["digest", "run", "--config", str(config)])
    assert result.exit_code == ExitCode.DELIVERY
    assert "another digest run is using" in result.stderr
    assert smtp.received == []
    assert run(config).sent == 1


def test_cli_run_with_a_broken_config_exits_config(tmp_path):
    path = tmp_path / "digest.toml"
    path.write_text("[smtp]\nhost = 1\n")
    result = CliRunner().invoke(cli, ["digest", "run", "--config", str(path)])
    assert result.exit_code == ExitCode.CONFIG
    assert f"{path}:2: smtp.host" in result.stderr


def test_every_request_of_a_run_conforms_to_the_spec(two_trials, smtp, tmp_path):
    from urllib.parse import urlencode

    from spec_check import check_request, spec_available

    if not spec_available():
        pytest.skip("the API spec is not available")
    config = write_config(
        tmp_path,
        smtp.port,
        search_extra='phases = ["early1", 2]\nage = 67\nsex = "female"\n'
        'statuses = ["recruiting", "active-not-recruiting"]\nintervention = "teclistamab (x)"\n'
        'setting = ["refractory", "relapsed"]\nnear = "Boston, MA"\nwithin = "80km"',
    )
    run(config)
    two_trials.studies.pop()  # the next run looks it up by id
    run(config)
    requests = two_trials.studies_requests()
    assert any("filter.ids" in r.params for r in requests)
    for request in requests:
        check_request(f"{two_trials.url}{request.path}?{urlencode(request.params)}")


BOSTON = BOSTON_SITE
WORCESTER = {
    **BOSTON,
    "facility": "UMass Memorial",
    "city": "Worcester",
    "zip": "01655",
    "geoPoint": {"lat": 42.26259, "lon": -71.80229},
}
SEATTLE = {
    **BOSTON,
    "facility": "Fred Hutch",
    "city": "Seattle",
    "state": "Washington",
    "zip": "98109",
    "geoPoint": {"lat": 47.60621, "lon": -122.33207},
}


def test_near_a_place_reports_nearest_sites_and_new_sites_within_range(fake_api, smtp, tmp_path):
    fake_api.studies[:] = [
        make_study("NCT01000001", title="Near Boston", locations=[BOSTON]),
        make_study("NCT01000002", title="Only in Seattle", locations=[SEATTLE]),
    ]
    config = write_config(tmp_path, smtp.port, search_extra='near = "02115"\nwithin = "50mi"')
    run(config)
    # The registry is asked for trials within range, and the tool checks the distance too.
    assert fake_api.studies_requests()[0].params["filter.geo"].startswith("distance(42.")
    (received,) = smtp.received
    text = received.message.get_body(("plain",)).get_content()
    assert received.message["Subject"] == "1 new: refractory myeloma trials near Boston"
    assert "Only in Seattle" not in text
    assert "Sites within 50 miles of 02115" in text
    # the email says what the place left out, and why, as the search does
    html = received.message.get_body(("html",)).get_content()
    left_out = "1 of 2 trials the registry found was left out: no site of it within 50 miles may"
    assert left_out in " ".join(text.split()) and left_out in html
    assert "--setting" not in text
    assert (
        "Nearest site: Dana-Farber Cancer Institute, Boston, Massachusetts, United States (" in text
    )

    fake_api.studies[0]["protocolSection"]["contactsLocationsModule"]["locations"].append(SEATTLE)
    assert run(config).sent == 0  # a new site out of range is not news here

    fake_api.studies[0]["protocolSection"]["contactsLocationsModule"]["locations"].append(WORCESTER)
    run(config)
    message = smtp.received[-1].message
    assert message["Subject"] == "1 new site nearby: refractory myeloma trials near Boston"
    text = message.get_body(("plain",)).get_content()
    assert "A site opened 37 mi away: UMass Memorial, Worcester, Massachusetts." in text, text

    # The Boston site stops recruiting: its own line, with the nearest open site now.
    locations = fake_api.studies[0]["protocolSection"]["contactsLocationsModule"]["locations"]
    locations[0] = {**BOSTON, "status": "ACTIVE_NOT_RECRUITING"}
    run(config)
    message = smtp.received[-1].message
    assert message["Subject"] == "1 nearest site closed: refractory myeloma trials near Boston"
    text = " ".join(message.get_body(("plain",)).get_content().split())
    assert (
        "The nearest site (Dana-Farber Cancer Institute, Boston, Massachusetts, 2 mi) closed; "
        "the nearest open site is now 37 mi away (UMass Memorial, Worcester, Massachusetts)."
    ) in text
    assert "NEAREST SITE CLOSED (1)" in message.get_body(("plain",)).get_content()


def test_a_distance_in_kilometres_is_said_in_miles_as_a_search_says_it(fake_api, smtp, tmp_path):
    fake_api.studies[:] = [make_study("NCT01000001", title="Near Boston", locations=[BOSTON])]
    run(write_config(tmp_path, smtp.port, search_extra='near = "02115"\nwithin = "80km"'))
    message = smtp.received[0].message
    for part in ("plain", "html"):
        text = " ".join(message.get_body((part,)).get_content().split())
        assert "Sites within 49.7 miles of 02115" in text  # not 49.7097


def test_closed_sites_in_range_do_not_make_a_trial_near(fake_api, smtp, tmp_path):
    legnica = {
        **BOSTON,
        "facility": "Wojewodzki Szpital Specjalistyczny w Legnicy",
        "city": "Legnica",
        "state": "",
        "zip": "59-220",
        "country": "Poland",
        "geoPoint": {"lat": 51.21006, "lon": 16.1619},
    }
    completed = [{**site, "status": "COMPLETED"} for site in (BOSTON, WORCESTER)]
    fake_api.studies[:] = [
        # As NCT02227251: recruiting in Poland, its Boston sites completed.
        make_study("NCT01000001", title="Closed near Boston", locations=[*completed, legnica]),
        make_study("NCT01000002", title="No site status", locations=[{**WORCESTER, "status": ""}]),
    ]
    config = write_config(tmp_path, smtp.port, search_extra='near = "02115"\nwithin = "100mi"')
    run(config)
    (received,) = smtp.received
    assert received.message["Subject"] == "1 new: refractory myeloma trials near Boston"
    text = received.message.get_body(("plain",)).get_content()
    assert "Closed near Boston" not in text and "Legnica" not in text
    assert "No site status" in text  # a site that gives no status may enrol


def crashed_run(config, monkeypatch) -> None:
    """A run that dies right after the SMTP server took the message."""
    with monkeypatch.context() as patch:
        patch.setattr(DigestState, "delivered", lambda self, pending: (_ for _ in ()).throw(Crash))
        with pytest.raises(Crash):
            run(config)


def test_a_refused_resend_is_kept_and_nothing_newer_overtakes_it(
    two_trials, smtp, tmp_path, monkeypatch
):
    config = write_config(tmp_path, smtp.port)
    crashed_run(config, monkeypatch)
    first_id = smtp.received[0].message["Message-ID"]
    set_status(two_trials, "NCT01000001", "RECRUITING")
    smtp.refuse_data("554 5.7.1 Try later")
    report = run(config)
    assert (report.sent, report.failed, report.exit_code) == (0, 1, ExitCode.DELIVERY)
    assert len(smtp.received) == 1  # no new message built while the old one is unconfirmed

    run(config)
    assert [r.message["Message-ID"] for r in smtp.received][:2] == [first_id, first_id]
    assert subjects(smtp)[2] == "1 now recruiting: refractory myeloma trials near Boston"
    assert run(config).sent == 0 and len(smtp.received) == 3


def test_a_pending_message_for_a_removed_recipient_is_dropped(
    two_trials, smtp, tmp_path, monkeypatch, caplog
):
    config = write_config(tmp_path, smtp.port, recipients=(FAMILY,))
    crashed_run(config, monkeypatch)
    config = write_config(tmp_path, smtp.port, recipients=(NAVIGATOR,))
    run(config)
    assert [r.rcpt_tos for r in smtp.received] == [[FAMILY], [NAVIGATOR]]
    assert any("no longer sends to them" in r.getMessage() for r in caplog.records)
    with DigestState.open(tmp_path / "state" / "digest.sqlite3") as state:
        assert state.pending() == []


def test_hostile_record_text_over_real_smtp(fake_api, smtp, tmp_path):
    fake_api.studies[:] = [
        make_study(
            "NCT01000001",
            title='Trial\r\nBcc: victim@example.net\r\n\r\n<script>alert("x")</script>\n.\nQUIT',
            summary="<img src=x onerror=alert(1)>",
        )
    ]
    config = write_config(tmp_path, smtp.port)
    assert run(config).sent == 1
    (received,) = smtp.received
    assert received.rcpt_tos == [NAVIGATOR]  # no extra recipient smuggled in
    message = received.message
    assert message["Bcc"] is None
    assert message["Subject"] == "1 new: refractory myeloma trials near Boston"
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    text = message.get_body(("plain",)).get_content()
    # The lone "." line (end of data in SMTP) did not cut the message short.
    assert "QUIT" in text and text.rstrip().endswith(
        "Talk to your care team before acting on anything in it."
    )


def test_trials_that_left_are_looked_up_in_batches(fake_api, smtp, tmp_path, monkeypatch):
    from trialfinder.digest import searching

    from factories import many_studies

    monkeypatch.setattr(searching, "LOOKUP_BATCH", 2)
    fake_api.studies[:] = many_studies(5)
    config = write_config(tmp_path, smtp.port)
    run(config)
    left = fake_api.studies[:]
    fake_api.studies[:] = []  # all five left the results...
    fake_api.studies.extend(left[:2])  # ...but two are still listed: set them apart
    for study in fake_api.studies:
        study["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"

    def only_by_id(*args, **kwargs):  # the fake API ignores statuses: answer only look-ups
        return real_page(*args, **kwargs) if args[0].get("filter.ids") else {"studies": []}

    real_page = fake_api._page
    monkeypatch.setattr(fake_api, "_page", only_by_id)
    run(config)
    lookups = [
        r.params["filter.ids"] for r in fake_api.studies_requests() if "filter.ids" in r.params
    ]
    assert [len(ids.split("|")) for ids in lookups] == [2, 2, 1]
    assert (
        subjects(smtp)[-1]
        == "2 closed, 3 no longer matching: refractory myeloma trials near Boston"
    )


def test_categories_and_biomarkers_filter_on_the_tags_shown_in_the_email(fake_api, smtp, tmp_path):
    fake_api.studies[:] = [
        make_study(
            "NCT01000001",
            title="A CAR T trial",
            interventions=[{"type": "BIOLOGICAL", "name": "Ciltacabtagene autoleucel"}],
        ),
        make_study(
            "NCT01000002",
            title="A KRAS trial",
            interventions=[{"type": "DRUG", "name": "Sotorasib"}],
            criteria="Inclusion Criteria:\n\n* Refractory NSCLC with a KRAS G12C mutation\n",
        ),
        make_study(
            "NCT01000003",
            title="A trial of neither",
            interventions=[{"type": "DRUG", "name": "Melphalan"}],
        ),
    ]
    config = write_config(
        tmp_path, smtp.port, search_extra='categories = ["car-t"]\nbiomarkers = ["KRAS"]'
    )
    run(config)
    assert subjects(smtp) == []  # no trial is both CAR T and KRAS

    config = write_config(tmp_path, smtp.port, search_extra='categories = ["car-t"]')
    run(config)
    text = smtp.received[-1].message.get_body(("plain",)).get_content()
    assert "A CAR T trial" in text and "A KRAS trial" not in text and "neither" not in text
    # In words, never the code used on the command line.
    (approach,) = re.findall(r"Treatment approach: (.*)", text)
    assert "CAR T cell therapy" in approach and "car-t" not in approach

    config = write_config(tmp_path, smtp.port, search_extra='biomarkers = ["kras"]')
    run(config)
    message = smtp.received[-1].message
    # The saved search changed: the CAR T trial no longer matches it, the KRAS one is new.
    assert (
        message["Subject"] == "1 new, 1 no longer matching: refractory myeloma trials near Boston"
    )
    html = message.get_body(("html",)).get_content()
    assert (
        html.index("A KRAS trial") < html.index("No longer matching") < html.index("A CAR T trial")
    )
    assert "Biomarkers: KRAS G12C" in html


@pytest.mark.parametrize(
    "setting, sent",
    [
        ("", {"NCT01000001", "NCT01000003"}),  # the default: disease treated before
        ('setting = ["resistant"]', {"NCT01000003"}),
        ('setting = ["any"]', {"NCT01000001", "NCT01000002", "NCT01000003"}),
    ],
)
def test_the_setting_of_a_saved_search_is_confirmed_with_the_tags(
    fake_api, smtp, tmp_path, setting, sent
):
    fake_api.studies[:] = [
        make_study("NCT01000001", title="Drug A in Relapsed Myeloma"),
        make_study(
            "NCT01000002",
            title="Drug B in Newly Diagnosed Myeloma",
            criteria="Inclusion Criteria:\n\n* Newly diagnosed myeloma, no prior therapy\n",
        ),
        make_study(
            "NCT01000003",
            title="Drug C in Lenalidomide-Resistant Myeloma",
            criteria="Inclusion Criteria:\n\n* Adults\n",
        ),
    ]
    run(write_config(tmp_path, smtp.port, search_extra=setting))
    text = smtp.received[-1].message.get_body(("plain",)).get_content()
    assert {
        nct_id for nct_id in ("NCT01000001", "NCT01000002", "NCT01000003") if nct_id in text
    } == sent
    query = fake_api.studies_requests()[0].params.get("query.term", "")
    assert ('"castration-resistant"' in query) == (setting != 'setting = ["any"]')


def test_each_trial_comes_with_its_plain_language_summary(two_trials, smtp, tmp_path):
    run(write_config(tmp_path, smtp.port))
    message = smtp.received[0].message
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Trial page: https://clinicaltrials.gov/study/NCT01000001" in body
        assert "Trial page: https://clinicaltrials.gov/study/NCT01000002" in body
        assert body.count("What does it test?") == 2
    assert html.count(">What does it test?</h4>") == 2  # a heading in HTML, not a line


def test_a_broken_template_stops_check_and_run_before_anything_is_sent(two_trials, smtp, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "digest.html.j2").write_text("<p>{% for x in %}</p>\n")
    config = write_config(tmp_path, smtp.port, digest_extra=f'templates = "{folder}"')
    for command in ("check", "run"):
        result = CliRunner().invoke(cli, ["digest", command, "--config", str(config)])
        assert result.exit_code == ExitCode.CONFIG, result.output
        assert "digest.html.j2 is broken at line 1" in result.stderr
    assert smtp.received == [] and two_trials.requests == []


def test_the_global_templates_option_applies_without_a_config_folder(two_trials, smtp, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "digest.txt.j2").write_text("Mine: {{ counts }}\n")
    config = write_config(tmp_path, smtp.port)
    result = CliRunner().invoke(
        cli, ["--templates", str(folder), "digest", "run", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    assert smtp.received[0].message.get_body(("plain",)).get_content().strip() == "Mine: 2 new"


def test_past_max_summaries_trials_are_listed_without_their_summary(two_trials, smtp, tmp_path):
    run(write_config(tmp_path, smtp.port, digest_extra="max_summaries = 1"))
    text = smtp.received[0].message.get_body(("plain",)).get_content()
    assert text.count("What does it test?") == 1
    assert "summary is shown for the first\n1 trial only" in text.replace("\r\n", "\n")
    # so does the HTML part (it showed every summary while saying it showed one)
    html = smtp.received[0].message.get_body(("html",)).get_content()
    assert html.count("What does it test?") == 1
    # Both trials are still there, with their links.
    assert "study/NCT01000001" in text and "study/NCT01000002" in text


def test_no_summaries_at_all_is_said_so(two_trials, smtp, tmp_path):
    # "the plain-language summary is shown for the first 0 trials only"
    run(write_config(tmp_path, smtp.port, digest_extra="max_summaries = 0"))
    text = smtp.received[0].message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = smtp.received[0].message.get_body(("html",)).get_content()
    assert "What does it test?" not in text and "first\n0 trials" not in text
    assert "Plain-language summaries are left out of this email" in text
    assert "Plain-language summaries are left out of this email" in html


def test_two_runs_at_once_send_each_change_once(two_trials, smtp, tmp_path):
    import threading

    config = write_config(tmp_path, smtp.port, state_extra="")
    config.write_text(config.read_text().replace("lock_timeout = 0", "lock_timeout = 30"))
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(run(config))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # One run waited for the other, then found nothing left to send.
    assert sorted(r.sent for r in reports) == [0, 1]
    assert subjects(smtp) == ["2 new: refractory myeloma trials near Boston"]


def test_each_saved_search_sends_each_recipient_its_own_message(two_trials, smtp, tmp_path):
    # What docs/digests.md and `digest run --help` say: one message per saved search and recipient.
    second = f"""
[[search]]
name = "Lymphoma"
subject = "lymphoma trials"
condition = "lymphoma"
recipients = ["{NAVIGATOR}", "{FAMILY}"]
"""
    config = write_config(tmp_path, smtp.port, more_searches=second)
    report = run(config)
    assert report.sent == 3
    assert sorted(subjects(smtp, NAVIGATOR)) == [
        "2 new: lymphoma trials",
        "2 new: refractory myeloma trials near Boston",
    ]
    assert subjects(smtp, FAMILY) == ["2 new: lymphoma trials"]
    assert len({r.message["Message-ID"] for r in smtp.received}) == 3
