"""Context rules: each rule's examples fire and its counter-examples do not; scope, terminators
and pseudo phrases behave; a broken rules file is reported line by line; real criteria read
right."""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialfinder.errors import ConfigError, ExitCode
from trialfinder.knowledge import data_text
from trialfinder.tagging import context
from trialfinder.tagging.context import (
    CATEGORIES,
    DIRECTIONS,
    RULE_KEYS,
    Context,
    InvalidRules,
    clause_covering,
    covering_after,
    effects,
    example_target,
    key_regex,
    literal_regex,
    load_rules,
    lower_case_only,
    match_starts,
    parse_rules,
    rules,
)

from conftest import load_real_record, needs_shared

SHIPPED = rules()


def marked(example: str, rule_set=SHIPPED) -> frozenset[str]:
    """The categories covering the {target} of ``example``."""
    text, start, end = example_target(example)
    return rule_set.effects(text, start, end)


# -- the shipped rules, one by one ----------------------------------------------------------


def _cases(kind: str) -> list:
    return [
        pytest.param(rule, example, id=f"rule{rule.number}-{number}")
        for rule in SHIPPED
        for number, example in enumerate(getattr(rule, kind), start=1)
    ]


@pytest.mark.parametrize(("rule", "example"), _cases("examples"))
def test_each_example_fires(rule, example):
    text, start, end = example_target(example)
    found = SHIPPED.context(text)
    if rule.is_trigger:
        # This very rule covers the target, not merely another with the same category.
        causes = found.covering(start, end)
        assert any(m.rule is rule for m in causes), (rule, example, causes)
        assert rule.category in found.effects(start, end)
    else:
        # A terminator or pseudo phrase proves itself by what it takes away.
        without = SHIPPED.without(rule).effects(text, start, end)
        assert (without - found.effects(start, end)) & rule.categories, (rule, example)


@pytest.mark.parametrize(("rule", "example"), _cases("counter_examples"))
def test_each_counter_example_does_not_fire(rule, example):
    text, start, end = example_target(example)
    if rule.is_trigger:
        assert rule.category not in SHIPPED.effects(text, start, end), (rule, example)
    else:
        without = SHIPPED.without(rule).effects(text, start, end)
        assert without == SHIPPED.effects(text, start, end), (rule, example)


def test_the_shipped_file_is_valid_and_every_rule_is_shown_at_work():
    assert len(SHIPPED) >= 60
    for rule in SHIPPED:
        assert rule.examples, f"{rule} has no example"
        assert rule.line and rule.number >= 1
    triggers = {r.category for r in SHIPPED if r.is_trigger}
    assert triggers == set(CATEGORIES)
    assert {r.direction for r in SHIPPED} == set(DIRECTIONS)
    assert rules() is SHIPPED  # read and compiled once


def test_the_file_header_documents_every_key_category_and_direction():
    header = data_text("context.toml").split("\n[[rule]]")[0]
    for word in (*RULE_KEYS, *CATEGORIES, *DIRECTIONS):
        assert re.search(rf"#\s+{word}\b", header), f"{word} is not explained in the header"


# -- the cases every reader of criteria meets ------------------------------------------------


