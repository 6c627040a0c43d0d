"""Run trialfinder on a real pseudo-terminal of a given size and read the screen a person sees.

Standard output and standard error both go to the terminal, as in an interactive shell; what
the program writes (cursor moves and line erasing of the progress bar included) is played on
a ``pyte`` screen, so that a test asserts on the final screen, not on the bytes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass

import pytest

pyte = pytest.importorskip("pyte", reason="pyte (a terminal emulator) is in the test extra")

needs_pty = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")


@dataclass
class Screen:
    lines: list[str]  # the screen's lines, trailing blanks removed, up to the last written
    returncode: int
    raw: bytes

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def run_on_screen(
    *args: str, columns: int = 80, rows: int = 400, env: dict[str, str] | None = None
) -> Screen:
    """``trialfinder ARGS`` on a ``columns`` wide terminal; the screen when it has ended."""
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    environ.update({"TERM": "xterm-256color", **(env or {})})
    raw = b""
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "trialfinder", *args],
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            env=environ,
            start_new_session=True,
        )
        os.close(terminal)
        terminal = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # EIO: the program has ended and closed the terminal
                    break
                if not chunk:
                    break
                raw += chunk
            elif process.poll() is not None:
                break
        process.wait(timeout=10)
    finally:
        if terminal is not None:
            os.close(terminal)
        with contextlib.suppress(OSError):
            os.close(controller)
    screen = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(screen)
    stream.feed(raw)
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return Screen(lines, process.returncode, raw)
