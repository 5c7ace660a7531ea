"""The exception tree of contactcenter.

Every error the library raises on purpose derives from :class:`ContactCenterError` and
from the builtin that fits it, so callers may catch either::

    ContactCenterError                      base of everything below
    +-- InputError (ValueError)             bad values given by the user (options, config)
    |   +-- ConfigError                     a bad configuration file or key
    +-- FormatError (ValueError)            a file that is not in the declared format at all
    +-- StoreError (RuntimeError)           the store is missing, locked or inconsistent
    +-- EngineError (RuntimeError)          an engine could not run a query (e.g. Spark missing)

Messages name the thing (option, file and line, key), the value and what is allowed,
for example ``--shrinkage must be in [0, 1), got 1.2``. The CLI prints them on one line
and exits with status 2.
"""

from __future__ import annotations


class ContactCenterError(Exception):
    """Base class of all errors raised on purpose by contactcenter."""


class InputError(ContactCenterError, ValueError):
    """A value given by the user is not allowed (names the option, the value, the fix)."""


class ConfigError(InputError):
    """A configuration file or one of its keys is invalid."""


class FormatError(ContactCenterError, ValueError):
    """A file is not in the declared format; names the file and the first offending line."""

    def __init__(self, path: str, line_no: int | None, reason: str) -> None:
        self.path = path
        self.line_no = line_no
        self.reason = reason
        where = f"{path}:{line_no}" if line_no is not None else path
        super().__init__(f"{where}: {reason}")


class StoreError(ContactCenterError, RuntimeError):
    """The store cannot be opened or is not in the expected shape."""


class EngineError(ContactCenterError, RuntimeError):
    """An engine cannot run a report (missing dependency, unreachable cluster, ...)."""
