"""Large test sets: mt-eval against the sacrebleu CLI on the same files, in one run.

    python benchmarks/scale.py                                  # 1 × 100k, BLEU + chrF, default formats
    python benchmarks/scale.py --systems 4 --paired             # 4 × 100k, intervals + all-pairs paired bootstrap vs --paired-bs
    python benchmarks/scale.py --segments 1000000 --systems 2 --paired --mt-eval-only   # 1M × 2

Data: benchmarks/_corpus.py (trigram-chain English from Python's own
documentation, no sentence repeated anywhere; see its docstring). Each tool
runs as its own process; wall time is measured around it, and peak memory
is the highest total resident memory of the process and all its children,
sampled every 20 ms from /proc (forked workers share pages, so the sum
overstates mt-eval's real use when jobs > 1). It prints the figures, the
report files' sizes and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _children(pid: int) -> List[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _tree_rss(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
        todo += _children(current)
    return total


def measure(command: List[str], cwd: Path) -> Tuple[float, int, int]:
    """(wall seconds, peak tree RSS bytes, exit code)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    if process.returncode != 0:
        print(f"  ! {' '.join(command[:4])} … exited {process.returncode}: {err.strip()[-800:]}")
    return wall, peak, process.returncode


def html_ready_seconds(html: Path) -> Optional[float]:
    """Headless Chromium: seconds until the page's script has run (data-ready)."""
    sys.path.insert(0, str(ROOT / "tools"))
    import render_report

    if render_report.chromium() is None:
        return None
    started = time.perf_counter()
    dom, _ = render_report.render(html, None)
    elapsed = time.perf_counter() - started
    return elapsed if render_report.loaded_cleanly(dom) else None


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def gb(size: int) -> str:
    return f"{size / 1e9:.2f} GB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--systems", type=int, default=1)
    parser.add_argument("--metrics", default="bleu,chrf")
    parser.add_argument("--paired", action="store_true", help="all-pairs paired bootstrap (sacrebleu: --paired-bs against the first system)")
    parser.add_argument("--jobs", type=int, default=0, help="mt-eval's jobs (0: one per core)")
    parser.add_argument("--data", type=Path, default=None, help="where the generated test set is kept (reused when present)")
    parser.add_argument("--mt-eval-only", action="store_true", help="skip the sacrebleu CLI (e.g. at 1M segments, where it needs tens of GB)")
    parser.add_argument("--profile", type=Path, default=None, help="also write a cProfile of mt-eval's run here")
    args = parser.parse_args()
    metrics = args.metrics.split(",")
    data = args.data or Path(tempfile.gettempdir()) / f"mt-eval-scale-{args.segments}-{args.systems}"
    started = time.perf_counter()
    testset = _corpus.make_testset(data, args.segments, args.systems)
    print(f"data: {data} ({args.segments:,} segments × {args.systems} systems, made or reused in {time.perf_counter() - started:.0f} s)")
    systems: Dict[str, Path] = testset["systems"]  # type: ignore[assignment]
    out = Path(tempfile.mkdtemp(prefix="mt-eval-scale-"))
    try:
        overrides = [
            f"testset.source={testset['source']}", f"testset.references=[{testset['reference']}]",
            "testset.systems={" + ",".join(f"{name}:{path}" for name, path in systems.items()) + "}",
            f"metrics=[{','.join(metrics)}]", f"jobs={args.jobs}", "report.terminal=false", f"report.dir={out / 'report'}",
            f"stats.method={'bootstrap' if args.paired else 'none'}",
        ]
        command = [sys.executable, "-m", "mt_eval", *overrides]
        if args.profile:
            command = [sys.executable, "-m", "cProfile", "-o", str(args.profile), "-m", "mt_eval", *overrides]
        ours = measure(command, out)
        files = {p.name: p.stat().st_size for p in (out / "report").iterdir() if p.is_file()}
        print(f"mt-eval   : {ours[0]:7.1f} s  peak {gb(ours[1])}  ({'intervals + all-pairs paired bootstrap' if args.paired else 'intervals'}, jobs={args.jobs or os.cpu_count()})")
        print("  files   : " + ", ".join(f"{name} {mb(size)}" for name, size in sorted(files.items())))
        ready = html_ready_seconds(out / "report" / "report.html") if (out / "report" / "report.html").exists() else None
        if ready is not None:
            print(f"  report.html ready in headless Chromium in {ready:.2f} s (including Chromium's start)")
        if args.mt_eval_only:
            return
        sacre = [sys.executable, "-m", "sacrebleu", str(testset["reference"]), "-i", *map(str, systems.values()), "-m", *metrics]
        if args.paired:
            sacre.append("--paired-bs")
        theirs = measure(sacre, out)
        kind = "--paired-bs (each system against the first)" if args.paired else "corpus scores only"
        print(f"sacrebleu : {theirs[0]:7.1f} s  peak {gb(theirs[1])}  ({kind})")
        print(f"ratio     : wall {ours[0] / theirs[0]:.2f}× sacrebleu's, memory {ours[1] / theirs[1]:.2f}× sacrebleu's")
        summary = {"segments": args.segments, "systems": args.systems, "metrics": metrics, "paired": args.paired,
                   "mt_eval": {"wall_s": round(ours[0], 1), "peak_bytes": ours[1], "files": files, "html_ready_s": ready},
                   "sacrebleu": {"wall_s": round(theirs[0], 1), "peak_bytes": theirs[1]}}
        print(json.dumps(summary))
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
