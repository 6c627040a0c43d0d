"""Treatment categories: what the experimental arms test, what the comparator arms give, CAR T
however a record names it, and where a CAR T product's cells come from."""

from __future__ import annotations

import pytest

from trialfinder.model import parse_study
from trialfinder.summary import summarize
from trialfinder.tagging import Tags, tag_trial
from trialfinder.tagging.treatments import car_t_source, find_terms

from conftest import load_real_record, needs_shared, real_record_paths
from factories import arm, drug, make_study


def tag(interventions, arm_groups=None, **fields) -> Tags:
    """Tags of a made-up cancer trial with these interventions and arms."""
    fields.setdefault("conditions", ["Non-small Cell Lung Cancer"])
    study = make_study(interventions=interventions, arm_groups=arm_groups, **fields)
    return tag_trial(parse_study(study))


def reasons(tags: Tags, category: str) -> list[str]:
    return [e.reason for e in tags.evidence_for(category)]


# -- categories come from the experimental arms -------------------------------------------


def test_a_comparator_drug_is_a_comparator_category_not_a_tested_one():
    tags = tag(
        [drug("Datopotamab deruxtecan", arms=["Dato-DXd"]), drug("Docetaxel", arms=["Standard"])],
        [
            arm("Dato-DXd", ["Drug: Datopotamab deruxtecan"]),
            arm("Standard", ["Drug: Docetaxel"], kind="ACTIVE_COMPARATOR"),
        ],
    )
    assert tags.categories == ("targeted-therapy",)
    assert tags.comparator_categories == ("chemotherapy",)
    [why] = reasons(tags, "chemotherapy")
    assert why == (
        'chemotherapy: "Docetaxel" is a chemotherapy (intervention name) '
        '(comparator arm "Standard")'
    )
    assert tags.categories_of("Docetaxel") == ()  # what a summary calls a treatment under test
    assert tags.categories_of("Datopotamab deruxtecan") == ("targeted-therapy",)


def test_a_category_given_in_both_kinds_of_arm_is_only_a_tested_one():
    tags = tag(
        [
            drug("Olaparib", arms=["A"]),
            drug("Paclitaxel", arms=["A"]),
            drug("Carboplatin", arms=["B"]),
        ],
        [
            arm("A", ["Drug: Olaparib", "Drug: Paclitaxel"]),
            arm("B", ["Drug: Carboplatin"], kind="ACTIVE_COMPARATOR"),
        ],
    )
    assert tags.categories == ("targeted-therapy", "combination", "chemotherapy")
    assert tags.comparator_categories == ()
    # ... and its evidence is the tested arm's, not the comparator's
    assert all("comparator" not in why for why in reasons(tags, "chemotherapy"))


def test_a_drug_given_with_placebo_in_the_control_arm_is_compared_with():
    tags = tag(
        [
            drug("Capivasertib", arms=["A"]),
            drug("Placebo", arms=["B"]),
            drug("Fulvestrant", arms=["A", "B"]),
            drug("Docetaxel", arms=["B"]),
        ],
        [
            arm("A", ["Drug: Capivasertib", "Drug: Fulvestrant"]),
            arm(
                "B", ["Drug: Placebo", "Drug: Fulvestrant", "Drug: Docetaxel"], "PLACEBO_COMPARATOR"
            ),
        ],
        conditions=["Breast Cancer"],
    )
    assert tags.categories == ("targeted-therapy", "combination", "hormone-therapy")
    assert tags.comparator_categories == ("chemotherapy",)


def test_the_comparator_arms_own_words_say_what_it_gives():
    tags = tag(
        [drug("Osimertinib", arms=["Observation", "Upfront radiotherapy"])],
        [
            arm("Observation", ["Drug: Osimertinib"], description="Delayed cranial radiotherapy"),
            arm(
                "Upfront radiotherapy",
                ["Drug: Osimertinib"],
                kind="ACTIVE_COMPARATOR",
                description="Stereotactic radiosurgery upfront, with osimertinib",
            ),
        ],
    )
    assert tags.categories == ("targeted-therapy",)  # delayed radiotherapy is not given here
    assert tags.comparator_categories == ("combination", "radiation")
    assert reasons(tags, "radiation") == [
        'radiation: "radiotherapy" is a radiotherapy (comparator arm "Upfront radiotherapy")'
    ]
    assert reasons(tags, "combination") == [
        'combination: comparator arm "Upfront radiotherapy" gives osimertinib + radiotherapy '
        "together"
    ]