@pytest.mark.parametrize(
    ("example", "expected", "absent"),
    [
        ("documented absence of {EGFR} sensitizing mutations and ALK rearrangement", "NEGATED", ""),
        ("documented absence of EGFR sensitizing mutations and {ALK} rearrangement", "NEGATED", ""),
        ("Either {BRAF}-mutant or BRAF wild-type tumors are eligible", "HYPOTHETICAL", "NEGATED"),
        ("Either BRAF-mutant or {BRAF} wild-type tumors are eligible", "HYPOTHETICAL", ""),
        ("Randomization is stratified by {PIK3CA} status", "HYPOTHETICAL", "NEGATED"),
        (
            "AML in first complete remission, with maintenance to prevent {relapse}",
            "PREVENTION",
            "NEGATED",
        ),
        ("no evidence of {recurrent} or metastatic disease", "PREVENTION", ""),
        ("no evidence of recurrent or {metastatic} disease", "PREVENTION", ""),
        ("steroid-{refractory} acute GVHD", "NOT_CANCER", ""),
        ("immune-related hepatitis {refractory} to steroids", "NOT_CANCER", ""),
        ("grade 3 hepatitis, steroid {refractory}", "NOT_CANCER", ""),
        ("{Relapse}-free survival at 2 years", "NOT_CANCER", "NEGATED"),
        ("time to {relapse}", "NOT_CANCER", ""),
        ("{Brain metastases} are allowed if treated and stable", "EXCEPTION", "NEGATED"),
        ("ER-positive, {HER2}-negative advanced breast cancer", "NEGATED", ""),
        ("{ER}-positive, HER2-negative advanced breast cancer", "", "NEGATED"),
        ("ER+/{HER2}- disease", "NEGATED", ""),
        ("{ER}+/HER2- disease", "", "NEGATED"),
        ("No more than 2 prior lines of {chemotherapy}", "HISTORICAL", "NEGATED"),
        ("including but not limited to {corticosteroids}", "", "NEGATED"),
        ("Relapsed/{refractory} multiple myeloma", "", "NOT_CANCER"),
        ("Known or suspected {brain metastases}", "", "HYPOTHETICAL"),
    ],
)
def test_what_criteria_writers_write(example, expected, absent):
    found = marked(example)
    if expected:
        assert expected in found, (example, found)
    if absent:
        assert absent not in found, (example, found)


def test_a_plain_statement_has_no_context():
    for example in (
        "Histologically confirmed {KRAS} G12C-mutant NSCLC",
        "Relapsed or {refractory} multiple myeloma after at least 3 lines",
        "Documented {HER2}-positive breast cancer",
        "Patients with {measurable disease} per RECIST 1.1",
    ):
        assert marked(example) == frozenset(), example


# -- how scope works ---------------------------------------------------------------------------

TOY = parse_rules(
    """
[[rule]]
phrase = "no"
category = "NEGATED"
direction = "forward"
examples = ["no {x}"]

[[rule]]
phrase = "neg"
category = "NEGATED"
direction = "backward"
scope = 2
stopped_by = ["pos"]
examples = ["{x} neg"]

[[rule]]
phrase = "maybe"
category = "HYPOTHETICAL"
direction = "both"
scope = 1
examples = ["maybe {x}"]

[[rule]]
phrase = "no way out"
category = "EXCEPTION"
direction = "forward"
examples = ["no way out {x}"]

[[rule]]
phrase = "x-free survival"
category = "NOT_CANCER"
direction = "both"
scope = 0
examples = ["{x}-free survival"]

[[rule]]
pattern = ';'
direction = "terminate"
examples = ["no a; {x}"]

[[rule]]
phrase = "but"
category = "NEGATED"
direction = "terminate"
ends = "forward"
examples = ["no a but {x}"]

[[rule]]
phrase = "no less than"
category = "NEGATED"
direction = "pseudo"
examples = ["no less than {x}"]
""",
    "toy.toml",
)


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ("no a b c d e f g {x}", {"NEGATED"}),  # no scope given: to the end of the clause
        ("no a; {x}", set()),  # a terminator ends it
        ("no a but {x}", set()),  # ... for the categories it names
        ("maybe a but {x}", set()),  # one word only
        ("maybe {x} but", {"HYPOTHETICAL"}),
        ("{x} maybe", {"HYPOTHETICAL"}),  # both sides
        ("{x} a maybe", set()),
        ("maybe, {x}", {"HYPOTHETICAL"}),  # signs between are no words
        ("maybe a-{x}", set()),  # a hyphen ends a word
        ("maybe a_{x}", {"HYPOTHETICAL"}),  # "a_x" is one word
        ("maybe éa {x}", set()),  # so is "éa"
        ("maybe\n{x}", {"HYPOTHETICAL"}),
        ("{x} a neg", {"NEGATED"}),  # two words back
        ("{x} a b neg", set()),
        ("{x} pos neg", set()),  # stopped by its own stop word
        ("{x} but neg", {"NEGATED"}),  # 'but' ends forward scopes only
        ("{x}; neg", set()),
        ("no less than {x}", set()),  # pseudo: the 'no' inside is cancelled
        ("no way out {x}", {"EXCEPTION"}),  # the longer cue decides
        ("{x}-free survival", {"NOT_CANCER"}),  # scope 0: inside the phrase only
        ("x-free survival {x}", set()),
        ("{no} a", set()),  # a cue never covers itself
        ("{no a} b", set()),  # nor a target it overlaps
        ("NO {x}", {"NEGATED"}),  # case does not matter
        ("nothing {x}", set()),  # whole words only
        ("know {x}", set()),
        ("no (a) {x}", {"NEGATED"}),  # over an aside in parentheses
        ("(no a) {x}", set()),  # but not out of one
        ("no (a {x}) b", {"NEGATED"}),
        ("{x} (a) neg", {"NEGATED"}),
        ("{x} (a neg)", set()),
        ("(maybe {x}", {"HYPOTHETICAL"}),  # a parenthesis never closed changes nothing
    ],
)
def test_scope_terminators_and_pseudo_phrases(example, expected):
    assert marked(example, TOY) == frozenset(expected)


