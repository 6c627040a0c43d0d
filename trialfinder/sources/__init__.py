"""Trial registries, registered by name. ClinicalTrials.gov is the first (and default) one."""

from __future__ import annotations

from collections.abc import Callable

from trialfinder.errors import InvalidInput
from trialfinder.settings import Settings
from trialfinder.sources.base import Page, SearchResults, Source

DEFAULT_SOURCE = "clinicaltrials.gov"

_FACTORIES: dict[str, Callable[[Settings], Source]] = {}


def register(name: str) -> Callable[[Callable[[Settings], Source]], Callable[[Settings], Source]]:
    """Class decorator: make a :class:`Source` available under ``name``."""

    def decorate(factory: Callable[[Settings], Source]) -> Callable[[Settings], Source]:
        _FACTORIES[name] = factory
        return factory

    return decorate


def available() -> list[str]:
    _load_builtin()
    return sorted(_FACTORIES)


def create(name: str, settings: Settings) -> Source:
    _load_builtin()
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise InvalidInput(
            f"unknown source {name!r}", hint=f"choose from: {', '.join(available())}"
        ) from None
    return factory(settings)


def _load_builtin() -> None:
    # Imported here so that `trialfinder --help` does not pay for requests and tenacity.
    from trialfinder.sources import ctgov  # noqa: F401


__all__ = ["DEFAULT_SOURCE", "Page", "SearchResults", "Source", "available", "create", "register"]
