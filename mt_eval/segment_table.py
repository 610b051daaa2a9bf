"""The columnar file beside ``report.json``: ``segments.parquet``.

One row per system × segment, in system order then segment order:
``system``, ``segment`` (0-based), ``line`` (in the input files), ``source``,
``references`` (list), ``output``, then per metric ``<metric>`` (the segment
score, null where the metric was skipped) and, for metrics with sufficient
statistics (BLEU, chrF, TER), ``<metric>.stats`` (sacrebleu's per-segment
statistics as a fixed-size list of float64). The schema metadata
``mt_eval.run_id`` holds the run id report.json names (see report_seal). It
loads with pandas or `datasets` without mt-eval; the gate reads a
baseline's statistics from it.

Built column by column with pyarrow (texts and numbers never pass through
Python objects one by one), so it stays cheap at a million segments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from .errors import InputError
from .report_seal import RUN_ID_KEY

FILE_NAME = "segments.parquet"
# The table's own columns; every other is a metric's (``<metric>``, ``<metric>.stats``).
TABLE_COLUMNS = frozenset({"system", "segment", "line", "source", "references", "output"})


def build_table(result: Any) -> Any:
    """The pyarrow Table of a RunResult."""
    import pyarrow as pa

    source: List[str] = list(result.testset.texts.source)
    references: List[List[str]] = [list(r) for r in result.testset.texts.references]
    size = result.testset.segments
    lines = np.asarray(result.testset.line_numbers or range(1, size + 1), dtype=np.int64)
    widths = {}
    for metric in result.metrics:
        for system in result.systems:
            score = system.scores.get(metric)
            if score is not None and score.ok and score.stats is not None and len(score.stats):
                widths[metric] = int(np.asarray(score.stats).shape[1])
                break
    source_array = pa.array(source, type=pa.string()) if source else pa.nulls(size, pa.string())
    if references:
        refs_flat = pa.array([text for row in zip(*references) for text in row], type=pa.string())
        offsets = pa.array(np.arange(0, (size + 1) * len(references), len(references), dtype=np.int32))
        references_array = pa.ListArray.from_arrays(offsets, refs_flat)
    else:
        references_array = pa.array([[] for _ in range(size)], type=pa.list_(pa.string()))
    tables = []
    for system in result.systems:
        columns: Dict[str, Any] = {
            "system": pa.array([system.name] * size, type=pa.string()),
            "segment": pa.array(np.arange(size, dtype=np.int64)),
            "line": pa.array(lines),
            "source": source_array,
            "references": references_array,
            "output": pa.array(list(system.outputs), type=pa.string()) if system.outputs else pa.nulls(size, pa.string()),
        }
        for metric in result.metrics:
            score = system.scores.get(metric)
            ok = score is not None and score.ok and score.segments is not None
            columns[metric] = pa.array(np.asarray(score.segments, dtype=np.float64)) if ok else pa.nulls(size, pa.float64())
            if metric in widths:
                list_type = pa.list_(pa.float64(), widths[metric])
                if ok and score.stats is not None:
                    flat = pa.array(np.ascontiguousarray(np.asarray(score.stats, dtype=np.float64)).ravel())
                    columns[f"{metric}.stats"] = pa.FixedSizeListArray.from_arrays(flat, widths[metric])
                else:
                    columns[f"{metric}.stats"] = pa.nulls(size, list_type)
        tables.append(pa.table(columns))
    table = pa.concat_tables(tables) if tables else pa.table({})
    return table.replace_schema_metadata({RUN_ID_KEY: str(result.run_id).encode("ascii")})


def render(result: Any) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = pa.BufferOutputStream()
    pq.write_table(build_table(result), buffer, compression="zstd")
    return buffer.getvalue().to_pybytes()


def read_into(report: Dict[str, Any], data: bytes, path: Path, report_path: Path, run_id: Optional[str] = None, rows: Optional[int] = None) -> Dict[str, Any]:
    """Put texts, outputs and statistics from ``segments.parquet`` (its
    bytes, read from ``path``) back into a schema-2 report dict, so it reads
    as a whole run. The file must be this report's: its run id (when the
    report names one), its row count, its systems and segments, and every
    segment score report.json records. Every failure is an InputError
    naming the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # ParquetFile on one thread: pq.read_table of an in-memory buffer goes
        # through Arrow's dataset scanner, whose threads can abort the process
        # at exit (apache/arrow#34314); the decode is cheap either way.
        table = pq.ParquetFile(pa.BufferReader(data)).read(use_threads=False)
    except Exception as error:  # pyarrow raises its own types for damaged files
        raise InputError(f"{path}: not a readable Parquet file ({type(error).__name__}: {error}).") from None
    if run_id is not None:
        found = (table.schema.metadata or {}).get(RUN_ID_KEY, b"").decode("ascii", "replace")
        if found != run_id:
            raise InputError(f"{path}: belongs to run {found or '(none named)'}, not to run {run_id} of {report_path}. "
                              "Copy a report set whole.")
    size = report["testset"]["segments"]
    expected_rows = size * len(report["systems"])
    if rows is not None and table.num_rows != rows:
        raise InputError(f"{path}: {table.num_rows} rows, {report_path} records {rows}.")
    if table.num_rows != expected_rows:
        raise InputError(f"{path}: {table.num_rows} rows, but {report_path} has {len(report['systems'])} systems × {size} segments.")
    required = {"system", "segment", "source", "references", "output"}
    missing = required - set(table.column_names)
    if missing:
        raise InputError(f"{path}: columns {', '.join(sorted(missing))} are missing.")
    stored_metrics = {name for name in table.column_names if name not in TABLE_COLUMNS and not name.endswith(".stats")}
    if stored_metrics != set(report["metrics"]):
        raise InputError(f"{path}: holds scores of {', '.join(sorted(stored_metrics)) or 'no metric'}, but {report_path} lists "
                         f"{', '.join(report['metrics']) or 'none'}. The files are from different runs, or one was edited.")
    systems = table.column("system").to_pylist()
    order: Dict[str, List[int]] = {}
    for index, name in enumerate(systems):
        order.setdefault(name, []).append(index)
    first: Optional[List[int]] = None
    for system in report["systems"]:
        rows_of = order.get(system["name"])
        if rows_of is None or len(rows_of) != size:
            raise InputError(f"{path}: system {system['name']!r} has {0 if rows_of is None else len(rows_of)} rows, the report says {size} segments.")
        segment = np.asarray(table.column("segment").take(rows_of).to_numpy())
        if not np.array_equal(segment, np.arange(size)):
            raise InputError(f"{path}: the rows of system {system['name']!r} are not segments 0..{size - 1} in order.")
        first = first or rows_of
        system["outputs"] = table.column("output").take(rows_of).to_pylist()
        for metric in report["metrics"]:
            if metric not in system["scores"] or system["scores"][metric].get("status", "ok") != "ok":
                # A metric report.json says was not scored has no scores here either.
                for column in (metric, f"{metric}.stats"):
                    if column in table.column_names and table.column(column).take(rows_of).null_count != size:
                        raise InputError(f"{path}: holds {column} scores of system {system['name']!r}, which {report_path} says "
                                         f"{metric} did not score. The files are from different runs, or one was edited.")
        for metric, score in system["scores"].items():
            if score.get("status", "ok") != "ok":
                continue
            _check_segment_scores(table, path, report_path, system["name"], metric, score.get("segments"), rows_of)
            column = f"{metric}.stats"
            if column not in table.column_names:
                continue  # whether the metric needs them is the metric's to say (report_loader)
            values = table.column(column).take(rows_of)
            if values.null_count:
                raise InputError(f"{path}: {column} is empty for system {system['name']!r}, which the report says was scored.")
            stats = np.asarray(values.combine_chunks().flatten().to_numpy(zero_copy_only=False), dtype=np.float64).reshape(size, -1)
            if not np.all(np.isfinite(stats)):
                raise InputError(f"{path}: {column} of system {system['name']!r} holds a value that is not a finite number.")
            score["stats"] = stats
    assert first is not None
    report["testset"]["texts"] = {
        "source": table.column("source").take(first).to_pylist(),
        "references": [list(column) for column in zip(*table.column("references").take(first).to_pylist())],
    }
    return report


def _check_segment_scores(table: Any, path: Path, report_path: Path, system: str, metric: str, recorded: Optional[List[float]], rows: List[int]) -> None:
    """The segment scores report.json records are the ones in the file
    (both are float64: JSON's shortest repr reads back exactly)."""
    if metric not in table.column_names:
        raise InputError(f"{path}: column {metric} is missing, though the report says system {system!r} was scored with it.")
    stored = table.column(metric).take(rows)
    if stored.null_count:
        raise InputError(f"{path}: column {metric} is empty for system {system!r}, which the report says was scored.")
    if recorded is None:
        return
    values = np.asarray(stored.to_numpy(zero_copy_only=False), dtype=np.float64)
    differing = np.flatnonzero(values != np.asarray(recorded, dtype=np.float64))
    if differing.size:
        i = int(differing[0])
        raise InputError(f"{path}: segment scores of system {system!r}, {metric}, differ from those in {report_path} "
                          f"(first at segment {i}: {values[i]!r} here, {recorded[i]!r} there). The files are from different runs, "
                          "or one was edited.")
