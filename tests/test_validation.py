"""The kit every data file's checks are built with: lines, keys, did-you-mean, all at once."""

from __future__ import annotations

import pytest

from trialfinder.errors import ConfigError, ExitCode
from trialfinder.validation import (
    DATE,
    FLAG,
    TEXT,
    WHOLE,
    Checker,
    Choice,
    Either,
    InvalidConfig,
    KeyLines,
    ListOf,
    Names,
    Problem,
    Regex,
    Table,
    Text,
    check_shape,
    did_you_mean,
    dotted,
    parse_toml,
)

FILE = """\
# a file
[table]
name = "x"
size = 3

[[item]]
kind = "a"
words = [
  "first",
  "second one",
]

[[item]]
kind = "b"
"""


def test_key_lines_find_tables_array_items_and_list_entries():
    lines = KeyLines(FILE)
    assert lines.line(("table",)) == 2
    assert lines.line(("table", "size")) == 4
    assert lines.line(("item", 0)) == 6 and lines.line(("item", 1)) == 13
    assert lines.line(("item", 1, "kind")) == 14
    assert lines.line(("item", 1, "missing")) == 13  # falls back to its table
    assert lines.line(("nowhere",)) is None
    assert lines.find(("item", 0, "words"), "second one") == 10
    assert lines.find(("item", 0, "words"), "not there") == 8  # the key's own line


def test_dotted_paths_count_list_positions_from_one():
    assert dotted(("item", 0, "words", 1)) == "item[1].words[2]"
    assert dotted(("table", "size")) == "table.size"
    assert dotted(()) == ""


def test_did_you_mean_suggests_a_near_miss_in_any_case_or_lists_the_choices():
    assert did_you_mean("forwards", ("forward", "backward")) == "did you mean 'forward'?"
    assert did_you_mean("negated", ("NEGATED", "EXCEPTION")) == "did you mean 'NEGATED'?"
    assert did_you_mean("zzz", ("a", "b")) == "choose from: a, b"
    assert did_you_mean("zzz", ("a", "b"), "keys") == "known keys: a, b"


def test_the_checker_collects_every_problem_with_its_line():
    data = parse_toml(FILE, "f.toml")
    checker = Checker(KeyLines(FILE))
    table = checker.table(data, "table", required=True)
    checker.unknown_keys(table, ("table",), ("name", "sise"))
    assert checker.get(table, ("table",), "name", int, "a number") is None
    items = checker.tables(data, "item")
    assert checker.choice(items[0], ("item", 0), "kind", ("a", "b"), "a kind") == "a"
    assert checker.choice(items[1], ("item", 1), "kind", ("a", "c"), "a kind", default="a") == "a"
    checker.choice(items[1], ("item", 1), "shape", ("round",), "a shape", required=True)
    checker.table(data, "other", required=True)
    said = [p.describe("f.toml") for p in checker.sorted_problems()]
    assert said == [
        "f.toml: the [other] table is missing",
        "f.toml:3: table.name: expected a number, got a string 'x'",
        "f.toml:4: table.size: unknown key (did you mean 'sise'?)",
        "f.toml:13: item[2]: the key 'shape' is missing (a shape)",
        "f.toml:14: item[2].kind: 'b' is not a kind (choose from: a, c)",
    ]


def test_an_array_of_tables_written_as_a_table_is_a_problem():
    checker = Checker(KeyLines("[item]\nkind = 1\n"))
    assert checker.tables({"item": {"kind": 1}}, "item") == []
    assert checker.problems == [Problem(1, "item", "write each one as a [[item]] table")]


def test_a_syntax_error_names_its_line_and_the_error_carries_every_problem():
    with pytest.raises(InvalidConfig) as info:
        parse_toml('a = 1\nb = "open\n', "f.toml", hint="fix it")
    (line,) = info.value.lines()
    assert line.startswith("f.toml:2: not valid TOML")
    assert info.value.hint == "fix it"
    error = InvalidConfig("f.toml", [Problem(3, "k", "bad"), Problem(None, "", "worse")])
    assert error.lines() == ["f.toml:3: k: bad", "f.toml: worse"]
    assert str(error) == "f.toml:3: k: bad (and 1 more problem)"
    assert isinstance(error, ConfigError) and error.exit_code == ExitCode.CONFIG


def test_a_subclass_of_the_error_is_raised_when_asked_for():
    class Mine(InvalidConfig):
        pass

    with pytest.raises(Mine):
        parse_toml("= oops", "f.toml", error=Mine)


# -- shapes: what a whole file may hold -------------------------------------------------------

QUOTED = """\
[disease."solid tumor"]
within = ["cancer"]
says.any = "x"

[[car-t.mechanisms]]
pattern = "a"

[[car-t.mechanisms]]
'pattern' = "b"
"""


def test_key_lines_read_quoted_and_dotted_names_and_nested_arrays_of_tables():
    lines = KeyLines(QUOTED)
    assert lines.line(("disease", "solid tumor")) == 1
    assert lines.line(("disease", "solid tumor", "within")) == 2
    assert lines.line(("disease", "solid tumor", "says", "any")) == 3
    assert lines.line(("car-t", "mechanisms", 0, "pattern")) == 6
    assert lines.line(("car-t", "mechanisms", 1, "pattern")) == 9
    assert lines.line(("car-t",)) == 5


