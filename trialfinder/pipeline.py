"""From trials to results: what trialfinder works out about each trial it found.

A :class:`TrialResult` is a trial plus everything computed from it (tags, nearest site,
plain-language summary as those features land). Commands build results with
:func:`build_results` and hand :func:`to_record` dicts to the renderers in ``output``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from trialfinder.model import Trial
from trialfinder.output import trial_record


@dataclass(frozen=True)
class ResultOptions:
    """What the user asked for that shapes the results, beyond the registry search."""

    templates: str | None = None  # a folder of the user's own templates


@dataclass(frozen=True)
class TrialResult:
    trial: Trial
    summary: str | None = None  # the plain-language summary


def build_result(trial: Trial, options: ResultOptions | None = None) -> TrialResult:
    from trialfinder.summary import summarize

    options = options or ResultOptions()
    return TrialResult(trial=trial, summary=summarize(trial, templates=options.templates))


def build_results(
    trials: Iterable[Trial], options: ResultOptions | None = None
) -> Iterator[TrialResult]:
    """Lazily, so that a search streams from the first page to the output."""
    options = options or ResultOptions()
    for trial in trials:
        yield build_result(trial, options)


def to_record(result: TrialResult) -> dict[str, Any]:
    """The JSON-ready object every format shows for one result."""
    return trial_record(result.trial, {"summary": result.summary})
