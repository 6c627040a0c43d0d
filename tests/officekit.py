"""LibreOffice, headless, for tests that open files as a person's spreadsheet would.

``needs_soffice`` skips a test (with the reason) where LibreOffice is not installed; CI
installs it when it can (.ci/run). :func:`convert` runs ``soffice --convert-to`` with a
private profile, made once per test run (the first start is the slow one), so that the user's
own is left alone.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

needs_soffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed; "
    "apt-get install libreoffice-calc to open the files as a spreadsheet would",
)

# LibreOffice's CSV import options as a person opening a shortlist gets them, at their most
# eager: comma, double quote, UTF-8 (76), from line 1, English (US) (1033), quoted fields
# not forced to text, special numbers (dates) detected, formulas evaluated.
CSV_IMPORT = "CSV:44,34,76,1,,1033,false,true,false,false,false,-1,true"
# And its CSV export: comma, double quote, UTF-8, from line 1, cells as shown.
CSV_EXPORT = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true"


def convert(source: Path, to: str, out_dir: Path, infilter: str | None = None) -> Path:
    """``source`` converted by LibreOffice to the format ``to`` (an extension, or
    ``ext:filter:options``), written in ``out_dir``; returns the new file's path."""
    assert SOFFICE is not None
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = _profile()
    command = [
        SOFFICE,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        to,
        "--outdir",
        str(out_dir),
    ]
    if infilter:
        command.append(f"--infilter={infilter}")
    command.append(str(source))
    env = {**os.environ, "HOME": str(profile)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    extension = to.split(":", 1)[0]
    result = out_dir / f"{source.stem}.{extension}"
    assert done.returncode == 0 and result.exists(), (done.stdout, done.stderr)
    return result


@functools.cache
def _profile() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="trialfinder-libreoffice-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
