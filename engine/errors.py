"""What the office refuses, and why: the errors the owner sees from any part of the engine.

Below everything that raises them (the office, the tools, the connections), so none has to import
another to say no.
"""

from __future__ import annotations


class OfficeError(Exception):
    """A request the office cannot carry out (unknown employee, unknown role, ...)."""


class OwnerError(Exception):
    """The owner asked for something that cannot be done (unknown id, already decided, ...)."""
