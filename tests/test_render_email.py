"""The digest email rendered by a headless browser, as benchmarks/render_email.py makes the
README's picture (docs/digest-email.png): the script still works, and the page it shows has
the email's headings and lists. Skipped without Chromium or the reference records."""

from __future__ import annotations

import re
import shutil
import struct
import sys
from pathlib import Path

import pytest

from conftest import needs_shared

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def render_email(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import render_email

    yield render_email
    sys.modules.pop("render_email", None)


@needs_shared
@needs_chromium
def test_the_digest_email_renders_in_a_browser(render_email, tmp_path):
    out, html_path = tmp_path / "digest.png", tmp_path / "digest.html"
    render_email.main(["--out", str(out), "--html", str(html_path), "--width", "700"])
    html = html_path.read_text(encoding="utf-8")
    # The email of the README: one new trial, one now recruiting, each with its summary.
    assert re.findall(r"<h2[^>]*>([^<]*)</h2>", html) == ["New trials (1)", "Now recruiting (1)"]
    assert html.count("<h3") == 2 and html.count(">What does it test?</h4>") == 2
    assert "<li>The status changed from not yet recruiting to recruiting.</li>" in html
    assert "<br" not in html
    width, height = png_size(out)
    assert width == 700
    # As tall as the page: two summaries take far more than one screen.
    assert height > 1500
    # A picture of text, not an empty page: a blank PNG of this size compresses to little.
    assert out.stat().st_size > 50_000


def test_the_readme_shows_the_picture():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/digest-email.png)" in readme
    assert png_size(ROOT / "docs" / "digest-email.png")[1] > 1000
