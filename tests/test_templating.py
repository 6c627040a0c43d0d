"""trialfinder.templating: the packaged templates, a user's folder over them, and every problem
with a template as a configuration error that says what to fix."""

from __future__ import annotations

import os

import pytest

from trialfinder.errors import ConfigError
from trialfinder.templating import check, environment, render
from trialfinder.wording import phase_text, status_text


def test_a_packaged_template_renders():
    text = render("digest.example.toml.j2")
    assert "[smtp]" in text and "[[search]]" in text


def test_the_wording_filters_are_the_shared_ones(tmp_path):
    (tmp_path / "t.txt.j2").write_text("{{ s | status_text }} / {{ p | phase_text }}")
    text = render("t.txt.j2", tmp_path, s="NOT_YET_RECRUITING", p=["PHASE1", "PHASE2"])
    assert text == f"{status_text('NOT_YET_RECRUITING')} / {phase_text(['PHASE1', 'PHASE2'])}"


def test_indent_wrap_wraps_and_keeps_bullets_hanging(tmp_path):
    (tmp_path / "w.txt.j2").write_text("{{ text | indent_wrap(2, 20) }}")
    text = render("w.txt.j2", tmp_path, text="- one two three four five six\n\nplain")
    assert text.splitlines() == ["  - one two three", "    four five six", "", "  plain"]


@pytest.mark.parametrize(
    ("items", "said"),
    [
        ([], " / "),
        (["A"], 'A / "A"'),
        (["A", "B"], 'A and B / "A" or "B"'),
        (["A", "B", "C"], 'A, B and C / "A", "B" or "C"'),
        ([1, 2], '1 and 2 / "1" or "2"'),
    ],
)
def test_listed_says_a_list_as_a_sentence_does(tmp_path, items, said):
    (tmp_path / "l.txt.j2").write_text('{{ x | listed }} / {{ x | listed("or", quoted=true) }}')
    assert render("l.txt.j2", tmp_path, x=items) == said


def test_listed_in_html_escapes_each_item(tmp_path):
    (tmp_path / "l.html.j2").write_text("{{ x | listed(quoted=true) }}")
    assert (
        render("l.html.j2", tmp_path, x=["<b>", "C&D"])
        == "&#34;&lt;b&gt;&#34; and &#34;C&amp;D&#34;"
    )


def test_a_users_template_wins_over_the_packaged_one(tmp_path):
    (tmp_path / "summary.txt.j2").write_text("Mine: {{ s.nct_id }}\n")

    class Facts:
        nct_id = "NCT01234567"

    assert render("summary.txt.j2", tmp_path, s=Facts()) == "Mine: NCT01234567\n"
    assert render("summary.txt.j2", str(tmp_path), s=Facts()) == "Mine: NCT01234567\n"
    # the other templates still come from the package
    assert "[smtp]" in render("digest.example.toml.j2", tmp_path)


def test_a_folder_that_does_not_exist_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist") as caught:
        environment(tmp_path / "missing")
    assert caught.value.hint == "check --templates or TRIALFINDER_TEMPLATES"


def test_a_missing_template_names_where_it_was_looked_for(tmp_path):
    with pytest.raises(ConfigError, match="'nope.txt.j2' was not found in") as caught:
        render("nope.txt.j2", tmp_path)
    assert str(tmp_path) in caught.value.message


def test_a_broken_template_names_its_line_before_anything_runs(tmp_path):
    (tmp_path / "summary.txt.j2").write_text("line one\n{% if %}\n")
    with pytest.raises(ConfigError, match="is broken at line 2") as caught:
        check(["summary.txt.j2"], tmp_path)
    assert "remove it to use the built-in one" in (caught.value.hint or "")


def test_an_undefined_value_is_an_error_not_an_empty_text(tmp_path):
    (tmp_path / "u.txt.j2").write_text("{{ missing.name }}")
    with pytest.raises(ConfigError, match="could not be rendered"):
        render("u.txt.j2", tmp_path)


def test_html_templates_escape_and_text_templates_do_not(tmp_path):
    (tmp_path / "a.html.j2").write_text("{{ x }}")
    (tmp_path / "a.txt.j2").write_text("{{ x }}")
    assert render("a.html.j2", tmp_path, x="<b>&") == "&lt;b&gt;&amp;"
    assert render("a.txt.j2", tmp_path, x="<b>&") == "<b>&"


def test_one_environment_per_folder_so_each_template_compiles_once(tmp_path):
    assert environment() is environment(None)
    assert environment(tmp_path) is environment(str(tmp_path))
    assert environment(tmp_path) is not environment()


def test_a_users_template_is_read_again_when_it_changes(tmp_path):
    template = tmp_path / "summary.txt.j2"
    template.write_text("First: {{ x }}")
    assert render("summary.txt.j2", tmp_path, x=1) == "First: 1"
    template.write_text("Second: {{ x }}")
    later = template.stat().st_mtime + 10  # a change the file's time shows, however coarse
    os.utime(template, (later, later))
    assert render("summary.txt.j2", tmp_path, x=1) == "Second: 1"


def test_a_users_template_that_breaks_later_is_a_config_error(tmp_path):
    template = tmp_path / "summary.txt.j2"
    template.write_text("Fine: {{ x }}")
    assert render("summary.txt.j2", tmp_path, x=1) == "Fine: 1"
    template.write_text("{% if x %}no end\n")
    later = template.stat().st_mtime + 10
    os.utime(template, (later, later))
    with pytest.raises(ConfigError, match="broken at line"):
        render("summary.txt.j2", tmp_path, x=1)


def test_a_packaged_template_renders_the_same_each_time():
    first = render("digest.example.toml.j2")
    assert render("digest.example.toml.j2") == first
    with pytest.raises(ConfigError, match="'no-such.txt.j2' was not found"):
        render("no-such.txt.j2")


def test_jinjas_own_globals_are_there_for_a_users_template(tmp_path):
    (tmp_path / "g.txt.j2").write_text(
        "{% set n = namespace(total=0) %}{% set sep = joiner('/') %}"
        "{% for i in range(4) %}{% set n.total = n.total + i %}{% endfor %}"
        "{{ n.total }} {{ dict(a=1) | length }} {% for x in 'ab' %}{{ sep() }}{{ x }}{% endfor %}"
    )
    assert render("g.txt.j2", tmp_path) == "6 1 a/b"
    assert render("g.txt.j2", tmp_path, range=lambda n: [10]) == "10 1 a/b"  # given values win
