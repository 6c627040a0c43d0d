"""The documentation says what the code does: a short README, every environment variable, a CLI
reference generated from --help, links that lead somewhere, no path outside the repository."""

from __future__ import annotations

import configparser
import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from trialfinder.cli import cli
from trialfinder.docs import commands, main, reference
from trialfinder.settings import Settings, cpu_cores, variable

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md")), *sorted((ROOT / "benchmarks").rglob("*.md"))]
EXPECTED_PAGES = {
    "searching",
    "places",
    "tags",
    "summaries",
    "prescreen",
    "shortlists",
    "digests",
    "configuration",
    "architecture",
    "contributing",
    "cli",
}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """The text under ``heading`` (a Markdown heading line), up to the next heading of its level."""
    level = heading.split(" ", 1)[0]
    after = text.split(f"\n{heading}\n", 1)[1]
    return re.split(rf"\n{level} ", after, maxsplit=1)[0]


# -- the README -------------------------------------------------------------------------------


def test_the_readme_is_short_and_links_every_page_of_the_docs():
    text = _text(README)
    assert len(text.splitlines()) <= 150
    assert {path.stem for path in DOCS.glob("*.md")} == EXPECTED_PAGES
    for page in EXPECTED_PAGES:
        assert f"(docs/{page}.md)" in text, page
    assert "(benchmarks/README.md)" in text


def test_the_readme_starts_with_the_two_set_up_commands_ci_uses():
    text = _text(README)
    setup = _section(text, "## Set up")
    block = setup.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert len(block) == 2
    install, tests = block
    assert "python3 -m venv" in install and "python -m pip install ." in install
    assert "trialfinder search" in install
    assert tests == 'python -m pip install ".[test]" && pytest tests'
    ci = _text(ROOT / ".ci" / "run")
    assert 'python -m pip install --quiet "$repo[test]"' in ci and 'pytest "$repo/tests"' in ci
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    version = config["options"]["python_requires"].removeprefix(">=")
    assert f"Python {version} or newer" in setup
    # No section before the set-up commands but the opening paragraph.
    assert text.index("## Set up") == text.index("\n## ") + 1


def test_ci_checks_lint_layout_and_types_before_the_tests_as_contributing_says():
    ci = _text(ROOT / ".ci" / "run")
    checks = ci.index("ruff check . && ruff format --check . && mypy")
    assert checks < ci.index('pytest "$repo/tests"')
    contributing = _text(DOCS / "contributing.md")
    for command in ("ruff check .", "ruff format --check .", "mypy", "pytest tests"):
        assert command in contributing
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    assert config["mypy"]["files"] == "trialfinder" and config["mypy"]["strict"] == "True"


# -- configuration: every environment variable ------------------------------------------------


def _click_variables() -> set[str]:
    found = set()
    for ctx in commands():
        for param in ctx.command.params:
            envvar = getattr(param, "envvar", None)
            if envvar:
                found.update([envvar] if isinstance(envvar, str) else envvar)
    return found


def _documented(section: str) -> dict[str, list[str]]:
    """Variable -> the other cells of its row, for the table of ``section``."""
    rows = {}
    for line in _section(_text(DOCS / "configuration.md"), section).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if line.startswith("| `TRIALFINDER_"):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_every_environment_variable_the_settings_read_is_documented_and_no_other():
    settings = {variable(field.name) for field in dataclasses.fields(Settings)}
    assert "TRIALFINDER_CACHE_REFRESH" in settings  # one per field, flags included
    documented = _documented("## Environment variables")
    assert set(documented) == settings | _click_variables()


def test_the_documented_defaults_are_the_settings_defaults():
    documented = _documented("## Environment variables")
    for field in dataclasses.fields(Settings):
        default = documented[variable(field.name)][0].strip("`")
        if isinstance(field.default, bool):
            assert default == str(int(field.default)), field.name
        elif isinstance(field.default, (int, float)):
            assert float(default) == field.default, field.name
        elif field.default_factory is not dataclasses.MISSING:
            # Worked out when the settings are read (the machine's cores): said in words.
            assert field.default_factory is cpu_cores, field.name
            assert default == "the number of CPU cores", field.name
        elif field.default:
            assert default == field.default, field.name


def test_the_development_variables_are_read_by_the_tests_or_ci():
    used = _text(ROOT / ".ci" / "run") + "".join(_text(p) for p in (ROOT / "tests").glob("*.py"))
    development = _documented("## For development")
    assert development
    for name in development:
        assert name in used, name


def test_no_page_names_a_variable_that_does_not_exist():
    example = _text(ROOT / "templates" / "digest.example.toml.j2")
    (password_env,) = re.findall(r'password_env = "(\w+)"', example)
    known = (
        {variable(field.name) for field in dataclasses.fields(Settings)}
        | _click_variables()
        | set(_documented("## For development"))
        | {password_env}  # the example's name, chosen by the user
    )
    for page in PAGES:
        named = set(re.findall(r"TRIALFINDER_[A-Z_]*[A-Z]", _text(page)))
        assert named <= known, (page.name, named - known)


# -- the CLI reference ------------------------------------------------------------------------


def test_the_cli_reference_is_what_help_says():
    assert _text(DOCS / "cli.md") == reference(), "run: python -m trialfinder.docs docs/cli.md"


def test_the_cli_reference_covers_every_command_and_option():
    text = _text(DOCS / "cli.md")
    for ctx in commands():
        assert f"\n## {ctx.command_path}\n" in text
        for param in ctx.command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.opts[-1] in text, (ctx.command_path, param.opts)
    assert "--source" not in text  # hidden


@pytest.mark.parametrize("command", [(), ("search",), ("digest", "run")])
def test_the_reference_is_what_help_prints_on_an_80_column_terminal(command):
    env = {**os.environ, "COLUMNS": "80"}
    printed = subprocess.run(
        [sys.executable, "-m", "trialfinder", *command, "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=60,
    ).stdout
    title = " ".join(("trialfinder", *command))
    section = _text(DOCS / "cli.md").split(f"\n## {title}\n\n```text\n", 1)[1]
    assert section.split("\n```\n", 1)[0] + "\n" == printed


def test_the_reference_is_the_same_on_a_narrow_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    assert reference() == _text(DOCS / "cli.md")


def test_the_generator_writes_and_checks_the_file(tmp_path, capsys):
    path = tmp_path / "cli.md"
    assert main(["--check", str(path)]) == 1
    assert "differs from --help" in capsys.readouterr().out
    assert main([str(path)]) == 0
    assert main(["--check", str(path)]) == 0
    assert _text(path) == reference()
    assert cli.name == "cli"  # the reference starts from the installed command group


# -- links and paths --------------------------------------------------------------------------

_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(path: Path) -> set[str]:
    anchors = set()
    fenced = False
    for line in _text(path).splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_leads_to_a_file_of_the_repository_and_its_heading(page):
    for target in _LINK.findall(_text(page)):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        resolved = (page.parent / file).resolve() if file else page
        assert resolved.is_relative_to(ROOT), (page.name, target)
        assert resolved.exists(), (page.name, target)
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), (page.name, target)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_hard_codes_a_path_outside_the_repository(page):
    text = _text(page)
    assert "../shared" not in text and "/work/" not in text
    assert not re.search(r"(?<![\w.])\.\./\.\.", text)
