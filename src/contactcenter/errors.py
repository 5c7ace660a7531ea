"""The exception tree of contactcenter.

Every error the library raises on purpose derives from :class:`ContactCenterError` and
from the builtin that fits it, so callers may catch either::

    ContactCenterError                      base of everything below
    +-- InputError (ValueError)             bad values given by the user (options, config)
    |   +-- ConfigError                     a bad configuration file or key
    +-- FormatError (ValueError)            a file that is not in the declared format at all
    +-- StoreError (RuntimeError)           the store is missing, locked or inconsistent
    +-- EngineError (RuntimeError)          an engine could not run a query (e.g. Spark missing)
    +-- ResourceError (OSError)             the environment failed: disk full, unwritable path

**Errors name their field, not a flag.** An error about one parameter carries its name
in :attr:`ContactCenterError.field`: the keyword of the Python API (``by``,
``threshold``, ``start``), which the CLI shows as its flag (``--by``, ``--from``) and a
web API returns as a JSON field. The message is written with a ``{field}`` placeholder
where the name goes::

    raise InputError("{field} must be in [0, 1), got 1.2", field="shrinkage")

``str(exc)`` reads ``shrinkage must be in [0, 1), got 1.2``; :meth:`render` with the
label ``--shrinkage`` gives the CLI's line. A message without the placeholder is shown
after ``<label>: ``. Messages name the value and what is allowed.
"""

from __future__ import annotations

FIELD = "{field}"
"""The placeholder a message uses where the field's name (or flag) goes."""


class ContactCenterError(Exception):
    """Base class of all errors raised on purpose by contactcenter.

    ``field`` names the parameter the error is about (a Python keyword such as ``by``),
    or is None when it is about no single parameter.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        self.template = message
        super().__init__(self.render())

    def render(self, label: str | None = None) -> str:
        """The message with the field shown as ``label`` (default: the field's own name)."""
        if self.field is None:
            return self.template
        name = self.field if label is None else label
        if FIELD in self.template:
            return self.template.replace(FIELD, name)
        return f"{name}: {self.template}"


class InputError(ContactCenterError, ValueError):
    """A value given by the user is not allowed (names the field, the value, the fix)."""


class ConfigError(InputError):
    """A configuration file or one of its keys is invalid."""


class FormatError(ContactCenterError, ValueError):
    """A file is not in the declared format; names the file and the first offending line."""

    def __init__(
        self, path: str, line_no: int | None, reason: str, *, field: str | None = None
    ) -> None:
        self.path = path
        self.line_no = line_no
        self.reason = reason
        where = f"{path}:{line_no}" if line_no is not None else path
        super().__init__(f"{where}: {reason}", field=field)

    def render(self, label: str | None = None) -> str:
        """The message; a file error reads the same whatever the field is called."""
        return self.template


class StoreError(ContactCenterError, RuntimeError):
    """The store cannot be opened or is not in the expected shape."""


class EngineError(ContactCenterError, RuntimeError):
    """An engine cannot run a report (missing dependency, unreachable cluster, ...)."""


class ResourceError(ContactCenterError, OSError):
    """The environment failed (disk full, path not writable): exit status 1, not 2."""
