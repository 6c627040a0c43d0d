"""The kit every data file's checks are built with: lines, keys, did-you-mean, all at once."""

from __future__ import annotations

import pytest

from trialfinder.errors import ConfigError, ExitCode
from trialfinder.validation import (
    Checker,
    InvalidConfig,
    KeyLines,
    Problem,
    did_you_mean,
    dotted,
    parse_toml,
)

TEXT = """\
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
    lines = KeyLines(TEXT)
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
    data = parse_toml(TEXT, "f.toml")
    checker = Checker(KeyLines(TEXT))
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