@pytest.mark.parametrize(
    "words",
    [
        "Patients may cross over to receive pembrolizumab at progression.",
        "Crossover to pembrolizumab is allowed after progression.",
        "Deferred pembrolizumab at progression.",
    ],
)
def test_a_treatment_offered_later_in_an_arm_is_not_what_it_gives(words):
    tags = tag(
        [drug("Docetaxel", arms=["Standard"])],
        [arm("Standard", ["Drug: Docetaxel"], kind="ACTIVE_COMPARATOR", description=words)],
    )
    assert tags.categories == ("chemotherapy",)  # every arm is a comparator: all are tested
    assert "immunotherapy" not in tags.comparator_categories


def test_alternatives_of_an_investigators_choice_arm_are_not_a_combination():
    options = ["Tamoxifen", "Anastrozole", "Letrozole", "Exemestane"]
    tags = tag(
        [drug("Imlunestrant", arms=["A"]), *(drug(o, arms=["B"]) for o in options)],
        [
            arm("A", ["Drug: Imlunestrant"]),
            arm(
                "B",
                [f"Drug: {o}" for o in options],
                kind="ACTIVE_COMPARATOR",
                description="Investigator's choice of tamoxifen, anastrozole, letrozole or "
                "exemestane.",
            ),
        ],
        conditions=["Breast Cancer"],
    )
    assert tags.categories == ("hormone-therapy",)
    assert tags.comparator_categories == ()  # one endocrine drug, of the investigator's choice


def test_a_drug_with_a_chemotherapy_of_the_investigators_choice_is_a_combination():
    options = ["Paclitaxel", "Docetaxel", "Irinotecan"]
    tags = tag(
        [drug("Ramucirumab"), *(drug(o) for o in options)],
        [
            arm(
                "Arm A",
                ["Drug: Ramucirumab", *(f"Drug: {o}" for o in options)],
                description="Ramucirumab plus physician's choice of chemotherapy",
            )
        ],
        conditions=["Gastric Cancer"],
    )
    assert tags.categories == ("targeted-therapy", "combination", "chemotherapy")
    assert reasons(tags, "combination") == [
        'combination: arm "Arm A" gives ramucirumab + paclitaxel in the same group '
        "(a choice among treatments: one of each kind counts)"
    ]


@pytest.mark.parametrize(
    "description, said",
    [
        # NCT05984277: "carboplatin plus either pemetrexed or paclitaxel" was four drugs
        # "together"
        ("Volrustomig plus carboplatin plus either pemetrexed or paclitaxel", "either"),
        ("Participants receive one of the following: carboplatin and paclitaxel with volrustomig",
         "one of the following"),
        # (beside "or" between two of its treatments, those are quoted)
        ("Participants receive one of the following: carboplatin or paclitaxel with volrustomig",
         "carboplatin or paclitaxel"),
        ("Volrustomig; the chemotherapy may be one of these: carboplatin, paclitaxel",
         "may be one of"),
        # "or" between two of the treatments it gives (NCT06692738): those words only
        ("Volrustomig + carboplatin + paclitaxel or nab-paclitaxel",
         "paclitaxel or nab-paclitaxel"),
        # NCT05952557: "camizestrant ± abemaciclib" was given "together"
        ("Volrustomig ± carboplatin + paclitaxel", "Volrustomig ±"),
        # the words that summaries read as a choice too, quoted so that a reader can judge
        ("Volrustomig with carboplatin and paclitaxel, one or two cycles",
         "one or two cycles"),
        # some get one only at progression: no words of how long (was "together")
        ("Volrustomig and carboplatin; paclitaxel only with progressive disease or withdrawal"
         " of carboplatin", "progressive disease or withdrawal"),
    ],
)  # fmt: skip
def test_an_arm_offering_alternatives_is_not_said_to_give_them_all_together(description, said):
    tags = tag(
        [drug("Volrustomig"), drug("Carboplatin"), drug("Paclitaxel"), drug("Nab-paclitaxel")],
        [
            arm(
                "Arm 1",
                [
                    "Drug: Volrustomig",
                    "Drug: Carboplatin",
                    "Drug: Paclitaxel",
                    "Drug: Nab-paclitaxel",
                ],
                description=description,
            )
        ],  # fmt: skip
        conditions=["Lung Cancer"],
    )
    (reason,) = reasons(tags, "combination")
    head, quoted = reason.split(' in the same group, maybe not all to everyone (its words say "')
    assert said in quoted
    assert "together" not in reason


