"""COMET: mt-eval's shared encodings and cache vs unbabel-comet's own path.

    python benchmarks/comet.py [--segments 1000] [--batch-size 32]

A randomly initialised encoder of XLM-R-base size (12 layers, 768 hidden;
its scores mean nothing) on the CPU in fp32, 4 systems with the bundled
text's length profile. The baseline is what `comet-score` does: the same
checkpoint, ``model.predict`` once per system with ``set_embedding_cache()``
on, same batch size and precision. Encoder passes are counted on both sides
by wrapping the model's ``compute_sentence_embedding``. Three scenarios:
cold (4 systems), a 5th system added afterwards, and a re-run with 1% of the
hypothesis lines changed. mt-eval's model is loaded once, as the baseline's
is; its load time is printed separately.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This file is named comet.py: keep its folder off the path so that
# `import comet` finds unbabel-comet, and load the helpers by path.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]


def _load(name: str, path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_synthetic = _load("_synthetic", HERE / "_synthetic.py")
tiny_comet = _load("tiny_comet", HERE.parent / "tests" / "tiny_comet.py")
BUNDLED, make_testset = _synthetic.BUNDLED, _synthetic.make_testset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import torch
    from comet import load_from_checkpoint
    from omegaconf import OmegaConf

    from mt_eval.config import CometConfig, NormalizeConfig, TestSetConfig
    from mt_eval.metrics.comet import Comet, _loaded_model
    from mt_eval.metrics.comet_model import resolve
    from mt_eval.testset import load_testset

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = make_testset(tmp / "data", args.segments, 5)
        lines = [l for f in (BUNDLED / "source.ar", BUNDLED / "reference.en", BUNDLED / "systems" / "draft.en") for l in f.read_text(encoding="utf-8").splitlines()]
        encoder = tiny_comet.build_encoder(tmp / "encoder", lines, hidden=768, layers=12, heads=12)
        checkpoint = tiny_comet.build_checkpoint(tmp / "model", encoder)
        read = lambda p: Path(p).read_text(encoding="utf-8").splitlines()  # noqa: E731
        src, ref = read(data["source"]), read(data["reference"])
        systems = {name: read(path) for name, path in data["systems"].items()}
        four = dict(list(systems.items())[:4])

        # --- the baseline: comet-score's path
        model = load_from_checkpoint(str(checkpoint))
        model.eval()
        passes = {"n": 0}
        original = model.compute_sentence_embedding

        def counting(input_ids, attention_mask, token_type_ids=None):
            passes["n"] += int(input_ids.shape[0])
            return original(input_ids, attention_mask, token_type_ids=token_type_ids)

        model.compute_sentence_embedding = counting
        model.set_embedding_cache()

        def baseline(which):
            passes["n"] = 0
            start = time.perf_counter()
            for hyps in which.values():
                model.predict([{"src": s, "mt": h, "ref": r} for s, h, r in zip(src, hyps, ref)],
                              batch_size=args.batch_size, gpus=0, progress_bar=False, num_workers=0)
            return time.perf_counter() - start, passes["n"]

        # --- mt-eval
        options = OmegaConf.to_container(OmegaConf.structured(CometConfig(model=str(checkpoint), gpus=0, batch_size=args.batch_size, cache_dir=str(tmp / "cache"))))
        metric = Comet(options)

        def ours(which, folder):
            paths = {}
            for name, hyps in which.items():
                paths[name] = tmp / folder / f"{name}.en"
                paths[name].parent.mkdir(parents=True, exist_ok=True)
                paths[name].write_text("\n".join(hyps) + "\n", encoding="utf-8")
            config = OmegaConf.structured(TestSetConfig(source=str(data["source"]), references=[str(data["reference"])],
                                                        systems={n: str(p) for n, p in paths.items()}, normalize=NormalizeConfig()))
            testset = load_testset(config)
            start = time.perf_counter()
            results = metric.score_systems(testset)
            return time.perf_counter() - start, next(iter(results.values())).details["sentences_encoded"]

        start = time.perf_counter()
        _loaded_model(resolve(str(checkpoint), None, True, 10.0), True)  # what score_systems does first
        load_time = time.perf_counter() - start

        rows = []
        b_cold, b_cold_passes = baseline(four)
        o_cold, o_cold_passes = ours(four, "cold")
        rows.append(("cold, 4 systems", b_cold, b_cold_passes, o_cold, o_cold_passes, 1.8))
        fifth = {"sys5": systems["sys5"]}
        b_add, b_add_passes = baseline(fifth)
        o_add, o_add_passes = ours({**four, **fifth}, "added")
        rows.append(("5th system added", b_add, b_add_passes, o_add, o_add_passes, 2.5))
        rng = random.Random(7)
        changed = {}
        for name, hyps in four.items():
            hyps = list(hyps)
            for i in rng.sample(range(len(hyps)), max(1, len(hyps) // 100)):
                hyps[i] = hyps[i] + " indeed"
            changed[name] = hyps
        b_re, b_re_passes = baseline(changed)
        o_re, o_re_passes = ours({**changed, **fifth}, "changed")
        rows.append(("1% of lines changed", b_re, b_re_passes, o_re, o_re_passes, 20.0))

    print(f"COMET, random XLM-R-base-size encoder (12 layers, 768 hidden), CPU fp32, {torch.get_num_threads()} threads, "
          f"{args.segments} segments per system, batch size {args.batch_size}")
    print(f"mt-eval's one-off model load (not in the figures below): {load_time:.1f} s")
    print(f"{'scenario':<22}{'baseline s':>11}{'passes':>8}{'mt-eval s':>11}{'passes':>8}{'speed-up':>10}{'target':>8}")
    for label, b, bp, o, op, target in rows:
        print(f"{label:<22}{b:>11.1f}{bp:>8}{o:>11.2f}{op:>8}{b / o:>9.1f}×{target:>7.1f}×")


if __name__ == "__main__":
    main()
