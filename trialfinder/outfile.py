"""Output files that change only when complete: a failed export never destroys a user's file.

``-o FILE`` is written to a temporary file in FILE's folder, then renamed over FILE once the
export is complete (an atomic replace). When it fails part-way, FILE is left as it was, and what
was written is kept beside it as ``FILE.partial``. A path that cannot be opened is
:class:`~trialfinder.errors.InvalidInput`; a write that fails (a full disk) is an
:class:`~trialfinder.errors.OutputError`; neither is a crash.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

from trialfinder.errors import InvalidInput, OutputError

PARTIAL_SUFFIX = ".partial"


class GuardedStream:
    """A stream whose write failures are :class:`OutputError` naming ``where`` (text, or bytes
    for a workbook written to standard output).

    A closed pipe (``BrokenPipeError``) is left alone: the reader stopped, which is no error.
    """

    def __init__(self, stream: IO[Any], where: str) -> None:
        self._stream = stream
        self.where = where

    # (Written out rather than with a context manager: a write is made for every row.)
    def write(self, text: Any) -> int:
        try:
            written: int = self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._error(exc) from None
        return written

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._error(exc) from None

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (AttributeError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _error(self, exc: OSError) -> OutputError:
        return OutputError(f"cannot write {self.where}: {_reason(exc)}")


class Utf8Writer:
    """Text written as UTF-8 to a binary stream (standard output's buffer), as it comes."""

    def __init__(self, buffer: IO[bytes]) -> None:
        self._buffer = buffer

    def write(self, text: str) -> int:
        self._buffer.write(text.encode("utf-8"))
        return len(text)

    def flush(self) -> None:
        self._buffer.flush()

    def isatty(self) -> bool:
        return self._buffer.isatty()


class ReplacingFile:
    """Context manager: a text stream (UTF-8, no newline translation; a byte stream when
    ``binary``) that replaces ``path`` when the block ends normally.

    On an exception ``path`` is untouched; what was written is kept as :attr:`partial`
    (``path.partial``) when ``keep()`` is true and the exception is not a write failure, and
    removed otherwise. A ``path`` that is not a regular file (``/dev/null``, a pipe) is written
    directly. A symbolic link is followed: the file it points to is replaced.
    """

    def __init__(
        self, path: Path, keep: Callable[[], bool] = lambda: True, binary: bool = False
    ) -> None:
        self.path = Path(path)
        self._keep = keep
        self._binary = binary
        self.partial: Path | None = None
        self.existed = False  # a regular file was there: it is left as it was on failure
        self.replaced = False  # the export is complete and has taken the file's name
        self._target = self.path
        self._temp: Path | None = None
        self._stream: GuardedStream | None = None

    def __enter__(self) -> GuardedStream:
        target = Path(os.path.realpath(self.path))
        self._target = target
        try:
            try:
                info = target.stat()
            except FileNotFoundError:
                info = None
            if info is not None and not stat.S_ISREG(info.st_mode):
                handle = open(target, **self._mode())  # noqa: SIM115
            else:
                self.existed = info is not None
                handle = self._create_temp(info)
        except OSError as exc:
            # Before anything is written: the path itself is wrong (no such folder, say).
            raise InvalidInput(f"cannot write {self.path}: {_reason(exc)}") from None
        self._stream = GuardedStream(handle, str(self.path))  # closed in __exit__
        return self._stream

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        stream, temp = self._stream, self._temp
        assert stream is not None
        if exc is None:
            try:
                stream.flush()
                if temp is not None:
                    os.fsync(stream.fileno())  # the data is on disk before the name moves
                stream.close()
                if temp is not None:
                    os.replace(temp, self._target)
                    self.replaced = True
            except BaseException as error:
                with contextlib.suppress(OSError, OutputError):
                    stream.close()  # the file goes, whatever was left unwritten
                if not self.replaced:
                    self._discard()
                if isinstance(error, OSError):
                    raise OutputError(f"cannot write {self.path}: {_reason(error)}") from None
                raise
            return False
        with contextlib.suppress(OSError, OutputError):
            stream.close()
        if temp is None:
            return False
        if not isinstance(exc, OutputError) and self._keep() and _size(temp):
            partial = self._target.with_name(self._target.name + PARTIAL_SUFFIX)
            try:
                os.replace(temp, partial)
                self.partial = partial
                return False
            except OSError:
                pass
        self._discard()
        return False

    def _create_temp(self, existing: os.stat_result | None) -> IO[Any]:
        folder = self._target.parent
        for _ in range(100):
            temp = folder / f".{self._target.name}.{secrets.token_hex(4)}.tmp"
            try:
                # 0o666 less the umask, as for any new file; an existing file keeps its mode.
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                continue
            self._temp = temp
            try:
                if existing is not None:
                    os.chmod(temp, stat.S_IMODE(existing.st_mode))
                handle: IO[Any] = os.fdopen(fd, **self._mode())
                return handle
            except BaseException:
                os.close(fd)
                self._discard()
                raise
        raise FileExistsError(f"no free temporary file name in {folder}")

    def _mode(self) -> dict[str, Any]:
        """How to open the file: bytes, or UTF-8 text without newline translation."""
        return {"mode": "wb"} if self._binary else {"mode": "w", "encoding": "utf-8", "newline": ""}

    def _discard(self) -> None:
        if self._temp is not None:
            with contextlib.suppress(OSError):
                self._temp.unlink()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
