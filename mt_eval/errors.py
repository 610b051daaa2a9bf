"""The project's exception types.

Every error a user can cause (bad input, bad configuration, a missing model)
is an ``MtEvalError`` whose message says what is wrong and what to do. The
CLI prints that message and exits with code 2, without a traceback.
"""

from __future__ import annotations

import difflib
import errno
from typing import Iterable


class MtEvalError(Exception):
    """An error the user can act on; ``str(error)`` is the whole message."""


class InputError(MtEvalError):
    """A test-set or system file is missing, unreadable or inconsistent."""


class ConfigError(MtEvalError):
    """A configuration key has a value the tool cannot use."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A sentence listing the known names and suggesting the closest one."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"Known: {', '.join(known)}.{hint}"


def whole_number(key: str, value: object, lowest: int, hint: str = "") -> int:
    """``value`` as an int of at least ``lowest``, or a ConfigError naming ``key``."""
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ConfigError(f"{key}={value!r}: must be a whole number{hint}.") from None
    if number < lowest:
        raise ConfigError(f"{key}={value!r}: must be {lowest} or more{hint}.")
    return number


_OS_ERROR_REASONS = {
    errno.ENOENT: "no such file or directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EISDIR: "it is a directory, not a file",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
    errno.ENOSPC: "no space left on the device",
    errno.EROFS: "read-only file system",
    errno.EDQUOT: "disk quota exceeded",
    errno.ENAMETOOLONG: "the file name is too long",
}


def describe_os_error(error: OSError) -> str:
    """A short, plain reason for a failed file operation."""
    return _OS_ERROR_REASONS.get(error.errno or 0, error.strerror or type(error).__name__)
