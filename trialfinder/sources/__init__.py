"""Trial registries, registered by name. ClinicalTrials.gov is the first (and default) one."""

from __future__ import annotations

from collections.abc import Callable

from trialfinder.errors import InvalidInput
from trialfinder.settings import Settings
from trialfinder.sources.base import Page, SearchResults, Source

DEFAULT_SOURCE = "clinicaltrials.gov"


def _clinicaltrials_gov(settings: Settings) -> Source:
    # Imported here so that `trialfinder --help` does not pay for requests and tenacity.
    from trialfinder.sources.ctgov import ClinicalTrialsGov

    return ClinicalTrialsGov(settings)


_FACTORIES: dict[str, Callable[[Settings], Source]] = {DEFAULT_SOURCE: _clinicaltrials_gov}


def register(name: str) -> Callable[[Callable[[Settings], Source]], Callable[[Settings], Source]]:
    """Class decorator: make a :class:`Source` available under ``name``."""

    def decorate(factory: Callable[[Settings], Source]) -> Callable[[Settings], Source]:
        _FACTORIES[name] = factory
        return factory

    return decorate


def available() -> list[str]:
    return sorted(_FACTORIES)


def create(name: str, settings: Settings) -> Source:
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise InvalidInput(
            f"unknown source {name!r}", hint=f"choose from: {', '.join(available())}"
        ) from None
    return factory(settings)


__all__ = ["DEFAULT_SOURCE", "Page", "SearchResults", "Source", "available", "create", "register"]
