"""Files read whole, bounded before a byte is read.

A FIFO, a character or block device or a socket can block an open or a
read forever (a FIFO without a writer) or never end (/dev/zero), so it is
refused up front, as is a file larger than the caller's limit. A folder
(a saved dataset) is checked file by file: its reader opens whichever its
metadata names. Symbolic links are followed: what counts is what would be
read. Errors are ``InputError`` naming the caller's key and the file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO, Optional, Tuple

from .errors import InputError, describe_os_error

_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_kind(mode: int) -> Optional[str]:
    """What a file of this mode is ("a FIFO (named pipe)", ...) when it is
    neither a regular file nor a folder; None for those two."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return next((name for test, name in _SPECIAL_KINDS if test(mode)), "a special file")


def refuse_special(key: str, path: Path, kind: str, hint: str, folder: Optional[Path] = None) -> InputError:
    where = f"{folder} holds {path}, which" if folder else str(path)
    return InputError(f"{key}: {where} is {kind}, not a regular file: reading it could wait forever or never end. {hint}")


def refuse_size(key: str, path: Path, size: int, max_bytes: int, limit_key: str) -> InputError:
    return InputError(f"{key}: {path}: {size:,} bytes, more than {limit_key}={max_bytes:,}. Is this the right file? Raise {limit_key} if it is.")


def _unreadable(key: str, path: Path, error: OSError) -> InputError:
    return InputError(f"{key}: {path}: cannot read the file: {describe_os_error(error)}.")


def check_bounded(path: Path, key: str, max_bytes: int, limit_key: str, hint: str) -> int:
    """The bytes of ``path`` (a regular file, or a folder of regular files
    and folders), refused when anything in it is a special file (``hint``
    says what to name instead) or when it holds more than ``max_bytes``
    (``limit_key`` is the option that raises it)."""
    try:
        mode, size = _mode_and_size(path)
    except OSError as error:
        raise _unreadable(key, path, error) from None
    kind = special_kind(mode)
    if kind:
        raise refuse_special(key, path, kind, hint)
    if stat.S_ISDIR(mode):
        size = _folder_size(path, key, max_bytes, limit_key, hint)
    if size > max_bytes:
        raise refuse_size(key, path, size, max_bytes, limit_key)
    return size


def _mode_and_size(path: Path) -> Tuple[int, int]:
    status = os.stat(path)
    return status.st_mode, status.st_size


def _folder_size(folder: Path, key: str, max_bytes: int, limit_key: str, hint: str) -> int:
    """Every file under ``folder``, each checked, summed up to the limit."""
    total = 0
    for parent, folders, files in os.walk(folder, onerror=_raise):
        for name in sorted(folders + files):
            entry = Path(parent) / name
            try:
                mode, size = _mode_and_size(entry)
            except OSError as error:
                raise _unreadable(key, entry, error) from None
            kind = special_kind(mode)
            if kind:
                raise refuse_special(key, entry, kind, hint, folder)
            if stat.S_ISREG(mode):
                total += size
                if total > max_bytes:
                    raise refuse_size(key, folder, total, max_bytes, limit_key)
    return total


def _raise(error: OSError) -> None:
    raise error


def open_regular(path: Path, key: str, hint: str) -> BinaryIO:
    """A binary stream on ``path``, refused unless it is a regular file at
    the moment it is opened: O_NONBLOCK keeps the open of a FIFO put there
    since the check from waiting for a writer, and fstat sees what was
    opened. (Through ``open``, so that what patches it sees this open.)"""
    try:
        stream = open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK))
    except OSError as error:
        raise _unreadable(key, path, error) from None
    mode = os.fstat(stream.fileno()).st_mode
    if not stat.S_ISREG(mode):
        stream.close()
        raise refuse_special(key, path, special_kind(mode) or "a folder", hint)
    os.set_blocking(stream.fileno(), True)
    return stream
