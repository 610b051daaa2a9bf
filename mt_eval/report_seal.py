"""A report set is one sealed unit, written and read as such.

Writing: every data file a loader reads (segments.parquet) is described in
report.json by its content hash, byte size and row count, and report.json
and the data file carry one run id (the data file in its own metadata), so
a data file can be matched to its report.json even if a hash were edited.

Reading: a set is read through one open handle on its folder. The run's
folder is swapped in by one rename (``reports.report_set``), so every file
opened through the handle belongs to the folder as it was when the handle
was opened, all old or all new; a file that vanished meanwhile (the old
folder being removed) or that does not match report.json is read again
from the path a few times before the mismatch is refused. Nothing that is
not a regular file is ever read (a FIFO would block, a device never ends):
each file is checked before it is opened, opened without blocking, and its
handle checked again; sizes are bounded before reading.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional, TypeVar

from .errors import InputError, describe_os_error

REPORT_NAME = "report.json"
# report.json holds the summary and every segment score (about 40 bytes per
# system × metric × segment); anything larger is not a report mt-eval wrote.
MAX_REPORT_BYTES = 1 << 30
RUN_ID_KEY = b"mt_eval.run_id"  # in the data file's schema metadata
RUN_ID = re.compile(r"^[0-9a-f]{32}$")
SHA256 = re.compile(r"^sha256:[0-9a-f]{64}$")
# Waits before each re-read of a set that changed while it was read (seconds).
RETRY_DELAYS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.4)

T = TypeVar("T")


class SetMismatch(InputError):
    """A file of a report set is missing or does not belong with its
    report.json: refused, unless reading the set again (it may have been
    swapped while it was read) finds the files together."""


def new_run_id() -> str:
    return uuid.uuid4().hex


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileSeal:
    """What report.json records of one data file beside it."""

    sha256: str
    bytes: int
    rows: int

    def to_dict(self) -> Dict[str, Any]:
        return {"sha256": self.sha256, "bytes": self.bytes, "rows": self.rows}

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "FileSeal":
        return cls(sha256=data["sha256"], bytes=data["bytes"], rows=data["rows"])


def seal_of(data: bytes, rows: int) -> FileSeal:
    return FileSeal(digest(data), len(data), rows)


_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


def _not_regular(mode: int) -> Optional[str]:
    return None if stat.S_ISREG(mode) else _KINDS.get(stat.S_IFMT(mode), "not a regular file")


class OpenSet:
    """One report set opened for reading: its folder by handle."""

    def __init__(self, path: Path) -> None:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise SetMismatch(f"{path}: cannot read the report file: no such file or directory.") from None
        except OSError as error:
            raise InputError(f"{path}: cannot read the report file: {describe_os_error(error)}.") from None
        if stat.S_ISDIR(info.st_mode):  # a report set's folder names its report.json
            folder, name = path, REPORT_NAME
        else:
            kind = _not_regular(info.st_mode)
            if kind:
                raise InputError(f"{path}: is {kind}, not a report file. Name a report set's folder or its report.json.")
            folder, name = path.parent, path.name
        self.folder = folder
        self.report_path = folder / name
        self._name = name
        try:
            self._dir = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise SetMismatch(f"{folder}: cannot open the report folder: no such file or directory.") from None
        except OSError as error:
            raise InputError(f"{folder}: cannot open the report folder: {describe_os_error(error)}.") from None

    def __enter__(self) -> "OpenSet":
        return self

    def __exit__(self, *exc: Any) -> None:
        os.close(self._dir)

    def read_report(self) -> bytes:
        """report.json's bytes (at most MAX_REPORT_BYTES)."""
        return self._read(self._name, "report file", MAX_REPORT_BYTES, None)

    def read_data(self, name: str, seal: Optional[FileSeal]) -> bytes:
        """A data file beside report.json; with a seal, exactly the bytes it
        records (size checked before reading, hash after)."""
        data = self._read(name, "data file", None if seal is None else seal.bytes, seal)
        if seal is not None and digest(data) != seal.sha256:
            raise SetMismatch(f"{self.folder / name}: does not belong to {self.report_path}: its content hash is {digest(data)}, "
                              f"report.json records {seal.sha256}. It is another run's file or was changed since; copy a report set whole.")
        return data

    def _read(self, name: str, what: str, limit: Optional[int], seal: Optional[FileSeal]) -> bytes:
        shown = self.folder / name
        flags = os.O_NONBLOCK | os.O_NOCTTY  # a FIFO put there since the check must not hang the open

        def opener(_: str, mode: int) -> int:
            return os.open(name, mode | flags, dir_fd=self._dir)  # through the folder's handle, never the path again

        try:
            kind = _not_regular(os.stat(name, dir_fd=self._dir).st_mode)
            if kind:
                raise InputError(f"{shown}: is {kind}, not a regular file; a report set's files are regular files.")
            stream = open(shown, "rb", buffering=0, opener=opener)
        except FileNotFoundError:
            if what == "data file":
                raise SetMismatch(f"{shown}: missing. The report beside it keeps its texts and statistics in this file; copy both together.") from None
            raise SetMismatch(f"{shown}: cannot read the {what}: no such file or directory.") from None
        except OSError as error:
            raise InputError(f"{shown}: cannot read the {what}: {describe_os_error(error)}.") from None
        with stream:
            info = os.fstat(stream.fileno())
            kind = _not_regular(info.st_mode)
            if kind:
                raise InputError(f"{shown}: is {kind}, not a regular file; a report set's files are regular files.")
            if seal is not None and info.st_size != seal.bytes:
                raise SetMismatch(f"{shown}: does not belong to {self.report_path}: it is {info.st_size} bytes, report.json records "
                                  f"{seal.bytes}. It is another run's file or was changed since; copy a report set whole.")
            if limit is not None and info.st_size > limit:
                raise InputError(f"{shown}: {info.st_size} bytes, more than a {what} may be ({limit} bytes). Is it a report file?")
            try:
                # One byte more than fstat said: a file still being written shows it.
                data = stream.read(info.st_size + 1)
            except OSError as error:
                raise InputError(f"{shown}: cannot read the {what}: {describe_os_error(error)}.") from None
        if data is None:  # only a non-blocking non-regular file answers so; fstat said otherwise
            raise InputError(f"{shown}: cannot be read without waiting; a report set's files are regular files.")
        if len(data) != info.st_size:
            raise SetMismatch(f"{shown}: changed size while it was read; it is not a finished {what}.")
        return data


def read_set(path: Path, reader: Callable[[OpenSet], T]) -> T:
    """``reader`` applied to the set at ``path`` (its folder or report.json),
    read again after a short wait while a file is missing or does not match
    report.json (the set may be being replaced), then refused."""
    for delay in (*RETRY_DELAYS, None):
        try:
            with OpenSet(path) as opened:
                return reader(opened)
        except SetMismatch:
            if delay is None:
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")
