"""The test set: source segments, references and candidate systems, checked
and normalised, ready for metrics.

``load_testset`` is the only way in: it reads every input, refuses what
cannot be scored (with a message naming the file and line), normalises what
is safe, and computes a checksum that identifies the test set in reports.
"""

from __future__ import annotations

import hashlib
import math
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from .errors import ConfigError, InputError, whole_number
from .flags import SystemFlags, check_system
from .inputs import DEFAULT_MAX_INPUT_BYTES, MEMORY_PREFIX, RawInput, read_input
from .plain import check_name, visible
from .normalize import NormalizationCounts, check_unicode_form, describe, normalize_segments

EMPTY_REFERENCE_POLICIES = ("error", "exclude")


@dataclass
class InputRecord:
    """Where one input came from and what normalisation did to it."""

    role: str
    origin: str
    had_bom: bool
    had_crlf: bool
    counts: NormalizationCounts


@dataclass
class TestSet:
    name: str
    source: List[str]
    references: List[List[str]]  # one list per reference, each aligned with source
    systems: Dict[str, List[str]]
    line_numbers: List[int]  # 1-based line of each kept segment in the input files
    excluded_lines: List[int] = field(default_factory=list)
    normalization: str = ""
    inputs: List[InputRecord] = field(default_factory=list)
    flags: Dict[str, SystemFlags] = field(default_factory=dict)

    __test__ = False  # not a pytest test class, despite the name

    @property
    def size(self) -> int:
        return len(self.source)

    @property
    def checksum(self) -> str:
        """sha256 of the normalised source and references (not the systems):
        two runs on the same test set have the same checksum."""
        digest = hashlib.sha256(json.dumps([self.source, self.references], ensure_ascii=False).encode("utf-8"))
        return "sha256:" + digest.hexdigest()


def load_testset(config: Any, require_references: bool = True, memory: Optional[Mapping[str, Sequence[str]]] = None) -> TestSet:
    """Read, validate and normalise the inputs a ``TestSetConfig`` names.
    References may be left out only when no metric of the run needs them.
    ``memory`` holds the segments of inputs named ``memory:KEY`` (the API)."""
    options = _check_options(config, require_references)
    specs = _system_specs(config.systems)
    reader = _Reader(options, str(config.column), memory)
    source = reader.load(str(config.source), "testset.source")
    references = [reader.load(str(spec), f"testset.references[{i}]") for i, spec in enumerate(config.references or [])]
    systems = {name: reader.load(spec, f"testset.systems.{name}") for name, spec in specs.items()}
    _check_line_counts(reader.records, [source, *references, *systems.values()])
    size = len(source)
    kept = _kept_segments(options.empty_reference, reader.records[1 : 1 + len(references)], references, size)
    if len(kept) < size:
        source = [source[i] for i in kept]
        references = [[refs[i] for i in kept] for refs in references]
        systems = {name: [lines[i] for i in kept] for name, lines in systems.items()}
    line_numbers = [i + 1 for i in kept]
    testset = TestSet(
        name=options.name or check_name("testset.name (from testset.source)", _default_name(str(config.source))),
        source=source,
        references=references,
        systems=systems,
        line_numbers=line_numbers,
        excluded_lines=_excluded(kept, size),
        normalization=describe(options.unicode_form, options.strip),
        inputs=reader.records,
    )
    for name, hypotheses in testset.systems.items():
        testset.flags[name] = check_system(hypotheses, testset.source, testset.references, line_numbers, options.length_ratio)
    return testset


@dataclass
class _Options:
    """The test-set options, checked."""

    unicode_form: str
    strip: bool
    empty_reference: str
    length_ratio: float
    max_chars: int
    max_bytes: int
    name: Optional[str]


def _check_options(config: Any, require_references: bool) -> _Options:
    """Every test-set option, refused before any file is read."""
    unicode_form = check_unicode_form(str(config.normalize.unicode))
    policy = str(config.empty_reference)
    if policy not in EMPTY_REFERENCE_POLICIES:
        raise ConfigError(f"testset.empty_reference={policy!r}: use 'error' (refuse the test set) or 'exclude' (drop such segments everywhere).")
    ratio = config.length_ratio_flag
    if ratio is None or not math.isfinite(float(ratio)) or float(ratio) <= 1:
        raise ConfigError(f"testset.length_ratio_flag={config.length_ratio_flag!r}: must be a number above 1 (e.g. 2.0 flags outputs under half or over twice the reference length).")
    if not config.source:
        raise ConfigError("testset.source is not set. Name the source file: testset.source=PATH.")
    if not list(config.references or []) and require_references:
        raise ConfigError(
            "testset.references is empty. Name one or more reference files: testset.references=[ref.en] "
            "(only reference-free metrics, e.g. metrics=[comet] with a QE model, can run without)."
        )
    max_chars = whole_number("testset.max_line_chars", config.max_line_chars, 1)
    # Read with a default: a schema without the key (an older config) keeps the documented limit.
    max_bytes = whole_number("testset.max_input_bytes", getattr(config, "max_input_bytes", DEFAULT_MAX_INPUT_BYTES), 1)
    name = check_name("testset.name", config.name) if config.name is not None else None
    return _Options(unicode_form, bool(config.normalize.strip_format_chars), policy, float(ratio), max_chars, max_bytes, name)


