"""Problems found in the input, reported as ``file:line: message``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Diagnostics:
    """Collects every problem of a run so that one run reports them all."""

    root: Path = field(default_factory=Path.cwd)
    items: list[Diagnostic] = field(default_factory=list)

    def display_path(self, path: Path | str) -> str:
        # absolute(), not resolve(): a symlinked file is named as the user named it.
        path = Path(path).absolute()
        try:
            return path.relative_to(self.root.absolute()).as_posix()
        except ValueError:
            return path.as_posix()

    def error(self, path: Path | str, line: int, message: str) -> None:
        self.items.append(Diagnostic(self.display_path(path), max(line, 1), message, "error"))

    def warning(self, path: Path | str, line: int, message: str) -> None:
        self.items.append(Diagnostic(self.display_path(path), max(line, 1), message, "warning"))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]


class BuildFailed(Exception):
    """Raised when errors were found; the diagnostics say which."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__(f"{len(diagnostics.errors)} error(s)")
        self.diagnostics = diagnostics
