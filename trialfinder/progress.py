"""A progress bar on standard error while a long search pages through results."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class PageProgress:
    """Context manager; ``update(fetched, expected)`` is the search's progress callback."""

    def __init__(self, description: str = "Fetching trials") -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task(description, total=None)

    def __enter__(self) -> PageProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._progress.stop()

    def update(self, fetched: int, expected: int | None) -> None:
        self._progress.update(self._task, completed=fetched, total=expected)
