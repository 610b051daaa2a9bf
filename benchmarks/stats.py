"""Statistics: mt-eval vs sacrebleu --paired-bs, 4 systems × 2,000 segments,
BLEU + chrF + TER, 1,000 bootstrap resamples.

    python benchmarks/stats.py [--segments 2000] [--systems 4] [--resamples 1000]

sacrebleu tests each system against the first (a baseline), re-extracting
statistics and re-resampling the baseline for every comparison. mt-eval
scores every system once, resamples each once with shared indices, and tests
all pairs, with intervals and rank groups. Both sides run as command-line
tools, including scoring; "statistics only" times mt-eval's analysis step
in-process on the same data.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _synthetic import make_testset  # noqa: E402

METRICS = ["bleu", "chrf", "ter"]


def timed(command) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def analysis_only(report_json: Path, resamples: int) -> float:
    """Time mt-eval's statistics step alone on the statistics a run stored."""
    import copy

    from omegaconf import OmegaConf

    from mt_eval.analysis import analyse
    from mt_eval.config import StatsConfig
    from mt_eval.metrics.registry import METRICS as REGISTRY
    from mt_eval.results import RunResult

    result = RunResult.load(report_json)
    settings = OmegaConf.structured(StatsConfig(resamples=resamples))
    by_metric = {m: {s.name: copy.deepcopy(s.scores[m]) for s in result.systems} for m in result.metrics}
    for scores in by_metric.values():
        for score in scores.values():
            score.signature = score.signature_parts["metric"]
    functions = {m: REGISTRY[m](result.config[m]).score_function() for m in result.metrics}
    start = time.perf_counter()
    analyse(by_metric, functions, result.testset.segments, settings)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=2000)
    parser.add_argument("--systems", type=int, default=4)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        data = make_testset(Path(tmp) / "data", args.segments, args.systems)
        systems = data["systems"]
        ours_cmd = [
            sys.executable, "-m", "mt_eval", f"testset.source={data['source']}", f"testset.references=[{data['reference']}]",
            "testset.systems={" + ",".join(f"{n}:{p}" for n, p in systems.items()) + "}",
            f"metrics=[{','.join(METRICS)}]", f"stats.resamples={args.resamples}", "report.terminal=false",
        ]
        ours_1 = timed(ours_cmd + ["jobs=1", f"report.dir={tmp}/r1"])
        ours_n = timed(ours_cmd + ["jobs=0", f"report.dir={tmp}/rn"])
        stats_only = analysis_only(Path(tmp) / "r1" / "report.json", args.resamples)
        sacre = [sys.executable, "-m", "sacrebleu", str(data["reference"]), "-i", *map(str, systems.values()),
                 "-m", *METRICS, "--paired-bs", "--paired-bs-n", str(args.resamples)]
        sacre_1 = timed(sacre)
        sacre_n = timed(sacre + ["--paired-jobs", str(cores)])
    k = args.systems
    print(f"{k} systems × {args.segments} segments, {', '.join(METRICS)}, {args.resamples} resamples, {cores} cores")
    print(f"mt-eval, 1 process (scores, CIs, all {k * (k - 1) // 2} pairs, rank groups): {ours_1:8.2f} s")
    print(f"mt-eval, jobs=0 ({cores} processes for scoring):                {ours_n:8.2f} s")
    print(f"  of which statistics (in-process, all pairs):          {stats_only:8.2f} s")
    print(f"sacrebleu --paired-bs, 1 job ({k - 1} pairs vs baseline):       {sacre_1:8.2f} s")
    print(f"sacrebleu --paired-bs --paired-jobs {cores}:                   {sacre_n:8.2f} s")
    print(f"ratio sacrebleu 1 job / mt-eval 1 process:              {sacre_1 / ours_1:8.2f}×")
    print(f"ratio sacrebleu {cores} jobs / mt-eval jobs=0:                 {sacre_n / ours_n:8.2f}×")


if __name__ == "__main__":
    main()
