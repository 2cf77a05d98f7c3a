"""Exceptions: the run cannot go on.

Per-item problems are :class:`~packager.model.Issue` values, collected and
reported; an exception means the whole command stops. Each exception carries
the exit code the command line turns it into (see README, "Exit codes").
"""

from __future__ import annotations

from .model import Issue

EXIT_OK = 0
EXIT_FAILED = 1  # finished, with errors (invalid bag, failed items)
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3  # ExifTool missing or too old, bad configuration
EXIT_PARTIAL = 4  # bag --skip-failed: a valid bag was made, and entries that failed were left out of it


class PackagerError(Exception):
    """Root of every error the packager raises on purpose."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, issues: list[Issue] | tuple[Issue, ...] = ()):
        super().__init__(message)
        self.message = message
        self.issues = tuple(issues)


class UsageError(PackagerError):
    exit_code = EXIT_USAGE


class ConfigError(PackagerError):
    """The collection description or settings are unusable."""

    exit_code = EXIT_ENVIRONMENT


class EnvironmentProblem(PackagerError):
    """A tool the packager needs (ExifTool) is missing, too old or broken."""

    exit_code = EXIT_ENVIRONMENT


class ExifToolError(PackagerError):
    """ExifTool failed on a file; keeps its exit status and stderr."""

    def __init__(self, message: str, returncode: int | None = None, stderr: str = ""):
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr


class CollectionError(PackagerError):
    """The collection cannot be read at all (e.g. caption file is not UTF-8)."""


class BagError(PackagerError):
    """The bag cannot be written."""


class ProfileError(ConfigError):
    """A BagIt profile file is unusable: unreadable, not JSON, or in no known format."""


class SourceError(PackagerError, OSError):
    """A file of a bag being validated could not be read (the message says which and why).

    An ``OSError`` too: the receiving side treats it as any other read failure.
    """


class SheetSyntaxError(PackagerError, ValueError):
    """The review sheet is not a CSV table that can be read; the message says where."""


class UnusableValue(PackagerError, ValueError):
    """A value from the archivist (CSV column, review sheet, ``[defaults]``) that cannot be used;
    the message says why. Reported as an issue on the item; the analysed value is kept."""


class UnencodableTextError(PackagerError, ValueError):
    """A value holds a character that XML 1.0 cannot carry, even as ``&#...;``."""
