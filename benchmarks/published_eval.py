"""The prescreen against published patient-trial labels that nobody here made.

    python benchmarks/published_eval.py trec DATASET_DIR [--records DIR] [--errors]
    python benchmarks/published_eval.py nih-trialbench DATA_DIR [--ic NCI] [--errors]

Nothing of these benchmarks is in the repository: the script reads them from the folder given,
and prints the figures of ``prescreen_eval.py`` (precision and recall of ``excluded``, the share
of ``possible`` among pairs labelled eligible, per-rule precision), with how many labelled pairs
it could score and why the others were left out.

**TREC Clinical Trials 2021 and 2022** (``trec``). Topics and judgements as the TrialGPT
repository ships them (``git clone https://github.com/ncbi-nlp/TrialGPT``; ``DATASET_DIR`` is its
``dataset/trec_2021`` or ``dataset/trec_2022``): ``queries.jsonl`` (``_id``, ``text``: the
patient's admission note) and ``qrels/test.tsv`` (``query-id``, ``corpus-id``, ``score``).
The trials are read from ``--records DIR``, ClinicalTrials.gov API v2 study files named
``NCT….json`` (``../shared/ctgov/records`` by default; more with ``curl -o NCT….json
https://clinicaltrials.gov/api/v2/studies/NCT…``), or else from ``DATASET_DIR/corpus.jsonl``
(TrialGPT's parsed corpus, ``wget https://ftp.ncbi.nlm.nih.gov/pub/lu/TrialGPT/
trec_2021_corpus.jsonl``: ``_id``, ``title``, ``metadata.diseases_list``,
``metadata.inclusion_criteria``, ``metadata.exclusion_criteria``). A judged trial found in
neither is left out. Judgements: 2 eligible, 1 excluded ("has the condition the trial targets,
but the exclusion criteria make the patient ineligible"), 0 not relevant. Two scorings are
printed: ``judged`` takes the pairs scored 1 or 2 (excluded = 1), ``all`` every pair (excluded =
0 or 1: a patient not relevant to a trial cannot join it either). Records from the registry are
today's versions, not the 2021 snapshot the judges read: criteria may have changed since.

**NIH-TrialBench** (``nih-trialbench``; TrialGPT 2.0). ``DATA_DIR`` holds ``patients.jsonl``
(``patient_id``, ``ic``, ``patient_summary``) and ``clinician_annotations.jsonl``
(``patient_id``, ``annotations``: ``trial_id``, ``clinician_label``), as the Hugging Face dataset
``ncbi/NIH-TrialBench`` exports them (or ``data/nih_trialbench/huggingface_original`` of
``https://github.com/NLM-DIR/TrialGPT2``), and the trials: ``trials/NCT….json`` of that
repository's ``data/nih_trialbench`` (``nctid``, ``title``, ``raw_criteria``, ``minimum_age``,
``maximum_age``, ``sex``, ``condition``, ``study_type``; copy or link the folder), else
``trial_search_space.jsonl`` (``trial_id``, ``trial_title``, ``raw_criteria``, ``study_type``:
no conditions, ages or sex), else ``--records``. Labels: ``ineligible`` is excluded;
``recommended`` and ``eligible_but_not_recommended`` are eligible. ``--ic`` keeps the patients of
one NIH institute (``NCI``, the oncology vignettes, by default; ``all`` for every one).

**How a free-text patient becomes a profile** (:func:`profile_from_text`): only facts a note
states plainly are taken, the rest stay unknown (unknown never excludes):

- ``age``: the first "N-year-old", "N yo", "N y/o", "aged N", "Age: N" or "N years-old";
- ``sex``: the first of woman, female, girl, "F" after an age ("39yo F", "63M") or she/her
  (female) and man, male, boy, gentleman, "M" after an age or he/his (male);
- ``diagnosis``: the diseases trialfinder's vocabulary finds in the note (the most specific of
  them), leaving out the lines and sentences about relatives (family history, mother, father,
  sister, brother, aunt, uncle, grandparents);
- ``ecog``: "ECOG 1", "ECOG PS=0", "ECOG: 1-Restricted ...", "Performance status: ECOG 2";
- ``setting``: ``["metastatic"]`` when the note says so of the patient ("metastatic", "mets",
  "metastases", "stage IV", "M1") and trialfinder's context rules (``data/context.toml``) find
  it neither negated, hypothetical nor prevented ("negative for metastatic disease" is not), and
  it is not said of lymph nodes (regional spread is not distant spread).

Treatments, lines, markers and brain metastases are not taken from the notes: a note names some
treatments, not the whole history the profile's ``prior_treatments`` stands for, and a marker
read from prose is a guess. The figures are those of a prescreen that knows the diagnosis, age,
sex, ECOG and whether the cancer has spread, and nothing else.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import shared_dir
from prescreen_eval import LABELS_DATE, Figures

EXCLUDED, ELIGIBLE = "excluded", "eligible"
TREC_LABELS = {"2": ELIGIBLE, "1": EXCLUDED, "0": "not relevant"}
NIH_LABELS = {
    "recommended": ELIGIBLE,
    "eligible_but_not_recommended": ELIGIBLE,
    "ineligible": EXCLUDED,
}


@dataclass(frozen=True)
class Pair:
    patient: str
    nct_id: str
    label: str  # ELIGIBLE, EXCLUDED or "not relevant"
    part: str  # which scoring it counts in


# -- free text -> profile ---------------------------------------------------------------------

_AGE = re.compile(
    r"\b(\d{1,3})\s*(?:-|\s)?\s*(?:years?|yrs?|y)[\s-]*(?:old|o\b|/o\b)"
    r"|\b(\d{1,3})\s*(?:yo|y/o|y\.o\.)(?![a-z])"
    r"|\baged?\s*:?\s*(\d{1,3})\b"
    r"|\b(\d{1,3})\s*(?:years?)[\s-]*old\b"
    r"|\b(\d{1,3})\s*(?:yo|y)?\s*(?=[MF]\b)",
    re.IGNORECASE,
)
_FEMALE = re.compile(r"\b(?:woman|women|female|girl|lady|she|her)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(?:man|men|male|boy|gentleman|he|his|him)\b", re.IGNORECASE)
_SEX_AFTER_AGE = re.compile(r"\b\d{1,3}\s*(?:yo|y/o|y)?\s*(?P<sex>[MF])\b")
_ECOG = re.compile(
    r"\bECOG(?:\s*(?:PS|performance\s+status))?\s*(?:[:=]|of|is|was)?\s*(?P<score>[0-4])\b"
    r"|\bperformance\s+status\s*[:=]?\s*(?:ECOG\s*[:=]?\s*)?(?P<ps>[0-4])\b",
    re.IGNORECASE,
)
_RELATIVES = re.compile(
    r"\b(?:family\s+history|FHx|FMH|FH\b|mother|father|sister|brother|aunt|uncle|"
    r"grand(?:mother|father|parents?)|maternal|paternal|sibling|cousin|daughter|son)\b",
    re.IGNORECASE,
)
_PIECES = re.compile(r"[^\n.;]+")


def profile_from_text(text: str, name: str = "<note>") -> Any:
    """The profile a free-text note states plainly: age, sex, diagnosis, ECOG (see above)."""
    from trialfinder.diseases import Diagnosis, diseases
    from trialfinder.profile import Profile

    text = text.replace("\\n", "\n")
    age = _first_age(text)
    own = " . ".join(p for p in _PIECES.findall(text) if not _RELATIVES.search(p))
    vocabulary = diseases()
    found, _ = vocabulary.find(own)
    diagnosis = (
        Diagnosis(text=_first_line(text), diseases=vocabulary.most_specific(found))
        if found
        else None
    )
    ecog_match = _ECOG.search(text)
    ecog = int(ecog_match.group("score") or ecog_match.group("ps")) if ecog_match else None
    setting = ("metastatic",) if _says_metastatic(own) else None
    return Profile(
        source=name, age=age, sex=_sex(text), diagnosis=diagnosis, setting=setting, ecog=ecog
    )


_METASTATIC = re.compile(
    r"\b(?:metastatic|metastases|metastasis|mets|stage\s+(?:iv|4)[a-c]?|[cp]?M1[a-c]?)\b",
    re.IGNORECASE,
)
_NODES = re.compile(r"\b(?:lymph|LNs?|nodes?|nodal|adenopathy)\b", re.IGNORECASE)
_NOT_SAID = frozenset({"NEGATED", "HYPOTHETICAL", "PREVENTION", "NOT_CANCER"})


def _says_metastatic(text: str) -> bool:
    """Whether the note says the patient's cancer has spread to distant organs."""
    from trialfinder.tagging.context import clause_covering

    for piece in _PIECES.findall(text):
        if _NODES.search(piece):
            continue  # said of lymph nodes, or beside them
        for match in _METASTATIC.finditer(piece):
            said = {
                m.category
                for m in clause_covering(piece, match.start(), match.end())
                # a marker's result after it ("metastatic triple negative") says nothing of it
                if not (m.category == "NEGATED" and m.direction == "backward")
            }
            if not said & _NOT_SAID:
                return True
    return False


