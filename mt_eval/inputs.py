"""Read one column of segments from a file or a `datasets` dataset.

Plain text is decoded strictly (UTF-8, optional BOM) and split on ``\\n``
only: a lone ``\\r`` or U+2028 inside a segment stays inside it, unlike
``str.splitlines()``. Trailing white space (so a CRLF's ``\\r``) is removed
from each line, as the sacrebleu CLI does when it reads a file.

Structured inputs go through `datasets` (imported only when one is used):
``.jsonl``/``.json``/``.csv``/``.tsv``/``.parquet`` files, a folder written by
``save_to_disk``, or a hub dataset named ``hf:NAME[:CONFIG][@SPLIT]``. A
``#column`` suffix picks the column; otherwise the configured default.

Work is bounded before any byte is read: every local input, and every file
of a saved dataset's folder, must be a regular file (a FIFO, device or
socket could block or never end) of at most ``max_bytes`` bytes
(``testset.max_input_bytes``).
"""

from __future__ import annotations

import codecs
import errno
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from .bounded_files import check_bounded, open_regular, refuse_size
from .errors import InputError
from .errors import describe_os_error

STRUCTURED_BUILDERS = {
    ".jsonl": "json",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
}
HUB_PREFIX = "hf:"

# The largest input read, in bytes (``testset.max_input_bytes``): far above
# any test set (WMT's are a few MB; a million segments is a few hundred MB),
# far below what would exhaust memory once read into Python strings.
DEFAULT_MAX_INPUT_BYTES = 1 << 30
LIMIT_KEY = "testset.max_input_bytes"
# What to do instead of naming a FIFO, a device or a socket.
SAVE_A_FILE = "Save the segments to a file (e.g. `command > hyp.en`) and name that file."
SAVE_A_DATASET = "Save the dataset again with `save_to_disk`."


@dataclass(frozen=True)
class RawInput:
    """The segments of one input, before normalisation."""

    origin: str  # what the user named: a path, possibly with #column
    lines: List[str]
    had_bom: bool = False
    had_crlf: bool = False


# In-memory segments (the Python API) are named "memory:KEY" in the config
# and handed to the loader in a mapping; files are everything else.
MEMORY_PREFIX = "memory:"


def read_input(
    spec: str, default_column: str, role: str, max_chars: int,
    memory: Optional[Mapping[str, Sequence[str]]] = None, max_bytes: int = DEFAULT_MAX_INPUT_BYTES,
) -> RawInput:
    """Read the segments named by ``spec``; ``role`` names the config key in errors."""
    if spec.startswith(MEMORY_PREFIX):
        return RawInput(spec, _memory_lines(spec, role, max_chars, memory or {}))
    location, column = _split_column(spec)
    if location.startswith(HUB_PREFIX):
        return RawInput(spec, _checked_values(_read_dataset_column(location, column or default_column, role), location, column or default_column, role, max_chars, 1))
    path = Path(location).expanduser()
    _check_exists(path, location, role)
    if path.is_dir():
        if _is_saved_dataset(path):
            check_bounded(path, role, max_bytes, LIMIT_KEY, SAVE_A_DATASET)
            return RawInput(spec, _checked_values(_read_dataset_column(str(path), column or default_column, role), str(path), column or default_column, role, max_chars, 1))
        raise InputError(f"{role}: {location} is a directory, not a file. Name the file of segments (one per line).")
    check_bounded(path, role, max_bytes, LIMIT_KEY, SAVE_A_FILE)
    suffix = path.suffix.lower()
    if suffix in STRUCTURED_BUILDERS:
        if suffix != ".parquet":
            # datasets' own errors for these are unhelpful ("StopIteration",
            # a decode error without a line): check the text as for plain files.
            # A row holds several columns, so a line may be longer than one
            # segment; a .json document may be a single line.
            row_bytes = None if suffix == ".json" else max_chars * 16 + 2
            read_text_file(path, role, max_chars, max_line_bytes=row_bytes, check_chars=False, max_bytes=max_bytes)
        first_row = 2 if suffix in (".csv", ".tsv") else 1
        values = _read_dataset_column(str(path), column or default_column, role)
        return RawInput(spec, _checked_values(values, str(path), column or default_column, role, max_chars, first_row))
    if column:
        raise InputError(f"{role}: {spec}: '#{column}' selects a column, but {path.name} is plain text. Use a .jsonl, .csv, .tsv or .parquet file, or drop '#{column}'.")
    return read_text_file(path, role, max_chars, max_bytes=max_bytes)