@pytest.mark.parametrize(
    "description",
    [
        # how long or how it is given is no choice of treatment (NCT06417814, NCT06208150)
        "Volrustomig plus carboplatin until disease progression or unacceptable toxicity",
        "Volrustomig plus carboplatin until unacceptable toxicity, or other discontinuation",
        "Volrustomig plus carboplatin; carboplatin may be given orally or intravenously",
    ],
)
def test_words_of_how_long_or_how_a_treatment_is_given_offer_no_choice(description):
    tags = tag(
        [drug("Volrustomig"), drug("Carboplatin")],
        [arm("Arm 1", ["Drug: Volrustomig", "Drug: Carboplatin"], description=description)],
        conditions=["Lung Cancer"],
    )
    (reason,) = reasons(tags, "combination")
    assert reason.endswith("gives volrustomig + carboplatin together"), reason


def test_two_platinum_drugs_in_one_arm_are_not_said_to_be_given_together():
    # NCT05048797, NCT06561386: cisplatin and carboplatin are mostly one or the other
    tags = tag(
        [drug("Pembrolizumab"), drug("Pemetrexed"), drug("Cisplatin"), drug("Carboplatin")],
        [
            arm(
                "Arm 2",
                ["Drug: Pembrolizumab", "Drug: Pemetrexed", "Drug: Cisplatin", "Drug: Carboplatin"],
                description="Pembrolizumab plus pemetrexed plus platinum chemotherapy",
            )
        ],
        conditions=["Lung Cancer"],
    )
    (reason,) = reasons(tags, "combination")
    assert reason.endswith(
        "in the same group, maybe not all to everyone (cisplatin and carboplatin are mostly given"
        " one or the other)"
    )


@needs_shared
def test_summaries_and_tags_agree_on_which_groups_offer_a_choice():
    # One definition (tagging.arms.offers_choice): a group whose summary line says "some of
    # these" is never said by the tags to give its treatments together.
    for nct_id in ("NCT05952557", "NCT05048797", "NCT06561386", "NCT06692738"):
        trial = parse_study(load_real_record(nct_id))
        tags = tag_trial(trial)
        assert "some of these" in summarize(trial, tags=tags), nct_id
        said = [e.reason for e in tags.evidence if e.tag == "combination"]
        assert said and not any(r.endswith("together") for r in said), nct_id


def test_a_regimen_among_the_options_is_a_combination():
    tags = tag(
        [drug("FOLFOX"), drug("Capecitabine")],
        [
            arm(
                "Arm A",
                ["Drug: FOLFOX", "Drug: Capecitabine"],
                description="Best available therapy: FOLFOX or capecitabine",
            )
        ],
        conditions=["Colorectal Cancer"],
    )
    assert tags.categories == ("combination", "chemotherapy")


def test_a_car_t_trial_compared_with_standard_chemotherapy():
    """ZUMA-7's shape: lymphodepletion is conditioning in the CAR T arm, while the comparator's
    chemotherapy, though it shares a drug, is a treatment of its own."""
    tags = tag(
        [
            drug("Axicabtagene ciloleucel", arms=["Axi-cel"], kind="BIOLOGICAL"),
            drug("Fludarabine", arms=["Axi-cel"]),
            drug("Cyclophosphamide", arms=["Axi-cel", "Standard of care"]),
            drug("R-ICE", arms=["Standard of care"]),
            drug("Autologous stem cell transplant", arms=["Standard of care"], kind="PROCEDURE"),
        ],
        [
            arm(
                "Axi-cel",
                ["Drug: Fludarabine", "Drug: Cyclophosphamide", "Biological: Axi-cel"],
            ),
            arm(
                "Standard of care",
                ["Drug: R-ICE", "Drug: Cyclophosphamide", "Procedure: ASCT"],
                kind="ACTIVE_COMPARATOR",
            ),
        ],
        conditions=["Large B-cell Lymphoma"],
    )
    assert tags.categories == ("immunotherapy", "car-t")
    assert tags.comparator_categories == (
        "targeted-therapy",
        "combination",
        "chemotherapy",
        "stem-cell-transplant",
    )
    assert tags.categories_of("Fludarabine") == ()


@needs_shared
def test_every_real_record_keeps_tested_and_comparator_categories_apart():
    """The two never share a category, and what a summary calls tested has a tested category."""
    for path in real_record_paths():
        tags = tag_trial(parse_study(load_real_record(path.stem)))
        assert not set(tags.categories) & set(tags.comparator_categories), path.stem
        for _, categories in tags.intervention_categories:
            assert set(categories) <= set(tags.categories), path.stem


