"""The profile file: every key optional, every problem with its line, names resolved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialfinder.errors import ConfigError, ExitCode
from trialfinder.prescreen import check_requirement
from trialfinder.profile import (
    KEYS,
    Profile,
    load_profile,
    parse_profile,
    profile_from_table,
    read_marker,
    resolve_treatment,
    settings_in,
    states_in,
    template,
)
from trialfinder.tagging.requirements import Requirement
from trialfinder.validation import InvalidConfig

LABELS = Path(__file__).resolve().parents[1] / "benchmarks" / "labels" / "profiles"


def test_the_template_is_a_valid_profile_with_every_key():
    profile = parse_profile(template(), "profile.toml")
    assert profile.warnings == ()
    assert profile.age == 64 and profile.sex == "female"
    assert profile.diagnosis.diseases == ("multiple myeloma",)
    assert profile.setting == ("relapsed", "refractory")
    assert profile.prior_lines == 4 and profile.ecog == 1
    assert profile.brain_metastases == "none" and profile.measurable_disease is True
    assert profile.last_treatment == dt.date(2026, 10, 20)
    for key in KEYS:
        assert f"\n{key} = " in template(), key  # each key shown, with a comment


def test_an_empty_file_is_a_profile_that_knows_nothing():
    profile = parse_profile("# nothing yet\n")
    assert profile == Profile(source="<profile>")
    assert profile.received() is None


def test_every_problem_with_its_line_key_and_a_did_you_mean():
    text = (
        'age = "sixty"\n'  # 1
        'sex = "femal"\n'  # 2
        "ecog = 7\n"  # 3
        'setting = ["relapsed", "refactory"]\n'  # 4
        'brain_metastases = "treated"\n'  # 5
        "prior_line = 2\n"  # 6
        'last_treatment = "last spring"\n'  # 7
        'measurable_disease = "yes"\n'  # 8
    )
    with pytest.raises(InvalidConfig) as caught:
        parse_profile(text, "me.toml")
    lines = caught.value.lines()
    assert len(lines) == 8
    assert lines[0] == "me.toml:1: age: expected an age in years, got a string 'sixty'"
    assert lines[1].startswith('me.toml:2: sex: \'femal\' is not "female" or "male"')
    assert "did you mean 'female'?" in lines[1]
    assert lines[2].startswith("me.toml:3: ecog: 7 is out of range")
    assert lines[3].startswith("me.toml:4: setting: 'refactory' is not a setting")
    assert "did you mean 'refractory'?" in lines[3]
    assert "did you mean 'treated-stable'?" in lines[4]
    assert lines[5] == "me.toml:6: prior_line: unknown key (did you mean 'prior_lines'?)"
    assert lines[6].startswith("me.toml:7: last_treatment: 'last spring' is not a date")
    assert lines[7].startswith("me.toml:8: measurable_disease: expected true or false")
    assert caught.value.exit_code == ExitCode.CONFIG


def test_broken_toml_names_its_line():
    with pytest.raises(InvalidConfig) as caught:
        parse_profile('age = 64\nsex = "female\n', "me.toml")
    assert caught.value.lines()[0].startswith("me.toml:2: not valid TOML")


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_profile(tmp_path / "nope.toml")
    assert "does not exist" in caught.value.message
    assert caught.value.exit_code == ExitCode.CONFIG


def test_a_profile_saved_with_a_byte_order_mark_is_read(tmp_path):
    # as Windows Notepad saves it: "not valid TOML (at line 1, column 1)" before
    path = tmp_path / "me.toml"
    path.write_bytes(b"\xef\xbb\xbfage = 60\n")
    assert load_profile(path).age == 60


def test_a_last_treatment_to_come_is_a_problem_not_a_washout():
    # a date in the future was taken, and a washout counted from it said "Not for you"
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(InvalidConfig) as caught:
        parse_profile(f"last_treatment = {tomorrow.isoformat()}\n", "me.toml")
    assert "is in the future" in caught.value.lines()[0]
    assert parse_profile(f"last_treatment = {dt.date.today().isoformat()}\n", "me.toml")


def test_unknown_names_are_warnings_with_their_line():
    text = (
        'diagnosis = "feeling unwell"\n'
        "prior_treatments = [\n"
        '  "Revlimid",\n'
        '  "Velcad",\n'
        "]\n"
        'biomarkers = ["KRSA G12C", "EGFR negative"]\n'
    )
    profile = parse_profile(text, "me.toml")
    assert len(profile.warnings) == 3
    assert profile.warnings[0].startswith("me.toml:1: diagnosis: 'feeling unwell' names no disease")
    assert profile.warnings[1].startswith("me.toml:4: prior_treatments: 'Velcad' is not a")
    assert "did you mean 'Velcade'?" in profile.warnings[1]
    assert profile.warnings[2].startswith("me.toml:6: biomarkers: 'KRSA G12C'")
    assert "did you mean 'KRAS'?" in profile.warnings[2]


def test_refractory_drugs_missing_from_the_history_are_counted_as_received():
    profile = parse_profile(
        'prior_treatments = ["Velcade"]\nrefractory_to = ["Revlimid"]\n', "me.toml"
    )
    assert "'Revlimid' is not in prior_treatments" in profile.warnings[0]
    assert [t.written for t in profile.received()] == ["Velcade", "Revlimid"]


@pytest.mark.parametrize(
    "written, drugs",
    [
        ("Velcade", ("bortezomib",)),
        ("Tagrisso", ("osimertinib",)),
        ("Revlimid", ("lenalidomide",)),
        ("lenalidomide maintenance", ("lenalidomide",)),
        ("R-CHOP", ("rituximab", "cyclophosphamide", "doxorubicin", "vincristine", "prednisone")),
        ("R-ICE", ("rituximab", "ifosfamide", "carboplatin", "etoposide")),
        ("platinum chemotherapy", ("platinum",)),
        ("Yescarta", ("axicabtagene ciloleucel",)),
        # every drug of an entry, short names a navigator writes too: "carbo/taxol" was read as
        # paclitaxel alone, "gem/abraxane" as nab-paclitaxel alone
        ("carbo/taxol", ("paclitaxel", "carboplatin")),
        ("gem/abraxane", ("nab-paclitaxel", "gemcitabine")),
        ("carbo/pem", ("carboplatin", "pemetrexed")),
        ("Tagrisso 80 mg daily", ("osimertinib",)),
        # a regimen by its drugs, however it is written: "6 cycles of R-CHOP" was one opaque
        # name (NCT03934567 told a follicular lymphoma after it "does not list an anti-CD20
        # antibody"), and "Isa-KRd" was read as VRd (NCT05572515: "does not list an anti-CD38")
        ("6 cycles of R-CHOP", ("rituximab", "cyclophosphamide", "doxorubicin", "vincristine",
                                "prednisone")),
        ("Isa-KRd", ("isatuximab", "carfilzomib", "lenalidomide", "dexamethasone")),
        ("Opdualag", ("nivolumab", "relatlimab")),  # was nivolumab alone
        ("R-EPOCH", ("rituximab", "etoposide", "prednisone", "vincristine", "cyclophosphamide",
                     "doxorubicin")),
        # short names patients and navigators write, unknown before
        ("adjuvant TMZ x6", ("temozolomide",)),
        ("Rydapt", ("midostaurin",)),
        ("Balversa", ("erdafitinib",)),
        ("gem/cis", ("gemcitabine", "cisplatin")),
        ("ddMVAC", ("methotrexate", "vinblastine", "doxorubicin", "cisplatin")),
    ],
)  # fmt: skip
def test_treatments_resolve_through_the_lexicon_regimens_and_classes(written, drugs):
    treatment = resolve_treatment(written)
    assert treatment.drugs == drugs and treatment.known and not treatment.unread


@pytest.mark.parametrize(
    "written, drugs",
    [
        # "chemoradiation with cisplatin" was read as radiation only: a trial asking for
        # cisplatin or platinum told a patient who had it "Not for you" (NCT06256588)
        ("chemoradiation with cisplatin", ("chemoradiation", "cisplatin")),
        ("concurrent chemoradiation with carboplatin and paclitaxel",
         ("chemoradiation", "carboplatin", "paclitaxel")),
        ("chemo-radiation (cisplatin)", ("cisplatin", "chemoradiation")),
        ("chemoradiation", ("chemoradiation",)),
        # radiation with a chemotherapy is chemoradiation: "radiation with concurrent
        # temozolomide" was asked whether it was, by a trial following chemoradiation
        ("radiation with concurrent temozolomide", ("temozolomide", "chemoradiation")),
        ("weekly carbo/taxol with radiation (60 Gy)",
         ("paclitaxel", "carboplatin", "chemoradiation")),
        # the short forms oncologists write: "concurrent cisplatin-RT" was cisplatin only, and
        # asked whether it was chemoradiation by a trial following it (NCT06256588)
        ("concurrent cisplatin-RT", ("cisplatin", "chemoradiation")),
        ("RT with weekly cisplatin", ("cisplatin", "chemoradiation")),
        ("cisplatin chemoRT", ("cisplatin", "chemoradiation")),
        ("IMRT 70 Gy", ()),
        # not radiation with another kind of medicine, nor one given before or after it, nor
        # one named beside it with "and" (which may be either)
        ("radiation with pembrolizumab", ("pembrolizumab",)),
        ("carboplatin, then RT", ("carboplatin",)),
        ("carboplatin pre-RT", ("carboplatin",)),
        ("FOLFOX post-RT", ("fluorouracil", "leucovorin", "oxaliplatin")),
        ("cisplatin and radiation", ("cisplatin",)),
        ("SBRT to lung, then carboplatin/pemetrexed", ("carboplatin", "pemetrexed")),
        ("radiotherapy after 6 cycles of FOLFOX", ("fluorouracil", "leucovorin", "oxaliplatin")),
    ],
)  # fmt: skip
def test_chemoradiation_is_radiotherapy_and_the_drugs_given_with_it(written, drugs):
    treatment = resolve_treatment(written)
    assert treatment.radiation and treatment.drugs == drugs


def test_radiotherapy_s_short_forms_are_read_in_capitals_only():
    # "Rt mastectomy" (the right breast) was radiotherapy once "RT" was read in any case
    assert resolve_treatment("IMRT 70 Gy").radiation
    for written in ("Rt mastectomy", "RT mastectomy"):  # (the right side, before an operation)
        right = resolve_treatment(written)
        assert right.surgery and not right.radiation, written
    # a hyphen joins RT to a chemotherapy only (not "postop-RT", "hypo-RT")
    for written in ("capecitabine, postop-RT", "FOLFOX, hypo-RT"):
        assert "chemoradiation" not in resolve_treatment(written).drugs, written


def test_an_entry_with_a_word_naming_nothing_known_is_partly_read_and_said_so():
    treatment = resolve_treatment("FLOXOX + bev")
    assert treatment.drugs == ("bevacizumab",) and treatment.unread == ("FLOXOX",)
    profile = parse_profile('prior_treatments = ["FLOXOX + bev"]\n', "me.toml")
    assert profile.warnings == (
        "me.toml:1: prior_treatments: 'FLOXOX + bev': 'FLOXOX' is not a treatment"
        " trialfinder knows; the checks that need it stay unknown",
    )
    # doses, counts and schedules, and a regimen of the profile's table, are read
    for written in ("lenalidomide 25mg", "R-CHOP x6", "pembrolizumab 200mg q3w",
                    "carboplatin AUC5", "docetaxel 75 mg/m2", "FOLFOXIRI + bev"):  # fmt: skip
        assert resolve_treatment(written).unread == (), written


def test_procedures_and_other_medicines():
    assert resolve_treatment("autologous stem cell transplant").transplant == "autologous"
    assert resolve_treatment("allo-SCT").transplant == "allogeneic"
    assert resolve_treatment("stem cell transplant").transplant == "any"
    assert resolve_treatment("allo BMT").transplant == "allogeneic"  # "BMT" was unknown
    assert resolve_treatment("BMT").transplant == "any"
    # from a donor, though the word "allogeneic" is not written (NCT05552976's check said "the
    # profile does not list your treatments" of a "haplo transplant")
    for written in ("haplo transplant", "cord blood transplant", "MUD transplant 2021"):
        assert resolve_treatment(written).transplant == "allogeneic", written
    assert resolve_treatment("stereotactic radiosurgery to the brain").radiation
    assert resolve_treatment("gamma knife radiosurgery").radiation
    assert resolve_treatment("debulking surgery").surgery
    # radiotherapy is given somewhere: to the brain when the words say so, else no one knows
    for written in ("stereotactic radiosurgery to the brain", "whole brain radiotherapy", "SRS"):
        treatment = resolve_treatment(written)
        assert treatment.radiation and treatment.drugs == ("brain radiotherapy",)
    for written in ("radiotherapy", "SBRT to the lung", "SRS to spine", "SRS to liver"):
        assert resolve_treatment(written).drugs == ()  # ("SRS to spine" was brain radiotherapy)
    # ... to the pelvis when it is to the prostate
    assert resolve_treatment("radiation to the prostate").drugs == ("pelvic radiotherapy",)
    # an operation some trials ask for is named; other surgery is surgery, no more
    for written in ("gastrectomy", "subtotal gastrectomy"):
        treatment = resolve_treatment(written)
        assert treatment.surgery and treatment.drugs == ("gastrectomy",)
    assert resolve_treatment("Whipple").drugs == ()
    for written in ("partial glossectomy and neck dissection", "TURBT", "radical cystectomy"):
        assert resolve_treatment(written).surgery
    assert resolve_treatment("dexamethasone").other
    assert resolve_treatment("Jardiance").other
    assert not resolve_treatment("Zorblatamab").known  # a name stem, no class
    assert not resolve_treatment("something new").known
    # a regimen the lexicon files under another whose drugs no table gives: not known, so
    # never read as the other ("VAC" is not TPF)
    assert not resolve_treatment("VAC").known
    (warning,) = profile_from_table({"prior_treatments": ["Tal-P"]}, "t").warnings
    assert "did you mean" not in warning and "write them instead" in warning  # not "'Tal-P'?"
    assert resolve_treatment("VAC + bev").unread == ("VAC",)


@pytest.mark.parametrize(
    "written, name, variant, positive, level",
    [
        ("KRAS G12C", "KRAS", "G12C", True, ""),
        ("EGFR exon 19 deletion", "EGFR", "exon 19", True, ""),
        ("EGFR negative", "EGFR", "", False, ""),
        ("PIK3CA wild-type", "PIK3CA", "", False, ""),
        ("HER2-", "HER2", "", False, ""),
        ("HER2 positive", "HER2", "", True, ""),
        # the tests that decided it, not a form of HER2: "HER2 2+ FISH negative" was "another
        # form of the marker", so NCT05296798 (HER2-positive only) asked rather than excluded
        ("HER2 2+ FISH negative", "HER2", "", False, ""),
        ("HER2 IHC 2+, ISH not amplified", "HER2", "", False, ""),
        ("HER2 IHC 2+ FISH positive", "HER2", "", True, ""),
        ("HER2 3+", "HER2", "3", True, ""),
        # read backwards before: "HER2 nonamplified" positive, "EGFR normal" positive,
        # "KRAS G12C not found" a variant "G12C found"
        ("HER2 nonamplified", "HER2", "", False, ""),
        ("EGFR normal", "EGFR", "", False, ""),
        ("MMR intact", "MSI-H/dMMR", "", False, ""),
        ("KRAS G12C not found", "KRAS", "G12C", False, ""),
        ("EGFR exon 19 deletion found", "EGFR", "exon 19", True, ""),
        # a low burden is no high one: "TMB low" and "TMB 5" were TMB-H positive
        ("TMB low", "TMB-H", "", False, ""),
        ("TMB 5", "TMB-H", "", False, "5"),
        ("TMB 12 mut/Mb", "TMB-H", "", True, "12"),
        ("ER positive", "HR+", "", True, ""),
        ("BRCA1 mutation", "BRCA", "1", True, ""),
        ("BRCA2 negative", "BRCA", "2", False, ""),
        ("MSS", "MSI-H/dMMR", "", False, ""),
        ("PD-L1 50%", "PD-L1", "", True, "50%"),
        ("PD-L1 CPS 15", "PD-L1", "", True, "CPS 15"),
        ("PD-L1 0%", "PD-L1", "", False, "0%"),
        ("Philadelphia chromosome negative", "BCR-ABL", "", False, ""),
        # "not" before the change: these were read as the marker found ("BRAF not mutated" =
        # BRAF positive), and a trial for wild-type tumours said "Not for you"
        ("BRAF not mutated", "BRAF", "", False, ""),
        ("EGFR not mutated", "EGFR", "", False, ""),
        ("ALK not rearranged", "ALK", "", False, ""),
        ("HER2 not amplified", "HER2", "", False, ""),
        ("HER2 non-amplified", "HER2", "", False, ""),
        # a HER2 score of 0 or 1+, HER2-low, is not HER2-positive disease (it was read so)
        ("HER2 1+", "HER2", "", False, ""),
        ("HER2 IHC 1+", "HER2", "", False, ""),
        ("HER2 IHC 0", "HER2", "", False, ""),
        ("HER2 0", "HER2", "", False, ""),
        ("HER2-low", "HER2", "", False, ""),
        ("HER2 low", "HER2", "", False, ""),
        ("HER2 ultralow", "HER2", "", False, ""),
        # a score of none is the marker not found: a pathology report's "ER 0%, PR 0%" was read
        # as HR+ positive, and a trial for triple-negative cancer said "Not for you"
        ("ER 0%", "HR+", "", False, ""),
        ("PR 0", "HR+", "", False, ""),
        ("ER <1%", "HR+", "", False, ""),
        ("PD-L1 TPS <1%", "PD-L1", "", False, "TPS <1%"),
        ("PD-L1 <1%", "PD-L1", "", False, "<1%"),
        # the antibody's name is not the level: "PD-L1 C3 TPS 60% positive, 22"
        ("PD-L1 (22C3) TPS 60%", "PD-L1", "22C3", True, "TPS 60%"),
        ("PD-L1 SP263 TC 5%", "PD-L1", "SP263", True, "TC 5%"),
        ("ER 50%", "HR+", "50%", True, ""),
        # a status joined to the name by a hyphen: "HER2-negative" was "not a marker
        # trialfinder knows"
        ("HER2-negative", "HER2", "", False, ""),
        ("HER2-positive", "HER2", "", True, ""),
        ("ER-positive", "HR+", "", True, ""),
        ("ALK-positive", "ALK", "", True, ""),
        ("RET-rearranged", "RET", "", True, ""),
        ("EGFR-mutated", "EGFR", "", True, ""),
        ("KRAS-wild-type", "KRAS", "", False, ""),
        ("PD-L1-negative", "PD-L1", "", False, ""),
        ("Philadelphia positive", "BCR-ABL", "", True, ""),
        # both genes: "BRCA1/2 negative" was read as BRCA2 negative only
        ("BRCA1/2 negative", "BRCA", "", False, ""),
        ("BRCA 1/2 negative", "BRCA", "", False, ""),
        ("BRCA1 and BRCA2 negative", "BRCA", "", False, ""),
        # microsatellite stable: "MSI stable" was read as MSI-H/dMMR positive
        ("MSI stable", "MSI-H/dMMR", "", False, ""),
        ("MSI-stable", "MSI-H/dMMR", "", False, ""),
        ("MSI-L", "MSI-H/dMMR", "", False, ""),
        ("MMR deficient", "MSI-H/dMMR", "", True, ""),
        ("mismatch repair deficient", "MSI-H/dMMR", "", True, ""),
        ("mismatch repair proficient", "MSI-H/dMMR", "", False, ""),
        # homologous recombination, not hormone receptors: "HR deficient" was read as HR+
        ("HR deficient", "HRR", "", True, ""),
        ("HR-deficient", "HRR", "", True, ""),
        ("HR proficient", "HRR", "", False, ""),
        ("homologous recombination proficient", "HRR", "", False, ""),
        # a negative of one kind of change only: not the whole marker
        ("MET amplification negative", "MET", "amplification", False, ""),
        ("HER2 mutation negative", "HER2", "mutant", False, ""),
        # a fusion named with its partner: "EML4-ALK fusion" was "not a marker trialfinder
        # knows", and "CD74-ROS1 fusion" read as CD7
        ("EML4-ALK fusion", "ALK", "", True, ""),
        ("EML4-ALK positive", "ALK", "", True, ""),
        ("CD74-ROS1 fusion", "ROS1", "", True, ""),
        ("KIF5B-RET", "RET", "", True, ""),
        ("KRAS-G12C", "KRAS", "G12C", True, ""),  # a variant is no partner
        # a negative result is of that fusion only: another ROS1 fusion is not ruled out
        ("CD74-ROS1 fusion not detected", "ROS1", "CD74", False, ""),
        ("EML4-ALK negative", "ALK", "EML4", False, ""),
        ("HER2-NEGATIVE", "HER2", "", False, ""),
    ],
)
def test_markers(written, name, variant, positive, level):
    marker = read_marker(written)
    assert (marker.name, marker.variant, marker.positive, marker.level) == (
        name,
        variant,
        positive,
        level,
    )
    assert marker.known


def test_every_labelled_profile_reads_without_problems():
    paths = sorted(LABELS.glob("P*.toml"))
    assert len(paths) >= 25
    for path in paths:
        profile = load_profile(path)
        assert profile.diagnosis is not None and profile.diagnosis.known, path.name
        # The profiles write drugs as patients do: every one must resolve.
        unknown = [t.written for t in profile.received() or () if not t.known]
        assert unknown == [], (path.name, unknown)


def test_every_unlabelled_profile_reads_with_its_diagnosis_and_treatments_known():
    paths = sorted((LABELS.parents[1] / "profiles").glob("Q*.toml"))
    assert len(paths) >= 5
    for path in paths:
        profile = load_profile(path)
        assert profile.diagnosis is not None and profile.diagnosis.known, path.name
        unknown = [t.written for t in profile.received() or () if not t.known]
        assert unknown == [], (path.name, unknown)


def test_the_docs_show_the_template():
    import re

    docs = Path(__file__).resolve().parents[1] / "docs" / "prescreen.md"
    match = re.search(
        r"<!-- profile-example -->\s*```toml\n(.*?)```", docs.read_text("utf-8"), re.S
    )
    assert match, "docs/prescreen.md has no profile example"
    assert match.group(1) == template()


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 200),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.lists(st.one_of(st.text(max_size=20), st.integers(), st.booleans()), max_size=4),
    st.dates(),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*KEYS, "other"]), _VALUES, max_size=6))
def test_any_table_is_a_profile_or_a_list_of_problems(table):
    """Whatever a file holds, reading it gives a profile or problems with their keys, never
    an exception of another kind."""
    table = {k: v for k, v in table.items() if v is not None}
    try:
        profile = profile_from_table(table, "any.toml")
    except InvalidConfig as exc:
        assert exc.exit_code == ExitCode.CONFIG
        assert all(line.startswith("any.toml") for line in exc.lines())
        return
    assert isinstance(profile, Profile)


def test_a_medicine_not_counted_is_not_said_to_be_no_cancer_treatment():
    # Dexamethasone is part of the treatment of myeloma and of leukaemia: "dexamethasone = not
    # a cancer treatment" was said of P01's history (Revlimid, Velcade, dexamethasone).
    from trialfinder.profile import describe

    lines = describe(profile_from_table({"prior_treatments": ["dexamethasone"]}, "<test>"))
    assert "prior treatments: dexamethasone = not counted as a cancer treatment" in lines


def described_markers(*markers: str) -> str:
    """The line of ``profile check`` that describes these biomarkers."""
    from trialfinder.profile import describe

    lines = describe(profile_from_table({"biomarkers": list(markers)}, "t"))
    (line,) = [line for line in lines if line.startswith("biomarkers:")]
    return line


def test_one_negative_part_of_a_marker_that_stands_for_several_is_not_said_to_be_it():
    # P15's "ER negative" was described as "ER negative = HR+ negative": PR may be positive.
    markers = described_markers("ER negative", "PR positive")
    assert "ER negative = HR+ negative" not in markers
    assert "ER negative = ER negative (HR+ is negative only when ER and PR both are)" in markers
    assert "PR positive = HR+ positive" in markers


def test_a_marker_numbered_on_its_name_is_described_as_written():
    # "BRCA2 wild-type" was described as "BRCA 2 negative".
    markers = described_markers("BRCA2 wild-type", "KRAS G12C")
    assert "BRCA2 wild-type = BRCA2 negative" in markers
    assert "KRAS G12C = KRAS G12C positive" in markers


@pytest.mark.parametrize("written", ["HER2 2+", "HER2 IHC 2+", "HER2 equivocal"])
def test_a_score_that_does_not_decide_the_marker_leaves_it_unknown(written):
    # HER2 2+ is HER2-positive only if ISH finds the gene amplified: "HER2 2+" was read as HER2
    # positive, and every trial for HER2-negative breast cancer said "Not for you".
    marker = read_marker(written)
    assert (marker.name, marker.known) == ("HER2", False)
    profile = profile_from_table({"biomarkers": [written]}, "t")
    (warning,) = profile.warnings
    assert "not a marker trialfinder knows" not in warning
    assert "does not say whether the cancer is HER2 positive" in warning
    assert described_markers(written) == f"biomarkers: {written} = not known"
    assert read_marker("HER2 2+ ISH amplified").positive
    assert read_marker("HER2 3+").known and read_marker("HER2 3+").positive


def test_a_karnofsky_score_in_steps_of_ten_is_read_and_described():
    from trialfinder.profile import describe

    profile = profile_from_table({"karnofsky": 70}, "t")
    assert profile.karnofsky == 70
    assert "Karnofsky: 70" in describe(profile)
    with pytest.raises(InvalidConfig, match="steps of 10"):
        profile_from_table({"karnofsky": 75}, "t")
    with pytest.raises(InvalidConfig, match="out of range"):
        profile_from_table({"karnofsky": 110}, "t")


@pytest.mark.parametrize(
    ("written", "name", "variant", "positive", "source"),
    [
        # the test's name was read as the marker's: "germline" was "not a marker trialfinder
        # knows", and "BRCA2 (germline)" the variant "2 germline"
        ("germline BRCA2 mutation", "BRCA", "2", True, "germline"),
        ("somatic BRCA2 mutation", "BRCA", "2", True, "somatic"),
        ("ctDNA KRAS G12C", "KRAS", "G12C", True, "ctDNA"),
        ("tissue EGFR L858R", "EGFR", "L858R", True, "tissue"),
        ("BRCA2 (germline)", "BRCA", "2", True, "germline"),
        ("EGFR L858R (ctDNA)", "EGFR", "L858R", True, "ctDNA"),
        ("liquid biopsy KRAS G12C", "KRAS", "G12C", True, "liquid biopsy"),
        ("germline BRCA negative", "BRCA", "", False, "germline"),
        ("ctDNA EGFR negative", "EGFR", "", False, "ctDNA"),
        # a letter on the name for the test: "gBRCA2" was BRCA2 of no test in particular
        ("gBRCA2", "BRCA", "2", True, "germline"),
        ("gBRCA1/2", "BRCA", "", True, "germline"),
        ("gBRCA2 mutation", "BRCA", "2", True, "germline"),
        ("tBRCA1 mutation", "BRCA", "1", True, "tumor"),
        ("TP53 mutation", "TP53", "", True, ""),
        # a source word that is part of the marker's own name stays in it
        ("tumor mutational burden high", "TMB-H", "", True, ""),
        ("KRAS G12C", "KRAS", "G12C", True, ""),
    ],
)
def test_a_marker_written_with_the_test_that_found_it(written, name, variant, positive, source):
    marker = read_marker(written)
    assert marker.known
    assert (marker.name, marker.variant, marker.positive, marker.source) == (
        name,
        variant,
        positive,
        source,
    )
    # a negative result of one test answers nothing: another test may still find the marker
    assert marker.only_one_test == (bool(source) and not positive)


def test_profile_check_says_how_a_marker_with_its_test_was_read():
    markers = described_markers("germline BRCA2 mutation", "ctDNA EGFR negative")
    assert markers == (
        "biomarkers: germline BRCA2 mutation = BRCA2 positive (germline); ctDNA EGFR negative "
        "= EGFR negative in one test (ctDNA) only: read as unknown, since another test may "
        "still find it"
    )


@pytest.mark.parametrize(
    ("written", "variant"),
    [
        ("BRCA2 pathogenic variant", "2"),
        ("BRCA2 likely pathogenic variant", "2"),
        ("pathogenic BRCA1 variant", "1"),
        ("deleterious BRCA2 mutation", "2"),
        ("suspected deleterious BRCA1 mutation", "1"),
    ],
)
def test_a_harmful_change_is_read_as_the_marker_whatever_the_words(written, variant):
    # "BRCA2 pathogenic variant" was the variant "2 pathogenic variant", and "pathogenic BRCA1
    # variant" a marker named "pathogenic" that trialfinder did not know.
    marker = read_marker(written)
    assert marker.known and marker.positive
    assert (marker.name, marker.variant, marker.source) == ("BRCA", variant, "")
    assert described_markers(written) == f"biomarkers: {written} = BRCA{variant} positive"
    assert profile_from_table({"biomarkers": [written]}, "t").warnings == ()


def test_profile_check_says_a_lettered_germline_marker_was_read_as_germline():
    assert described_markers("gBRCA2", "gBRCA1/2") == (
        "biomarkers: gBRCA2 = BRCA2 positive (germline); gBRCA1/2 = BRCA positive (germline)"
    )


@pytest.mark.parametrize(
    "written",
    ["BRCA1 VUS", "BRCA2 variant of uncertain significance", "ATM variant of unknown significance"],
)
def test_a_variant_of_uncertain_significance_leaves_the_marker_unknown(written):
    # "BRCA1 VUS" was BRCA1 positive, and a trial ruling out "Known BRCA1 or BRCA2 mutation"
    # said "Not for you".
    marker = read_marker(written)
    assert not marker.known
    (warning,) = profile_from_table({"biomarkers": [written]}, "t").warnings
    assert "uncertain significance" in warning and "not a marker trialfinder knows" not in warning
    assert described_markers(written) == f"biomarkers: {written} = not known"


@pytest.mark.parametrize(
    ("diagnosis", "settings"),
    [
        ("non-metastatic castration-resistant prostate cancer",
         ("non-metastatic", "castration-resistant")),
        ("metastatic breast cancer, ER positive HER2 negative", ("metastatic",)),
        ("DLBCL relapsed after R-CHOP", ("relapsed",)),
        ("stage IV NSCLC (adenocarcinoma)", ("metastatic",)),
        ("not metastatic lung cancer", ()),
        ("multiple myeloma", ()),
        # denied a few words before, or "free" after: "no evidence of metastatic disease" was
        # read as metastatic, and NCT05514054 (early breast cancer) said "Not for you"
        ("breast cancer, no evidence of metastatic disease", ()),
        ("negative for metastatic disease", ()),
        ("prostate cancer, no longer hormone sensitive", ()),
        ("lymphoma, relapse-free since 2020", ()),
        ("no prior treatment, now metastatic", ("metastatic",)),
        # a clause of the past says nothing of now beside one that does: "stage IV NSCLC,
        # previously early-stage" was early-stage too, and NCT05419375 said "Could fit"
        ("stage IV NSCLC, previously early-stage", ("metastatic",)),
        ("castration-sensitive until 2025, now castration-resistant", ("castration-resistant",)),
        ("ovarian cancer, platinum-sensitive no longer", ()),
        # a disease that became another: no treatment failed
        ("MDS progressed to AML", ()),
        # a setting in doubt: "relapse not confirmed" was relapsed, and NCT05317416 said "Not
        # for you" to a newly diagnosed myeloma
        ("myeloma, relapse not confirmed", ()),
        ("breast cancer, suspected recurrence", ()),
        ("myeloma, possible relapse", ()),
        ("myeloma, refractory status unknown", ()),
        ("progressed on osimertinib", ("refractory",)),
        # "unresectable" was no setting ("did you mean 'resectable'?", its opposite), and
        # "borderline resectable" was early-stage
        ("unresectable pancreatic cancer", ("unresectable",)),
        ("locally advanced, not resectable", ("locally-advanced", "unresectable")),
        ("borderline resectable pancreatic cancer", ("borderline-resectable",)),
        # a patient too frail for surgery is no unresectable cancer
        ("stage I lung adenocarcinoma, medically inoperable", ()),
        ("resectable pancreatic cancer", ("early-stage",)),
        # the words people write: "recurred after carboplatin" named no setting
        ("ovarian cancer recurred after carboplatin", ("relapsed",)),
        ("grew during FOLFOX", ("refractory",)),
        ("spread to the liver", ("metastatic",)),
        # not where a tumour grew on a scan, a result returned, or lymph node metastases
        ("tumour grew on the last MRI", ()),
        ("biopsy returned KRAS G12C", ()),
        ("oral cavity SCC with neck lymph node metastases", ()),
        # spread to lymph nodes is regional: "spread to 2 axillary lymph nodes" was metastatic,
        # and the adjuvant trials for node-positive breast cancer said "Not for you"
        ("stage II breast cancer, spread to 2 axillary lymph nodes", ()),
        ("cervical cancer, spread to pelvic lymph nodes", ()),
        ("metastatic lymph nodes in the neck", ()),
        ("spread to distant lymph nodes", ("metastatic",)),
        ("spread to the lymph nodes and bones", ("metastatic",)),
        ("spread to lymph nodes, liver and bones", ("metastatic",)),
        ("lung cancer spread to the mediastinal nodes", ()),  # (the lung is where it began)
        # "metastatic" before other words is said of the cancer
        ("metastatic breast cancer spread to lymph nodes", ("metastatic",)),
        ("now metastatic breast cancer to the lymph nodes", ("metastatic",)),
        ("spread to 3/15 regional lymph nodes", ()),
        ("stage III breast cancer with metastatic disease in 4 axillary lymph nodes", ()),
        ("metastatic in 3 of 12 lymph nodes", ()),
        # a distant place said of something else ("no distant metastases") is no spread there
        ("stage II breast cancer, spread to 1 lymph node (pN1a), PET: no distant metastases", ()),
        ("spread to 1 lymph node, bone scan negative", ()),
        # only spread is read so: "refractory" was lost before "... in lymph nodes"
        ("refractory Hodgkin lymphoma in lymph nodes", ("refractory",)),
        ("castration-resistant prostate cancer, pelvic nodal disease", ("castration-resistant",)),
        # "de novo" says how it was first found, not that it is new: a cancer metastatic at
        # diagnosis and treated with three lines since was "newly diagnosed"
        ("de novo metastatic breast cancer", ("de-novo", "metastatic")),
    ],
)  # fmt: skip
def test_the_settings_a_diagnosis_names(diagnosis, settings):
    assert settings_in(diagnosis) == settings


def test_a_level_each_trial_decides_on_is_no_result_either_way():
    # "ER-low (5%)" was HR+ positive, and trials for triple-negative cancer (NCT06189209)
    # said "Not for you": many take ER-low
    profile = profile_from_table({"biomarkers": ["ER-low (5%)", "ER low", "ER positive"]}, "t")
    assert [m.known for m in profile.biomarkers] == [False, False, True]
    assert "each trial says" in profile.warnings[0]
    # the same level as a share of cells (ASCO/CAP's ER-low, 1-10%): "ER 5%" was ER positive;
    # none, below 1% and above 10% keep their status
    written = ["ER 5%", "PR 1-10%", "ER 10%", "ER weakly positive", "ER 0%", "ER <1%", "ER 11%"]
    # ... not below 1% (negative), nor "weak" beside a share above 10% (a first version made
    # "ER positive (Allred 8, 95%, weak to strong)" unknown)
    written += ["ER 0.5%", "ER positive (Allred 8, 95%, weak to strong)", "PR weakly positive 60%"]
    written += ["ER negative (<1%)", "ER-negative (less than 1%)"]
    profile = profile_from_table({"biomarkers": written}, "t")
    assert [(m.known, m.positive) for m in profile.biomarkers] == [
        (False, True),
        (False, True),
        (False, True),
        (False, True),
        (True, False),
        (True, False),
        (True, True),
        (True, False),
        (True, True),
        (True, True),
        (True, False),
        (True, False),
    ]


def test_several_results_in_one_entry_are_read_one_by_one():
    # "ER-/PR-/HER2+" was read as HR+ and HER2 dropped, so NCT04862663 ("HR+/ HER2- breast
    # cancer") said "Could fit" to an HR-negative, HER2-positive cancer
    profile = profile_from_table({"biomarkers": ["ER-/PR-/HER2+", "KRAS G12C"]}, "t")
    assert [(m.name, m.part, m.positive) for m in profile.biomarkers] == [
        ("HR+", "ER", False),
        ("HR+", "PR", False),
        ("HER2", "", True),
        ("KRAS", "", True),
    ]
    assert [m.written for m in profile.biomarkers][:3] == ["ER-", "PR-", "HER2+"]
    # each with its own status after "and" ("ER negative and PR negative" was ER of a variant
    # "and PR", so a trial for HR-negative cancer asked whether it is PR positive); not names
    # that share one ("BRCA1 and BRCA2 negative")
    both = profile_from_table({"biomarkers": ["ER negative and PR negative"]}, "t").biomarkers
    assert [(m.name, m.part, m.positive) for m in both] == [
        ("HR+", "ER", False),
        ("HR+", "PR", False),
    ]
    shared = profile_from_table({"biomarkers": ["BRCA1 and BRCA2 negative"]}, "t").biomarkers
    assert [(m.name, m.positive) for m in shared] == [("BRCA", False)]
    # each variant of one marker with its own status: "EGFR L858R, T790M neg" lost its L858R
    for written in ("EGFR L858R, T790M neg", "EGFR L858R (T790M negative)"):
        markers = profile_from_table({"biomarkers": [written]}, "t").biomarkers
        assert [(m.name, m.variant, m.positive) for m in markers] == [
            ("EGFR", "L858R", True),
            ("EGFR", "T790M", False),
        ], written
    # "ALK-negative, EGFR-positive" lost its EGFR; "KRAS mutant (not G12C)" was G12C positive;
    # names joined by "/" under one status, a cDNA change or an allele fraction beside a variant
    read = {
        "ALK-negative, EGFR-positive": [("ALK", "", False), ("EGFR", "", True)],
        "KRAS mutant (not G12C)": [("KRAS", "", True), ("KRAS", "G12C", False)],
        "EGFR/ALK/ROS1 negative": [("EGFR", "", False), ("ALK", "", False), ("ROS1", "", False)],
        "EGFR exon 19 del (c.2235_2249del)": [("EGFR", "exon 19", True)],
        "KRAS G12C (VAF 12%)": [("KRAS", "G12C", True)],
        "ER 90%, PR 0%": [("HR+", "90%", True), ("HR+", "", False)],  # PR was dropped
        # a result of the past beside one of now: the HER2 positive counted
        # a hyphen within a name is no minus: "HLA-A11 positive" was "HLA-" (negative) and
        # "A11 positive", and NCT06898385 (HLA-A*11:01 only) said "Not for you"
        "HLA-A11 positive": [("HLA", "A11", True)],
        "HLA-A11+": [("HLA", "A11", True)],
        "KRAS-G12C positive": [("KRAS", "G12C", True)],
        "FLT3-ITD positive": [("FLT3", "ITD", True)],
        "FLT3-ITD+": [("FLT3", "ITD", True)],
        "PD-L1 positive": [("PD-L1", "", True)],
        "BCR-ABL positive": [("BCR-ABL", "", True)],
        "FGFR2-fusion positive": [("FGFR", "2", True)],
        "ER+/PR-": [("HR+", "", True), ("HR+", "", False)],
        # a sign written with "ve", a score of none by a hyphen: "HER2-ve" was HER2 positive
        "HER2-ve": [("HER2", "", False)],
        "ER +ve": [("HR+", "", True)],
        "EGFR-ve": [("EGFR", "", False)],
        "HER2-zero": [("HER2", "", False)],
        "HER2 negative, previously HER2 positive": [("HER2", "", False)],
        "HER2 positive on biopsy, now HER2 negative": [("HER2", "", False)],
    }
    for written, results in read.items():
        markers = profile_from_table({"biomarkers": [written]}, "t").biomarkers
        assert [(m.name, m.variant, m.positive) for m in markers] == results, written
    # a result not given yet is no result: "EGFR result pending" was EGFR positive
    pending = profile_from_table({"biomarkers": ["EGFR result pending"]}, "t")
    assert not pending.biomarkers[0].known
    assert "gives no firm result yet" in pending.warnings[0]
    # nor is a result only suspected ("HER2 positive (suspected)" was firm)
    doubt = profile_from_table({"biomarkers": ["HER2 positive (suspected)"]}, "t")
    assert not doubt.biomarkers[0].known
    # a bracket that gives the test is no other result
    (her2,) = profile_from_table({"biomarkers": ["HER2 positive (IHC 3+)"]}, "t").biomarkers
    assert (her2.name, her2.variant, her2.positive) == ("HER2", "", True)


@pytest.mark.parametrize(
    "written", ["declined Ibrance", "planned: Kisqali", "did not take Ibrance"]
)
def test_a_treatment_not_given_is_no_treatment_received(written):
    # "declined Ibrance" counted as palbociclib received: "you had declined Ibrance" was a
    # reason given for "Not for you"
    treatment = resolve_treatment(written)
    assert treatment.drugs == () and not treatment.known
    profile = profile_from_table({"prior_treatments": [written, "letrozole"]}, "t")
    (warning,) = profile.warnings
    assert "says it was not given" in warning and "counts as no treatment received" in warning
    # ... so a trial ruling out palbociclib does not rule out this profile
    excluded = Requirement("prior-therapy-excluded", "any-of", ("palbociclib",), "Prior palbo")
    assert check_requirement(excluded, profile).outcome == "pass"


def test_an_entry_naming_a_transplant_keeps_the_drugs_of_its_line():
    # "VRd x4 then ASCT" was a transplant alone, so NCT05572515 said "does not list lenalidomide"
    treatment = resolve_treatment("dara-VRd induction, ASCT, len maintenance")
    assert treatment.transplant == "autologous"
    assert treatment.drugs == ("daratumumab", "bortezomib", "lenalidomide", "dexamethasone")
    # and what a patient says of how a drug went is no unknown word, nor "not given"
    for written in ("pembrolizumab - did not respond", "pembrolizumab - not tolerated"):
        given = resolve_treatment(written)
        assert given.drugs == ("pembrolizumab",) and given.known and not given.unread, written


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("cervical cancer, currently 20 weeks pregnant", {"pregnant": True}),
        ("relapsed Hodgkin lymphoma; currently breastfeeding", {"breastfeeding": True}),
        ("breast cancer, not pregnant", {"pregnant": False}),
        ("breast cancer", {}),
        ("breast cancer, neither pregnant nor breastfeeding",
         {"pregnant": False, "breastfeeding": False}),
        ("breast cancer, currently pregnant: no", {"pregnant": False}),
        # only a clause that says nothing else: these say no state of now (a first version read
        # each as pregnant or breastfeeding, and trials excluding them said "Not for you")
        ("breast cancer diagnosed while breastfeeding in 2024", {}),
        ("breast cancer, stopped breastfeeding last year", {}),
        ("gestational trophoblastic neoplasia after a molar pregnancy", {}),
        ("breast cancer, pregnancy test negative", {}),
        ("triple negative breast cancer, pregnant (terminated)", {}),
        ("triple negative breast cancer, breastfeeding (stopped)", {}),
        ("lung cancer; wife is pregnant", {}),
    ],
)  # fmt: skip
def test_a_diagnosis_may_say_the_person_is_pregnant_or_breastfeeding(written, said):
    assert states_in(written) == said
    profile = profile_from_table({"diagnosis": written}, "t")
    assert profile.pregnant == said.get("pregnant")
    assert profile.breastfeeding == said.get("breastfeeding")
    # the keys say it for the diagnosis
    keyed = profile_from_table({"diagnosis": written, "pregnant": not said.get("pregnant")}, "t")
    assert keyed.pregnant is (not said.get("pregnant"))
