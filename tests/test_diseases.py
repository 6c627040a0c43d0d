"""The disease vocabulary: what a diagnosis and a trial's conditions name, and how they relate."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from trialfinder.diseases import (
    NARROWER,
    RELATED,
    SAME_OR_BROADER,
    UNRELATED,
    about_trial_diseases,
    diseases,
    named_diseases,
    only_other_diseases,
    read_diagnosis,
    trial_diseases,
    within_scope,
)
from trialfinder.knowledge import InvalidDataFile, data_text, read_data_file
from trialfinder.model import Trial, parse_study

from conftest import needs_shared, real_record_paths


@pytest.mark.parametrize(
    "written, named",
    [
        ("multiple myeloma, first relapse", ("multiple myeloma",)),
        ("myeloma that came back", ("multiple myeloma",)),
        ("Stage IV lung adenocarcinoma, EGFR exon 19 deletion", ("lung adenocarcinoma",)),
        # where it spread is not where it started
        (
            "triple negative breast cancer with lung and liver metastases",
            ("triple-negative breast cancer",),
        ),
        ("metastatic rectal cancer with liver and lung metastases", ("rectal cancer",)),
        ("relapsed B-cell acute lymphoblastic leukemia", ("B-cell acute lymphoblastic leukemia",)),
        ("chronic lymphocytic leukemia (CLL)", ("chronic lymphocytic leukemia",)),
        ("classical Hodgkin's lymphoma", ("Hodgkin lymphoma",)),
        ("oropharyngeal squamous cell carcinoma", ("oropharyngeal cancer",)),
        ("squamous cell carcinoma of the tongue", ("oral cavity cancer",)),
        ("Non-Hodgkin lymphoma", ("non-Hodgkin lymphoma",)),
        ("diffuse midline glioma H3 K27M-altered (DIPG)", ("diffuse midline glioma",)),
        ("HER2+ stomach cancer", ("gastric cancer",)),
        ("Tumours of the brain", ("cancer",)),
        ("cancer of the gall bladder", ("gallbladder cancer",)),
        ("intrahepatic cholangiocarcinoma", ("cholangiocarcinoma",)),
        ("biliary tract cancer", ("biliary tract cancer",)),
        # The kind after the broad name (P11: a non-squamous trial asked its diagnosis).
        ("metastatic non-small cell lung cancer (adenocarcinoma)", ("lung adenocarcinoma",)),
        ("non-small cell lung cancer (squamous)", ("squamous non-small cell lung cancer",)),
    ],
)
def test_a_diagnosis_names_its_most_specific_disease(written, named):
    diagnosis = read_diagnosis(written)
    assert diagnosis.diseases == named
    assert diagnosis.has_cancer


def test_no_cancer_no_diagnosis_and_unknown_words():
    healthy = read_diagnosis("healthy, no medical conditions")
    assert healthy.healthy and not healthy.has_cancer and healthy.known
    lump = read_diagnosis("breast lump, not diagnosed")
    assert lump.not_diagnosed and not lump.has_cancer and lump.diseases == ()
    diabetes = read_diagnosis("type 2 diabetes")
    assert diabetes.diseases == ("type 2 diabetes",) and not diabetes.has_cancer
    assert not read_diagnosis("feeling unwell").known
    # "awaiting biopsy for possible myeloma" was read as myeloma, and NCT05862012 ("pathologically
    # confirmed MM") said "Could fit"; "no cancer" and "cancer free" were read as cancer
    for written in ("awaiting biopsy for possible myeloma", "query lymphoma", "?lymphoma",
                    "probable CLL"):  # fmt: skip
        doubt = read_diagnosis(written)
        assert doubt.not_diagnosed and doubt.diseases == () and not doubt.has_cancer, written
    # what a disease became is what it is now ("MDS progressed to AML" was MDS and AML)
    assert read_diagnosis("MDS progressed to AML").diseases == ("acute myeloid leukemia",)
    assert read_diagnosis("follicular lymphoma transformed to DLBCL").diseases == (
        "diffuse large B-cell lymphoma",
    )
    # a transformation in short words: "follicular lymphoma transformed to large cell" was told
    # "Not for you" by a trial for DLBCL transformed from indolent lymphoma (NCT02227251);
    # "with small cell transformation" keeps the first histology beside the new one
    for written, now in (
        ("follicular lymphoma transformed to large cell", ("large B-cell lymphoma",)),
        ("transformed follicular lymphoma", ("large B-cell lymphoma",)),
        ("follicular lymphoma transformed to large-cell", ("large B-cell lymphoma",)),
        # not another disease's transformation, nor one denied
        ("mycosis fungoides with large cell transformation", ("T-cell lymphoma",)),
        ("prostate adenocarcinoma, transformed to small cell", ("prostate cancer",)),
        ("CLL, no Richter transformation", ("chronic lymphocytic leukemia",)),
        ("lung adenocarcinoma, no small cell transformation", ("lung adenocarcinoma",)),
        # a disease denied is none the patient has: "AML (non-APL)" was read as APL
        ("acute myeloid leukemia (non-APL)", ("acute myeloid leukemia",)),
        ("AML, not APL", ("acute myeloid leukemia",)),
        ("relapsed AML (APL excluded)", ("acute myeloid leukemia",)),
        ("non-small cell lung cancer", ("non-small cell lung cancer",)),
        # ... and only the denial's own words: what follows it is read
        (
            "CLL without treatment until 2023 when it transformed to DLBCL",
            ("diffuse large B-cell lymphoma",),
        ),
        ("No evidence of disease after surgery for colon cancer", ("colon cancer",)),
        ("AML, not APL?", ("acute myeloid leukemia",)),
        # of two organ words the later; not where it came from or spread to
        ("squamous cell carcinoma of the uterine cervix", ("cervical cancer",)),
        ("carcinoma of the lung, metastatic from breast", ("solid tumor",)),
        ("base of tongue squamous cell carcinoma", ("solid tumor",)),
        # where it spread, or "primary", leaves the organ named
        ("invasive ductal carcinoma of the breast with bone metastases", ("breast cancer",)),
        ("primary invasive ductal carcinoma of the breast", ("breast cancer",)),
        ("lung adenocarcinoma transformed to small cell", ("small cell lung cancer",)),
        (
            "EGFR-mutant lung adenocarcinoma with small cell transformation",
            ("lung adenocarcinoma", "small cell lung cancer"),
        ),
        ("MDS evolved into AML, prior breast cancer", ("acute myeloid leukemia",)),
        # "from" may name the first disease ("secondary AML from MDS") or the patient's own
        # ("liver cancer from colon cancer"): both are kept
        ("liver cancer from colon cancer", ("liver cancer", "colon cancer")),
        ("liver metastases from colon cancer", ("colon cancer",)),
        ("Multiple myeloma, AL amyloidosis?", ("multiple myeloma", "AL amyloidosis")),
        ("Not yet treated metastatic lung adenocarcinoma", ("lung adenocarcinoma",)),
        ("invasive ductal carcinoma of the breast, metastatic to bone", ("breast cancer",)),
    ):
        assert read_diagnosis(written).diseases == now, written
    # a cancer named by its cells, then its organ: "invasive ductal carcinoma of the breast" was
    # any solid tumour, and trials for breast cancer asked whether it was breast cancer
    for written, now in (
        ("invasive ductal carcinoma of the breast", ("breast cancer",)),
        ("serous carcinoma of the ovary", ("ovarian cancer",)),
        ("squamous cell carcinoma of the oral tongue", ("oral cavity cancer",)),
        ("uterine serous carcinoma", ("endometrial cancer",)),
        ("endometrial adenocarcinoma, endometrioid type, grade 3", ("endometrial cancer",)),
        ("high-grade serous carcinoma of the fallopian tube", ("ovarian cancer",)),
        # not where it spread, nor a place it is only found in
        ("carcinoma with lung metastases", ("solid tumor",)),
        ("metastatic carcinoma in the lung", ("solid tumor",)),
        ("carcinoma of unknown primary, liver lesions", ("solid tumor",)),
        ("therapy-related AML after breast cancer", ("acute myeloid leukemia",)),
        # short forms navigators write, unknown before
        ("HGSOC, platinum resistant", ("ovarian cancer",)),
        ("mUC after EV", ("bladder cancer",)),
        ("tFL after R-CHOP", ("large B-cell lymphoma",)),
        # "GE junction" (as clinics write it) was any solid tumour
        ("GE junction adenocarcinoma (Siewert II)", ("gastroesophageal junction cancer",)),
        ("OGJ adenocarcinoma", ("gastroesophageal junction cancer",)),
        # ... not the junction as a landmark
        (
            "Squamous cell carcinoma of the esophagus extending to the GE junction",
            ("esophageal cancer",),
        ),
        ("Gastric adenocarcinoma, GE junction not involved", ("gastric cancer",)),
    ):
        assert read_diagnosis(written).diseases == now, written
    # a past, ruled-out or only suspected disease beside the one the patient has now
    for written, now in (
        ("history of breast cancer, now lung adenocarcinoma", ("lung adenocarcinoma",)),
        ("lung adenocarcinoma, breast cancer survivor", ("lung adenocarcinoma",)),
        ("multiple myeloma, lymphoma ruled out", ("multiple myeloma",)),
        ("metastatic breast cancer, suspected liver metastases", ("breast cancer",)),
        # a cancer of the past in a clause of its own: "breast cancer 2012 treated, NED" was a
        # breast cancer now, which trials leaving out breast cancer said "Not for you" to
        ("metastatic urothelial cancer; breast cancer 2012 treated, NED", ("bladder cancer",)),
        ("metastatic melanoma; colon cancer 2015 resected, no recurrence", ("melanoma",)),
        ("thyroid cancer, RAI refractory; Hodgkin lymphoma at age 16 (cured)", ("thyroid cancer",)),
        ("breast cancer NED for 5 years; now lung cancer", ("lung cancer",)),
        # ... not when it is the only one, nor unless the other is said to be active: "NED on
        # adjuvant nivolumab" and "NED outside the brain" may be of the cancer of now, and "2
        # years ago", "over the past 3 months" date it (a first version dropped these)
        ("breast cancer, NED", ("breast cancer",)),
        (
            "Stage III melanoma, resected, NED on adjuvant nivolumab; CLL on watch and wait",
            ("melanoma", "chronic lymphocytic leukemia"),
        ),
        (
            "HER2-positive breast cancer with brain metastases, NED outside the brain; melanoma in"
            " situ excised 2020",
            ("HER2-positive breast cancer", "melanoma"),
        ),
        (
            "Multiple myeloma diagnosed 4 years ago; also CLL, untreated",
            ("multiple myeloma", "chronic lymphocytic leukemia"),
        ),
        (
            "NSCLC progressing over the past 3 months; prostate cancer on active surveillance",
            ("non-small cell lung cancer", "prostate cancer"),
        ),
        # ... nor when the old cancer's part is no more active ("never relapsed") or says it is
        # past too, nor without saying when: the cancer of now after its surgery is "NED" as
        # often (a second version read "Early breast cancer, on letrozole, NED; endometrial
        # cancer 2019, cured, adjuvant brachytherapy" as endometrial cancer only)
        (
            "Early breast cancer, ER+ HER2-, on letrozole, NED; endometrial cancer 2019, stage IA,"
            " cured, adjuvant brachytherapy",
            ("breast cancer", "endometrial cancer"),
        ),
        (
            "breast cancer stage II, resected 2025, no evidence of disease, on tamoxifen; Hodgkin"
            " lymphoma at 19, relapsed, cured by transplant in 2010",
            ("breast cancer", "Hodgkin lymphoma"),
        ),
        (
            "lung adenocarcinoma NED; kidney cancer 2019, never recurred",
            ("lung adenocarcinoma", "kidney cancer"),
        ),
        # a relative's cancer is none of the patient's
        (
            "Metastatic colon cancer, liver metastases; father had prostate cancer",
            ("colon cancer",),
        ),
        (
            "Breast cancer stage II 2024, NED; now on tamoxifen, mother had ovarian cancer",
            ("breast cancer",),
        ),
    ):
        assert read_diagnosis(written).diseases == now, written
    assert read_diagnosis("suspected lung cancer").not_diagnosed
    # ... or a doubt said after the disease, as a clause of its own: "lung cancer, possible"
    # was lung cancer
    for written in ("lung cancer, possible", "myeloma (suspected)", "lung cancer; query"):
        doubt = read_diagnosis(written)
        assert doubt.not_diagnosed and doubt.diseases == (), written
    # a question mark may ask of a detail: the disease stays ("relapsed DLBCL?" made a patient
    # "nothing diagnosed yet"), and a second disease questioned stays beside the first
    assert read_diagnosis("lung adenocarcinoma, stage?").diseases == ("lung adenocarcinoma",)
    assert read_diagnosis("relapsed DLBCL?").diseases == ("diffuse large B-cell lymphoma",)
    assert read_diagnosis("metastatic breast cancer, second primary lung cancer?").diseases == (
        "breast cancer",
        "lung cancer",
    )
    # a doubt after a disease named is about something else
    assert read_diagnosis("metastatic NSCLC, possible brain metastases").diseases == (
        "non-small cell lung cancer",
    )
    assert read_diagnosis("multiple myeloma; query AL amyloidosis").diseases == (
        "multiple myeloma",
    )
    for written in ("no cancer", "no cancer, carer", "cancer free"):
        none = read_diagnosis(written)
        # no cancer, and nothing said of other illness: not a healthy volunteer (a diabetes
        # trial said "the profile says you have no illness" of "no cancer, carer")
        assert none.cancer_free and none.known and not none.healthy, written
        assert none.diseases == () and not none.has_cancer, written
    assert read_diagnosis("healthy, no cancer").healthy
    assert read_diagnosis("colon cancer, free of disease after surgery").has_cancer
    # a disease named after another as its history is not what the patient has now:
    # "therapy-related AML after breast cancer" was told "Could fit" by NCT03946202 (for
    # primary locally advanced breast cancer)
    assert read_diagnosis("therapy-related AML after breast cancer").diseases == (
        "acute myeloid leukemia",
    )
    assert read_diagnosis("myeloma, previous breast cancer 2010").diseases == ("multiple myeloma",)
    # smouldering myeloma is not yet myeloma: a myeloma trial may or may not take it
    # (NCT05862012, for relapsed or refractory myeloma, said "Could fit" to it)
    assert read_diagnosis("smouldering multiple myeloma").diseases == ("smoldering myeloma",)
    assert diseases().relation("smoldering myeloma", "multiple myeloma") == RELATED
    # the primary a metastasis is from is the disease
    assert read_diagnosis("lung metastases from breast cancer").diseases == ("breast cancer",)
    assert read_diagnosis("multiple myeloma").search_terms == ("multiple myeloma",)
    assert healthy.search_terms == ()


def test_a_search_asks_for_the_disease_trials_are_listed_under():
    assert read_diagnosis("stage IV lung adenocarcinoma").search_terms == (
        "non-small cell lung cancer",
    )
    assert read_diagnosis("metastatic rectal cancer").search_terms == ("colorectal cancer",)
    assert read_diagnosis("DLBCL").search_terms == ("diffuse large B-cell lymphoma",)
    assert read_diagnosis("intrahepatic cholangiocarcinoma").search_terms == (
        "biliary tract cancer",
    )


def test_acronyms_count_only_as_written():
    assert read_diagnosis("ALL in second relapse").diseases == ("acute lymphoblastic leukemia",)
    assert not read_diagnosis("all of them").known
    assert read_diagnosis("RRMM").diseases == ("multiple myeloma",)


@pytest.mark.parametrize(
    "diagnosis, read, unread",
    [
        # a word of another meaning beside it: each failed every trial for the patient's own
        # cancer (ulcerative colitis read as a bladder cancer, a melanoma as a myeloma, ...)
        ("sigmoid adenocarcinoma, background of UC", ("solid tumor",), ["UC"]),
        ("UC since 2019, on mesalamine", (), ["UC"]),  # (no cancer: "you have cancer" was false)
        ("lung adenocarcinoma; ulcerative colitis (UC)", ("lung adenocarcinoma",), ["UC"]),
        ("metastatic cutaneous MM", ("cancer",), ["MM"]),
        ("lung MM (mesothelioma)", ("mesothelioma",), ["MM"]),  # (not a lung cancer)
        ("ICC, FIGO IIIB", ("cancer",), ["ICC"]),
        ("DLBCL, ABC type", ("diffuse large B-cell lymphoma",), ["ABC"]),
        ("DLBCL, ABC-type", ("diffuse large B-cell lymphoma",), ["ABC"]),
        ("previously untreated ABC DLBCL; prostate cancer 2012",
         ("diffuse large B-cell lymphoma", "prostate cancer"), ["ABC"]),
        # none: the usual meaning, and a cancer of the past beside it stays past (read as nothing
        # or as "cancer", these were read as the breast cancer of 2010, or 2012)
        ("MM, relapsed after VRd; breast cancer in remission 2012", ("multiple myeloma",), []),
        ("never treated MM; history of breast cancer 2005", ("multiple myeloma",), []),
        ("metastatic UC; history of breast cancer 2010", ("bladder cancer",), []),
        ("renal UC", ("bladder cancer",), []),
        # a hint counts in its own part of the diagnosis only ("type 2 diabetes" made a
        # breast cancer no cancer at all; "Lynch syndrome associated" a urothelial one nothing)
        ("HR positive ABC; type 2 diabetes", ("breast cancer", "type 2 diabetes"), []),
        ("UC, Lynch syndrome associated; history of colon cancer 2012", ("bladder cancer",), []),
    ],
)  # fmt: skip
def test_a_short_name_of_several_diseases_is_doubted_where_the_diagnosis_says_so(
    diagnosis, read, unread
):
    found = read_diagnosis(diagnosis)
    assert found.diseases == read
    assert [name for name, _ in found.ambiguous] == unread


def test_a_short_name_beside_the_disease_it_names_is_no_doubt():
    assert read_diagnosis("multiple myeloma (MM)").ambiguous == ()
    assert read_diagnosis("urothelial carcinoma (UC)").diseases == ("bladder cancer",)


@pytest.mark.parametrize(
    "patient, trial, relation",
    [
        ("diffuse large B-cell lymphoma", "lymphoma", SAME_OR_BROADER),
        ("lung adenocarcinoma", "solid tumor", SAME_OR_BROADER),
        ("multiple myeloma", "multiple myeloma", SAME_OR_BROADER),
        ("breast cancer", "triple-negative breast cancer", NARROWER),
        ("lung cancer", "non-small cell lung cancer", NARROWER),
        ("chronic lymphocytic leukemia", "lymphoma", RELATED),
        ("follicular lymphoma", "chronic lymphocytic leukemia", UNRELATED),
        ("colon cancer", "rectal cancer", UNRELATED),
        ("multiple myeloma", "solid tumor", UNRELATED),
        # NCT06346392, NCT06764875, NCT07040059 (gastric or gastroesophageal junction cancer)
        # said "you have esophageal cancer" to an esophageal adenocarcinoma, which may be of
        # the junction; NCT06036394 (CNS tumours) told a primary CNS lymphoma "Not for you".
        ("esophageal cancer", "gastroesophageal junction cancer", RELATED),
        ("gastroesophageal junction cancer", "esophageal cancer", RELATED),
        ("primary CNS lymphoma", "brain tumor", RELATED),
        # NCT05994521 ("Cancer Gi"; "a periampullary cancer": of the pancreatic head, the distal
        # bile duct, the duodenum or the ampulla).
        ("pancreatic cancer", "periampullary cancer", RELATED),
        ("cholangiocarcinoma", "periampullary cancer", RELATED),
        ("colorectal cancer", "periampullary cancer", UNRELATED),
        ("periampullary cancer", "gastrointestinal cancer", SAME_OR_BROADER),
        ("primary CNS lymphoma", "solid tumor", UNRELATED),
        # related to the disease named, not to the narrower ones: NCT02227251 (DLBCL) said
        # "could not be checked" to P07's CLL, which no DLBCL trial takes
        ("chronic lymphocytic leukemia", "diffuse large B-cell lymphoma", UNRELATED),
        ("primary CNS lymphoma", "glioma", UNRELATED),
        # the places of the head and neck: "Larynx Cancer" (NCT04057209) and "Mouth Neoplasms"
        # (NCT05774483) were unknown diseases, and an oropharyngeal cancer was read as any
        # solid tumour
        ("oropharyngeal cancer", "head and neck cancer", SAME_OR_BROADER),
        ("oropharyngeal cancer", "laryngeal cancer", UNRELATED),
        ("oropharyngeal cancer", "oral cavity cancer", UNRELATED),
        ("head and neck cancer", "laryngeal cancer", NARROWER),
        # NCT06630793 (anal canal): "squamous cell carcinoma of the anal canal or distal rectum"
        ("rectal cancer", "anal cancer", RELATED),
        ("colon cancer", "anal cancer", UNRELATED),
        # carcinoma in situ has not invaded: no solid tumour trial is known to take it or not
        ("lung adenocarcinoma", "carcinoma in situ", UNRELATED),
        ("carcinoma in situ", "solid tumor", RELATED),
        ("breast carcinoma in situ", "breast cancer", RELATED),
    ],
)
def test_relations(patient, trial, relation):
    assert diseases().relation(patient, trial) == relation


def test_a_narrower_disease_is_defined_by_its_markers():
    markers = diseases().defining_markers("breast cancer", "triple-negative breast cancer")
    assert set(markers) == {"HR+ negative", "HER2 negative"}


@pytest.mark.parametrize(
    "conditions, included, excluded",
    [
        (["Relapsed or Refractory Multiple Myeloma"], ("multiple myeloma",), ()),
        (
            ["Carcinoma, Non-Small-Cell Lung", "Neoplasm Metastasis"],
            ("non-small cell lung cancer",),
            (),
        ),
        (["Lung Cancer, Non-Small Cell"], ("non-small cell lung cancer",), ()),
        (["Brain Tumor", "Oncology"], ("brain tumor",), ()),  # "Oncology" tells nothing more
        (
            ["Cancer of Prostate", "Cancer Head Neck", "Cancer Cervix"],
            ("prostate cancer", "head and neck cancer", "cervical cancer"),
            (),
        ),
        (
            [
                "Part 1: Bladder, Pancreatic Cancer, Rare Tumors, Any Tumor Type Excluding Breast, "
                "Gastric, Colorectal Cancer"
            ],
            ("bladder cancer", "pancreatic cancer", "solid tumor"),
            ("breast cancer", "gastric cancer", "colorectal cancer"),
        ),
        (["Breast Cancer", "Brain Metastases, Adult"], ("breast cancer",), ()),
        # NCT03256916: "carcinoma" beside an organ names that organ's cancer, not any solid
        # tumor too (a lung cancer passed the check of a trial for cervical cancer).
        (["Carcinoma Cervix,Stage III"], ("cervical cancer",), ()),
        # NCT03067181: a germ cell tumour of the ovary is its own kind of ovarian cancer (a
        # high grade serous ovarian cancer "could fit" a trial for germ cell tumours).
        (["Stage I Ovarian Embryonal Carcinoma AJCC v6 and v7"], ("ovarian germ cell tumor",), ()),
        (["Malignant Ovarian Teratoma"], ("ovarian germ cell tumor",), ()),
        # NCT03067181: germ cell tumors by their kinds, not any solid tumor ("carcinoma").
        (
            ["Extragonadal Embryonal Carcinoma", "Testicular Mixed Choriocarcinoma and Teratoma"],
            ("germ cell tumor",),
            (),
        ),
        # NCT06256588: read as any cancer, it passed a lung cancer or a myeloma.
        (["Neoplasms, Head and Neck"], ("head and neck cancer",), ()),
        (["Glottis Tumor", "Larynx Cancer"], ("laryngeal cancer",), ()),
        (["Mouth Neoplasms"], ("oral cavity cancer",), ()),
        (["Malignant Neoplasm of Anal Canal"], ("anal cancer",), ()),
        (["Giant Cell Tumor of Bone"], ("giant cell tumor of bone",), ()),
        (
            ["Malignant Peripheral Nerve Sheath Tumors"],
            ("malignant peripheral nerve sheath tumor",),
            (),
        ),
        # NCT06214572, NCT06712420: the gall bladder written in two words was the bladder (a
        # gallbladder cancer was "not for you", a bladder cancer passed).
        (["Gall Bladder Cancer"], ("gallbladder cancer",), ()),
        (["Gall Bladder Carcinoma"], ("gallbladder cancer",), ()),
        # NCT05099809 (hyperthermia for locally advanced head and neck, cervix, breast,
        # esophageal and anorectal cancers): read as any cancer, it passed a myeloma.
        (["Locally Advanced Malignant Neoplasm"], ("solid tumor",), ()),
        # NCT06056843 (a breast examination study): "Carcinoma in Situ" was any solid tumour,
        # so that a lung cancer "could fit".
        (["Breast Cancer", "Carcinoma in Situ"], ("breast cancer", "carcinoma in situ"), ()),
        # NCT05742711: "Cancer of Endometrium" was any cancer, so that the title's cervix alone
        # was read, and a woman with endometrial cancer was "not for you".
        (
            ["Cancer of Endometrium", "Cancer of Cervix"],
            ("endometrial cancer", "cervical cancer"),
            (),
        ),
    ],
)
def test_a_trial_is_for_the_diseases_its_conditions_name(conditions, included, excluded):
    found = trial_diseases(Trial(nct_id="NCT01000001", conditions=tuple(conditions)))
    assert found.included == included
    assert found.excluded == excluded
    assert found.source == "conditions"


def test_titles_when_the_conditions_name_no_disease():
    trial = Trial(
        nct_id="NCT01000001",
        conditions=("HER2-negative",),
        brief_title="Prevalence of HER2-low in Metastatic Breast Cancer Patients",
    )
    found = trial_diseases(trial)
    assert found.included == ("breast cancer",) and found.source == "title"
    healthy = trial_diseases(Trial(nct_id="NCT01000002", conditions=("Healthy Participants",)))
    assert healthy.healthy and healthy.included == ()


def test_the_title_naming_a_kind_of_cancer_before_one_naming_only_cancer():
    # NCT06491082 ("... Neuropathy in Cancer Patients", officially "... in Solid Cancer
    # Patients") said "your diagnosis fits" to a myeloma.
    trial = Trial(
        nct_id="NCT01000001",
        conditions=("Chemotherapy-induced Peripheral Neuropathy",),
        brief_title="Chemotherapy Induced Neuropathy in Cancer Patients",
        official_title="Evaluation of Chemotherapy Induced Neuropathy in Solid Cancer Patients",
    )
    found = trial_diseases(trial)
    assert found.included == ("solid tumor",) and found.source == "title"
    assert found.text == trial.official_title
    # the first title, when it names a kind already or the other names none
    general = replace(trial, official_title="Evaluation of Neuropathy in Patients")
    assert trial_diseases(general).included == ("cancer",)


def test_hpb_cancers_are_those_of_the_liver_pancreas_and_bile_ducts():
    # NCT06475911 ("Major HPB Surgeries for Cancers", conditions "Carcinoma") said "your
    # diagnosis fits" to a lung cancer.
    vocabulary = diseases()
    (named,) = vocabulary.find("Major HPB Surgeries for Cancers")[0]
    assert named == "liver, pancreas or bile duct cancer"
    for kind in ("pancreatic cancer", "cholangiocarcinoma", "liver cancer", "gallbladder cancer"):
        assert vocabulary.relation(kind, named) == SAME_OR_BROADER, kind
        assert vocabulary.relation(kind, "gastrointestinal cancer") == SAME_OR_BROADER, kind
    assert vocabulary.relation("lung adenocarcinoma", named) == UNRELATED
    assert vocabulary.relation("colorectal cancer", named) == UNRELATED


def test_a_condition_with_a_cancer_word_but_no_known_disease_is_unnamed():
    found = trial_diseases(
        Trial(nct_id="NCT01000004", conditions=("Multiple Myeloma", "Zyxoid Carcinosarcoid"))
    )
    assert found.included == ("multiple myeloma",)
    assert found.unnamed is False  # no cancer word: "carcinosarcoid" is not one
    found = trial_diseases(
        Trial(nct_id="NCT01000005", conditions=("Multiple Myeloma", "Malignant Zyxoid"))
    )
    assert found.unnamed is True


def test_the_data_file_is_checked_when_it_is_read(tmp_path):
    copy = tmp_path / "diseases.toml"
    copy.write_text(
        data_text("diseases.toml") + '[disease.x]\nphrases = ["x"]\nwithin = ["nope"]\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataFile, match=r"disease\.x\.within: no disease 'nope'"):
        read_data_file(copy)


@needs_shared
def test_every_real_cancer_record_names_a_disease():
    from trialfinder.tagging.reader import is_cancer_trial

    missing = []
    for path in real_record_paths():
        trial = parse_study(json.loads(path.read_text(encoding="utf-8")))
        if is_cancer_trial(trial) and not trial_diseases(trial).included:
            missing.append(trial.nct_id)
    assert not missing


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Diffuse Large B- Cell Lymphoma", "diffuse large B-cell lymphoma"),
        ("Peripheral T- cell lymphoma", "T-cell lymphoma"),
        ("HER2- breast cancer", "HER2-negative breast cancer"),
    ],
)
def test_a_minus_after_a_lone_letter_joins_it_to_the_next_word(text, found):
    assert found in diseases().find(text, bare=False)[0]


@pytest.mark.parametrize(
    "text",
    [
        "Eastern Cooperative Oncology Group (ECOG) performance status 0 or 1",
        "Reviewed at the Memorial Sloan Kettering Cancer Center",
        "Discussed by a multidisciplinary tumor board",
    ],
)
def test_a_disease_word_in_the_name_of_a_group_or_place_names_no_disease(text):
    assert diseases().find(text) == ([], [])
    # the same word elsewhere in the text still names one
    assert diseases().find(f"{text}; metastatic breast cancer")[0] == ["breast cancer"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        # NCT04482309 (a trial that leaves gastric cancer out): its HER2 rule for everyone was
        # read as a rule for people with gastric cancer, and not said.
        ("HER2 expression scored using current ASCO/CAP guidelines for scoring HER2 for gastric "
         "cancer", []),
        ("Response graded per the RANO guidelines for brain tumors", []),
        # The guideline's words end with its clause, or six words on.
        ("Graded per the RANO guidelines. Patients with breast cancer", ["breast cancer"]),
        ("Treated per guidelines for the care of adults with advanced breast cancer",
         ["breast cancer"]),
        ("Patients with gastric cancer, scored per guidelines", ["gastric cancer"]),
    ],
)  # fmt: skip
def test_a_disease_a_guideline_is_for_is_not_the_patients(text, named):
    assert diseases().find(text)[0] == named


@pytest.mark.parametrize(
    ("conditions", "scope", "within", "about"),
    [
        (["Gastric Cancer"], ("solid tumor",), True, True),
        (["Ovarian Cancer", "Colorectal Cancer"], ("solid tumor",), True, True),
        (["Ovarian Cancer", "Colorectal Cancer"], ("ovarian cancer",), False, True),
        (["Solid Tumor", "Acute Myeloid Leukemia"], ("solid tumor",), False, True),
        (["Pancreatic Cancer"], ("colorectal cancer",), False, False),
        (["Penile Cancer"], ("solid tumor",), False, True),  # a disease not known: unnamed
        (["Larynx Cancer"], ("solid tumor",), True, True),  # within head and neck cancer
    ],
)
def test_a_scope_covers_or_is_about_the_trials_diseases(conditions, scope, within, about):
    trial = Trial(nct_id="NCT01000001", conditions=tuple(conditions))
    assert within_scope(scope, trial) is within
    assert about_trial_diseases(scope, trial) is about


def test_a_germ_cell_tumor_of_the_ovary_is_narrower_than_ovarian_cancer():
    vocabulary = diseases()
    assert vocabulary.relation("ovarian germ cell tumor", "ovarian cancer") == SAME_OR_BROADER
    assert vocabulary.relation("ovarian germ cell tumor", "germ cell tumor") == SAME_OR_BROADER
    assert vocabulary.relation("ovarian cancer", "ovarian germ cell tumor") == NARROWER


def test_gallbladder_cancer_and_cholangiocarcinoma_are_kinds_of_biliary_tract_cancer():
    # NCT05833815 (everolimus in gallbladder carcinoma) said "Could fit" to an intrahepatic
    # cholangiocarcinoma: both were read as biliary tract cancer. A trial for one may or may not
    # take the other (asked); a trial for biliary tract cancer takes both.
    vocabulary = diseases()
    assert vocabulary.relation("cholangiocarcinoma", "gallbladder cancer") == RELATED
    assert vocabulary.relation("gallbladder cancer", "cholangiocarcinoma") == RELATED
    assert vocabulary.relation("cholangiocarcinoma", "biliary tract cancer") == SAME_OR_BROADER
    assert vocabulary.relation("gallbladder cancer", "biliary tract cancer") == SAME_OR_BROADER


def test_a_criterion_naming_only_other_diseases_is_no_rule_for_a_disease():
    """NCT03983954 lists "ER+/HER2- or triple-negative breast cancer" among the cancers it
    takes: no rule for a pancreatic cancer; one for a breast cancer, and for a kind of it."""
    named = named_diseases("ER+/HER2- or triple-negative breast cancer")
    assert named
    assert only_other_diseases("pancreatic cancer", named)
    assert not only_other_diseases("breast cancer", named)
    assert not only_other_diseases("HER2-positive breast cancer", named_diseases("breast cancer"))


@pytest.mark.parametrize(
    "text, named",
    [
        # NCT05099809: a broad phrase ("advanced cancer") took the words of a narrower one
        ("locally advanced cancer cervix (LACC)", ("cervical cancer",)),
        ("cancer oesophagus (TNM stages IIA and IVA)", ("esophageal cancer",)),
        ("anorectal cancers (TNM stages IIA to IIIC)", ("anorectal cancer",)),
        ("carcinoma of the breast", ("breast cancer",)),
        ("carcinoma cervix", ("cervical cancer",)),
        ("carcinoma of the nasopharynx", ("nasopharyngeal cancer",)),
        ("locally advanced cancer", ()),  # (the broad phrase alone names no disease)
    ],
)
def test_diseases_written_organ_last_are_named(text, named):
    assert named_diseases(text) == named


def test_a_trial_for_anorectal_cancer_may_or_may_not_take_an_anal_or_rectal_cancer():
    vocabulary = diseases()
    for patient in ("anal cancer", "rectal cancer"):
        assert vocabulary.relation(patient, "anorectal cancer") == RELATED
        assert vocabulary.relation("anorectal cancer", patient) == RELATED


@pytest.mark.parametrize(
    "diagnosis, read",
    [
        # a pathology report's words: read as a neuroendocrine tumour anywhere, the patient
        # failed the trials for small cell lung cancer ("you have neuroendocrine tumor")
        (
            "extensive-stage small cell neuroendocrine carcinoma of the lung",
            "small cell lung cancer",
        ),
        (
            "poorly differentiated neuroendocrine carcinoma of the lung",
            "lung neuroendocrine carcinoma",
        ),
        ("lung NEC", "lung neuroendocrine carcinoma"),
        ("neuroendocrine tumor of the pancreas", "neuroendocrine tumor"),
        ("large cell neuroendocrine carcinoma of lung", "lung neuroendocrine carcinoma"),
    ],
)
def test_a_neuroendocrine_carcinoma_of_the_lung_is_a_lung_cancer(diagnosis, read):
    assert read_diagnosis(diagnosis).diseases == (read,)
    vocabulary = diseases()
    assert vocabulary.relation(read, "lung cancer") in (
        (SAME_OR_BROADER,) if read != "neuroendocrine tumor" else (UNRELATED,)
    )


@pytest.mark.parametrize(
    "diagnosis",
    ["large cell neuroendocrine carcinoma, right upper lobe", "LCNEC", "LCNEC of the cervix"],
)
def test_a_large_cell_neuroendocrine_carcinoma_of_no_organ_said_is_asked_of_each(diagnosis):
    # read as a lung cancer, a cervical one failed cervical trials; read as a neuroendocrine
    # tumour anywhere, a lung one failed 22 lung trials
    (read,) = read_diagnosis(diagnosis).diseases
    vocabulary = diseases()
    for trial in (
        "lung cancer",
        "small cell lung cancer",
        "neuroendocrine tumor",
        "cervical cancer",
    ):
        assert vocabulary.relation(read, trial) == RELATED, trial


def test_a_lung_neuroendocrine_carcinoma_may_or_may_not_be_taken_by_a_trial_for_sclc():
    assert diseases().relation("lung neuroendocrine carcinoma", "small cell lung cancer") == RELATED


@pytest.mark.parametrize(
    "diagnosis, read",
    [
        # AML outside the marrow: it was a sarcoma, failed by the AML part of NCT05607199
        ("myeloid sarcoma", "acute myeloid leukemia"),
        # urothelial cancer of the renal pelvis: it was a kidney cancer, and a trial for renal
        # cell carcinoma only could fit
        ("carcinoma of the renal pelvis", "bladder cancer"),
        ("upper tract urothelial carcinoma", "bladder cancer"),
    ],
)
def test_a_cancer_named_by_where_it_grows_is_the_cancer_it_is(diagnosis, read):
    assert read_diagnosis(diagnosis).diseases == (read,)
