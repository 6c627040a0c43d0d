"""The per-trial work of a search (:func:`trialfinder.pipeline.assess`), here or on a pool of
worker processes.

:class:`TrialWork` does it page by page for ``SearchResults.each``: a page's records are cut into
chunks as soon as the page arrives, the chunks go to the worker processes, and the outcomes come
back in the order of the records. The pool is started only for a search of at least
``POOL_THRESHOLD`` trials (fewer are done sooner here than a pool starts) and only with more
than one worker (``TRIALFINDER_WORKERS``, by default the number of CPU cores).

With a :class:`~trialfinder.resultstore.ResultStore`, the records of each page are first looked
up there by their text: those an earlier search worked out are not worked out again (a search
whose first page is all kept starts no pool), and the outcomes of the others are kept once the
page is done. Records then come as text from the first page on; without a pool each is decoded
here once more (about a tenth of a millisecond, for the key a decoded record lacks).

Workers are *spawned*: each is a fresh interpreter that imports what the work needs and
compiles the data files and templates once. A forked worker would start sooner, but would copy
a process that has threads running (the page being fetched, the cache's SQLite connection),
which is unsafe, and its memory (the page in hand); spawn also works alike on Linux, macOS and
Windows. A worker gets the :class:`~trialfinder.pipeline.TrialJob` once, when it starts, then
only records: after the first page, each as the JSON text the registry sent
(:attr:`TrialWork.wants_text`), which the main process pickles for a twentieth of what the
decoded record costs, and which the worker decodes (a little more work there than unpickling
the record: see benchmarks/README.md). No settings or HTTP session go to it. Workers ignore
Ctrl-C: the main process handles it, and stops them.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import pickle
import signal
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from trialfinder.errors import RecordError, add_note
from trialfinder.model import StudyText, nct_id_of
from trialfinder.pipeline import SKIPPED, STOPPED, Outcome, TrialJob, assess
from trialfinder.resultstore import ResultStore
from trialfinder.tagging.lexicon import knowledge
from trialfinder.templating import environment

log = logging.getLogger("trialfinder")

# Fewer trials than this are processed in this process: starting a worker takes about 0.9 s of
# CPU (the interpreter, the imports, the data files and patterns compiled on first use), and
# sending it the records more; on two shared cores, two workers were slower for 1,000 and 2,000
# trials (medians of four runs) and a third faster for 4,000 (benchmarks/README.md).
POOL_THRESHOLD = 3000
# Records per chunk: enough that sending a chunk costs little beside its work, few enough that
# every worker gets some of each page.
MIN_CHUNK = 25
MAX_CHUNK = 250


class TrialWork:
    """Assesses the records of each page, on worker processes when it pays (see the module)."""

    def __init__(
        self,
        job: TrialJob,
        workers: int = 1,
        expected: int | None = None,
        store: ResultStore | None = None,
    ) -> None:
        """``expected``: the most trials the search may bring, when known before it starts;
        ``store``: outcomes kept from earlier searches, and where to keep this one's."""
        self.job = job
        self.workers = workers
        self.expected = expected
        self.store = store
        self._pool: ProcessPoolExecutor | None = None
        self._submitted: list[Future[bytes]] = []
        self._decided = workers <= 1
        self._closed = False

    def start(self, studies: list[Any], total: int | None) -> _Started:
        keys: list[bytes | None] = []
        kept: dict[int, Outcome] = {}
        if self.store is not None:
            keys = [self.store.key(raw) for raw in studies]
            kept = self.store.get(keys)
        todo = [raw for index, raw in enumerate(studies) if index not in kept] if kept else studies
        if not self._decided:
            self._decided = True
            size = len(studies) if total is None else max(total, len(studies))
            if self.expected is not None:
                size = min(size, self.expected)
            if studies:  # the share of the first page already worked out, of the search
                size = size * len(todo) // len(studies)
            if size >= POOL_THRESHOLD and not self._closed:
                self._pool = _start_pool(self.job, self.workers)
        started = _Started(keys, kept, len(studies))
        if self._pool is None:
            started.here = todo
            return started
        size = max(MIN_CHUNK, min(MAX_CHUNK, math.ceil(len(todo) / (2 * self.workers))))
        with _no_sigint_while_spawning():
            for start in range(0, len(todo), size):
                part = todo[start : start + size]
                # Sent as bytes: the records are let go at once, and a page waiting for a
                # worker takes a tenth of the memory.
                payload = pickle.dumps(part, pickle.HIGHEST_PROTOCOL)
                started.chunks.append((_span(part), self._pool.submit(_assess_chunk, payload)))
        self._submitted = [f for f in self._submitted if not f.done()]
        self._submitted += [future for _, future in started.chunks]
        return started

    @property
    def wants_text(self) -> bool:
        """With a pool: a record's JSON text costs a fraction of the decoded record to send (to
        pickle here, and to unpickle in the worker), and is decoded there. With a store: the
        text is the record's key."""
        return self._pool is not None or self.store is not None

    def results(self, started: _Started) -> Iterator[Outcome | RecordError]:
        """The outcomes of one page's records, in their order (see ``SearchResults.each``);
        those worked out here are kept in the store once the page is done (or left)."""
        done = self._worked_out(started)
        new: list[tuple[bytes, Outcome]] = []
        try:
            for index in range(started.count):
                outcome = started.kept.get(index)
                if outcome is None:
                    outcome = next(done)
                    key = started.keys[index] if started.keys else None
                    if key is not None:
                        new.append((key, outcome))
                yield delivered(outcome)
        finally:
            if self.store is not None and new:
                self.store.put(new)

    def _worked_out(self, started: _Started) -> Iterator[Outcome]:
        for raw in started.here:
            yield assess(self.job, decoded(raw))
        for span, future in started.chunks:
            try:
                outcomes = future.result()
            except Exception as exc:  # the worker itself failed (killed, out of memory)
                add_note(exc, f"while processing {span}")
                raise
            yield from pickle.loads(outcomes)

    def close(self) -> None:
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            _stop_pool(pool, busy=not all(future.done() for future in self._submitted))
            self._submitted = []
        if self.store is not None:
            self.store.close()


