"""Bounded work, known up front: the memory a run will need, estimated from
its counts before any scoring, against the memory this machine can give.

The statistics of a run grow with systems², not with the test set: every
pair of systems gets a paired test, a row in report.json and an entry in the
HTML page's pair view, for every metric. 2,000 systems are 1,999,000 pairs
a metric. ``estimate`` counts, from the data structures the run allocates,
what the statistics and reports of a run hold at their peak; ``check``
refuses (exit 2) a run whose estimate is above the memory available,
naming the estimate and what each option that shrinks it would need.

``estimate`` and ``check`` are pure; ``available_memory`` reads the machine
(/proc/meminfo's MemAvailable, the cgroup's limit, ``ulimit -v``).
"""

from __future__ import annotations

import resource
from dataclasses import dataclass, replace
from pathlib import Path
from itertools import combinations
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import stats as st
from .errors import ConfigError

# Measured per-item costs, rounded up (tracemalloc of each part, and the
# peak RSS of whole runs: docs/performance.md). Per metric:
#
# A tested pair: its Comparison and report.json dict (~0.7 KB) and its rows
# of report.json while written (~2.2 KB).
TEST_BYTES = 3 * 1024
# Any pair, when report.html is written: its wins/ties/losses and length
# buckets in the page's pair view, counted for every pair (~3.1 KB).
VIEW_BYTES = 3 * 1024
# A cell of the systems × systems wins matrix (report.md, the terminal).
CELL_BYTES = 16
# A system × segment: sufficient statistics (float64, up to ~30 columns for
# chrF++), the segment score, its segments.parquet row (~0.4–0.7 KB).
SEGMENT_BYTES = 1024
# A system × resample: the resampled score (float64) and its copy while the
# chunks are joined.
RESAMPLE_BYTES = 16


@dataclass(frozen=True)
class Workload:
    """The counts and options that size a run."""

    systems: int
    metrics: int
    segments: int
    resamples: int
    method: str = "bootstrap"  # bootstrap | ar | none
    trials: int = 10000
    against_baseline: bool = False  # stats.baseline: systems - 1 pairs, not all
    formats: Tuple[str, ...] = ("json", "md", "html")  # report.formats; report.html's pair view counts every pair

    @property
    def html(self) -> bool:
        return "html" in self.formats

    @property
    def all_pairs(self) -> int:
        return self.systems * (self.systems - 1) // 2

    @property
    def pairs(self) -> int:
        """Pairs tested per metric."""
        if self.method == "none" or self.systems < 2:
            return 0
        return self.systems - 1 if self.against_baseline else self.all_pairs


@dataclass(frozen=True)
class Estimate:
    workload: Workload
    parts: Dict[str, int]  # what needs the memory → bytes

    @property
    def total(self) -> int:
        return sum(self.parts.values())