def _first_age(text: str) -> int | None:
    for match in _AGE.finditer(text):
        value = next((g for g in match.groups() if g), None)
        if value is not None and 0 < int(value) < 120:
            return int(value)
    return None


def _sex(text: str) -> str | None:
    after_age = _SEX_AFTER_AGE.search(text)
    if after_age:
        return "female" if after_age.group("sex") == "F" else "male"
    own = " ".join(p for p in _PIECES.findall(text) if not _RELATIVES.search(p))
    female, male = _FEMALE.search(own), _MALE.search(own)
    if female and (not male or female.start() < male.start()):
        return "female"
    return "male" if male else None


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:120]


# -- trials -------------------------------------------------------------------------------------


def trial_from_v2(path: Path) -> Any:
    from trialfinder.model import parse_study

    return parse_study(json.loads(path.read_text(encoding="utf-8")))


def trial_from_fields(
    nct_id: str,
    title: str,
    criteria: str,
    conditions: Iterable[str] = (),
    minimum_age: str = "",
    maximum_age: str = "",
    sex: str = "",
    study_type: str = "",
) -> Any:
    """A :class:`~trialfinder.model.Trial` from the fields a benchmark gives."""
    from trialfinder.model import Eligibility, Trial, age_in_years

    sex = sex.upper() if sex and sex.upper() in ("FEMALE", "MALE", "ALL") else ""
    return Trial(
        nct_id=nct_id,
        brief_title=title,
        study_type=study_type.upper(),
        conditions=tuple(c for c in conditions if c),
        eligibility=Eligibility(
            criteria=criteria,
            sex=sex,
            min_age_years=age_in_years(minimum_age),
            max_age_years=age_in_years(maximum_age),
            min_age_text=minimum_age or "",
            max_age_text=maximum_age or "",
        ),
    )