class _Started:
    """One page's work as :meth:`TrialWork.start` began it: the records' keys in the store and
    the outcomes found there (by index), the others' records to work out here (``here``) or
    the chunks sent to the workers, in order."""

    def __init__(self, keys: list[bytes | None], kept: dict[int, Outcome], count: int) -> None:
        self.keys = keys
        self.kept = kept
        self.count = count
        self.here: list[Any] = []
        self.chunks: list[tuple[str, Future[bytes]]] = []


def delivered(outcome: Outcome) -> Outcome | RecordError:
    """``outcome`` as the search takes it: a skipped record as its RecordError (logged, with
    the traceback of a failure at debug level), an error that stops the search raised."""
    if outcome.kind == STOPPED:
        add_note(outcome.value, f"at {outcome.nct_id}")
        raise outcome.value
    if outcome.kind == SKIPPED:
        if outcome.details:
            log.debug("%s", outcome.details)
        return outcome.record_error()
    return outcome


def decoded(raw: Any) -> Any:
    """A record as :func:`~trialfinder.pipeline.assess` takes it: its JSON text decoded."""
    return raw.decoded() if isinstance(raw, StudyText) else raw


def _span(part: list[Any]) -> str:
    ids = [nct_id_of(raw) or "a record without an NCT id" for raw in (part[0], part[-1])]
    return ids[0] if len(part) == 1 else f"the trials from {ids[0]} to {ids[1]}"


def _start_pool(job: TrialJob, workers: int) -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(job,),
    )


@contextlib.contextmanager
def _no_sigint_while_spawning() -> Iterator[None]:
    """SIGINT held back in this thread while it may start workers (on ``submit``): a worker then
    starts with it blocked, so that Ctrl-C cannot stop it while it imports, before it ignores
    Ctrl-C. A Ctrl-C meanwhile is delivered here once it is let through again."""
    block = getattr(signal, "pthread_sigmask", None)  # not on Windows
    if block is None:
        yield
        return
    previous = block(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, previous)


def _stop_pool(pool: ProcessPoolExecutor, busy: bool) -> None:
    """Lets idle workers end; ``busy`` ones (the search stopped part-way) are stopped at once,
    in the middle of a chunk: otherwise the chunks already handed to them would be finished
    first, and the interpreter would wait for them before it exits."""
    if not busy:
        pool.shutdown(wait=True)
        return
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join()


# -- in a worker process -------------------------------------------------------------------

_job: TrialJob | None = None


def _init_worker(job: TrialJob) -> None:
    """Keeps the job, ignores Ctrl-C, and compiles the data files and templates once."""
    global _job
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # ignored from now on
    _job = job
    import multiprocessing
    import threading

    parent = multiprocessing.parent_process()
    if parent is not None:  # a worker outlives no main process, however that one ended
        threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    knowledge()
    if job.options.summary:
        environment(job.options.templates).get_template("summary.txt.j2")


def _end_with(parent: Any) -> None:
    parent.join()
    os._exit(1)


def _assess_chunk(payload: bytes) -> bytes:
    """The outcomes of the records in ``payload``, as bytes too: chunks done ahead of the
    writer wait in the main process as bytes, each read only when its turn comes."""
    assert _job is not None, "the worker was not initialised"
    outcomes = [assess(_job, decoded(raw)) for raw in pickle.loads(payload)]
    return pickle.dumps(outcomes, pickle.HIGHEST_PROTOCOL)