@needs_shared
def test_a_real_trial_against_standard_chemotherapy_and_pembrolizumab():
    tags = tag_trial(parse_study(load_real_record("NCT05048797")))
    assert tags.categories == ("targeted-therapy",)  # trastuzumab deruxtecan alone
    assert {"immunotherapy", "chemotherapy"} <= set(tags.comparator_categories)
    for category in ("immunotherapy", "chemotherapy"):
        assert all('(comparator arm "' in why for why in reasons(tags, category))


# -- CAR T where patients meet it ---------------------------------------------------------

LYMPHODEPLETION = [drug("Fludarabine"), drug("Cyclophosphamide")]
LYMPHODEPLETION_NAMES = ["Drug: Fludarabine", "Drug: Cyclophosphamide"]


def cell_therapy_trial(title, name="Cellular therapy", arm_label="Arm A", arm_text="", **kw):
    """A CAR T trial as records often give it: a generic cell-therapy intervention given
    after fludarabine and cyclophosphamide, the product named elsewhere."""
    therapy = drug(name, arms=[arm_label], kind="BIOLOGICAL", **kw)
    chemo = [dict(d, armGroupLabels=[arm_label]) for d in LYMPHODEPLETION]
    return tag(
        [therapy, *chemo],
        [arm(arm_label, [f"Biological: {name}", *LYMPHODEPLETION_NAMES], description=arm_text)],
        title=title,
        conditions=["Large B-cell Lymphoma"],
    )


@pytest.mark.parametrize(
    "brand", ["Tecartus", "Kymriah", "Yescarta", "Breyanzi", "Abecma", "Carvykti", "Aucatzyl"]
)
def test_a_brand_in_the_title_makes_a_generic_cell_therapy_car_t(brand):
    tags = cell_therapy_trial(f"{brand} for Relapsed or Refractory Lymphoma in Older Adults")
    assert tags.categories == ("immunotherapy", "car-t")  # no chemotherapy, no combination
    assert tags.categories_of("Cellular therapy") == ("immunotherapy", "car-t")
    assert tags.categories_of("Fludarabine") == tags.categories_of("Cyclophosphamide") == ()
    [why] = reasons(tags, "car-t")
    assert f'"{brand}" (' in why and '(title, for "Cellular therapy")' in why


@pytest.mark.parametrize(
    ("arm_label", "arm_text"),
    [
        ("Kymriah", ""),
        ("Arm A", "Participants receive standard-of-care Yescarta after lymphodepletion."),
    ],
)
def test_a_brand_in_the_interventions_arm_names_its_car_t_cells(arm_label, arm_text):
    tags = cell_therapy_trial(
        "Outcomes of Commercial Cell Therapy", "CAR T cells", arm_label, arm_text
    )
    assert tags.categories == ("immunotherapy", "car-t")
    assert any(f'arm "{arm_label}", for "CAR T cells"' in why for why in reasons(tags, "car-t"))


@pytest.mark.parametrize(
    "description",
    [
        "Brexucabtagene: a CD19-directed genetically modified autologous T cell immunotherapy.",
        "A BCMA-directed genetically modified autologous T cell immunotherapy, one infusion.",
        "Autologous cells that carry a chimeric antigen receptor against GPRC5D.",
    ],
)
def test_car_t_in_regulatory_wording(description):
    tags = cell_therapy_trial("A Study in Lymphoma", "XYZ-101", description=description)
    assert tags.categories == ("immunotherapy", "car-t")  # one treatment, not a combination


@pytest.mark.parametrize(
    ("title", "name", "description", "expected"),
    [
        ("CAR-NK Cells in Lymphoma", "CD19 CAR-NK cells", "", ("immunotherapy",)),
        (
            "NK Cells in Lymphoma",
            "NK-92/CD19",
            "NK-92 cells expressing a chimeric antigen receptor against CD19",
            ("immunotherapy",),
        ),
        ("CAR Macrophages in Lymphoma", "CAR macrophage", "", ("immunotherapy",)),
        (
            "Macrophages",
            "MCY-19",
            "Chimeric antigen receptor macrophages directed at CD19",
            ("immunotherapy",),
        ),
        (
            "TCR-T in Sarcoma",
            "Cellular therapy",
            "A MAGE-A4-directed genetically modified autologous T cell immunotherapy",
            ("immunotherapy",),
        ),
        ("TCR-T in Sarcoma", "KRAS G12V TCR-T cells", "", ("immunotherapy",)),
        ("TIL Therapy in Melanoma", "Tumor infiltrating lymphocytes", "", ("immunotherapy",)),
        (
            "Cell-free and Concentrated Ascites Reinfusion Therapy (CART) for Malignant Ascites",
            "CART",
            "Cell-free and concentrated ascites reinfusion therapy",
            (),
        ),
        ("Cellular Therapy After Kymriah Failure", "Cellular therapy", "", ()),
    ],
)
def test_no_car_t_where_there_is_none(title, name, description, expected):
    tags = tag(
        [drug(name, kind="BIOLOGICAL", description=description)],
        [arm("Arm A", [f"Biological: {name}"])],
        title=title,
        conditions=["Cancer"],
    )
    assert "car-t" not in tags.categories
    assert tags.categories == expected


