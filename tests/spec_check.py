"""Check requests the tool sends against the official OpenAPI spec of the API.

openapi-core validates values (enums, patterns, types, the ``pipeDelimited`` style); on top of
that every query parameter name must be declared by the operation, since the server's handling
of unknown parameters is not documented (``filter.phase``, for one, does not exist).

Essie expressions are checked for structure: balanced quotes, parentheses and brackets, and,
outside quoted phrases, nothing but operators, area names and literals the tool writes itself,
so that user text can only ever appear inside quotes. The ALL operator (every study) is never
what the tool means: an enum value ALL must be quoted, as in ``AREA[Sex]"ALL"``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from conftest import SHARED

SPEC_PATH = SHARED / "ctg-oas-v2.yaml"
ESSIE_PARAMS = {
    "query.cond",
    "query.term",
    "query.locn",
    "query.titles",
    "query.intr",
    "query.outc",
    "query.spons",
    "query.lead",
    "query.id",
    "query.patient",
    "filter.advanced",
    "postFilter.advanced",
}

# What may stand outside quotes in an expression the tool builds.
_ESSIE_TOKEN = re.compile(
    r'\s+|"[^"]*"|\(|\)|AND\b|OR\b|NOT\b|MISSING\b|'
    r"AREA\[[A-Za-z]+\]|RANGE\[[^\[\]]*\]|[A-Z_0-9]+\b"
)
_RANGE_END = r"\s*(MIN|MAX|\d{4}-\d{2}-\d{2}|\d+(\.\d+)? years)\s*"
_RANGE_BODY = re.compile(f"^{_RANGE_END},{_RANGE_END}$")


@cache
def _openapi(path: Path):
    import yaml
    from openapi_core import OpenAPI

    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return OpenAPI.from_dict(spec), spec


def spec_available() -> bool:
    return SPEC_PATH.is_file()


needs_spec = pytest.mark.skipif(
    not SPEC_PATH.is_file(), reason=f"the API spec was not found at {SPEC_PATH}"
)


def check_request(url: str) -> None:
    """Raise AssertionError if the GET request ``url`` does not conform to the spec."""
    parts = urlsplit(url)
    path = parts.path[parts.path.index("/api/v2") :] if "/api/v2" in parts.path else parts.path
    operation_path = "/studies/{nctId}" if path.startswith("/api/v2/studies/") else path[7:]
    _, spec = _openapi(SPEC_PATH)
    operation = spec["paths"].get(operation_path, {}).get("get")
    assert operation is not None, f"no GET operation for {path} in the spec"
    declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), f"a parameter is repeated in {url}"
    unknown = set(names) - declared
    assert not unknown, f"parameters not in the spec: {sorted(unknown)}"
    # The spec has no constraint between parameters, so each (name, value) is validated once.
    _check_one(path, None, None)
    for name, value in pairs:
        _check_one(path if operation_path != "/studies" else "/api/v2/studies", name, value)
        if name in ESSIE_PARAMS:
            check_essie(value)


@cache
def _check_one(path: str, name: str | None, value: str | None) -> None:
    from openapi_core.testing import MockRequest

    api, _ = _openapi(SPEC_PATH)
    args = {} if name is None else {name: value}
    request = MockRequest("https://clinicaltrials.gov", "get", path, args=args)
    try:
        api.validate_request(request)
    except Exception as exc:  # openapi-core's own error types; report them as a failed check
        cause = exc.__cause__ or exc
        raise AssertionError(
            f"{path} {name}={value!r} does not validate: {exc} ({cause})"
        ) from None


@cache
def check_essie(expression: str) -> None:
    """Balanced quotes, parentheses and brackets; only operators outside quoted phrases, and
    never the match-all ALL."""
    assert expression.count('"') % 2 == 0, f"unbalanced quotes in {expression!r}"
    depth = 0
    position = 0
    while position < len(expression):
        match = _ESSIE_TOKEN.match(expression, position)
        assert match, f"unexpected text outside quotes at {expression[position : position + 30]!r}"
        token = match.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            assert depth >= 0, f"unbalanced ')' in {expression!r}"
        elif token == "ALL":
            raise AssertionError(f"the ALL operator (every study) in {expression!r}")
        elif token.startswith("RANGE["):
            assert _RANGE_BODY.match(token[6:-1]), f"bad RANGE in {expression!r}"
        position = match.end()
    assert depth == 0, f"unbalanced '(' in {expression!r}"
