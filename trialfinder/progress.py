"""A progress bar on standard error while a search fetches its trials.

The bar is transient: it is erased when it stops, and it stops before anything is written to
the same terminal (see :meth:`PageProgress.stop`), so it never shares a line with the results.
It counts the trials fetched against the total the registry announced, read from the search
itself (``poll``) at each refresh, and shows why it is waiting while a request is retried
(:meth:`PageProgress.notice`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

# Trials fetched so far and the total expected (None until the registry said it).
Poll = Callable[[], "tuple[int, int | None]"]


class _Polled(Progress):
    """A Progress whose one task is brought up to date from ``poll`` before each refresh."""

    def __init__(self, poll: Poll | None, *columns: ProgressColumn, **options: Any) -> None:
        self._poll = poll  # set before Progress first asks for its renderables
        self.task_id: TaskID | None = None
        super().__init__(*columns, **options)
        self.task_id = self.add_task("", total=None)

    @property
    def task(self) -> TaskID:
        """The one task (added in __init__)."""
        assert self.task_id is not None
        return self.task_id

    def get_renderables(self) -> Iterable[RenderableType]:
        if self._poll is not None and self.task_id is not None:
            fetched, expected = self._poll()
            self.update(self.task_id, completed=fetched, total=expected)
        yield from super().get_renderables()


class PageProgress:
    """Context manager; ``poll()`` says how many trials were fetched of how many expected.

    ``update(fetched, expected)`` sets the count instead, for a caller without ``poll``.
    """

    def __init__(
        self,
        poll: Poll | None = None,
        description: str = "Fetching trials",
        console: Console | None = None,
    ) -> None:
        self.description = description
        self._progress = _Polled(
            poll,
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=True,
            # Standard output is left alone: what the program writes there is its own (a
            # table, or JSON going to a file), never routed through the bar's console.
            redirect_stdout=False,
            redirect_stderr=True,
        )
        self._progress.update(self._progress.task, description=description)

    def __enter__(self) -> PageProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Erase the bar (idempotent): called before the results are written to the terminal."""
        self._progress.stop()

    def update(self, fetched: int, expected: int | None) -> None:
        self._progress.update(self._progress.task, completed=fetched, total=expected)

    def notice(self, text: str) -> None:
        """Say why nothing moves, e.g. "waiting 4 s: the registry said 429 (too many
        requests)"; the next notice replaces it, and ``""`` clears it."""
        shown = f"{self.description} ({text})" if text else self.description
        self._progress.update(self._progress.task, description=shown)
