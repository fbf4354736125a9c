"""What the office refuses, and why: the errors the owner sees from any part of the engine.

Below everything that raises them (the office, the tools, the connections), so none has to import
another to say no.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class OfficeError(Exception):
    """A request the office cannot carry out (unknown employee, unknown role, ...)."""


class OwnerError(Exception):
    """The owner asked for something that cannot be done (unknown id, already decided, ...)."""


def invalid_input(exc: ValidationError) -> str:
    """What the owner typed wrong, in words: pydantic's messages without their prefix, each said once (an
    address given for two fields is wrong once)."""
    return "; ".join(dict.fromkeys(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))