def test_spaces_and_hyphens_in_a_phrase_match_either():
    mine = parse_rules(
        '[[rule]]\nphrase = "wild-type"\ncategory = "NEGATED"\ndirection = "backward"\n'
        '[[rule]]\nphrase = "steroid refractory"\ncategory = "NOT_CANCER"\ndirection = "forward"\n'
    )
    for written in ("wild-type", "wild type", "Wildtype", "wild - type", "WILD-TYPE"):
        assert marked("{KRAS} " + written, mine) == {"NEGATED"}, written
    for written in ("steroid refractory", "Steroid-refractory", "steroid  -refractory"):
        assert marked(written + " {GVHD}", mine) == {"NOT_CANCER"}, written
    assert marked("steroidrefractory {GVHD}", mine) == frozenset()  # a space needs a gap
    assert marked("{KRAS} wild-types", mine) == frozenset()  # whole words
    assert "NEGATED" in marked("No {brain metastases}")
    assert "NOT_CANCER" in marked("steroid {refractory} GVHD")


def test_context_finds_the_cues_once_and_explains_them():
    text = "No EGFR mutation; prior osimertinib is allowed. HER2-negative"
    found = Context(text)
    egfr = text.index("EGFR")
    assert found.effects(egfr, egfr + 4) == effects(text, egfr, egfr + 4) == {"NEGATED"}
    (cause,) = found.covering(egfr, egfr + 4)
    assert (cause.phrase, cause.category, cause.direction) == ("No", "NEGATED", "forward")
    assert cause.rule.phrase == "no" and cause.span == (0, 2)
    osimertinib = text.index("osimertinib")
    assert found.effects(osimertinib, osimertinib + 11) == {"HISTORICAL", "EXCEPTION"}
    kinds = {m.category for m in found.modifiers}
    assert {"NEGATED", "HISTORICAL", "EXCEPTION", "TERMINATE"} <= kinds
    assert found.modifiers == sorted(found.modifiers, key=lambda m: m.span)
    assert context.modifiers(text) == found.modifiers


@pytest.mark.parametrize(("start", "end"), [(-1, 2), (3, 2), (0, 999)])
def test_a_span_outside_the_text_is_refused(start, end):
    with pytest.raises(ValueError, match="outside"):
        effects("No EGFR mutation", start, end)


# Cue words, targets and punctuation, shuffled into texts that no one writes.
_FUZZ_WORDS = re.findall(
    r"\S+",
    "no not without negative wild-type EGFR HER2 ALK prior received unless except but ; . with"
    " or regardless of stratified by are not eligible allowed if relapse-free survival"
    " refractory to steroids - , positive more than who for in the",
)


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(_FUZZ_WORDS),
        max_size=30,
    ),
    data=st.data(),
)
def test_the_fast_lookup_agrees_with_checking_every_cue(words, data):
    text = " ".join(words)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    # Asked first (each trigger's reach worked out only where it may matter), then after
    # every reach is known.
    first_asked = Context(text)
    lazy = first_asked.effects(start, end)
    found = Context(text)
    slow = frozenset(m.category for m in found.triggers if m.covers(start, end))
    assert lazy == slow
    assert {m.category for m in first_asked.covering(start, end)} == slow
    assert found.effects(start, end) == slow <= set(CATEGORIES)
    assert {m.category for m in found.covering(start, end)} == slow


