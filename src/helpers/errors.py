"""The kit's exceptions.

Every error the kit raises on purpose derives from :class:`StratbookError`, so the CLI
can print it as one ``Error: ...`` line instead of a traceback. Messages name the thing
(file, key, column), what was expected, what was found, and what to do.
"""

from __future__ import annotations


class StratbookError(Exception):
    """Base class of every error the kit raises on purpose."""


class ConfigError(StratbookError, ValueError):
    """``engagement.yaml`` is missing, malformed, or names something that does not exist."""


class DataError(StratbookError, ValueError):
    """A client table or workshop input cannot be read or breaks the kit's rules."""


class InputError(StratbookError, ValueError):
    """A function received a frame or argument it cannot work with."""


class MissingDataError(StratbookError, LookupError):
    """An optional data source or earlier result that a section needs is not available."""


class RunError(StratbookError, RuntimeError):
    """A notebook run failed; the message names the notebook, the cell and the error."""


class TemplateError(StratbookError, ValueError):
    """The engagement template was given input it refuses (bad slug, unknown currency)."""


class NotFittedError(StratbookError, AttributeError):
    """A model method that needs ``fit()`` was called before it."""


class DataWarning(UserWarning):
    """The data can be used, but something in it deserves the analyst's attention
    (refund lines, zero amounts, rows dropped). Recorded in the run's manifest."""
