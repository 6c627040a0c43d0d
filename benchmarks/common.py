"""What the benchmarks share: recorded-shape studies and the local fake API.

Studies are built from the real records in ``../shared/ctgov/records`` (or
``$TRIALFINDER_SHARED_DIR/records``), cycled with fresh NCT ids; nothing is copied into the
repository. The fake API is the tests' own (``tests/fakeapi.py``), a real HTTP server on
127.0.0.1 that honours ``fields`` and counts requests and bytes.
"""

from __future__ import annotations

import json
import os
import sys
from itertools import cycle, islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakeapi import FakeApi, field_paths, select_fields  # noqa: E402

__all__ = ["FakeApi", "field_paths", "real_records", "search_fields_only", "studies"]


def shared_dir() -> Path:
    configured = os.environ.get("TRIALFINDER_SHARED_DIR")
    return Path(configured) if configured else ROOT.parent / "shared" / "ctgov"


def real_records() -> list[dict[str, Any]]:
    folder = shared_dir() / "records"
    paths = sorted(folder.glob("NCT*.json"))
    if not paths:
        sys.exit(f"no records found in {folder} (set TRIALFINDER_SHARED_DIR)")
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


def studies(count: int, records: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """``count`` studies: the real records over and over, each with its own NCT id.

    Only the identification module is copied; the rest is shared, so 50,000 studies are cheap.
    """
    result = []
    for number, record in enumerate(islice(cycle(records or real_records()), count), start=1):
        protocol = record["protocolSection"]
        ident = {**protocol["identificationModule"], "nctId": f"NCT{90_000_000 + number:08d}"}
        result.append({**record, "protocolSection": {**protocol, "identificationModule": ident}})
    return result


def search_fields_only(study: dict[str, Any]) -> dict[str, Any]:
    """What a search page holds for ``study``: only the fields trialfinder asks for."""
    from trialfinder.sources.ctgov import FIELDS_PARAM

    return select_fields(study, field_paths(FIELDS_PARAM))