_SIGNED_WORDS = [*_FUZZ_WORDS, ".", ":", "\n", "e.g.", "vs.", "?", "\u2022", "HER2:", "end."]


@st.composite
def signed_targets(draw: st.DrawFn) -> tuple[str, int, int]:
    """A text of words and signs, and a target span in it."""
    words = draw(st.lists(st.sampled_from(_SIGNED_WORDS), max_size=30))
    text = draw(st.sampled_from([" ", ""])).join(words)
    start = draw(st.integers(0, len(text)))
    return text, start, draw(st.integers(start, len(text)))


@settings(max_examples=200, deadline=None)
@given(target=signed_targets())
def test_a_clause_ends_at_the_nearest_signs_around_the_target(target):
    # Signs are looked for character by character, and only where the text has them: the
    # clause must still end at the nearest sign on each side, wherever the signs are.
    text, start, end = target
    signs = [m for m in map(SHIPPED._signs.match, [text] * len(text), range(len(text))) if m]
    low = max((m.end() for m in signs if m.end() <= start), default=0)
    high = min((m.start() for m in signs if m.start() >= end), default=len(text))
    assert SHIPPED.clause(text, start, end) == (low, high)


@settings(max_examples=200, deadline=None)
@given(target=signed_targets())
def test_the_cues_after_a_target_are_those_of_its_clause_that_start_after_it(target):
    # A clause with no word a cue may start with after the target is not read: the cues found
    # must still be those of the whole clause that start after the target.
    text, start, end = target
    low, _ = SHIPPED.clause(text, start, end)
    every = clause_covering(text, start, end)
    expected = [(m.category, m.span) for m in every if m.span[0] + low >= end]
    found_low, found = covering_after(text, start, end)
    assert found_low == low
    assert [(m.category, m.span) for m in found] == expected


def test_only_what_is_said_after_a_target_is_after_it():
    text = "No prior therapy; prior nivolumab is not allowed"
    drug = text.index("nivolumab")
    low, after = covering_after(text, drug, drug + len("nivolumab"))
    # ("No" is before the target, and in another clause.)
    assert [(m.category, text[low + m.span[0] : low + m.span[1]]) for m in after] == [
        ("NEGATED", "is not allowed")
    ]
    assert covering_after("No EGFR mutation", 3, 7) == (0, [])


def test_a_clause_is_read_between_its_signs():
    text = "No prior therapy (e.g. surgery). Known EGFR mutation: allowed; ALK"
    egfr = text.index("EGFR")
    low, high = SHIPPED.clause(text, egfr, egfr + 4)
    assert text[low:high] == " Known EGFR mutation"


def test_phrases_of_words_and_of_signs_share_one_trie():
    regex = re.compile(literal_regex(["+", ",", "positive", "and", "wild-type"]), re.IGNORECASE)
    text = "ER+, PR positive and HER2 wild type; unpositive, andante"
    found = [m.group() for m in regex.finditer(text)]
    assert found == ["+", ",", "positive", "and", "wild type", ","]


def test_every_shipped_cue_is_indexed_by_the_words_it_starts_with():
    # An expression whose start cannot be read is tried at every word: correct but slow.
    for rule in SHIPPED:
        assert match_starts(rule.pattern or literal_regex([rule.phrase])), rule


_KEYS = frozenset().union(
    *(match_starts(r.pattern or literal_regex([r.phrase])) or () for r in SHIPPED)
)
_TOKENS = re.compile(r"\w+|\W")


def _wanted_tokens(keys: frozenset[str], lowered: str) -> list[tuple[int, str]]:
    """Each word whose first KEY_SIZE letters (the whole word when shorter) are a key, and each
    other character that is one, token by token: what the key scan must find."""
    found = []
    for token in _TOKENS.finditer(lowered):
        word = token.group()
        key = word[: context.KEY_SIZE] if len(word) >= context.KEY_SIZE else word
        if key in keys:
            found.append((token.start(), key))
    return found


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.sampled_from(_FUZZ_WORDS), max_size=25), joint=st.sampled_from(" -,/"))
def test_the_key_scan_finds_each_token_whose_key_is_wanted(words, joint):
    keys = _KEYS | {"i", "in"}  # a short key that starts a longer one too
    lowered = joint.join(words).lower()
    scan = key_regex(keys)
    assert [(m.start(), m.group()) for m in scan.finditer(lowered)] == _wanted_tokens(keys, lowered)


