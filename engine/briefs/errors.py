"""One clear error per bad brief, skill or team file: the file, the line, the field, what was expected."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file. `line` is 1-based; `field` is a path such as `escalate[0].to`."""

    path: Path
    line: int | None
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        what = f"field '{self.field}': {self.message}" if self.field else self.message
        return f"{where}: {what}"


class BriefError(Exception):
    """A brief (or skill, or team file) that cannot be used. `str()` lists every problem, one a line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("a BriefError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(sorted(problems, key=lambda p: p.line if p.line is not None else 0))
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def path(self) -> Path:
        return self.problems[0].path

    @property
    def line(self) -> int | None:
        return self.problems[0].line

    @classmethod
    def single(cls, path: Path, line: int | None, message: str, field: str | None = None) -> BriefError:
        return cls([Problem(path, line, message, field)])


def suggest(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the nearest choice, or an empty string when nothing is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
