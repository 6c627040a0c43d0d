"""How well the prescreen says who could join a trial, against hand labels.

    python benchmarks/prescreen_eval.py [--errors dev] [--pairs dev]

The labels are benchmarks/labels/prescreen.tsv (profile, nct_id, label, deciding criterion,
reason, ambiguous) with the profiles in benchmarks/labels/profiles/ (see PRESCREEN.md); the
records come from the reference records (``$TRIALFINDER_SHARED_DIR/records``). Ambiguous pairs
are left out of scoring. A third of the pairs is held out, chosen by sha256(profile + nct_id)
(see :func:`is_held_out`): write rules looking only at the development mistakes.

Prints, for the development and the held-out pairs:
- precision and recall of ``excluded`` (a wrong exclusion hides a trial from a patient: it is
  the worst error);
- the share of ``possible`` among the pairs labelled eligible (the rest are ``check``, or
  wrongly ``excluded``);
- per rule kind: of the pairs where a check of that kind failed (so that the trial was
  excluded), how many are labelled excluded (its precision).

The verdicts are worked out as of LABELS_DATE, the day the labels were made, so that a washout
period does not move the figures as time passes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from common import shared_dir
from evaluation import Counts

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels"
PARTS = ("dev", "held-out")
LABELS_DATE = dt.date(2026, 12, 1)
GOALS = {"precision": 0.95, "recall": 0.80, "rule precision": 0.90}


def is_held_out(profile: str, nct_id: str) -> bool:
    """A third of the pairs, fixed by a hash of the profile's name and the NCT id."""
    digest = hashlib.sha256(f"{profile}{nct_id}".encode()).hexdigest()
    return int(digest, 16) % 3 == 0


def read_labels() -> list[dict[str, str]]:
    with (LABELS / "prescreen.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def verdicts(labels: list[dict[str, str]]) -> dict[tuple[str, str], Any]:
    """(profile, nct_id) -> the prescreen's Fit, for every labelled pair."""
    from trialfinder.model import parse_study
    from trialfinder.prescreen import prescreen
    from trialfinder.profile import load_profile
    from trialfinder.tagging import tag_trial

    records = shared_dir() / "records"
    profiles = {
        name: load_profile(LABELS / "profiles" / f"{name}.toml")
        for name in sorted({row["profile"] for row in labels})
    }
    trials: dict[str, Any] = {}
    found = {}
    for row in labels:
        nct_id = row["nct_id"]
        if nct_id not in trials:
            path = records / f"{nct_id}.json"
            if not path.exists():
                sys.exit(f"no record {path} (set TRIALFINDER_SHARED_DIR)")
            trial = parse_study(json.loads(path.read_text(encoding="utf-8")))
            trials[nct_id] = (trial, tag_trial(trial))
        trial, tags = trials[nct_id]
        found[(row["profile"], nct_id)] = prescreen(
            trial, tags, profiles[row["profile"]], today=LABELS_DATE
        )
    return found


class Figures(Counts):
    def __init__(self) -> None:
        super().__init__()
        self.tn = 0
        self.eligible = 0
        self.possible = 0
        self.rules: Counter[str] = Counter()
        self.rules_right: Counter[str] = Counter()

    def add(self, label: str, fit: Any) -> None:
        excluded = fit.fit == "excluded"
        if label == "excluded":
            self.tp += excluded
            self.fn += not excluded
        else:
            self.fp += excluded
            self.tn += not excluded
            self.eligible += 1
            self.possible += fit.fit == "possible"
        if excluded:
            for rule in {c.rule for c in fit.failed}:
                self.rules[rule] += 1
                self.rules_right[rule] += label == "excluded"

    def lines(self, part: str) -> list[str]:
        scored = self.tp + self.fp + self.fn + self.tn
        flags = [
            f"{k} below {GOALS[k]}" for k in ("precision", "recall") if getattr(self, k) < GOALS[k]
        ]
        out = [
            f"{part}: {scored} scored pairs",
            f"  excluded: precision {self.precision:.3f} ({self.tp}/{self.tp + self.fp}), "
            f"recall {self.recall:.3f} ({self.tp}/{self.tp + self.fn})"
            + (f"  [{'; '.join(flags)}]" if flags else ""),
            f"  possible among pairs labelled eligible: "
            f"{self.possible / self.eligible if self.eligible else 0:.3f} "
            f"({self.possible}/{self.eligible})",
            "  per rule kind (pairs it excluded: precision):",
        ]
        for rule, count in self.rules.most_common():
            right = self.rules_right[rule]
            flag = "  [below 0.90]" if right / count < GOALS["rule precision"] else ""
            out.append(f"    {rule:24} {right / count:.3f} ({right}/{count}){flag}")
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", choices=["dev"], help="list the mistakes of the dev pairs")
    parser.add_argument("--pairs", choices=["dev"], help="list every dev pair with its verdict")
    args = parser.parse_args()
    labels = read_labels()
    found = verdicts(labels)
    figures = {part: Figures() for part in PARTS}
    mistakes: list[str] = []
    for row in labels:
        fit = found[(row["profile"], row["nct_id"])]
        part = "held-out" if is_held_out(row["profile"], row["nct_id"]) else "dev"
        if args.pairs == "dev" and part == "dev":
            print(
                f"{row['profile']} {row['nct_id']} label={row['label']} fit={fit.fit}: {fit.reason}"
            )
        if row["ambiguous"] == "yes":
            continue
        figures[part].add(row["label"], fit)
        wrong = (fit.fit == "excluded") != (row["label"] == "excluded")
        if wrong and part == "dev":
            kind = "FALSE EXCLUSION" if fit.fit == "excluded" else "missed exclusion"
            mistakes.append(
                f"{kind}: {row['profile']} {row['nct_id']} (label {row['label']}: "
                f"{row['reason']})\n  label's criterion: {row['deciding_criterion']}\n"
                f"  prescreen: {fit.fit}: {fit.reason}"
            )
    for part in PARTS:
        print("\n".join(figures[part].lines(part)))
    if args.errors:
        print(f"\n{len(mistakes)} dev mistakes:")
        print("\n".join(mistakes))


if __name__ == "__main__":
    main()
