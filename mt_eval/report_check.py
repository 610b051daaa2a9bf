"""Field-by-field validation of a ``report.json`` read back from disk.

A baseline is somebody's file: it may be truncated, hand-edited, produced by
another tool, or hostile. Before any scoring starts, every field the gate
will use is checked for its type, finiteness and length, and the first
problem is reported with its path in the document (``systems[0].scores.bleu
.score``), so a run never fails halfway, nor compares against garbage.
"""

from __future__ import annotations

import math
from typing import Any, List

from .errors import InputError
from .plain import label_problem
from .report_seal import RUN_ID, SHA256
from .segment_table import TABLE_COLUMNS


class _Problem(Exception):
    pass


def check_report(data: Any, origin: str, sealed: bool = False) -> None:
    """Raise InputError naming ``origin`` and the first bad field; ``sealed``
    (schema 2.2 on) also requires the seal: the run id and, for the data
    file the report names, its hash, size and row count."""
    try:
        _check(data, sealed)
        if sealed:
            _check_seal(data)
    except _Problem as problem:
        raise InputError(f"{origin}: not a usable mt-eval report: {problem}. Re-create it with mt-eval.") from None


def _check_seal(data: dict) -> None:
    run_id = _field(data, "run_id", str)
    _expect(RUN_ID.match(run_id) is not None, "run_id", "a run id (32 hexadecimal digits)", run_id)
    files = _field(data, "files", dict)
    named = data.get("data", {}).get("segments", "segments.parquet") if isinstance(data.get("data", {}), dict) else None
    _expect(isinstance(named, str) and named in files, "files", f"an entry for the data file {named!r} the report names", sorted(files))
    for name, seal in files.items():
        where = f"files.{name}"
        _expect(isinstance(seal, dict), where, "an object", seal)
        digest = _field(seal, "sha256", str, where + ".")
        _expect(SHA256.match(digest) is not None, where + ".sha256", "sha256: and 64 hexadecimal digits", digest)
        for key in ("bytes", "rows"):
            _expect(_field(seal, key, int, where + ".") >= 0, f"{where}.{key}", "a whole number of 0 or more", seal[key])


def _check(data: Any, sealed: bool = False) -> None:
    _expect(isinstance(data, dict), "", "an object", data)
    testset = _field(data, "testset", dict)
    segments = _field(testset, "segments", int, "testset.")
    _expect(segments >= 1, "testset.segments", "a positive number of segments", segments)
    _field(testset, "checksum", str, "testset.")
    _field(testset, "name", str, "testset.")
    metrics = _field(data, "metrics", list)
    for i, metric in enumerate(metrics):
        _expect(isinstance(metric, str), f"metrics[{i}]", "a metric name", metric)
        # segments.parquet has a column per metric beside its own columns.
        _expect(metric not in TABLE_COLUMNS and not metric.endswith(".stats"), f"metrics[{i}]",
                f"a metric name, not one of segments.parquet's own columns ({', '.join(sorted(TABLE_COLUMNS))})", metric)
    _expect(len(set(metrics)) == len(metrics), "metrics", "each metric once", metrics)
    _check_metric_info(data.get("metric_info"), metrics, sealed)
    systems = _field(data, "systems", list)
    _expect(len(systems) > 0, "systems", "at least one system", systems)
    names = set()
    for i, system in enumerate(systems):
        where = f"systems[{i}]"
        _expect(isinstance(system, dict), where, "an object", system)
        name = _field(system, "name", str, where + ".")
        _expect(bool(name.strip()), where + ".name", "a non-empty name", name)
        _expect(name not in names, where + ".name", "a name no other system has", name)
        names.add(name)
        scores = _field(system, "scores", dict, where + ".")
        for metric, score in scores.items():
            _check_score(score, f"{where}.scores.{metric}", segments)
            declared = (data.get("metric_info") or {}).get(metric, {}).get("higher_is_better")
            if declared is not None and "higher_is_better" in score:
                _expect(score["higher_is_better"] == declared, f"{where}.scores.{metric}.higher_is_better",
                        f"the direction metric_info.{metric} declares ({declared})", score["higher_is_better"])


