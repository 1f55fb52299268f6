"""This module contains progress reporting for long work (generating fixtures): a rich progress bar while a
terminal watches, nothing otherwise (pipes, CI logs, tests).

The work calls `report(task, done, total)`, which costs one context-variable read when no bar is shown; the command
line wraps the work in `progress_bar(stream)`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TextIO

Reporter = Callable[[str, int, int], None]
"""(task, done, total) -> None"""

_reporter: ContextVar[Reporter | None] = ContextVar("mock_server_progress", default=None)


def report(task: str, done: int, total: int) -> None:
    """Tell the progress bar (if one is shown) that `done` of `total` steps of `task` are finished."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter(task, done, total)


@contextlib.contextmanager
def progress_bar(stream: TextIO) -> Iterator[None]:
    """Show a bar per task on `stream` while the block runs, if `stream` is a terminal; the bar is cleared after."""
    if not stream.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(file=stream), transient=True) as progress:
        tasks: dict[str, Any] = {}

        def update(task: str, done: int, total: int) -> None:
            if task not in tasks:
                tasks[task] = progress.add_task(task, total=total)
            progress.update(tasks[task], completed=done)

        token = _reporter.set(update)
        try:
            yield
        finally:
            _reporter.reset(token)