# -- where a CAR T product's cells come from ----------------------------------------------


def car_t_study(name, title="A Study in Large B-cell Lymphoma", description="", other_names=()):
    study = make_study(
        title=title,
        conditions=["Large B-cell Lymphoma"],
        interventions=[
            drug(name, kind="BIOLOGICAL", description=description, other_names=other_names)
        ],
        arm_groups=[arm("Arm A", [f"Biological: {name}"])],
    )
    return parse_study(study)


ALLOGENEIC = [
    ("UCART19", "", ()),
    ("Allogeneic CAR T cells", "", ()),
    ("ALLO-501", "", ()),
    ("CTX110", "", ()),
    ("Cema-cel", "", ()),
    ("Anti-CD19 CAR T cells", "Off-the-shelf CAR T cells from healthy donors", ()),
    ("XYZ-19", "Donor-derived anti-CD19 CAR T cells", ()),
]
AUTOLOGOUS = [
    ("Kymriah", "", ()),
    ("Ciltacabtagene autoleucel", "", ()),
    ("LX-101", "", ("Yescarta",)),
    ("Anti-CD19 CAR T cells", "Autologous T cells transduced with an anti-CD19 CAR", ()),
    ("Novel-cabtagene autoleucel", "", ()),  # "autoleucel": the patient's own cells
]
NOT_SAID = [
    ("Anti-CD19 CAR T cells", "", ()),
    # a transplant the patient had says nothing of where the CAR T cells come from
    ("Anti-CD19 CAR T cells", "Prior allogeneic stem cell transplant is allowed", ()),
    ("XYZ-19", "Donor-derived CAR T cells, or autologous ones when no donor is found", ()),
]


@pytest.mark.parametrize(
    ("name", "description", "other_names", "expected"),
    [(*case, "allogeneic") for case in ALLOGENEIC]
    + [(*case, "autologous") for case in AUTOLOGOUS]
    + [(*case, "") for case in NOT_SAID],
)
def test_where_the_cells_of_a_car_t_product_come_from(name, description, other_names, expected):
    trial = car_t_study(name, description=description, other_names=other_names)
    assert "car-t" in tag_trial(trial).categories
    assert car_t_source(trial.interventions[0], trial) == expected


def test_a_product_named_in_the_title_says_where_generic_cells_come_from():
    trial = car_t_study("CAR T cells", title="Tecartus for Mantle Cell Lymphoma")
    assert car_t_source(trial.interventions[0]) == ""  # the intervention alone does not say
    assert car_t_source(trial.interventions[0], trial) == "autologous"
    trial = car_t_study("Allogeneic CAR T cells", title="Tecartus or Allogeneic CAR T")
    assert car_t_source(trial.interventions[0], trial) == "allogeneic"  # its own words first


def what_it_tests(trial) -> str:
    return summarize(trial, tag_trial(trial)).split("Which step")[0]


@pytest.mark.parametrize(("name", "description", "other_names"), ALLOGENEIC)
def test_an_allogeneic_car_t_is_not_made_from_your_own_cells(name, description, other_names):
    text = what_it_tests(car_t_study(name, description=description, other_names=other_names))
    assert "a CAR T therapy made from a donor's immune cells, not your own." in text
    assert "made from your own" not in text


@pytest.mark.parametrize(("name", "description", "other_names"), AUTOLOGOUS)
def test_an_autologous_car_t_is_made_from_your_own_cells(name, description, other_names):
    text = what_it_tests(car_t_study(name, description=description, other_names=other_names))
    assert "a CAR T therapy made from your own immune cells." in text