def test_the_key_scan_finds_each_wanted_token_of_every_example():
    scan = key_regex(_KEYS)
    for rule in SHIPPED:
        for example in rule.examples + rule.counter_examples:
            lowered = example_target(example)[0].lower()
            found = [(m.start(), m.group()) for m in scan.finditer(lowered)]
            assert found == _wanted_tokens(_KEYS, lowered), example


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"\bno\b", {"no"}),
        (r"\b(?:must|do)\s*not\b", {"must", "mustn", "do", "donot"}),  # "mustnot" too
        (r"\bwild[\s-]?type\b|\bWT\b", {"wild", "wildt", "wt"}),  # "wild type", "wildtype"
        (r"(?<=[a-z])[-\u2013](?=\s)", {"-", "\u2013"}),
        (r"[;\n]|:(?=\s)", {";", "\n", ":"}),
        (r"\b(?:to\s+)?prevent", {"to", "preve"}),
        (r"\bTKIs?\W+for", {"tki", "tkis"}),  # a sign or space after a word ends it
        (r"(?:≤|\\<)\s*\d", {"≤", "\\"}),
        (literal_regex(["no", "not", "no evidence of", "non"]), {"no", "not", "non"}),
        (r"\w+ing", None),  # could start with any word
        (r"\sbut", None),  # starts with a space, where no word starts
        (r"ab", None),  # "ab" then anything: not a whole key
    ],
)
def test_the_words_a_cue_can_start_with(source, expected):
    assert match_starts(source) == (frozenset(expected) if expected is not None else None)


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.sampled_from(_FUZZ_WORDS), max_size=25))
def test_the_word_index_finds_what_trying_every_rule_everywhere_finds(words):
    text = " ".join(words)
    fast = set(SHIPPED._finder.find(text))
    slow = set()
    for rule in SHIPPED:
        regex = re.compile(rule.pattern or literal_regex([rule.phrase]), re.IGNORECASE)
        for token in re.finditer(r"\w+|[^\w \t\f\v]", text):
            match = regex.match(text, token.start())
            if match and match.end() > match.start():
                slow.add((match.start(), match.end(), rule))
    assert fast == slow


def test_a_letter_whose_lower_case_is_longer_does_not_shift_the_text():
    text = "İstanbul İİ: no EGFR"
    egfr = text.index("EGFR")
    assert effects(text, egfr, egfr + 4) == {"NEGATED"}


# -- a broken rules file -------------------------------------------------------------------------

BROKEN = """\
# a rules file with one mistake per rule
[[rule]]
phrase = "no"
catgory = "NEGATED"
direction = "forward"

[[rule]]
phrase = "without"
category = "NEGATIVE"
direction = "forwards"

[[rule]]
category = "NEGATED"
direction = "backward"

[[rule]]
pattern = '(?:unclosed'
category = "HYPOTHETICAL"
direction = "both"

[[rule]]
phrase = "regardless of"
category = "HYPOTHETICAL"
direction = "forward"
examples = [
  "regardless of {PD-L1} status",
  "regardless of PD-L1 status",
]

[[rule]]
phrase = ";"
direction = "terminate"
scope = 3

[[rule]]
pattern = '(?P<name>x)'
category = "NEGATED"
direction = "forward"
scope = -1
counter_examples = ["{a} and {b}", "{} empty"]

[[rule]]
phrase = "no"
category = "NEGATED"
direction = "forward"

[[rule]]
phrase = "x"
category = "NEGATED"
"""


