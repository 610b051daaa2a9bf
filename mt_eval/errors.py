"""The project's exception types.

Every error a user can cause (bad input, bad configuration, a missing model)
is an ``MtEvalError`` whose message says what is wrong and what to do. The
CLI prints that message and exits with code 2, without a traceback.
"""

from __future__ import annotations

import difflib
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
