"""The installed package carries its templates and data files (CI runs from another folder)."""

import os
from importlib import resources
from pathlib import Path

import pytest

import trialfinder
from trialfinder.knowledge import load_toml
from trialfinder.model import parse_study
from trialfinder.output import trial_text

from factories import make_study

REPO = Path(__file__).resolve().parents[1]


def test_templates_and_data_are_package_resources():
    templates = resources.files("trialfinder.templates")
    assert templates.joinpath("trial.txt.j2").is_file()
    assert "refractory" in load_toml("settings.toml")
    assert "NCT01000001" in trial_text(parse_study(make_study()))


@pytest.mark.skipif(
    os.environ.get("TRIALFINDER_EXPECT_INSTALLED") != "1",
    reason="only meaningful after a non-editable install (set by .ci/run)",
)
def test_the_tested_package_is_the_installed_one_not_the_checkout():
    package = Path(trialfinder.__file__).resolve().parent
    assert "site-packages" in package.parts
    assert REPO not in package.parents
    assert Path(str(resources.files("trialfinder.templates"))).resolve().parent == package
    assert Path.cwd().resolve() != REPO and REPO not in Path.cwd().resolve().parents
