"""How long a digest run takes, and how big its state grows, for a large saved search.

Usage: python benchmarks/digest_run.py [TRIALS] [RECIPIENTS]

A fake ClinicalTrials.gov API and an SMTP server, both real servers on loopback (from tests/),
serve TRIALS made-up trials (default 2,000) to one saved search with RECIPIENTS recipients
(default 5). It times the first run (everything is new), a run without changes, and a run
after a tenth of the trials changed status, and prints the size of the state file and of
the largest message. Needs the test extra (aiosmtpd).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from digestkit import run, write_config  # noqa: E402
from factories import many_studies  # noqa: E402
from fakeapi import FakeApi  # noqa: E402
from smtpserver import SmtpServer  # noqa: E402

GOAL_SECONDS = (
    10.0  # a weekly job: well under a minute for a large search, beyond the API's own time
)


def main(argv: list[str]) -> None:
    trials = int(argv[1]) if len(argv) > 1 else 2000
    recipients = int(argv[2]) if len(argv) > 2 else 5
    os.environ["TRIALFINDER_MIN_INTERVAL"] = "0"
    with tempfile.TemporaryDirectory() as folder, FakeApi(many_studies(trials)) as api:
        os.environ["TRIALFINDER_API_URL"] = api.url
        tmp = Path(folder)
        with SmtpServer() as smtp:
            addresses = tuple(f"r{n}@example.org" for n in range(recipients))
            config = write_config(tmp, smtp.port, recipients=addresses)
            timings = {}
            started = time.perf_counter()
            run(config)
            timings["first run (all new)"] = time.perf_counter() - started
            started = time.perf_counter()
            run(config)
            timings["no changes"] = time.perf_counter() - started
            for study in api.studies[::10]:
                study["protocolSection"]["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
            started = time.perf_counter()
            run(config)
            timings["a tenth closed"] = time.perf_counter() - started
            largest = max(len(r.data) for r in smtp.received)
            sent = len(smtp.received)
        state = tmp / "state" / "digest.sqlite3"
        print(f"{trials:,} trials, {recipients} recipients, {sent} messages sent")
        for name, seconds in timings.items():
            flag = "" if seconds <= GOAL_SECONDS else f"  (over the {GOAL_SECONDS:g}s goal)"
            print(f"  {name:<22} {seconds:6.2f} s{flag}")
        print(f"  state file             {state.stat().st_size / 1024:6.0f} KiB")
        print(f"  largest message        {largest / 1024:6.0f} KiB")


if __name__ == "__main__":
    main(sys.argv)