def test_every_problem_is_reported_with_its_line_and_key(tmp_path):
    path = tmp_path / "context.toml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(InvalidRules) as info:
        load_rules(path)
    lines = [line.replace(str(tmp_path) + "/", "") for line in info.value.lines()]
    expected = [
        "context.toml:2: rule[1]: the key 'category' is missing",
        "context.toml:4: rule[1].catgory: unknown key (did you mean 'category'?)",
        "context.toml:9: rule[2].category: 'NEGATIVE' is not a category (did you mean 'NEGATED'",
        "context.toml:10: rule[2].direction: 'forwards' is not a direction (did you mean 'forwa",
        "context.toml:12: rule[3]: the key 'phrase' is missing (or 'pattern'",
        "context.toml:17: rule[4].pattern: the regular expression does not compile:",
        "context.toml:27: rule[5].examples[2]: no target: mark it in braces",
        "context.toml:33: rule[6].scope: a terminate rule has no scope",
        "context.toml:36: rule[7].pattern: named groups and back-references are not allowed",
        "context.toml:39: rule[7].scope: cannot be negative",
        "context.toml:40: rule[7].counter_examples[1]: mark one target only",
        "context.toml:40: rule[7].counter_examples[2]: the target in braces is empty",
        "context.toml:47: rule[9]: the key 'direction' is missing",
    ]
    for wanted in expected:
        assert any(line.startswith(wanted) for line in lines), (wanted, lines)
    assert len(lines) == len(expected)
    numbers = [int(re.match(r"context\.toml:(\d+):", line).group(1)) for line in lines]
    assert numbers == sorted(numbers)  # in file order
    assert isinstance(info.value, ConfigError) and info.value.exit_code == ExitCode.CONFIG
    assert "context.toml" in info.value.hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[rule]]\nphrase = "no\n', r"^r\.toml:2: not valid TOML"),
        ('[rules]\nphrase = "no"\n', r"^r\.toml:1: rules: unknown key \(did you mean 'rule'\?\)"),
        ("# nothing\n", r"^r\.toml: no rules"),
        (
            '[[rule]]\nphrase = "   "\ncategory = "NEGATED"\ndirection = "forward"\n',
            r"^r\.toml:2: rule\[1\]\.phrase: the phrase is empty",
        ),
        (
            '[[rule]]\npattern = \'a|\'\ncategory = "NEGATED"\ndirection = "forward"\n',
            r"^r\.toml:2: rule\[1\]\.pattern: the regular expression matches empty text",
        ),
        (
            '[[rule]]\npattern = \'a(?i)b\'\ncategory = "NEGATED"\ndirection = "forward"\n',
            r"^r\.toml:2: rule\[1\]\.pattern: the regular expression does not compile",
        ),
        (
            '[[rule]]\nphrase = "x"\ncategory = ["NEGATED", "MAYBE"]\ndirection = "pseudo"\n',
            r"^r\.toml:3: rule\[1\]\.category: 'MAYBE' is not a category",
        ),
        (
            '[[rule]]\nphrase = "x"\ncategory = "NEGATED"\ndirection = "forward"\nends = "both"\n',
            r"^r\.toml:5: rule\[1\]\.ends: only a terminate rule ends scopes",
        ),
        (
            '[[rule]]\nphrase = "x"\npattern = "x"\ncategory = "NEGATED"\ndirection = "forward"\n',
            r"^r\.toml:3: rule\[1\]\.pattern: write 'phrase' or 'pattern', not both",
        ),
        (
            '[[rule]]\nphrase = "x"\ncategory = "negated"\ndirection = "forward"\n',
            r"^r\.toml:3: rule\[1\]\.category: 'negated' is not a category \(did you mean 'NEG",
        ),
        (
            '[[rule]]\nphrase = "x"\ncategory = "NEGATED"\ndirection = "forward"\nexamples = "x"\n',
            r"^r\.toml:5: rule\[1\]\.examples: expected a list of texts",
        ),
        (
            '[[rule]]\npattern = \'\\sbut\'\ncategory = "NEGATED"\ndirection = "forward"\n',
            r"^r\.toml:2: rule\[1\]\.pattern: a cue is looked for where a word or a sign starts",
        ),
        (
            '[[rule]]\nphrase = "Wild type"\ncategory = "NEGATED"\ndirection = "forward"\n\n'
            '[[rule]]\nphrase = "wild-type"\ncategory = "NEGATED"\ndirection = "forward"\n',
            r"^r\.toml:6: rule\[2\]: repeats rule\[1\]",
        ),
    ],
)
def test_each_kind_of_mistake(text, expected):
    with pytest.raises(InvalidRules) as info:
        parse_rules(text, "r.toml")
    assert any(re.search(expected, line) for line in info.value.lines()), info.value.lines()