def _check_metric_info(info: Any, metrics: List[Any], sealed: bool = False) -> None:
    """Optional (reports before schema 2.1 lack it); when present, every
    fact a renderer or the gate reads has its type and a finite value."""
    if info is None:
        return
    _expect(isinstance(info, dict), "metric_info", "an object", info)
    for metric, facts in info.items():
        where = f"metric_info.{metric}"
        _expect(metric in metrics, where, "a metric the report lists in metrics", metric)
        _expect(isinstance(facts, dict), where, "an object", facts)
        label = _field(facts, "label", str, where + ".")
        problem = label_problem(label)
        _expect(problem is None, where + ".label", f"a plain-text label (this one {problem})" if problem else "", label)
        _expect(facts.get("name", metric) == metric, where + ".name", f"the metric's own name {metric!r}", facts.get("name"))
        for key in ("higher_is_better", "needs_references"):
            if key in facts:
                _expect(isinstance(facts[key], bool), f"{where}.{key}", "true or false", facts[key])
        if "digits" in facts:
            _expect(isinstance(facts["digits"], int) and not isinstance(facts["digits"], bool) and 0 <= facts["digits"] <= 12,
                    where + ".digits", "a whole number from 0 to 12", facts["digits"])
        for key in ("scale", "tie_tolerance"):
            if key in facts:
                value = facts[key]
                _expect(isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0,
                        f"{where}.{key}", "a finite number of 0 or more", value)
        details = facts.get("shown_details", [])
        _expect(isinstance(details, list) and all(isinstance(d, list) and len(d) == 2 and all(isinstance(x, str) for x in d) for d in details),
                where + ".shown_details", "a list of [key, label] pairs", details)
        spans = facts.get("spans_detail")
        _expect(spans is None or isinstance(spans, str), where + ".spans_detail", "a details key or null", spans)
        identity = facts.get("identity", {})
        _expect(isinstance(identity, dict) and all(isinstance(key, str) for key in identity), where + ".identity",
                "an object of the metric's options", identity)
        if sealed:  # schema 2.2 on records every metric's identity
            _expect("identity" in facts, where + ".identity", "the metric's identity (schema 2.2 records it)", None)


def _check_score(score: Any, where: str, segments: int) -> None:
    _expect(isinstance(score, dict), where, "an object", score)
    status = score.get("status", "ok")
    _expect(status in ("ok", "skipped"), where + ".status", '"ok" or "skipped"', status)
    if "higher_is_better" in score:
        _expect(isinstance(score["higher_is_better"], bool), where + ".higher_is_better", "true or false", score["higher_is_better"])
    if status != "ok":
        return
    _finite(score.get("score"), where + ".score")
    for key in ("signature", "segment_signature"):
        if key in score:
            _expect(isinstance(score[key], str), f"{where}.{key}", "text", score[key])
    if "signature_parts" in score:
        parts = score["signature_parts"]
        _expect(isinstance(parts, dict) and all(isinstance(v, str) for v in parts.values()), where + ".signature_parts", "an object of texts", parts)
    if score.get("segments") is not None:
        values = score["segments"]
        _expect(isinstance(values, list) and len(values) == segments, where + ".segments", f"a list of {segments} numbers", _shape(values))
        for j, value in enumerate(values):
            _finite(value, f"{where}.segments[{j}]")
    if score.get("stats") is not None:
        rows = score["stats"]
        _expect(isinstance(rows, list) and len(rows) == segments, where + ".stats", f"a list of {segments} rows", _shape(rows))
        width = None
        for j, row in enumerate(rows):
            _expect(isinstance(row, list) and (width is None or len(row) == width), f"{where}.stats[{j}]", "a row as long as the others", _shape(row))
            width = len(row)
            for k, value in enumerate(row):
                _finite(value, f"{where}.stats[{j}][{k}]")
    if score.get("ci") is not None:
        ci = score["ci"]
        _expect(isinstance(ci, list) and len(ci) == 2, where + ".ci", "[low, high]", ci)
        for j, value in enumerate(ci):
            _finite(value, f"{where}.ci[{j}]")
        _expect(ci[0] <= ci[1], where + ".ci", "[low, high] with low at most high", ci)


def _field(container: dict, key: str, kind: type, prefix: str = "") -> Any:
    if key not in container:
        raise _Problem(f"{prefix}{key}: missing")
    value = container[key]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    _expect(ok, prefix + key, {dict: "an object", list: "a list", str: "text", int: "a whole number"}[kind], value)
    return value


def _finite(value: Any, where: str) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    _expect(ok, where, "a finite number", value)


def _expect(condition: bool, where: str, expected: str, found: Any) -> None:
    if not condition:
        shown = repr(found)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        raise _Problem(f"{where or 'the document'}: expected {expected}, found {shown}")


def _shape(value: Any) -> str:
    return f"a list of {len(value)}" if isinstance(value, list) else repr(value)[:40]


__all__: List[str] = ["check_report"]