@pytest.mark.parametrize(("name", "description", "other_names"), NOT_SAID)
def test_a_car_t_of_unknown_origin_is_not_said_to_be_made_from_anyones_cells(
    name, description, other_names
):
    text = what_it_tests(car_t_study(name, description=description, other_names=other_names))
    assert "is an immunotherapy and a CAR T therapy." in text
    assert "made from your own" not in text and "made from a donor" not in text
    # the glossary's word for CAR T holds for both
    assert "CAR T means a treatment made from immune cells, your own or a donor's," in text


def test_a_partner_drug_among_other_names_is_tested_but_not_the_named_drug_s_kind():
    # NCT04613596: "Adagrasib" lists "pembrolizumab" among its other names (given with it).
    study = make_study(
        title="Adagrasib in KRAS G12C NSCLC",
        conditions=["Non-small Cell Lung Cancer"],
        interventions=[drug("Adagrasib", other_names=["MRTX849", "pembrolizumab"])],
        arm_groups=[arm("Arm A", ["Drug: Adagrasib"])],
    )
    tags = tag_trial(parse_study(study))
    assert "immunotherapy" in tags.categories  # the trial gives pembrolizumab
    assert tags.categories_of("Adagrasib") == ("targeted-therapy",)
    assert "immunotherapy" not in summarize(parse_study(study), tags=tags).split("\n\n")[0]


# -- other names that disagree -------------------------------------------------------------


def test_an_unknown_name_whose_other_names_are_different_medicines_is_neither():
    """Two different medicines cannot both be names of one drug: they are what it is given
    with, and say nothing of what it is (nor does the MeSH term one of them matches)."""
    study = make_study(
        title="AUR103 Calcium With Trastuzumab and CAPOX in HER2-positive Gastric Cancer",
        conditions=["Gastric Cancer"],
        interventions=[
            drug("AUR103 Calcium", other_names=["Trastuzumab", "Capecitabine"]),
        ],
        arm_groups=[arm("Arm A", ["Drug: AUR103 Calcium"])],
    )
    study["derivedSection"] = {
        "interventionBrowseModule": {"meshes": [{"id": "D000068878", "term": "Trastuzumab"}]}
    }
    tags = tag_trial(parse_study(study))
    assert tags.categories_of("AUR103 Calcium") == ()
    assert tags.categories == ()
    assert '- "AUR103 Calcium" is a medicine.' in what_it_tests(parse_study(study))


def test_an_unknown_name_whose_other_names_are_treatments_of_different_kinds_is_none():
    # NCT05099809 (a registry): "Hyperthermia", other names "Radiotherapy", "Chemotherapy",
    # "Surgery": what it is given with, not what it is.
    tags = tag(
        [
            drug(
                "Hyperthermia",
                kind="OTHER",
                other_names=["Radiotherapy", "Chemotherapy", "Surgery"],
                description="Delivered once or twice a week with a shortwave diathermy unit.",
            )
        ],
        [arm("Arm A", ["Other: Hyperthermia"])],
        conditions=["Cervical Cancer"],
    )
    assert tags.categories_of("Hyperthermia") == ()
    # one umbrella term among a medicine's names is the same treatment
    same = tag(
        [drug("XYZ-101", other_names=["Cisplatin", "Chemotherapy"])],
        [arm("Arm A", ["Drug: XYZ-101"])],
    )
    assert same.categories_of("XYZ-101") == ("chemotherapy",)


def test_an_unknown_name_whose_other_names_are_brands_of_one_medicine_is_that_medicine():
    tags = tag(
        [drug("Study drug", other_names=["Herceptin", "trastuzumab"])],
        [arm("Arm A", ["Drug: Study drug"])],
        conditions=["Gastric Cancer"],
    )
    assert tags.categories_of("Study drug") == ("targeted-therapy",)


@needs_shared
def test_a_real_drug_whose_other_names_are_its_partner_drugs_takes_their_categories_from_its_arms():
    # NCT07040059: "AUR103 Calcium", other names "Trastuzumab" and "Capecitabine", is given
    # "with standard dose of Trastuzumab and CAPOX": the arms' words say so, not its names.
    trial = parse_study(load_real_record("NCT07040059"))
    tags = tag_trial(trial)
    assert tags.categories_of("AUR103 Calcium") == ()
    assert tags.categories == ("targeted-therapy", "combination", "chemotherapy")
    assert all("other name of" not in e.reason for e in tags.evidence)
    assert '- "AUR103 Calcium" is a medicine.' in what_it_tests(trial)