def test_a_missing_rules_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read context rules"):
        load_rules(tmp_path / "nope.toml")


def test_a_valid_file_loads_through_the_public_function(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[[rule]]\nphrase = "sans"\ncategory = "NEGATED"\ndirection = "forward"\n')
    mine = load_rules(path)
    assert [r.phrase for r in mine] == ["sans"]
    assert mine.effects("sans EGFR", 5, 9) == {"NEGATED"}
    assert Context("sans EGFR", mine).effects(5, 9) == {"NEGATED"}


# -- real criteria -------------------------------------------------------------------------------


@cache
def _criteria(nct_id: str) -> str:
    return load_real_record(nct_id)["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]


def _in_record(text: str, sentence: str, target: str, nth: int = 0) -> frozenset[str]:
    """What covers ``target`` (its ``nth`` occurrence after ``sentence`` starts), reading the
    whole text as the tagger does."""
    position = text.index(sentence)
    for _ in range(nth + 1):
        position = text.index(target, position + (1 if _ else 0))
    return effects(text, position, position + len(target))


@needs_shared
@pytest.mark.parametrize(
    ("nct_id", "sentence", "target", "nth", "expected", "absent"),
    [
        # "Absence of sensitizing EGFR mutations and ALK and ROS1 rearrangements"
        ("NCT05984277", "Absence of sensitizing EGFR", "EGFR", 0, "NEGATED", ""),
        ("NCT05984277", "Absence of sensitizing EGFR", "ALK", 0, "NEGATED", ""),
        ("NCT05984277", "Absence of sensitizing EGFR", "ROS1", 0, "NEGATED", ""),
        ("NCT06357533", "Absence of sensitising EGFR", "ROS1", 0, "NEGATED", ""),
        # "confirmed EGFR wild-type and ALK rearrangement negative and who have tested positive
        # test for MET exon14 skipping mutation"
        ("NCT05110196", "confirmed EGFR wild-type", "EGFR", 0, "NEGATED", ""),
        ("NCT05110196", "confirmed EGFR wild-type", "ALK", 0, "NEGATED", ""),
        ("NCT05110196", "confirmed EGFR wild-type", "MET", 0, "", "NEGATED"),
        ("NCT06750094", "KRAS, NRAS, and BRAF wild-type", "KRAS", 0, "NEGATED", ""),
        ("NCT06750094", "KRAS, NRAS, and BRAF wild-type", "NRAS", 0, "NEGATED", ""),
        # "Documented estrogen receptor-positive (ER+), HER2-negative (HER2-) tumor"
        ("NCT06065748", "Documented estrogen receptor-positive", "HER2", 0, "NEGATED", ""),
        ("NCT06065748", "Documented estrogen receptor-positive", "ER+", 0, "", "NEGATED"),
        ("NCT05631795", "HR-positive, HER2-negative", "HR", 0, "", "NEGATED"),
        ("NCT05631795", "HR-positive, HER2-negative", "HER2", 0, "NEGATED", ""),
        ("NCT04862663", "stratified based on PIK3CA", "PIK3CA", 0, "HYPOTHETICAL", ""),
        # "Negative for HBsAg and positive for hepatitis B core antibody"
        ("NCT06194448", "Negative for HBsAg", "HBsAg", 0, "NEGATED", ""),
        ("NCT06194448", "Negative for HBsAg", "hepatitis B core", 0, "", "NEGATED"),
        ("NCT06627647", "Brain metastases unless", "Brain metastases", 0, "EXCEPTION", ""),
        ("NCT04472845", "non-breast malignancy allowed", "malignancy", 0, "EXCEPTION", ""),
        ("NCT05519085", "Subjects who progressed", "bortezomib", 0, "EXCEPTION", "NEGATED"),
        ("NCT03165734", "persistent and refractory", "refractory", 0, "NOT_CANCER", ""),
        ("NCT06120491", "Refractory nausea", "Refractory", 0, "NOT_CANCER", ""),
        ("NCT05514054", "increased risk of disease", "recurrence", 0, "PREVENTION", ""),
        # "locoregionally recurrent not amenable to curative therapy or metastatic"
        ("NCT05022342", "locoregionally recurrent not", "recurrent", 0, "", "NEGATED"),
        ("NCT05022342", "locoregionally recurrent not", "metastatic", 0, "", "NEGATED"),
        # "No prior chemotherapy or other systemic anti-cancer therapy for metastatic or locally
        # recurrent inoperable breast cancer."
        ("NCT06103864", "No prior chemotherapy", "chemotherapy", 0, "NEGATED", ""),
        ("NCT06103864", "No prior chemotherapy", "recurrent", 0, "", "NEGATED"),
        ("NCT04576156", "Relapsed/refractory to JAK", "refractory", 0, "", "NOT_CANCER"),
        # "Prior treatment with chemotherapy ... is not permitted (prior adjuvant or
        # neoadjuvant chemotherapy is permitted)"
        ("NCT05501886", "Prior treatment with chemotherapy", "chemotherapy", 0, "NEGATED", ""),
        ("NCT05501886", "Prior treatment with chemotherapy", "chemotherapy", 0, "", "EXCEPTION"),
        ("NCT05501886", "(prior adjuvant", "chemotherapy", 0, "EXCEPTION", "NEGATED"),
        (
            "NCT05170204",
            "including, but not limited to, corticosteroids",
            "corticosteroids",
            0,
            "",
            "NEGATED",
        ),
    ],
)
def test_real_criteria(nct_id, sentence, target, nth, expected, absent):
    found = _in_record(_criteria(nct_id), sentence, target, nth)
    if expected:
        assert expected in found, (nct_id, sentence, target, found)
    if absent:
        assert absent not in found, (nct_id, sentence, target, found)


@needs_shared
def test_real_titles_and_outcomes():
    # NCT06065748's title: "... in Participants With ER-Positive, HER2-Negative Advanced Breast
    # Cancer Resistant to Adjuvant Endocrine Therapy"
    title = load_real_record("NCT06065748")["protocolSection"]["identificationModule"]["briefTitle"]
    her2, er = title.index("HER2"), title.index("ER-Positive")
    assert "NEGATED" in effects(title, her2, her2 + 4)
    assert "NEGATED" not in effects(title, er, er + 2)
    # NCT05774951's outcome "Distant relapse-free survival (DRFS)"
    outcomes = load_real_record("NCT05774951")["protocolSection"]["outcomesModule"]
    measure = next(o["measure"] for o in outcomes["secondaryOutcomes"] if "DRFS" in o["measure"])
    relapse = measure.index("relapse")
    assert effects(measure, relapse, relapse + 7) == {"NOT_CANCER"}


def test_a_pattern_of_lower_case_letters_matches_the_lower_case_text_as_without_case():
    """The finder matches such a pattern against the text in lower case (faster): every
    shipped pattern it takes so must match each example there as it does without case."""
    texts = [example_target(e)[0] for r in SHIPPED for e in (*r.examples, *r.counter_examples)]
    texts += [t.upper() for t in texts]
    starts = re.compile(r"\w+|[^\w\s]")
    checked = 0
    for rule in SHIPPED:
        if rule.pattern is None or not lower_case_only(rule.pattern):
            continue
        caseless, plain = re.compile(rule.pattern, re.IGNORECASE), re.compile(rule.pattern)
        for text in texts:
            lowered = text.lower()
            for start in (m.start() for m in starts.finditer(text)):
                one, other = caseless.match(text, start), plain.match(lowered, start)
                assert (one and one.span()) == (other and other.span()), (rule, text, start)
                checked += 1
    assert checked > 10_000
    assert not lower_case_only(r"\bwild[\s-]?type\s+(?=(?-i:[A-Z][A-Z0-9]+)\b)")
    assert not lower_case_only(r"(?i)tkis?") and not lower_case_only(r"TKIs?")
    assert not lower_case_only("re\u017fistant") and lower_case_only(r"\bnot\s+\S+")


def test_letters_that_match_a_z_without_case_still_find_a_cue():
    found = [(m.category, m.span) for m in SHIPPED.modifiers("Patients who are not elıgible")]
    assert ("NEGATED", (13, 29)) in found
