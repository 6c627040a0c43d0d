"""Render the digest email as a reader sees it, to a PNG for the README.

Usage: python benchmarks/render_email.py [--out docs/digest-email.png] [--html FILE]
                                         [--width 760] [--chromium PATH]

The email is made as `trialfinder digest run --dry-run` makes it, from real records
(``../shared/ctgov/records`` or ``$TRIALFINDER_SHARED_DIR/records``) served by the tests' fake
API on loopback: the saved search "Refractory myeloma near Boston" runs once on an earlier
state of four records (recorded, nothing sent), then on the records as they are, and the
.eml it writes is the email. The earlier state is made from the records themselves: one trial
was not yet recruiting, one was not yet listed (the two others did not change: they are not in
the email). The HTML part is then screenshot by headless
Chromium (``apt-get install chromium``), as wide as ``--width`` and as tall as the page.
Needs the test extra (the fake API). Nothing is sent and nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from common import ROOT, FakeApi, real_records

SEARCH = """
[smtp]
host = "127.0.0.1"
port = 9
security = "none"
sender = "Trial digest <digest@example.org>"

[state]
path = "{state}"
first_run = "record"

[digest]
list_unsubscribe = "<mailto:digest-admin@example.org?subject=unsubscribe%20{{recipient}}>"

[[search]]
name = "Refractory myeloma near Boston"
subject = "refractory myeloma trials near Boston"
condition = "multiple myeloma"
near = "Boston, MA"
within = "100mi"
recipients = ["family@example.org"]
"""
# Refractory or relapsed myeloma trials with a site within 100 miles of Boston.
TRIALS = ("NCT04975997", "NCT05519085", "NCT05552976", "NCT05572515")
WAS_NOT_YET_RECRUITING = "NCT05552976"
NOT_LISTED_BEFORE = ("NCT05519085",)
WHEN = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.timezone.utc)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def earlier(studies: list[dict]) -> list[dict]:
    """The records as an earlier run saw them (see the module's docstring)."""
    before = []
    for study in copy.deepcopy(studies):
        protocol = study["protocolSection"]
        nct_id = protocol["identificationModule"]["nctId"]
        if nct_id in NOT_LISTED_BEFORE:
            continue
        if nct_id == WAS_NOT_YET_RECRUITING:
            protocol["statusModule"]["overallStatus"] = "NOT_YET_RECRUITING"
            for site in protocol.get("contactsLocationsModule", {}).get("locations", []):
                if site.get("status") == "RECRUITING":
                    site["status"] = "NOT_YET_RECRUITING"
        before.append(study)
    return before


def digest_html(folder: Path) -> str:
    """The HTML part of the digest email, made by two digest runs (the first records)."""
    os.environ.update(
        TRIALFINDER_MIN_INTERVAL="0",
        TRIALFINDER_CACHE="0",
        XDG_CACHE_HOME=str(folder / "cache"),
        NO_PROXY="127.0.0.1,localhost",
    )
    from trialfinder import sources
    from trialfinder.digest.config import load_config
    from trialfinder.digest.run import run_digest
    from trialfinder.settings import Settings

    by_id = {r["protocolSection"]["identificationModule"]["nctId"]: r for r in real_records()}
    missing = [nct_id for nct_id in TRIALS if nct_id not in by_id]
    if missing:
        sys.exit(f"records not found: {', '.join(missing)}")
    studies = [by_id[nct_id] for nct_id in TRIALS]
    config_path = folder / "digest.toml"
    config_path.write_text(SEARCH.format(state=folder / "digest.sqlite3"), encoding="utf-8")
    with FakeApi(earlier(studies)) as api:
        os.environ["TRIALFINDER_API_URL"] = api.url
        config = load_config(config_path)
        source = sources.create("clinicaltrials.gov", Settings.from_env())
        run_digest(config, source, now=WHEN - dt.timedelta(days=7))  # records only
        api.studies[:] = studies
        report = run_digest(config, source, out_dir=folder / "out", now=WHEN)
    if len(report.written) != 1:
        sys.exit(f"expected one message, the run wrote {len(report.written)}")
    message = message_from_bytes(Path(report.written[0]).read_bytes(), policy=default)
    return message.get_body(("html",)).get_content()


def chromium(path: str | None) -> str:
    found = path or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        sys.exit("Chromium was not found: apt-get install chromium, or give --chromium PATH")
    return found


def run_chromium(binary: str, folder: Path, *args: str) -> str:
    profile = tempfile.mkdtemp(prefix="profile-", dir=folder)
    done = subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"Chromium failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def page_height(binary: str, folder: Path, html: str, width: int) -> int:
    """How tall the page is at ``width``: a copy of it writes its height into its title."""
    measuring = folder / "measure.html"
    script = "<script>document.title = 'height:' + document.documentElement.scrollHeight</script>"
    measuring.write_text(html.replace("</body>", script + "</body>"), encoding="utf-8")
    dom = run_chromium(
        binary, folder, f"--window-size={width},800", "--dump-dom", measuring.as_uri()
    )
    found = re.search(r"<title>height:(\d+)</title>", dom)
    if not found:
        sys.exit("could not measure the page's height")
    return int(found.group(1))


def screenshot(html: str, out: Path, width: int, binary: str) -> tuple[int, int]:
    """Write ``html``'s picture to ``out``; returns its width and height."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        page = folder / "digest.html"
        page.write_text(html, encoding="utf-8")
        height = page_height(binary, folder, html, width)
        out.parent.mkdir(parents=True, exist_ok=True)
        shot = folder / "digest.png"
        run_chromium(
            binary, folder, f"--window-size={width},{height}", f"--screenshot={shot}", page.as_uri()
        )
        shutil.copyfile(shot, out)
    return width, height


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "digest-email.png")
    parser.add_argument("--html", type=Path, help="also write the email's HTML part here")
    parser.add_argument("--width", type=int, default=760)
    parser.add_argument("--chromium", help="the Chromium program (default: found on PATH)")
    args = parser.parse_args(argv)
    binary = chromium(args.chromium)
    with tempfile.TemporaryDirectory() as tmp:
        html = digest_html(Path(tmp))
    if args.html:
        args.html.write_text(html, encoding="utf-8")
    width, height = screenshot(html, args.out, args.width, binary)
    print(f"{args.out}: {width} x {height} pixels")


if __name__ == "__main__":
    main()
