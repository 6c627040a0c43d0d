"""How well trialfinder reads settings and biomarkers, against hand labels.

    python benchmarks/reading_eval.py [--errors dev|held-out]

Prints, for the development and held-out parts (held out: sha256(NCT id) % 3 == 0):
- settings: precision, recall and F1 of refractory, relapsed and resistant
  (labels: benchmarks/labels/settings.tsv);
- biomarkers: precision and recall of the markers a patient must have and must not have,
  compared by marker (a tag "KRAS G12C" counts as KRAS; labels: benchmarks/labels/biomarkers.tsv);
- the default search: of the reference records the default search would find, the share whose
  labels say the disease was not treated before, with and without the confirmation by tags.

The registry's side of the default search is emulated: a record is found when it is about
cancer (as the registry filter says: a condition under a cancer MeSH term, or a cancer word in
its conditions) and one of the default setting's search phrases occurs in its titles,
conditions, keywords, summaries, interventions or eligibility criteria. The registry also
stems words, so it finds a little more; the status filter is left out (the reference records
are of every status). Ambiguous labels are left out of scoring.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from common import shared_dir
from evaluation import Counts
from tagging_eval import is_held_out

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels"
SETTINGS = ("refractory", "relapsed", "resistant")
PARTS = ("dev", "held-out")
GOALS = {
    "settings F1": 0.95,
    "required precision": 0.95,
    "required recall": 0.90,
    "excluded precision": 0.95,
    "excluded recall": 0.80,
}


def read_tsv(name: str) -> list[dict[str, str]]:
    with (LABELS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


class Scores(Counts):
    def add(self, got: set[str], want: set[str]) -> None:
        self.tp += len(got & want)
        self.fp += len(got - want)
        self.fn += len(want - got)

    def line(self, name: str, goals: Iterable[tuple[str, float]] = ()) -> str:
        flags = [f"{what} below {goal}" for what, goal in goals if getattr(self, what) < goal]
        return (
            f"  {name:22} tp {self.tp:4} fp {self.fp:4} fn {self.fn:4}  precision "
            f"{self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}"
            + (f"  ({'; '.join(flags)})" if flags else "")
        )


def marker_base(tag: str, names: list[str]) -> str:
    """The marker a tag is about: the longest known name its key starts with ("KRAS G12C")."""
    key = _key(tag)
    best = max((n for n in names if key.startswith(_key(n))), key=len, default=tag)
    return _key(best)


def load_records() -> dict[str, dict[str, Any]]:
    records = shared_dir() / "records"
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(records.glob("NCT*.json"))
    }


def evaluate(errors: dict[str, list[str]] | None = None) -> dict[str, Any] | None:
    from trialfinder.tagging import biomarker_names, tag_trial

    if not (shared_dir() / "records").is_dir():
        return None
    errors = errors if errors is not None else {part: [] for part in PARTS}
    from trialfinder.model import parse_study

    raw = load_records()
    trials = {nct_id: parse_study(record) for nct_id, record in raw.items()}
    tags = {nct_id: tag_trial(trial) for nct_id, trial in trials.items()}
    results: dict[str, Any] = {part: {} for part in PARTS}

    settings = {part: {s: Scores() for s in SETTINGS} for part in PARTS}
    for row in read_tsv("settings.tsv"):
        nct_id, setting, label = row["nct_id"], row["setting"], row["label"]
        if setting not in SETTINGS or label == "ambiguous" or nct_id not in tags:
            continue
        part = "held-out" if is_held_out(nct_id) else "dev"
        got = setting in tags[nct_id].settings
        want = label == "yes"
        settings[part][setting].add({setting} if got else set(), {setting} if want else set())
        if got != want:
            kind = "FP" if got else "FN"
            errors[part].append(f"{kind} {nct_id} setting {setting}: {row['reason'][:150]}")

    gold: dict[str, dict[str, set[str]]] = {}
    ambiguous: dict[str, set[str]] = {}
    for row in read_tsv("biomarkers.tsv"):
        nct_id, kind = row["nct_id"], row["kind"]
        entry = gold.setdefault(nct_id, {"required": set(), "excluded": set()})
        if kind not in ("required", "excluded"):
            continue
        if row["label"] == "ambiguous":
            ambiguous.setdefault(nct_id, set()).add(_key(row["marker"]))
        else:
            entry[kind].add(_key(row["marker"]))
    names = [*biomarker_names(), *{row["marker"] for row in read_tsv("biomarkers.tsv")}]
    markers = {part: {"required": Scores(), "excluded": Scores()} for part in PARTS}
    for nct_id, want in gold.items():
        if nct_id not in tags:
            continue
        part = "held-out" if is_held_out(nct_id) else "dev"
        skip = ambiguous.get(nct_id, set())
        t = tags[nct_id]
        got = {
            "required": {marker_base(m, names) for m in t.biomarkers} - skip,
            "excluded": {marker_base(m, names) for m in t.excluded_biomarkers} - skip,
        }
        for kind in ("required", "excluded"):
            markers[part][kind].add(got[kind], want[kind])
            for extra in sorted(got[kind] - want[kind]):
                errors[part].append(f"FP {nct_id} {kind} {extra}")
            for missed in sorted(want[kind] - got[kind]):
                errors[part].append(f"FN {nct_id} {kind} {missed}")

    for part in PARTS:
        results[part] = {"settings": settings[part], "biomarkers": markers[part]}
    results["default search"] = default_search_share(raw, trials, tags)
    return results


def default_search_share(
    raw: dict[str, dict[str, Any]], trials: dict[str, Any], tags: dict[str, Any]
) -> dict[str, Any]:
    """Of the records the default search finds, how many are not for previously treated disease."""
    from trialfinder.knowledge import load_toml
    from trialfinder.pipeline import TagFilter
    from trialfinder.vocabulary import DEFAULT_SETTINGS

    wanted = DEFAULT_SETTINGS
    table = load_toml("settings.toml")
    phrases = {p.lower() for s in wanted for p in table[s]["search_terms"]}
    cancer = load_toml("cancer.toml")
    labels = {
        row["nct_id"]: row["label"]
        for row in read_tsv("settings.tsv")
        if row["setting"] == "previously-treated"
    }
    found, confirmed = [], []
    for nct_id, trial in trials.items():
        browse = raw[nct_id].get("derivedSection", {}).get("conditionBrowseModule", {})
        mesh = {m.get("term") for key in ("meshes", "ancestors") for m in browse.get(key, [])}
        conditions = " ".join(trial.conditions)
        about_cancer = bool(mesh & set(cancer["mesh_ancestors"])) or any(
            re.search(rf"\b{w}\b", conditions, re.I) for w in cancer["words"]
        )
        description = raw[nct_id]["protocolSection"].get("descriptionModule", {})
        text = " ".join(
            (
                trial.brief_title,
                trial.official_title,
                *trial.conditions,
                *trial.keywords,
                trial.brief_summary,
                description.get("detailedDescription", ""),
                *(i.name for i in trial.interventions),
                trial.eligibility.criteria,
            )
        ).lower()
        if not about_cancer or not any(phrase in text for phrase in phrases):
            continue
        found.append(nct_id)
        if TagFilter(settings=wanted).accepts(tags[nct_id]):
            confirmed.append(nct_id)

    def share(ids: list[str]) -> dict[str, Any]:
        scored = [i for i in ids if labels.get(i) in ("yes", "no")]
        untreated = [i for i in scored if labels[i] == "no"]
        return {
            "found": len(ids),
            "scored": len(scored),
            "not previously treated": untreated,
            "share": len(untreated) / len(scored) if scored else 0.0,
        }

    return {"settings": wanted, "before": share(found), "after": share(confirmed)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=PARTS, help="list the mistakes of one part")
    args = parser.parse_args()
    errors: dict[str, list[str]] = {part: [] for part in PARTS}
    results = evaluate(errors)
    if results is None:
        print(f"skipped: reference records not found at {shared_dir() / 'records'}")
        return 0
    for part in PARTS:
        print(f"\n{part}")
        for setting, scores in results[part]["settings"].items():
            print(scores.line(setting, [("f1", GOALS["settings F1"])]))
        for kind, scores in results[part]["biomarkers"].items():
            goals = [(m, GOALS[f"{kind} {m}"]) for m in ("precision", "recall")]
            print(scores.line(f"{kind} markers", goals))
    search = results["default search"]
    print(f"\ndefault search (--setting {', '.join(search['settings'])}), emulated on the records:")
    for when in ("before", "after"):
        s = search[when]
        print(
            f"  {when + ' confirmation':22} {s['found']:4} found, {s['scored']:4} labelled; "
            f"not for previously treated disease: {len(s['not previously treated'])} "
            f"({s['share']:.1%})  {', '.join(s['not previously treated'])}"
        )
    print("  goal: at most 5% after confirmation")
    if args.errors:
        print(f"\nmistakes ({args.errors}):")
        for line in errors[args.errors]:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