def test_key_lines_read_the_text_only_when_a_line_is_asked_for():
    lines = KeyLines(QUOTED)
    assert lines._lines is None
    assert lines.line(("disease",)) == 1 and lines._lines is not None


def test_a_name_that_is_no_bare_key_is_quoted_as_toml_writes_it():
    assert dotted(("disease", "solid tumor", "within", 0)) == 'disease."solid tumor".within[1]'
    assert dotted(("car-t", "stems")) == "car-t.stems"


def _problems(shape, data, text=""):
    checker = Checker(KeyLines(text))
    shape.check(data, (), checker)
    return [p.describe("f.toml") for p in checker.sorted_problems()]


def test_a_table_names_unknown_and_missing_keys():
    shape = Table(required={"name": TEXT}, optional={"size": WHOLE, "round": FLAG})
    text = 'nme = "x"\nsize = true\n'
    assert _problems(shape, {"nme": "x", "size": True}, text) == [
        "f.toml: the key 'name' is missing (text in quotes)",
        "f.toml:1: nme: unknown key (did you mean 'name'?)",
        "f.toml:2: size: expected a whole number, got true",
    ]
    assert _problems(shape, {"name": "x", "zzz": 1}) == [
        "f.toml: zzz: unknown key (known keys: name, size, round)"
    ]


def test_other_keys_hold_anything_of_their_shape_but_a_near_miss_is_unknown():
    shape = Table(required={"context": TEXT}, others=Table(required={"pattern": TEXT}))
    good = {"context": "c", "KRAS": {"pattern": "k"}}
    assert _problems(shape, good) == []
    assert _problems(shape, {"contxt": "c", "KRAS": {"pattern": 1}}) == [
        "f.toml: contxt: unknown key (did you mean 'context'?)",
        "f.toml: KRAS.pattern: expected text in quotes, got a number 1",
        "f.toml: the key 'context' is missing (text in quotes)",
    ]


def test_names_may_be_any_or_only_known_ones_and_then_perhaps_every_one():
    assert _problems(Names(WHOLE), {"a": 1, "b": "2"}) == [
        "f.toml: b: expected a whole number, got a string '2'"
    ]
    known = Names(TEXT, names=("none", "some"), every=True)
    assert _problems(known, {"nonne": "x"}) == [
        "f.toml: nonne: unknown name (did you mean 'none'?)",
        "f.toml: 'none' is missing (text in quotes)",
        "f.toml: 'some' is missing (text in quotes)",
    ]


def test_a_list_says_which_item_is_wrong_on_its_own_line():
    text = 'words = [\n  "a",\n  2,\n]\n'
    shape = Table(required={"words": ListOf(TEXT)})
    assert _problems(shape, {"words": ["a", 2]}, text) == [
        "f.toml:3: words[2]: expected text in quotes, got a number 2"
    ]
    assert _problems(shape, {"words": "a"}, text) == [
        "f.toml:1: words: expected a list of texts in quotes, got a string 'a'"
    ]


def test_choices_regular_expressions_blank_text_and_dates():
    assert _problems(Choice(("pass", "fail"), "an outcome"), "pas") == [
        "f.toml: 'pas' is not an outcome (did you mean 'pass'?)"
    ]
    (problem,) = _problems(Regex(), "(a")
    assert problem.startswith("f.toml: the regular expression does not compile: missing )")
    assert _problems(Regex(), "(?i)a") == []
    assert _problems(Text(blank=False), "  ") == ["f.toml: is empty"]
    assert _problems(DATE, "2026-12-01") == [
        "f.toml: expected a date (2026-12-01), got a string '2026-12-01'"
    ]


def test_either_takes_the_first_shape_that_fits_and_explains_with_the_right_kind():
    shape = Either(TEXT, Table(optional={"one": TEXT, "many": TEXT}), ListOf(TEXT))
    assert _problems(shape, "x") == _problems(shape, {"one": "x"}) == []
    assert _problems(shape, {"won": "x"}) == ["f.toml: won: unknown key (did you mean 'one'?)"]
    assert _problems(shape, 3) == [
        "f.toml: expected text in quotes or a table or a list of texts in quotes, got a number 3"
    ]


def test_check_shape_runs_the_checks_across_the_file_only_on_data_of_its_shape():
    seen = []

    def check(data, c):
        seen.append(data)
        c.problem(("a",), "is not defined")

    shape = Table(required={"a": TEXT})
    with pytest.raises(InvalidConfig) as raised:
        check_shape({"a": 1}, shape, "a = 1\n", "f.toml", (check,))
    assert raised.value.lines() == ["f.toml:1: a: expected text in quotes, got a number 1"]
    assert seen == []
    with pytest.raises(InvalidConfig, match="f.toml:1: a: is not defined"):
        check_shape({"a": "x"}, shape, 'a = "x"\n', "f.toml", (check,), hint="see f")
    assert seen == [{"a": "x"}]
