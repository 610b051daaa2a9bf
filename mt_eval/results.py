"""The run's results: one documented, versioned object that every report reads.

``RunResult.to_dict()`` is exactly what ``report.json`` holds and
``RunResult.from_dict()`` reads it back (the gate compares two of them).
Bump ``SCHEMA_VERSION`` on any change a reader could notice.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from .errors import InputError
from .metric_info import MetricInfo
from . import report_seal, segment_table
from .report_check import check_report
from .report_seal import FileSeal

# 2.0: texts, outputs and sufficient statistics moved from report.json to
# segments.parquet beside it (see segment_table). 1.x reports still load.
# 2.1: ``metric_info``, each metric's facts (label, direction, digits,
# scale, tie tolerance) as the metric declared them; 2.0 and 1.x reports are
# given them from the metric registry when they load.
# 2.2: ``metric_info.*.identity`` (every option that can change a score,
# what the gate and merge compare), and the seal: ``run_id`` and ``files`` (each data file's content hash,
# size and row count); loading verifies them (see report_seal).
# Every older report is upgraded when it loads: a RunResult always holds the
# current layout, and is written as the current schema.
SCHEMA_VERSION = "2.2"
SEALED_SINCE = (2, 2)


@dataclass
class MetricResult:
    """One metric's result for one system."""

    metric: str
    status: str = "ok"  # "ok" or "skipped"
    score: Optional[float] = None
    signature: Optional[str] = None
    segments: Optional[List[float]] = None  # per-segment scores, in test-set order
    segment_signature: Optional[str] = None  # sentence-level settings differ for BLEU
    higher_is_better: bool = True
    reason: Optional[str] = None  # why it was skipped
    # Per-segment sufficient statistics (sacrebleu's n-gram/character/edit
    # counts, segments × statistics): what a corpus score is recomputed from
    # when resampling. Written to segments.parquet, not report.json.
    stats: Optional[Any] = None
    details: Dict[str, Any] = field(default_factory=dict)
    # The pieces joined in `signature`: metric (the metric's own signature),
    # normalization, statistics. The gate compares the first two.
    signature_parts: Dict[str, str] = field(default_factory=dict)
    ci: Optional[List[float]] = None  # [low, high] bootstrap interval
    bootstrap_mean: Optional[float] = None
    rank_group: Optional[int] = None  # 1 = best; systems in a group are not significantly different

    @property
    def ok(self) -> bool:
        """True when the metric scored (False: skipped, with a reason)."""
        return self.status == "ok"

    @classmethod
    def skipped(cls, metric: str, reason: str, higher_is_better: bool = True) -> "MetricResult":
        return cls(metric=metric, status="skipped", reason=reason, higher_is_better=higher_is_better)

    def to_dict(self) -> Dict[str, Any]:
        if not self.ok:
            return {"status": self.status, "reason": self.reason, "higher_is_better": self.higher_is_better}
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("metric", "reason", "stats")}
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_dict(cls, metric: str, data: Dict[str, Any]) -> "MetricResult":
        return cls(metric=metric, **data)


@dataclass
class SystemResult:
    name: str
    origin: str
    scores: Dict[str, MetricResult] = field(default_factory=dict)
    flags: Dict[str, Any] = field(default_factory=dict)
    outputs: List[str] = field(default_factory=list)  # the normalised segments scored

    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "origin": self.origin,
            "flags": self.flags,
            "scores": {metric: result.to_dict() for metric, result in self.scores.items()},
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "SystemResult":
        return cls(
            name=data["name"],
            origin=data.get("origin", ""),
            flags=data.get("flags", {}),
            outputs=list(data.get("outputs", [])),
            scores={metric: MetricResult.from_dict(metric, value) for metric, value in data["scores"].items()},
        )


@dataclass
class TestSetTexts:
    """The normalised segments a run scored: the source, and one list per
    reference, each aligned with the source (empty when not loaded)."""

    source: List[str] = field(default_factory=list)
    references: List[List[str]] = field(default_factory=list)

    @property
    def loaded(self) -> bool:
        return bool(self.source)