def estimate(work: Workload) -> Estimate:
    """The bytes a run of ``work`` holds at its peak, beyond what is already
    loaded (the texts), by part. Monotone in every count."""
    segments = max(1, work.segments)
    # stats.bootstrap_weight_chunks: one chunk of rows at a time (CHUNK_BYTES
    # of float64 weights, at least one row), as drawn indices (int64), counts
    # (int64) and weights (float64).
    weight_cells = min(work.resamples * segments, max(segments, st.CHUNK_BYTES // 8))
    parts = {
        "pair tests": work.pairs * work.metrics * TEST_BYTES,
        "the HTML pair view": (work.all_pairs * work.metrics * VIEW_BYTES) if work.html else 0,
        "wins matrices": (work.systems ** 2 * work.metrics * CELL_BYTES) if work.pairs else 0,
        "segment statistics": work.systems * segments * work.metrics * SEGMENT_BYTES,
        "resampled scores": work.systems * work.metrics * work.resamples * RESAMPLE_BYTES,
        "resampling weights": 3 * 8 * weight_cells,
    }
    if work.method == "ar" and work.pairs:
        # stats.randomization_mask_chunks: a chunk of boolean masks (as many
        # rows as CHUNK_BYTES of float64 would hold, at least 32) and its
        # float64 copy in paired_randomization_p.
        mask_cells = min(work.trials * segments, max(32 * segments, st.CHUNK_BYTES // 8))
        parts["randomisation masks"] = 9 * mask_cells
    return Estimate(work, parts)


def check(work: Workload, available: Optional[int], source: str = "available") -> Estimate:
    """The estimate of ``work``, or a ConfigError when it is above
    ``available`` bytes (None: unknown, nothing is refused). The message
    gives the estimate, its largest part, and the options that shrink it
    enough, with the estimate each would give."""
    found = estimate(work)
    if available is None or found.total <= available:
        return found
    largest = max(found.parts, key=lambda part: found.parts[part])
    counts = (
        f"{_count(work.systems, 'system')} × {_count(work.metrics, 'metric')} × {_count(work.segments, 'segment')}, "
        f"{_count(work.pairs, 'pair')} tested a metric, {_count(work.resamples, 'resample')}"
    )
    raise ConfigError(
        f"this run would need about {_size(found.total)} of memory ({counts}; mostly {largest}: {_size(found.parts[largest])}), "
        f"more than the {_size(available)} {source}. Nothing was scored. {_remedies(work, available)}"
    )


# Options that shrink a run, each as (what to write, the run it gives).
_OPTIONS: List[Tuple[str, Callable[[Workload], Optional[Workload]]]] = [
    ("stats.baseline=NAME (every system against one, not all pairs)",
     lambda w: replace(w, against_baseline=True) if w.pairs and not w.against_baseline and w.systems > 2 else None),
    ("stats.method=none (intervals only, no paired tests)", lambda w: replace(w, method="none") if w.pairs else None),
    ("report.formats={without_html} (report.html's pair view counts every pair)",
     lambda w: replace(w, formats=_without_html(w.formats)) if w.html and w.systems > 2 else None),
    ("stats.resamples=100", lambda w: replace(w, resamples=100) if w.resamples > 100 else None),
]


def _remedies(work: Workload, available: int) -> str:
    """The smallest sets of options (one, else two) that make the run fit,
    with what each would need."""
    for size in (1, 2):
        fitting = []
        for chosen in combinations(_OPTIONS, size):
            changed: Optional[Workload] = work
            for _, apply in chosen:
                changed = apply(changed) if changed is not None else None
            if changed is not None and estimate(changed).total <= available:
                said = " and ".join(text.format(without_html="[" + ",".join(_without_html(work.formats)) + "]") for text, _ in chosen)
                fitting.append(f"{said}: about {_size(estimate(changed).total)}")
        if fitting:
            return "It would fit with " + "; or ".join(fitting) + ". Or score fewer systems or segments a run."
    return "Score fewer systems or segments a run (groups of systems scored in separate runs can be merged: see docs/scaling-out.md)."


def _without_html(formats: Sequence[str]) -> Tuple[str, ...]:
    return tuple(f for f in formats if f != "html") or ("json",)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _size(count: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}"
    return f"{count / 1e3:,.1f} kB"


# ---------------------------------------------------------------- the machine

def available_memory() -> Optional[Tuple[int, str]]:
    """The bytes this process may still allocate, and what limits it: the
    least of the kernel's estimate of memory available without swapping
    (/proc/meminfo MemAvailable), the room left under this process's cgroup
    limits (v2 memory.max, v1 memory.limit_in_bytes, ancestors included),
    and ``ulimit -v``. None where none of them can be read."""
    found = [limit for limit in (_meminfo(), _cgroup_room(), _address_space_room()) if limit is not None]
    return min(found) if found else None


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _meminfo() -> Optional[Tuple[int, str]]:
    text = _read(Path("/proc/meminfo")) or ""
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024, "available on this machine (MemAvailable)"
    return None


def _cgroup_room() -> Optional[Tuple[int, str]]:
    """Room under the tightest limit of this process's cgroup and its ancestors."""
    rooms: List[int] = []
    for line in (_read(Path("/proc/self/cgroup")) or "").splitlines():
        hierarchy, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if hierarchy == "0" and controllers == "":
            root, limit_name, usage_name = Path("/sys/fs/cgroup"), "memory.max", "memory.current"
        elif "memory" in controllers.split(","):
            root, limit_name, usage_name = Path("/sys/fs/cgroup/memory"), "memory.limit_in_bytes", "memory.usage_in_bytes"
        else:
            continue
        folder = root / path.lstrip("/")
        while True:
            limit, usage = _read(folder / limit_name), _read(folder / usage_name)
            # "max" (v2) or a page-rounded 2**63 (v1) mean no limit.
            if limit and limit.isdigit() and int(limit) < 1 << 60 and usage and usage.isdigit():
                rooms.append(max(0, int(limit) - int(usage)))
            if folder == root or root not in folder.parents:
                break
            folder = folder.parent
    return (min(rooms), "left under this process's cgroup memory limit") if rooms else None


def _address_space_room() -> Optional[Tuple[int, str]]:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    size = 0
    for line in (_read(Path("/proc/self/status")) or "").splitlines():
        if line.startswith("VmSize:"):
            size = int(line.split()[1]) * 1024
    return max(0, soft - size), "left under this process's address-space limit (ulimit -v)"


def check_run(settings: Any, formats: Sequence[str], systems: int, metrics: int, segments: int,
              available: Optional[Tuple[int, str]] = None) -> Estimate:
    """``check`` for a run's statistics settings (``stats.*``), report
    formats and counts, against ``available`` (default: this machine, read now)."""
    machine = available if available is not None else available_memory()
    work = Workload(
        systems=systems, metrics=metrics, segments=segments,
        resamples=int(settings.resamples), method=str(settings.method), trials=int(settings.trials),
        against_baseline=settings.baseline is not None, formats=tuple(str(f) for f in formats),
    )
    return check(work, machine[0] if machine else None, machine[1] if machine else "")
