"""The terminal at the command line's edge: a console that fits CI logs,
stdout that survives ``| head``, one-line error messages, progress bars.

Only the CLI uses this module; the library never prints.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import IO, Callable, Iterator, TextIO, cast

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from .pipeline import ProgressFactory
from .plain import visible


def make_console() -> Console:
    """stdout as rich sees it. In a CI log (not a terminal) rich would assume
    80 columns; use $COLUMNS when set, else a width that fits the tables."""
    stream = SafeStream(sys.stdout)
    if stream.isatty():
        return Console(file=cast(IO[str], stream))  # rich only writes, flushes and asks isatty/fileno/encoding
    try:
        width = int(os.environ.get("COLUMNS", "")) or 120
    except ValueError:
        width = 120
    return Console(file=cast(IO[str], stream), width=max(40, width))


def say(message: str) -> None:
    """One line on stderr, plain text (a path holding "[bold]" or an ESC
    prints as it is, inert)."""
    try:
        Console(stderr=True).print(Text.assemble(("mt-eval: ", "bold red"), visible(message)), highlight=False, soft_wrap=True)
    except (BrokenPipeError, OSError):
        pass


class SafeStream:
    """stdout that survives its reader going away: once a write fails with
    a broken pipe, output goes to /dev/null and the run carries on, so
    ``mt-eval | head`` still writes its reports and keeps its exit code."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._closed = False

    def write(self, text: str) -> int:
        if self._closed:
            return len(text)
        try:
            return self._stream.write(text)
        except (BrokenPipeError, ValueError):
            self.detach()
            return len(text)

    def flush(self) -> None:
        if self._closed:
            return
        try:
            self._stream.flush()
        except (BrokenPipeError, ValueError):
            self.detach()

    def detach(self) -> None:
        self._closed = True
        try:  # let the interpreter's own flush at exit find a sink, not a broken pipe
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (ValueError, AttributeError):
            return False

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8")


def progress_factory(console: Console) -> ProgressFactory:
    @contextlib.contextmanager
    def progress(description: str, total: int) -> Iterator[Callable[[int], None]]:
        # Only on a terminal: in a CI log a progress bar is control-code soup.
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        ) as bar:
            task = bar.add_task(description, total=total)
            yield lambda count: bar.advance(task, count)

    return progress
