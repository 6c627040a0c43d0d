"""Record, or compare against, what trialfinder says about every real reference record.

    python benchmarks/golden.py record FILE     # tags, evidence and summary of each record
    python benchmarks/golden.py diff OLD NEW    # every record whose output changed, field by field
    python benchmarks/golden.py summary OLD NEW # one line a changed record: what changed where

Before a change to tagging or summaries, record the outputs; after it, record them again and
diff: every difference must be a deliberate fix, explained in the closing note.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

from common import shared_dir


def outputs(nct_path: Path) -> dict[str, Any]:
    from trialfinder.model import parse_study
    from trialfinder.pipeline import build_result
    from trialfinder.records import tag_record

    trial = parse_study(json.loads(nct_path.read_text(encoding="utf-8")))
    result = build_result(trial)
    record = tag_record(result.tags)
    record["nct_id"] = trial.nct_id
    record["summary"] = result.summary
    return record


def record(target: Path) -> None:
    paths = sorted((shared_dir() / "records").glob("NCT*.json"))
    if not paths:
        sys.exit(f"no records in {shared_dir() / 'records'}")
    with target.open("w", encoding="utf-8") as out:
        for path in paths:
            out.write(json.dumps(outputs(path), ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(paths)} records written to {target}")


def load(path: Path) -> dict[str, dict[str, Any]]:
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {row["nct_id"]: row for row in rows}


def reasons(row: dict[str, Any]) -> list[str]:
    """The evidence's sentences, the part of it users read (``show``, the CSV column)."""
    return [e["reason"] for e in row.get("evidence") or []]


def changed_keys(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Keys whose value changed; a key the old output did not have counts only when filled.
    Evidence counts when its sentences changed."""
    return [
        k
        for k in sorted(a.keys() | b.keys())
        if (
            reasons(a) != reasons(b)
            if k == "evidence"
            else (a.get(k) or None) != (b.get(k) or None)
        )
    ]


SECTIONS = {
    "What does it test?": "tested",
    "Who is it for?": "who",
    "What are some key rules?": "rules",
    "Is it open, and where?": "where",
    "How can I ask about it?": "contact",
    "Which step of testing is it?": "phase",
}


def summary_sections(text: str) -> dict[str, list[str]]:
    """The summary's lines by section."""
    found: dict[str, list[str]] = {}
    section = "top"
    for line in text.splitlines():
        if line in SECTIONS:
            section = SECTIONS[line]
        elif line.strip():
            found.setdefault(section, []).append(line)
    return found


def summarize_changes(old_path: Path, new_path: Path) -> None:
    old, new = load(old_path), load(new_path)
    counts: dict[str, int] = {}
    for nct_id in sorted(old.keys() | new.keys()):
        a, b = old.get(nct_id, {}), new.get(nct_id, {})
        parts = []
        for key in changed_keys(a, b):
            if key == "summary":
                before = summary_sections(a.get(key) or "")
                after = summary_sections(b.get(key) or "")
                for section in sorted(before.keys() | after.keys()):
                    gone = [x for x in before.get(section, []) if x not in after.get(section, [])]
                    came = [x for x in after.get(section, []) if x not in before.get(section, [])]
                    if gone or came:
                        parts.append(f"summary {section} -{len(gone)}+{len(came)}")
                        counts[f"summary {section}"] = counts.get(f"summary {section}", 0) + 1
            elif key == "evidence":
                was, now = reasons(a), reasons(b)
                gone = sum(x not in now for x in was)
                came = sum(x not in was for x in now)
                parts.append(f"evidence -{gone}+{came}")
                counts[key] = counts.get(key, 0) + 1
            elif isinstance(b.get(key) or a.get(key), list) and key != "requirements":
                was, now = a.get(key) or [], b.get(key) or []
                removed = [x for x in was if x not in now]
                added = [x for x in now if x not in was]
                parts.append(
                    f"{key} " + " ".join([*(f"-{x}" for x in removed), *(f"+{x}" for x in added)])
                )
                counts[key] = counts.get(key, 0) + 1
            else:
                parts.append(f"{key} ({len(b.get(key) or [])})")
                counts[key] = counts.get(key, 0) + 1
        if parts:
            print(f"{nct_id}: " + "; ".join(parts))
    print("records changed, by part: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


def diff(old_path: Path, new_path: Path) -> None:
    old, new = load(old_path), load(new_path)
    changed = 0
    for nct_id in sorted(old.keys() | new.keys()):
        a, b = old.get(nct_id, {}), new.get(nct_id, {})
        keys = changed_keys(a, b)
        if not keys:
            continue
        changed += 1
        print(f"== {nct_id}")
        for key in keys:
            if key == "summary":
                lines = difflib.unified_diff(
                    (a.get(key) or "").splitlines(), (b.get(key) or "").splitlines(), n=0
                )
                print("  summary:")
                for line in list(lines)[2:]:
                    if not line.startswith("@@"):
                        print("    " + line)
            elif key == "evidence":
                was, now = reasons(a), reasons(b)
                print("  evidence:")
                for line in [f"    -{x}" for x in was if x not in now]:
                    print(line)
                for line in [f"    +{x}" for x in now if x not in was]:
                    print(line)
            else:
                print(f"  {key}: {a.get(key)!r} -> {b.get(key)!r}")
    print(f"{changed} of {len(old.keys() | new.keys())} records changed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("file", type=Path)
    for name in ("diff", "summary"):
        command = sub.add_parser(name)
        command.add_argument("old", type=Path)
        command.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "record":
        record(args.file)
    elif args.command == "diff":
        diff(args.old, args.new)
    else:
        summarize_changes(args.old, args.new)


if __name__ == "__main__":
    main()