def _memory_lines(spec: str, role: str, max_chars: int, memory: Mapping[str, Sequence[str]]) -> List[str]:
    """Segments given as a list of strings: the rules of a file apply (no
    line breaks or NUL inside a segment, no over-long segment, not empty)."""
    if spec not in memory:
        raise InputError(f"{role}: {spec} names no in-memory input.")
    lines: List[str] = []
    for number, text in enumerate(memory[spec], start=1):
        if not isinstance(text, str):
            raise InputError(f"{role}: segment {number}: expected text, found {type(text).__name__} {text!r}.")
        if "\n" in text or "\x00" in text:
            raise InputError(f"{role}: segment {number}: contains a {'line break' if chr(10) in text else 'NUL'}; one segment is one line.")
        if len(text) > max_chars:
            raise InputError(f"{role}: segment {number}: {len(text):,} characters, more than testset.max_line_chars={max_chars:,}.")
        lines.append(text.rstrip())
    if not lines:
        raise InputError(f"{role}: no segments. A test set needs at least one.")
    return lines


def _check_exists(path: Path, location: str, role: str) -> None:
    if path.exists():
        return
    if os.path.lexists(path):
        try:
            os.stat(path)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise InputError(f"{role}: {location}: a symbolic link loop (the link points back at itself). Point at the real file.") from None
        raise InputError(f"{role}: {location}: a symbolic link to a file that does not exist ({os.readlink(path)}).")
    raise InputError(f"{role}: {location}: no such file. Check the path (relative paths are read from the directory you run mt-eval in).")


def read_text_file(
    path: Path, role: str, max_chars: int, max_line_bytes: Optional[int] = -1, check_chars: bool = True,
    max_bytes: int = DEFAULT_MAX_INPUT_BYTES,
) -> RawInput:
    """Strictly decode a plain-text file into one segment per ``\\n``-separated
    line, streaming: a line longer than ``max_chars`` stops the read at that
    line, with its number, and more than ``max_bytes`` in all (a file that
    grew since it was checked, or a /proc file that says it is empty) stops
    it too."""
    # UTF-8: at most 4 bytes a character, plus CR LF; None: no limit.
    limit_bytes = max_chars * 4 + 2 if max_line_bytes == -1 else (max_line_bytes or -1)
    lines: List[str] = []
    had_bom = had_crlf = False
    stream = open_regular(path, role, SAVE_A_FILE)
    with stream:
        number = read = 0
        while True:
            try:
                raw = stream.readline(limit_bytes)
            except OSError as error:
                raise InputError(f"{role}: {path}: cannot read the file: {describe_os_error(error)}.") from None
            if not raw:
                break
            read += len(raw)
            if read > max_bytes:
                raise refuse_size(role, path, read, max_bytes, LIMIT_KEY)
            number += 1
            if limit_bytes > 0 and len(raw) >= limit_bytes and not raw.endswith(b"\n"):
                raise InputError(
                    f"{role}: {path}, line {number}: longer than {max_chars:,} characters (testset.max_line_chars). "
                    "Is this a text file with one segment per line? Raise testset.max_line_chars if the segment is real."
                )
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw, had_bom = raw[len(codecs.BOM_UTF8):], True
            if b"\x00" in raw:
                raise InputError(f"{role}: {path}, line {number}: contains a NUL byte; this looks like a binary or UTF-16 file. Convert it to UTF-8 text.")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise InputError(
                    f"{role}: {path}, line {number}: byte 0x{raw[error.start]:02x} is not valid UTF-8. "
                    "Re-encode the file as UTF-8 (e.g. `iconv -f cp1256 -t utf-8`)."
                ) from None
            if text.endswith("\n"):
                text = text[:-1]
            if text.endswith("\r"):
                had_crlf = True
            if check_chars and len(text) > max_chars:
                raise InputError(f"{role}: {path}, line {number}: {len(text):,} characters, more than testset.max_line_chars={max_chars:,}. Raise it if the segment is real.")
            lines.append(text.rstrip())
    if not lines:
        raise InputError(f"{role}: {path}: the file is empty. A test-set file needs one segment per line.")
    return RawInput(str(path), lines, had_bom, had_crlf)


def _checked_values(values: List[str], location: str, column: str, role: str, max_chars: int, first_row: int) -> List[str]:
    """Cells of a structured input obey the rules of plain text: no NUL, no
    over-long segment."""
    unit = "line" if first_row == 2 else "row"
    for index, value in enumerate(values):
        if "\x00" in value:
            raise InputError(f"{role}: {location}, {unit} {index + first_row}, column {column!r}: contains a NUL character. Remove it; no segment may hold one.")
        if len(value) > max_chars:
            raise InputError(f"{role}: {location}, {unit} {index + first_row}, column {column!r}: {len(value):,} characters, more than testset.max_line_chars={max_chars:,}. Raise it if the segment is real.")
    return values


