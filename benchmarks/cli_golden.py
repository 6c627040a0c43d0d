"""Record what the command line says for a set of searches, to compare before and after a change.

    python benchmarks/cli_golden.py record DIR    # run every case, one file per case in DIR
    python benchmarks/cli_golden.py diff OLD NEW  # every case whose output or exit code changed

Each case runs `trialfinder` in a subprocess against the loopback fake API (tests/fakeapi.py)
serving the real reference records: searches written as JSON, NDJSON, CSV, the plain table
(a pipe) and the table on an 80-column terminal, searches by NCT id, with a place, a profile
and a comparison, `show` as text and JSON, and the usage errors of the options that go
together. A case's file holds its exit code, standard output and standard error. A change
that must not change what users see (a refactoring) leaves every case as it was.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, FakeApi, real_records

sys.path.insert(0, str(ROOT / "tests"))

PROFILE = """\
age = 64
sex = "female"
diagnosis = "multiple myeloma"
setting = ["relapsed", "refractory"]
prior_lines = 4
prior_treatments = ["lenalidomide", "bortezomib", "daratumumab"]
refractory_to = ["lenalidomide"]
biomarkers = ["KRAS G12C", "EGFR negative"]
ecog = 1
brain_metastases = "none"
"""

IDS = "# a list\nNCT06627647\nNCT04267848\nnct05048797\nNCT09999999\n"
BAD_IDS = "NCT06627647\nNCT0000\n"

DIGEST = """\
[smtp]
host = "127.0.0.1"
port = 2525
security = "none"
sender = "Trial digest <digest@example.org>"

[state]
path = "state.sqlite3"

[digest]
max_summaries = 3

[[search]]
name = "Myeloma near Boston"
condition = "multiple myeloma"
near = "02115"
within = 500
categories = ["immunotherapy", "targeted-therapy"]
recipients = ["navigator@example.org"]