@dataclass
class TestSetInfo:
    name: str
    segments: int
    checksum: str
    source: str
    references: List[str]
    normalization: str
    excluded_lines: List[int] = field(default_factory=list)
    line_numbers: List[int] = field(default_factory=list)
    inputs: List[Dict[str, Any]] = field(default_factory=list)
    # The normalised segments (kept in segments.parquet, not report.json).
    texts: TestSetTexts = field(default_factory=TestSetTexts)

    __test__ = False

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "TestSetInfo":
        values = {key: value for key, value in data.items() if key in TESTSET_FIELDS}
        texts = values.pop("texts", None) or {}
        return cls(**values, texts=TestSetTexts(source=list(texts.get("source") or []),
                                                references=[list(r) for r in texts.get("references") or []]))


TESTSET_FIELDS = {f.name for f in fields(TestSetInfo)}


@dataclass
class RunResult:
    testset: TestSetInfo
    metrics: List[str]
    systems: List[SystemResult]
    config: Dict[str, Any] = field(default_factory=dict)
    tool: Dict[str, str] = field(default_factory=dict)
    created: str = ""
    # The layout this object holds: always the current one (older reports
    # are upgraded when they load, so nothing is written under an old label).
    schema_version: str = SCHEMA_VERSION
    # Settings of the statistics, and whether the test set is too small for them.
    statistics: Dict[str, Any] = field(default_factory=dict)
    comparisons: List[Dict[str, Any]] = field(default_factory=list)
    # Each metric's facts as it declared them (see metrics.base.MetricInfo).
    metric_info: Dict[str, MetricInfo] = field(default_factory=dict)
    # The seal of the report set this result was last written as or read
    # from: its run id, and each data file's hash, size and row count
    # (reports.files sets them when it renders a set; empty before that, and
    # for a report older than schema 2.2).
    run_id: str = ""
    files: Dict[str, FileSeal] = field(default_factory=dict)
    # The report.json it was read from, and the file its texts and
    # statistics were read from ("" when not read from files).
    origin: str = field(default="", compare=False)
    data_origin: str = field(default="", compare=False)

    def info(self, metric: str) -> MetricInfo:
        """The facts of one of the run's metrics: as recorded, or (for a
        report from before they were) from the registry or the scores."""
        if metric not in self.metric_info:
            self.metric_info[metric] = _fallback_info(self, metric)
        return self.metric_info[metric]

    def system(self, name: str) -> SystemResult:
        for system in self.systems:
            if system.name == name:
                return system
        raise KeyError(name)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,  # to_dict writes the current layout, whatever was read
            "run_id": self.run_id,
            "files": {name: seal.to_dict() for name, seal in self.files.items()},
            "tool": self.tool,
            "created": self.created,
            "testset": {key: value for key, value in asdict(self.testset).items() if key != "texts"},
            "data": {"segments": segment_table.FILE_NAME},
            "metrics": self.metrics,
            "metric_info": {metric: self.info(metric).to_dict() for metric in self.metrics},
            "systems": [system.to_dict() for system in self.systems],
            "statistics": self.statistics,
            "comparisons": self.comparisons,
            "config": self.config,
        }

    def to_json(self) -> str:
        # Strict JSON: a NaN or infinity is a bug, and fails here rather than in a reader's parser.
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "RunResult":
        return cls(
            run_id=data.get("run_id", ""),
            files={name: FileSeal.from_dict(seal) for name, seal in (data.get("files") or {}).items()},
            tool=data.get("tool", {}),
            created=data.get("created", ""),
            testset=TestSetInfo.from_dict(data["testset"]),
            metrics=list(data["metrics"]),
            metric_info={metric: MetricInfo.from_dict(info) for metric, info in (data.get("metric_info") or {}).items()},
            systems=[SystemResult.from_dict(system) for system in data["systems"]],
            config=data.get("config", {}),
            statistics=data.get("statistics", {}),
            comparisons=list(data.get("comparisons", [])),
        )

    @classmethod
    def load(cls, path: str | Path, verify: Optional[Callable[["RunResult"], None]] = None) -> "RunResult":
        """Read a report set from its ``report.json`` (or the folder holding
        it), checking every field the gate uses and the seal of every data
        file beside it; a missing, unreadable, truncated, foreign, special or
        malformed file is an InputError naming the file and the field.
        ``verify`` checks the result further (report_loader recomputes the
        scores) while the set is still open. The result holds the current
        layout whatever schema was read."""
        return report_seal.read_set(Path(path), lambda opened: cls._read(opened, verify))

    @classmethod
    def _read(cls, opened: report_seal.OpenSet, verify: Optional[Callable[["RunResult"], None]]) -> "RunResult":
        path = opened.report_path
        text = _decode(opened.read_report(), path)
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except (json.JSONDecodeError, ValueError, RecursionError) as error:
            raise InputError(f"{path}: not a readable report.json ({error}). Was the file truncated? Re-create it with mt-eval.") from None
        if not isinstance(data, dict) or "schema_version" not in data:
            raise InputError(f"{path}: not an mt-eval report (no schema_version).")
        version = _schema(data["schema_version"], path)
        sealed = version >= SEALED_SINCE
        check_report(data, str(path), sealed)
        if version[0] == 1:  # texts and statistics inside report.json, as lists
            _upgrade_from_1(data)
            for key in ("run_id", "files"):
                data.pop(key, None)  # schema 1 had no seal; a seal pasted in vouches for nothing
        else:  # texts and statistics live beside it
            name = (data.get("data") or {}).get("segments", segment_table.FILE_NAME)
            if not isinstance(name, str) or "/" in name or "\\" in name or name in ("", ".", ".."):
                raise InputError(f"{path}: data.segments must be a file name beside the report, found {name!r}.")
            seal = FileSeal.from_dict(data["files"][name]) if sealed else None
            raw = opened.read_data(name, seal)
            data = segment_table.read_into(data, raw, opened.folder / name, path, data["run_id"] if sealed else None,
                                           seal.rows if seal is not None else None)
            if not sealed:
                data.pop("run_id", None)
                data.pop("files", None)
        try:
            result = cls.from_dict(data)
        except (KeyError, TypeError) as error:
            raise InputError(f"{path}: the report is incomplete or malformed (missing or unexpected field {error}).") from None
        result.origin = str(path)
        result.data_origin = str(path if version[0] == 1 else opened.folder / name)
        if verify is not None:
            verify(result)
        return result