def test_a_choice_among_medicines_named_as_other_names_is_one_treatment():
    options = ["hydroxyurea", "low-dose ruxolitinib"]
    tags = tag(
        [
            drug("Pacritinib", arms=["A"]),
            drug(
                "Physician's Choice medications",
                arms=["B"],
                other_names=options,
                description="Selected according to the investigator's judgement.",
            ),
        ],
        [
            arm("A", ["Drug: Pacritinib"]),
            arm(
                "B",
                ["Drug: Physician's Choice medications"],
                kind="ACTIVE_COMPARATOR",
                description="Limited to single drugs: hydroxyurea or low-dose ruxolitinib.",
            ),
        ],
        conditions=["Primary Myelofibrosis"],
    )
    assert tags.comparator_categories == ("chemotherapy",)  # one of them: no combination
    assert not reasons(tags, "combination")


@needs_shared
def test_a_real_choice_among_medicines_takes_the_categories_its_other_names_list():
    # NCT03165734: "Physician's Choice medications", other names "corticosteroids",
    # "hydroxyurea", "danazol", "low-dose ruxolitinib": any one of them is given, and
    # "Investigators can select individual P/C agents but cannot combine agents".
    tags = tag_trial(parse_study(load_real_record("NCT03165734")))
    assert tags.comparator_categories == ("chemotherapy",)  # hydroxyurea, and no combination


# -- products of no category ---------------------------------------------------------------


def test_particles_activated_by_radiation_are_no_radiotherapy():
    """NBTXR3 is hafnium oxide particles that radiotherapy activates: its description's
    "ionizing radiation" does not make it one; the radiotherapy given with it does."""
    particles = drug(
        "JNJ-90301900 (NBTXR3)",
        other_names=["Functionalized hafnium oxide nanoparticles", "NBTXR3"],
        description="Suspension of inert, crystalline hafnium oxide particles, designed to "
        "generate oxygen free radicals to destroy cancer cells after activation by ionizing "
        "radiation.",
    )
    alone = tag([particles], [arm("Arm A", ["Drug: JNJ-90301900 (NBTXR3)"])])
    assert alone.categories == ()
    radiotherapy = drug("Radiation Therapy", kind="RADIATION")
    tags = tag(
        [particles, radiotherapy],
        [arm("Arm A", ["Drug: JNJ-90301900 (NBTXR3)", "Radiation: Radiation Therapy"])],
    )
    assert tags.categories_of("JNJ-90301900 (NBTXR3)") == ()
    assert tags.categories == ("combination", "radiation")  # the particles with radiotherapy
    assert reasons(tags, "radiation") == [
        'radiation: "Radiation Therapy" (radiotherapy) is a radiotherapy (intervention name)'
    ]


@needs_shared
def test_a_real_trial_of_particles_activated_by_radiotherapy():
    # NCT04892173: NBTXR3 "activated by ionizing radiation", with radiotherapy, with or
    # without cetuximab.
    trial = parse_study(load_real_record("NCT04892173"))
    tags = tag_trial(trial)
    assert tags.categories_of("JNJ-90301900 (NBTXR3)") == ()
    assert tags.categories == ("targeted-therapy", "combination", "radiation")
    assert all("NBTXR3" not in e.reason for e in tags.evidence_for("radiation"))
    assert (
        '- "JNJ-90301900 (NBTXR3)" is a treatment made to help another treatment given with it '
        "work better." in what_it_tests(trial)
    )


def test_a_vaccine_adjuvant_is_no_treatment_of_its_own():
    """Montanide ISA 51 is an oil a peptide vaccine is mixed with: no immunotherapy by itself,
    and no partner in a combination; a vaccine named with it is still one."""
    tags = tag(
        [drug("Montanide ISA 51", kind="BIOLOGICAL"), drug("GM-CSF", kind="BIOLOGICAL")],
        [arm("Arm A", ["Biological: Montanide ISA 51", "Biological: GM-CSF"])],
        conditions=["Melanoma"],
    )
    assert tags.categories_of("Montanide ISA 51") == ()
    assert tags.categories == ("immunotherapy",)  # GM-CSF alone: no combination
    vaccine = tag(
        [drug("gp100 peptide vaccine in Montanide ISA 51", kind="BIOLOGICAL")],
        [arm("Arm A", ["Biological: gp100 peptide vaccine in Montanide ISA 51"])],
        conditions=["Melanoma"],
    )
    assert vaccine.categories_of("gp100 peptide vaccine in Montanide ISA 51") == ("immunotherapy",)