def _split_column(spec: str) -> Tuple[str, Optional[str]]:
    location, sep, column = spec.partition("#")
    return location, (column if sep else None)


def _is_saved_dataset(path: Path) -> bool:
    return any((path / marker).exists() for marker in ("dataset_info.json", "state.json", "dataset_dict.json"))


def _read_dataset_column(location: str, column: str, role: str) -> List[str]:
    table = _load_table(location, _version(location))
    if column not in table.column_names:
        raise InputError(
            f"{role}: {location} has no column {column!r} (it has: {', '.join(table.column_names)}). "
            f"Name one with '{location}#COLUMN' or set testset.column."
        )
    values = table[column]
    first_row = 2 if location.lower().endswith((".csv", ".tsv")) else 1  # a header line comes first
    lines: List[str] = []
    for index, value in enumerate(values):
        where = f"{location}, {'line' if first_row == 2 else 'row'} {index + first_row}, column {column!r}"
        if value is None:
            raise InputError(f"{role}: {where}: the cell is empty or null. Every segment needs text; fill it in or remove the row everywhere.")
        if not isinstance(value, str):
            raise InputError(f"{role}: {where}: expected text, found {type(value).__name__} {value!r}. Quote the value as a string.")
        lines.append(value.rstrip())
    if not lines:
        raise InputError(f"{role}: {location}: no rows. A test set needs at least one segment.")
    return lines


def _version(location: str) -> tuple:
    """Size and modification time of a local file or folder, so an edited
    file is read again rather than served from the memo below."""
    path = Path(location)
    if not path.exists():
        return ()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


@functools.lru_cache(maxsize=8)
def _load_table(location: str, version: tuple) -> Any:
    """Load a dataset once, however many inputs read columns from it
    (``version`` is only part of the memo's key)."""
    # Bound the wait for an unreachable hub (huggingface_hub reads these at import).
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "10")
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "10")
    try:
        import datasets
    except ImportError as error:  # pragma: no cover - a dependency of the package
        raise InputError(f"reading {location} needs the `datasets` package: {error}") from None
    datasets.disable_progress_bars()
    # datasets logs a traceback before raising; the error we raise says it all.
    datasets.logging.set_verbosity(datasets.logging.CRITICAL)
    try:
        if location.startswith(HUB_PREFIX):
            name, config, split = _parse_hub_name(location[len(HUB_PREFIX):])
            return datasets.load_dataset(name, config, split=split)
        path = Path(location)
        if path.is_dir():
            loaded = datasets.load_from_disk(str(path))
            if isinstance(loaded, datasets.DatasetDict):
                if len(loaded) != 1:
                    raise InputError(f"{location} holds the splits {', '.join(loaded)}; point at one split's folder ({location}/SPLIT).")
                loaded = next(iter(loaded.values()))
            return loaded
        suffix = path.suffix.lower()
        options: dict = {}
        if suffix in (".csv", ".tsv"):
            # Only an empty cell is missing: "NA", "null" or "None" are text.
            options = {"keep_default_na": False, "na_values": [""]}
            if suffix == ".tsv":
                options["delimiter"] = "\t"
        return datasets.load_dataset(STRUCTURED_BUILDERS[suffix], data_files=str(path), split="train", **options)
    except InputError:
        raise
    except Exception as error:  # datasets raises many types; all mean "could not read this input"
        hint = ""
        if location.startswith(HUB_PREFIX):
            hint = " The hub may be unreachable: save the dataset with `save_to_disk` where it is reachable and point at that folder."
        raise InputError(f"could not read {location}: {_root_cause(error)}.{hint}") from None


def _root_cause(error: BaseException) -> str:
    """The innermost cause's first line: datasets wraps parser errors in a
    generic "An error occurred while generating the dataset"."""
    while error.__cause__ is not None:
        error = error.__cause__
    text = str(error).strip()
    return text.splitlines()[0].rstrip(".") if text else type(error).__name__


def _parse_hub_name(text: str) -> Tuple[str, Optional[str], str]:
    """``NAME[:CONFIG][@SPLIT]`` → (name, config, split); the split defaults to "test"."""
    text, _, split = text.partition("@")
    name, _, config = text.partition(":")
    return name, (config or None), (split or "test")
