"""Peak memory of the statistics on a large test set: bootstrap intervals and
paired approximate randomisation, as mt-eval runs them (chunks of
resamples), on sacrebleu BLEU statistics of 200,000 segments × 2 systems.

    python benchmarks/resampling_memory.py [--segments 200000] [--trials 10000]

The statistics are extracted by sacrebleu from synthetic unique sentences
(benchmarks/_corpus.py). Drawn whole, the AR mask alone would be trials ×
segments (2 GB as booleans, 16 GB as the float matrix it is multiplied as)
and the bootstrap index matrix 1.6 GB; in chunks, memory stays near the
statistics themselves. Prints the peak resident memory of this process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=200_000)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    import sacrebleu
    from omegaconf import OmegaConf

    from mt_eval.analysis import analyse
    from mt_eval.config import StatsConfig
    from mt_eval.metrics.lexical import Bleu, extract_statistics
    from mt_eval.results import MetricResult

    data = _corpus.make_testset(Path(f"/tmp/mt-eval-scale-{args.segments}-2"), args.segments, 2)
    references = [Path(data["reference"]).read_text(encoding="utf-8").splitlines()]
    systems = {name: Path(path).read_text(encoding="utf-8").splitlines() for name, path in data["systems"].items()}
    metric = sacrebleu.BLEU()
    metric.num_refs = 1
    stats = extract_statistics(metric, references, systems, jobs=2)
    bleu = Bleu({"tokenize": None, "lowercase": False, "smooth_method": "exp", "smooth_value": None, "max_ngram_order": 4,
                 "effective_order": False, "trg_lang": "", "force": False})
    score = bleu.score_function()
    results = {"bleu": {name: MetricResult("bleu", score=float(score(s.sum(0).tolist())), stats=s, signature="bleu") for name, s in stats.items()}}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    settings = OmegaConf.structured(StatsConfig(method="ar", trials=args.trials, resamples=args.resamples))
    started = time.perf_counter()
    comparisons = analyse(results, {"bleu": score}, args.segments, settings)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"{args.segments:,} segments × 2 systems, BLEU: {args.resamples} bootstrap resamples + paired AR with {args.trials:,} trials")
    print(f"  statistics step: {elapsed:.1f} s; peak memory of the process: {peak:.2f} GB (before the statistics step: {before:.2f} GB)")
    print(f"  p = {comparisons[0].p_value:.4f}; whole-matrix draws would need {args.trials * args.segments * 8 / 1e9:.1f} GB for the AR mask as floats")


if __name__ == "__main__":
    main()