class Trials:
    """Trials by NCT id, read when first asked for: v2 records, then the benchmark's own."""

    def __init__(self, records: Path | None, own: dict[str, Any] | None = None) -> None:
        self.records = records
        self.own = own or {}
        self._read: dict[str, Any] = {}

    def get(self, nct_id: str) -> Any | None:
        if nct_id not in self._read:
            path = self.records / f"{nct_id}.json" if self.records else None
            if path is not None and path.exists():
                self._read[nct_id] = trial_from_v2(path)
            else:
                self._read[nct_id] = self.own.get(nct_id)
        return self._read[nct_id]


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


# -- TREC -------------------------------------------------------------------------------------


def trec(folder: Path, records: Path | None) -> tuple[dict[str, str], list[Pair], Trials]:
    notes = {q["_id"]: q["text"] for q in _jsonl(folder / "queries.jsonl")}
    pairs: list[Pair] = []
    with (folder / "qrels" / "test.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            label = TREC_LABELS.get(str(row["score"]).strip())
            if label is None:
                continue
            pairs.append(Pair(row["query-id"], row["corpus-id"], label, "all"))
            if label != "not relevant":
                pairs.append(Pair(row["query-id"], row["corpus-id"], label, "judged"))
    own: dict[str, Any] = {}
    corpus = folder / "corpus.jsonl"
    if corpus.exists():
        wanted = {p.nct_id for p in pairs}
        for entry in _jsonl(corpus):
            if entry.get("_id") in wanted:
                meta = entry.get("metadata", {})
                criteria = (
                    f"Inclusion Criteria:\n\n{meta.get('inclusion_criteria', '')}\n\n"
                    f"Exclusion Criteria:\n\n{meta.get('exclusion_criteria', '')}"
                )
                own[entry["_id"]] = trial_from_fields(
                    entry["_id"],
                    entry.get("title", ""),
                    criteria,
                    meta.get("diseases_list", ()),
                    meta.get("minimum_age", ""),
                    meta.get("maximum_age", ""),
                    meta.get("gender", "") or meta.get("sex", ""),
                )
    return notes, pairs, Trials(records, own)


# -- NIH-TrialBench ---------------------------------------------------------------------------


def nih_trialbench(
    folder: Path, records: Path | None, institute: str
) -> tuple[dict[str, str], list[Pair], Trials]:
    notes: dict[str, str] = {}
    for patient in _jsonl(folder / "patients.jsonl"):
        if institute == "all" or patient.get("ic", "").upper() == institute.upper():
            notes[patient["patient_id"]] = patient["patient_summary"]
    pairs = [
        Pair(row["patient_id"], a["trial_id"], NIH_LABELS[a["clinician_label"]], "all")
        for row in _jsonl(folder / "clinician_annotations.jsonl")
        if row["patient_id"] in notes
        for a in row["annotations"]
        if a.get("clinician_label") in NIH_LABELS
    ]
    wanted = {p.nct_id for p in pairs}
    own: dict[str, Any] = {}
    for path in (
        sorted((folder / "trials").glob("NCT*.json")) if (folder / "trials").is_dir() else ()
    ):
        if path.stem in wanted:
            t = json.loads(path.read_text(encoding="utf-8"))
            own[path.stem] = trial_from_fields(
                t.get("nctid", path.stem),
                t.get("title", ""),
                t.get("raw_criteria", ""),
                t.get("condition", ()),
                t.get("minimum_age", ""),
                t.get("maximum_age", ""),
                t.get("sex", ""),
                t.get("study_type", ""),
            )
    space = folder / "trial_search_space.jsonl"
    if space.exists():
        for t in _jsonl(space):
            if t["trial_id"] in wanted and t["trial_id"] not in own:
                own[t["trial_id"]] = trial_from_fields(
                    t["trial_id"], t.get("trial_title", ""), t.get("raw_criteria", ""),
                    study_type=t.get("study_type", ""),
                )  # fmt: skip
    return notes, pairs, Trials(records, own)


# -- scoring ----------------------------------------------------------------------------------


def score(
    notes: dict[str, str], pairs: list[Pair], trials: Trials, errors: bool
) -> dict[str, Figures]:
    from trialfinder.prescreen import prescreen
    from trialfinder.tagging import tag_trial

    figures: dict[str, Figures] = {}
    left_out: Counter[str] = Counter()
    profiles: dict[str, Any] = {}
    tags: dict[str, Any] = {}
    mistakes: list[str] = []
    for pair in pairs:
        trial = trials.get(pair.nct_id)
        if pair.patient not in notes:
            left_out["no patient note"] += 1
            continue
        if trial is None:
            left_out[f"{pair.part}: no trial record"] += 1
            continue
        if pair.patient not in profiles:
            profiles[pair.patient] = profile_from_text(notes[pair.patient], pair.patient)
        if pair.nct_id not in tags:
            tags[pair.nct_id] = tag_trial(trial)
        fit = prescreen(trial, tags[pair.nct_id], profiles[pair.patient], today=LABELS_DATE)
        label = EXCLUDED if pair.label != ELIGIBLE else ELIGIBLE
        figures.setdefault(pair.part, Figures()).add(label, fit)
        if errors and (fit.fit == EXCLUDED) != (label == EXCLUDED):
            kind = "FALSE EXCLUSION" if fit.fit == EXCLUDED else "missed exclusion"
            mistakes.append(
                f"{kind} [{pair.part}]: {pair.patient} {pair.nct_id} (label {pair.label})\n"
                f"  prescreen: {fit.fit}: {fit.reason}"
            )
    for reason, count in sorted(left_out.items()):
        print(f"left out: {count} labelled pairs ({reason})")
    if errors:
        print(f"{len(mistakes)} mistakes:")
        print("\n".join(mistakes))
    return figures


FACTS = ("age", "sex", "diagnosis", "ecog", "setting")


def describe(profiles: Iterable[Any]) -> str:
    """How many of the profiles have each fact."""
    known: Counter[str] = Counter()
    total = 0
    for profile in profiles:
        total += 1
        for key in FACTS:
            known[key] += getattr(profile, key) is not None
    return ", ".join(f"{key} {known[key]}/{total}" for key in FACTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("benchmark", choices=["trec", "nih-trialbench"])
    parser.add_argument("folder", type=Path, help="the benchmark's data folder (see above)")
    parser.add_argument(
        "--records",
        type=Path,
        default=None,
        help="ClinicalTrials.gov API v2 study files NCT….json (default: the reference records)",
    )
    parser.add_argument("--ic", default="NCI", help="NIH-TrialBench: the institute's patients")
    parser.add_argument("--errors", action="store_true", help="list every wrong verdict")
    args = parser.parse_args()
    records = args.records or shared_dir() / "records"
    if not args.folder.is_dir():
        sys.exit(f"no folder {args.folder} (see --help for how to obtain the benchmark)")
    if args.benchmark == "trec":
        notes, pairs, trials = trec(args.folder, records if records.is_dir() else None)
    else:
        notes, pairs, trials = nih_trialbench(
            args.folder, records if records.is_dir() else None, args.ic
        )
    figures = score(notes, pairs, trials, args.errors)
    used = {p.patient for p in pairs if p.patient in notes and trials.get(p.nct_id) is not None}
    print(
        f"{args.benchmark}: {len(used)} patients with a scored pair; facts read from the notes: "
        + describe(profile_from_text(notes[p], p) for p in sorted(used))
    )
    for part, found in sorted(figures.items()):
        print("\n".join(found.lines(part)))


if __name__ == "__main__":
    main()
