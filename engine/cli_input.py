"""What the command line accepts: numbers, names and texts checked where they are typed, in plain words.

Each parser raises `argparse.ArgumentTypeError` with one sentence naming what is wrong and what to
give instead; argparse prints it with the option's name and exits 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_USD = 1_000_000.0  # more than any small business means; a typo's extra zeros are refused
MAX_CALL_IN_HOURS = 14 * 24.0
MAX_TASK_CHARS = 100_000
NO_CEILING = ("none", "off", "unlimited")


def _number(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def ceiling_usd(text: str) -> float:
    """A ceiling: dollars from 0 up, or 'none' to remove it (even one the brief sets)."""
    if text.strip().lower() in NO_CEILING:
        return math.inf
    value = _number(text)
    if not 0 <= value <= MAX_USD:
        raise argparse.ArgumentTypeError(
            f"a ceiling is between $0 and ${MAX_USD:,.0f}, or 'none' to remove it; not {text!r}"
        )
    return value


def extra_usd(text: str) -> float:
    """A one-off raise: more than $0."""
    value = _number(text)
    if not 0 < value <= MAX_USD:
        raise argparse.ArgumentTypeError(f"a raise is more than $0 and at most ${MAX_USD:,.0f}; not {text!r}")
    return value


def price_usd(text: str) -> float:
    """A declared price: USD per million tokens, from 0 up (0: a model that costs nothing, as a local one)."""
    value = _number(text)
    if not 0 <= value <= MAX_USD:
        raise argparse.ArgumentTypeError(f"a price is from $0 to ${MAX_USD:,.0f} per million tokens; not {text!r}")
    return value


def hours(text: str) -> float:
    value = _number(text)
    if not 0 < value <= MAX_CALL_IN_HOURS:
        raise argparse.ArgumentTypeError(
            f"give more than 0 and at most {MAX_CALL_IN_HOURS:g} hours (two weeks); not {text!r}"
        )
    return value


def seconds(text: str) -> float:
    value = _number(text)
    if not 0 < value <= 366 * 86400:
        raise argparse.ArgumentTypeError(f"give more than 0 and at most a year of seconds; not {text!r}")
    return value


def seconds_up_to(high: float) -> Callable[[str], float]:
    """A timeout: seconds, more than 0 and at most `high`. Every refusal says the range, NaN's and infinity's too."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = math.nan
        if not 0 < value <= high:  # false for NaN as well
            raise argparse.ArgumentTypeError(f"give seconds, more than 0 and at most {high:g}; not {text!r}")
        return value

    parse.__name__ = "seconds"
    return parse


def count(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"give a number from {low} to {high}, not {value}")
        return value

    parse.__name__ = "number"
    return parse


def person_name(text: str) -> str:
    """An employee's name, checked as the office checks it (engine.office.employee.check_name)."""
    from engine.office.employee import check_name

    try:
        return check_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def task_text(text: str) -> str:
    """A task: the text itself, or '-' for standard input (read by `read_task`, once: parsing may run twice)."""
    if text != "-" and len(text) > MAX_TASK_CHARS:
        raise argparse.ArgumentTypeError(_too_long(text))
    return text


def read_task(text: str) -> str:
    """The task's text, reading standard input for '-'; ValueError in words when it cannot be used."""
    if text != "-":
        return text
    try:
        text = sys.stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the task from standard input ({exc})") from None
    if len(text) > MAX_TASK_CHARS:
        raise ValueError(_too_long(text))
    return text


def _too_long(text: str) -> str:
    return (
        f"a task is at most {MAX_TASK_CHARS:,} characters; this one has {len(text):,}. "
        "Put the material in a file in the employee's workspace and refer to it"
    )


def _path(text: str) -> Path:
    if "\x00" in text:
        raise argparse.ArgumentTypeError("a file name cannot contain a NUL character")
    return Path(text).expanduser()


def task_file(text: str) -> str:
    """A task read from a file."""
    path = _path(text)
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise argparse.ArgumentTypeError(f"no file {str(path)!r}") from None
    except UnicodeDecodeError:
        raise argparse.ArgumentTypeError(f"{str(path)!r} is not a UTF-8 text file") from None
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    if len(content) > MAX_TASK_CHARS:
        raise argparse.ArgumentTypeError(_too_long(content))
    return content


def existing_folder_for(text: str) -> Path:
    """A file to write, whose folder must already exist (nothing is created behind the owner's back)."""
    path = _path(text)
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{str(path)!r} is a folder; give a file name")
    return path


def folder(text: str) -> str:
    """A folder given on the command line (`--home DIR`): an empty one would quietly mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a folder, and was given an empty one")
    return text


def add_everywhere(
    parser: argparse.ArgumentParser, *flags: str, help: str, type: Callable[[str], Any] | None = None
) -> None:
    """Accept an option after any command too (`headcount roster --home DIR`), not only before it."""
    seen: set[int] = set()

    def visit(current: argparse.ArgumentParser) -> None:
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    if id(child) not in seen:
                        seen.add(id(child))
                        child.add_argument(*flags, default=argparse.SUPPRESS, help=help, type=type)
                        visit(child)

    visit(parser)


def describe_json_options(parser: argparse.ArgumentParser) -> None:
    """Every `--json` says what it does, wherever a command offers it."""
    for action in parser._actions:
        if "--json" in action.option_strings and not action.help:
            action.help = "print JSON instead of text"
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                describe_json_options(child)


def domain(text: str) -> str:
    """A domain like example.com (not a web address, not a wildcard)."""
    from engine.briefs.model import _domain

    try:
        return _domain(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def server_address(text: str) -> str:
    """A model server's address, like http://127.0.0.1:11434."""
    from engine.briefs.model import server_address

    try:
        return server_address(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


MAX_MEMORY_CHARS = 2000  # engine.memory.book.MAX_TEXT


def memory_words(text: str) -> str:
    """A word of a memory command (an id, search words, a memory's new text): printable and not too long."""
    if "\x00" in text:
        raise argparse.ArgumentTypeError("a memory cannot contain a NUL character")
    if len(text) > MAX_MEMORY_CHARS:
        raise argparse.ArgumentTypeError(
            f"a memory is at most {MAX_MEMORY_CHARS:,} characters; this has {len(text):,}. Say it shorter"
        )
    return text


def secret(prompt: str) -> str:
    """A password or key: from a hidden prompt on a terminal, else the first line of stdin (a pipe, a
    script); never from the command line. Stripped; empty when none was given."""
    if sys.stdin.isatty():
        import getpass
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return getpass.getpass(prompt).strip()
        # Inside asyncio.run, Ctrl-C only asks the loop to cancel its task, and the loop waits on this prompt:
        # the first press did nothing. While the prompt waits, Ctrl-C stops the command at once, as elsewhere.
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            return getpass.getpass(prompt).strip()
        except KeyboardInterrupt:
            print("\nStopped: nothing was saved.", file=sys.stderr)
            raise
        finally:
            signal.signal(signal.SIGINT, previous)
    return sys.stdin.readline().strip()