def _schema(version: Any, path: Path) -> Tuple[int, int]:
    """(major, minor) of a schema this version reads: 1.x, 2.0 up to ours."""
    current = tuple(int(part) for part in SCHEMA_VERSION.split("."))
    match = re.fullmatch(r"(\d{1,4})\.(\d{1,4})", version) if isinstance(version, str) else None
    if match is None:
        raise InputError(f"{path}: schema_version {version!r} is not a schema version of mt-eval's reports (e.g. {SCHEMA_VERSION!r}).")
    parsed = (int(match.group(1)), int(match.group(2)))
    if parsed > current:
        raise InputError(f"{path}: report schema {version} is newer than this mt-eval reads (up to {SCHEMA_VERSION}); upgrade mt-eval to read it.")
    if parsed[0] < 1:
        raise InputError(f"{path}: report schema {version} cannot be read by this mt-eval (schema {SCHEMA_VERSION}).")
    return parsed


def _upgrade_from_1(data: Dict[str, Any]) -> None:
    """Schema 1 kept statistics inside report.json as lists of rows; the
    current layout holds them as arrays, as read from segments.parquet."""
    for system in data["systems"]:
        for score in system["scores"].values():
            if score.get("stats") is not None:
                score["stats"] = np.asarray(score["stats"], dtype=np.float64).reshape(len(score["stats"]), -1)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: the report file is not UTF-8 text (byte {error.start}).") from None


def _fallback_info(run: RunResult, metric: str) -> MetricInfo:
    """A metric's facts for a report written before report.json recorded
    them, from what its scores say (``report_loader`` fills in the
    registered metric's own facts when it loads such a report)."""
    scored = [s.scores[metric] for s in run.systems if metric in s.scores]
    return MetricInfo(name=metric, label=metric, higher_is_better=scored[0].higher_is_better if scored else True)