class _Reader:
    """Reads each input, normalises it, and keeps a record of both."""

    def __init__(self, options: _Options, column: str, memory: Optional[Mapping[str, Sequence[str]]]) -> None:
        self.options, self.column, self.memory = options, column, memory
        self.records: List[InputRecord] = []

    def load(self, spec: str, role: str) -> List[str]:
        raw: RawInput = read_input(spec, self.column, role, self.options.max_chars, self.memory, self.options.max_bytes)
        lines, counts = normalize_segments(raw.lines, self.options.unicode_form, self.options.strip)
        self.records.append(InputRecord(role, raw.origin, raw.had_bom, raw.had_crlf, counts))
        return lines


def _kept_segments(policy: str, records: Sequence[InputRecord], references: Sequence[List[str]], size: int) -> List[int]:
    """The 0-based segments kept under ``testset.empty_reference``: all of
    them, or those whose references are all non-empty (with ``exclude``);
    ``error`` refuses a test set with an empty reference, naming the lines."""
    empty = sorted({i for refs in references for i, text in enumerate(refs) if not text.strip()})
    if not empty:
        return list(range(size))
    if policy == "error":
        where = "; ".join(
            f"{record.origin} line(s) {_short_list([i + 1 for i, t in enumerate(refs) if not t.strip()])}"
            for record, refs in zip(records, references)
            if any(not t.strip() for t in refs)
        )
        raise InputError(
            f"empty reference segments: {where}. An empty reference cannot be scored fairly "
            "(sacrebleu's chrF silently skips it). Fill it in, or set testset.empty_reference=exclude to drop those segments from every system."
        )
    dropped = set(empty)
    kept = [i for i in range(size) if i not in dropped]
    if not kept:
        raise InputError("every segment has an empty reference; nothing is left to score.")
    return kept


def _excluded(kept: Sequence[int], size: int) -> List[int]:
    """The 1-based lines not kept."""
    keep = set(kept)
    return [i + 1 for i in range(size) if i not in keep]


def _system_specs(systems: Any) -> Dict[str, str]:
    if not systems:
        raise ConfigError("testset.systems is empty. Name at least one system: testset.systems={mine:hyp.en}.")
    if isinstance(systems, Sequence) and not isinstance(systems, str):
        systems = _named_by_stem([str(spec) for spec in systems])
    if not isinstance(systems, Mapping):
        raise ConfigError(f"testset.systems must map names to files, e.g. testset.systems={{mine:hyp.en,base:base.en}}; got {systems!r}.")
    specs: Dict[str, str] = {}
    seen: Dict[str, str] = {}
    for name, spec in systems.items():
        check_name(f"testset.systems ({visible(str(name))!r})", name)
        key = str(name).strip().lower()
        if key in seen:
            raise ConfigError(f"testset.systems: two systems are named {name!r} and {seen[key]!r}. Give every system its own name.")
        if spec is None or not str(spec).strip():
            raise ConfigError(f"testset.systems.{name} has no file. Give a path: testset.systems.{name}=PATH.")
        seen[key] = str(name)
        specs[str(name)] = str(spec)
    return specs


def _named_by_stem(specs: List[str]) -> Dict[str, str]:
    """``testset.systems=[a.en,b.en]``: systems named by file stem, as
    sacrebleu's ``-i a.en b.en`` does without names."""
    named: Dict[str, str] = {}
    for spec in specs:
        stem = Path(spec.partition("#")[0]).stem or spec
        if stem in named:
            raise ConfigError(f"testset.systems: {named[stem]} and {spec} would both be named {stem!r}. Name them: testset.systems={{a:{named[stem]},b:{spec}}}.")
        named[stem] = spec
    return named


def _check_line_counts(records: Sequence[InputRecord], inputs: Sequence[List[str]]) -> None:
    counts = [len(lines) for lines in inputs]
    if len(set(counts)) > 1:
        detail = ", ".join(f"{record.role} ({record.origin}) has {count}" for record, count in zip(records, counts))
        raise InputError(f"line counts differ: {detail}. Every file needs exactly one line per source segment.")


def _short_list(numbers: Sequence[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def _default_name(source_spec: str) -> str:
    """The source's folder, or its stem for a file in the working directory."""
    if source_spec.startswith(MEMORY_PREFIX):
        return "in-memory test set"
    path = Path(source_spec.partition("#")[0])
    return path.parent.name or path.stem
