"""What the office refuses, and why: one error for a request it cannot carry out, one for the owner's."""

from __future__ import annotations


class OfficeError(Exception):
    """A request the office cannot carry out (unknown employee, unknown role, ...)."""


class OwnerError(Exception):
    """The owner asked for something that cannot be done (unknown id, already decided, ...)."""