@needs_shared
def test_a_real_peptide_vaccine_trial_whose_only_intervention_is_its_adjuvant():
    # NCT00184067: "Biological: Montanide ISA 51" in arms "Peptide vaccine with Montanide ISA
    # 51" and "... + GM-CSF"; the immunotherapy is the arm's GM-CSF (and the vaccine).
    tags = tag_trial(parse_study(load_real_record("NCT00184067")))
    assert tags.categories_of("Montanide ISA 51") == ()
    assert tags.categories == ("immunotherapy",)
    assert all("Montanide" not in e.matched for e in tags.evidence_for("immunotherapy"))


# -- a medicine given only before the others -----------------------------------------------


def test_a_medicine_a_combination_gives_only_as_a_pretreatment_is_not_one_of_its_treatments():
    name = "Obinutuzumab, naptumomab estafenatox and durvalumab"
    description = (
        "Obinutuzumab is given intravenous (I.V.) 1,000 mg concentrate for solution for "
        "infusion, as pre-treatment.\n\nNAP is given as an intravenous (I.V.) bolus injection. "
        "Durvalumab is given at a dose of 1120 mg."
    )
    tags = tag(
        [drug(name, kind="COMBINATION_PRODUCT", other_names=["[Gazyva]"], description=description)],
        [arm("Arm A", [f"Combination Product: {name}"])],
        conditions=["Esophageal Cancer"],
    )
    assert tags.categories_of(name) == ("immunotherapy",)
    assert tags.categories == ("immunotherapy", "combination")  # naptumomab + durvalumab
    # a sentence naming two of them does not say which prepares for which
    both = "Obinutuzumab and durvalumab are given as pre-treatment before naptumomab."
    tags = tag(
        [drug(name, kind="COMBINATION_PRODUCT", description=both)],
        [arm("Arm A", [f"Combination Product: {name}"])],
        conditions=["Esophageal Cancer"],
    )
    assert tags.categories_of(name) == ("targeted-therapy", "immunotherapy")


@needs_shared
def test_a_real_combination_given_after_an_antibody_pretreatment():
    # NCT03983954: obinutuzumab (a CD20 antibody) given before naptumomab estafenatox, to
    # curb antibodies against it, in solid tumours: no targeted therapy of the cancer.
    tags = tag_trial(parse_study(load_real_record("NCT03983954")))
    assert tags.categories == ("immunotherapy", "combination")


# -- a disease of dendritic cells is no dendritic-cell therapy ----------------------------


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("XR-417", "XR-417 is given to people with blastic plasmacytoid dendritic cell neoplasm."),
        ("XR-417 for blastic plasmacytoid dendritic cell neoplasm", ""),
        ("XR-417", "For follicular dendritic cell sarcoma that came back."),
    ],
)
def test_a_disease_of_dendritic_cells_is_not_a_dendritic_cell_therapy(name, description):
    tags = tag(
        [drug(name, description=description)],
        [arm("Arm A", [f"Drug: {name}"])],
        conditions=["Blastic Plasmacytoid Dendritic Cell Neoplasm"],
        title="XR-417 in BPDCN",
    )
    assert "immunotherapy" not in tags.categories


@pytest.mark.parametrize(
    "description",
    ["Autologous dendritic cells loaded with tumor lysate", "Dendritic cell tumor lysate"],
)
def test_dendritic_cells_given_as_a_treatment_are_an_immunotherapy(description):
    tags = tag(
        [drug("XR-418", kind="BIOLOGICAL", description=description)],
        [arm("Arm A", ["Biological: XR-418"])],
        conditions=["Glioblastoma"],
        title="XR-418 in glioblastoma",
    )
    assert tags.categories == ("immunotherapy",)


# -- names in a text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "how"),
    [
        ("Pembrolizumab", '"Pembrolizumab" is an immunotherapy'),
        ("PEMBROLIZUMAB every 3 weeks", '"PEMBROLIZUMAB" is an immunotherapy'),
        ("Keytruda", '"Keytruda" (pembrolizumab) is an immunotherapy'),
        ("MK-3475", '"MK-3475" (pembrolizumab) is an immunotherapy'),
    ],
)
def test_a_name_says_its_generic_name_only_when_written_otherwise(text, how):
    assert [hit.how for hit in find_terms(text, True)] == [how]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        # Antibodies whose names end in four letters ("-bart", "-ment") start conjugates too.
        ("Foobart Vedotin", "foobart vedotin"),
        ("then Barment deruxtecan", "barment deruxtecan"),
        ("an unnamed abcdefnib", "abcdefnib"),  # a stem, on a word the lexicon does not know
    ],
)
def test_names_the_lexicon_does_not_list_are_read_by_their_endings(text, canonical):
    assert [hit.canonical for hit in find_terms(text, True)] == [canonical]
