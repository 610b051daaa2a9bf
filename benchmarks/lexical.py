"""mt-eval vs the sacrebleu CLI on BLEU + chrF + TER, 4 systems × 10k segments.

    python benchmarks/lexical.py [--segments 10000] [--systems 4] [--metrics bleu,chrf,ter]

sacrebleu's TER is slow (its shift search, about 7 ms a segment here, in
both tools): with TER, 4 × 10k segments take the better part of an hour.

Both sides run as command-line tools (Python start-up included). mt-eval
computes corpus and segment scores for every system in one run. sacrebleu's
CLI gives corpus scores for several systems in one call, but segment scores
only one system and one metric per call (-sl), so "the same work" is the
corpus call plus one -sl call per system and metric.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _synthetic import make_testset  # noqa: E402



def timed(command, **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--systems", type=int, default=4)
    parser.add_argument("--metrics", default="bleu,chrf,ter")
    parser.add_argument("--jobs", type=int, default=0, help="mt-eval's jobs (0 = one per core)")
    args = parser.parse_args()
    metrics = args.metrics.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        data = make_testset(Path(tmp) / "data", args.segments, args.systems)
        systems = data["systems"]
        ours = timed([
            sys.executable, "-m", "mt_eval", f"testset.source={data['source']}", f"testset.references=[{data['reference']}]",
            "testset.systems={" + ",".join(f"{n}:{p}" for n, p in systems.items()) + "}",
            f"metrics=[{','.join(metrics)}]", "stats.method=none", f"jobs={args.jobs}",
            "report.formats=[json]", "report.terminal=false", f"report.dir={tmp}/report",
        ])
        sacre = [sys.executable, "-m", "sacrebleu", str(data["reference"])]
        corpus = timed(sacre + ["-i", *map(str, systems.values()), "-m", *metrics])
        segment = sum(timed(sacre + ["-i", str(path), "-m", metric, "-sl"]) for path in systems.values() for metric in metrics)
    print(f"{args.systems} systems × {args.segments} segments, metrics: {', '.join(metrics)}, mt-eval jobs={args.jobs} "
          "(intervals only, no tests: the CLI's plain run computes neither)")
    print(f"mt-eval (corpus + segment scores, one run):      {ours:8.2f} s")
    print(f"sacrebleu CLI, corpus scores only (one call):     {corpus:8.2f} s")
    print(f"sacrebleu CLI, segment scores ({len(systems) * len(metrics)} -sl calls):     {segment:8.2f} s")
    print(f"sacrebleu CLI, the same work (corpus + segments): {corpus + segment:8.2f} s")
    print(f"ratio, sacrebleu same work / mt-eval:             {(corpus + segment) / ours:8.2f}×")
    print(f"ratio, sacrebleu corpus only / mt-eval:           {corpus / ours:8.2f}×")


if __name__ == "__main__":
    main()