[[search]]
name = "Relapsed, with a profile"
setting = ["relapsed"]
phases = [2, 3]
recipients = ["family@example.org"]
profile = "p.toml"
"""

# name -> (arguments, on a terminal)
CASES: dict[str, tuple[list[str], bool]] = {
    "json-default": (["search", "myeloma", "--format", "json"], False),
    "ndjson-any": (["search", "--setting", "any", "--format", "ndjson"], False),
    "csv-any": (["search", "--setting", "any", "--format", "csv"], False),
    "csv-excel-limit": (["search", "--setting", "any", "--excel", "--limit", "7"], False),
    "json-category": (
        ["search", "lymphoma", "--category", "immunotherapy", "-o", "{tmp}/c.json"],
        False,
    ),
    "csv-biomarker": (
        [
            "search",
            "--biomarker",
            "HER2",
            "--biomarker",
            "KRAS",
            "--setting",
            "any",
            "--format",
            "csv",
        ],
        False,
    ),
    "json-relapsed-limit": (
        ["search", "--setting", "relapsed", "--limit", "5", "--format", "json"],
        False,
    ),
    "json-near": (["search", "--near", "02115", "--within", "500mi", "--format", "json"], False),
    "csv-near-sort": (
        ["search", "--near", "Houston, TX", "--sort", "updated", "--limit", "9", "--format", "csv"],
        False,
    ),
    "table-plain": (["search", "--setting", "any"], False),
    "table-plain-near": (["search", "--near", "02115", "--limit", "20"], False),
    "table-terminal": (["search", "--setting", "any", "--limit", "12"], True),
    "table-terminal-near": (["search", "myeloma", "--near", "02115", "--limit", "8"], True),
    "table-terminal-profile": (["search", "--profile", "{tmp}/p.toml", "--limit", "8"], True),
    "ids-json": (["search", "--ids-file", "{tmp}/ids.txt", "--format", "json"], False),
    "ids-csv-from-shortlist": (
        ["search", "--ids-file", "{tmp}/short.csv", "--format", "csv"],
        False,
    ),
    "ids-table": (["search", "--ids-file", "{tmp}/ids.txt"], False),
    "profile-json": (["search", "--profile", "{tmp}/p.toml", "--format", "json"], False),
    "profile-csv-fit": (
        ["search", "--profile", "{tmp}/p.toml", "--fit", "possible,check", "--format", "csv"],
        False,
    ),
    "profile-limit": (
        ["search", "--profile", "{tmp}/p.toml", "--limit", "3", "--format", "ndjson"],
        False,
    ),
    "compare": (["search", "--setting", "refractory", "--compare", "{tmp}/short.csv"], False),
    "digest-check": (["digest", "check", "--config", "{tmp}/digest.toml"], False),
    "digest-dry-run": (
        ["digest", "run", "--config", "{tmp}/digest.toml", "--dry-run", "--out", "{tmp}/c.eml"],
        False,
    ),
    "show-text": (["show", "NCT06627647"], False),
    "show-json": (["show", "NCT04267848", "--format", "json"], False),
    "show-near-text": (["show", "NCT05048797", "--near", "02115"], False),
    "show-profile-text": (["show", "NCT04862663", "--profile", "{tmp}/p.toml"], False),
    "show-profile-json": (
        ["show", "NCT04862663", "--profile", "{tmp}/p.toml", "--format", "json"],
        False,
    ),
    "error-within": (["search", "--within", "50mi", "--format", "json"], False),
    "error-sort": (["search", "--sort", "distance", "--format", "json"], False),
    "error-fit": (["search", "--fit", "possible", "--format", "json"], False),
    "error-excel": (["search", "--excel", "--format", "json"], False),
    "error-compare": (["search", "--compare", "{tmp}/short.csv", "--format", "json"], False),
    "error-limit": (["search", "--limit", "-1"], False),
    "error-biomarker": (["search", "--biomarker", "KRASS", "--format", "json"], False),
    "error-ids": (["search", "--ids-file", "{tmp}/bad-ids.txt"], False),
    "error-near": (["search", "--near", "nowhere at all", "--format", "json"], False),
}


def _prepare(tmp: Path, url: str, env: dict[str, str]) -> None:
    (tmp / "p.toml").write_text(PROFILE, encoding="utf-8")
    (tmp / "ids.txt").write_text(IDS, encoding="utf-8")
    (tmp / "bad-ids.txt").write_text(BAD_IDS, encoding="utf-8")
    (tmp / "digest.toml").write_text(DIGEST, encoding="utf-8")
    # A shortlist of the trials of one search, for --ids-file and --compare.
    args = ["search", "--setting", "relapsed", "--limit", "15", "-o", str(tmp / "short.csv")]
    subprocess.run(
        [sys.executable, "-m", "trialfinder", *args], env=env, check=True, capture_output=True
    )


def _run(args: list[str], terminal: bool, env: dict[str, str]) -> str:
    if terminal:
        from ptykit import run_on_screen

        screen = run_on_screen(*args, columns=80, env=env)
        return f"exit {screen.returncode}\n--- screen\n{screen.text}\n"
    done = subprocess.run(
        [sys.executable, "-m", "trialfinder", *args], env=env, capture_output=True, text=True
    )
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}--- stderr\n{done.stderr}"


TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", re.MULTILINE)


def _written(path: Path) -> str:
    """A file (or folder of messages) a case wrote, without what differs from run to run."""
    if path.is_dir():
        text = "".join(_written(p) for p in sorted(path.iterdir()))
        shutil.rmtree(path)
        return text
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    varying = ("Date:", "Message-ID:", "Content-Type: multipart", "--=====", " boundary=")
    kept = "".join(line for line in lines if not line.startswith(varying))
    path.unlink()
    return f"--- {path.name}\n{kept}"


def record(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with FakeApi(real_records()) as api, tempfile.TemporaryDirectory() as folder:
        api.filter_statuses = True
        tmp = Path(folder)
        env = {
            **os.environ,
            "TRIALFINDER_API_URL": api.url,
            "TRIALFINDER_CACHE": "0",
            "COLUMNS": "80",
            "TRIALFINDER_MIN_INTERVAL": "0",
            "TRIALFINDER_RETRY_WAIT": "0",
        }
        _prepare(tmp, api.url, env)
        for name, (args, terminal) in CASES.items():
            args = [a.replace("{tmp}", str(tmp)) for a in args]
            text = _run(args, terminal, env).replace(str(tmp), "TMP")
            text = TIME.sub("TIME", text)  # the digest's log lines
            for written in sorted(tmp.glob("c.*")):
                text += _written(written)
            (target / f"{name}.txt").write_text(text, encoding="utf-8")
            print(f"{name}: {text.splitlines()[0]}")


def diff(old: Path, new: Path) -> int:
    changed = 0
    for path in sorted(old.glob("*.txt")):
        other = new / path.name
        if not other.exists():
            print(f"{path.stem}: missing in {new}")
            changed += 1
            continue
        a, b = path.read_text(encoding="utf-8"), other.read_text(encoding="utf-8")
        if a != b:
            changed += 1
            lines = difflib.unified_diff(
                a.splitlines(), b.splitlines(), str(path), str(other), lineterm="", n=1
            )
            print("\n".join(lines))
    print(f"{changed} of {len(list(old.glob('*.txt')))} cases changed")
    return 1 if changed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("record").add_argument("dir", type=Path)
    compare = commands.add_parser("diff")
    compare.add_argument("old", type=Path)
    compare.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "record":
        record(args.dir)
    else:
        sys.exit(diff(args.old, args.new))


if __name__ == "__main__":
    main()
