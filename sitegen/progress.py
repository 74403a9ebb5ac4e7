"""Telling the user how far a build is: a rich progress bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import time
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class BuildProgress(Protocol):
    def stage(self, name: str, total: int) -> None:
        """A stage of ``total`` steps begins (0: a stage without steps)."""

    def advance(self, steps: int = 1) -> None: ...

    def close(self) -> None: ...


class Silent:
    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class Lines:
    """Plain lines for CI logs and pipes, where a redrawn bar would be noise: a line when a stage
    of at least MIN_STEPS steps starts and at each quarter of it. Small builds print nothing, so
    that their error output holds only diagnostics."""

    MIN_STEPS = 100

    def __init__(self, console: Console) -> None:
        self.console = console
        self.name, self.total, self.done, self.next = "", 0, 0, 0

    def stage(self, name: str, total: int) -> None:
        self.name, self.total, self.done = name, total, 0
        self.next = total // 4
        if total >= self.MIN_STEPS:
            self.console.print(f"{name}: 0/{total}", markup=False, highlight=False)

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        if self.total >= self.MIN_STEPS and self.done >= self.next:
            self.console.print(f"{self.name}: {self.done}/{self.total}", markup=False, highlight=False)
            self.next = min(self.total, self.done + self.total // 4 or 1) if self.done < self.total else 1 << 62

    def close(self) -> None:
        pass


class Bar:
    """A rich progress bar, shown only once the build has taken a second: quick builds stay quiet."""

    DELAY = 1.0

    def __init__(self, console: Console) -> None:
        self.started = time.monotonic()
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=True)
        self.task = None
        self.shown = False

    def _show(self) -> None:
        if not self.shown and time.monotonic() - self.started >= self.DELAY:
            self.bar.start()
            self.shown = True

    def stage(self, name: str, total: int) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
        self.task = self.bar.add_task(name, total=total or None)
        self._show()

    def advance(self, steps: int = 1) -> None:
        if self.task is not None:
            self.bar.advance(self.task, steps)
        self._show()

    def close(self) -> None:
        if self.shown:
            self.bar.stop()
