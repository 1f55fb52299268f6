"""This module contains the live progress of a contract run on a terminal: one bar per phase, the operation at work.

Off the terminal (CI logs, pipes) it shows nothing; the report is the output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from mock_server.contract.collect import REPORTED_PHASES

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from schemathesis.engine.events import EngineEvent


class RunProgress:
    """Listens to the engine's events and draws, per phase, the operations done out of all and the one at work."""

    def __init__(self, operations: int, console: Console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._operations = operations
        self._requests = 0
        self._tasks: dict[str, TaskID] = {}
        self._bar: Progress = _progress(
            console,
            SpinnerColumn(),
            TextColumn("{task.fields[phase]:<9}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("{task.fields[requests]:>6} requests"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[operation]}"),
        )

    @classmethod
    def for_stream(cls, operations: int, stream: TextIO) -> RunProgress | None:
        """A progress display on `stream` if it is a terminal, else None."""
        if not stream.isatty():
            return None
        from rich.console import Console

        return cls(operations, Console(file=stream))

    def __enter__(self) -> RunProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def handle(self, event: EngineEvent) -> None:
        from schemathesis.engine import events

        if isinstance(event, events.PhaseStarted):
            name = event.phase.name.value
            if name in REPORTED_PHASES and name not in self._tasks:
                total = None if name == "stateful" else self._operations
                self._tasks[name] = self._bar.add_task(
                    name, total=total, phase=name, operation="", requests=self._requests
                )
        elif isinstance(event, events.ScenarioStarted) and (task := self._task(event.phase.value)) is not None:
            self._bar.update(task, operation=event.label or "")
        elif isinstance(event, events.ScenarioFinished) and (task := self._task(event.phase.value)) is not None:
            self._requests += len(event.recorder.interactions)
            advance = 0 if event.phase.value == "stateful" else 1
            self._bar.update(task, advance=advance, requests=self._requests)
        elif isinstance(event, events.FuzzScenarioFinished):
            self._requests += len(event.recorder.interactions)
            for task in self._tasks.values():
                self._bar.update(task, requests=self._requests)
        elif isinstance(event, events.PhaseFinished) and (task := self._task(event.phase.name.value)) is not None:
            done = self._bar.tasks[self._tasks[event.phase.name.value]]
            self._bar.update(task, total=done.completed or 1, completed=done.completed or 1, operation="done")

    def _task(self, phase: str) -> TaskID | None:
        return self._tasks.get(phase)


def _progress(console: Console, *columns: Any) -> Progress:
    from rich.progress import Progress

    return Progress(*columns, console=console, transient=True, refresh_per_second=8)
