"""COMET through unbabel-comet, sharing work across systems and runs.

For encoder-separate reference-based models (``RegressionMetric``, e.g.
Unbabel/wmt22-comet-da) every distinct sentence of the run (sources,
references, each system's outputs) is encoded once, with the model's own
``encoder.prepare_sample`` and ``get_sentence_embedding``, in batches of
similar length under a token budget, and each segment is scored by the
model's own ``estimate``. ``comet-score`` instead encodes source, output and
reference for every system and segment again (its embedding cache never
hits in unbabel-comet 2.2.7). Both sentence embeddings and segment scores
persist in a content-addressed cache (``comet_cache``), so a new system
encodes only its outputs and a changed line re-scores only its segment.

Other model families (``UnifiedMetric``: CometKiwi, xCOMET; the older
``ReferencelessRegression``) and multi-GPU runs use ``model.predict``
itself, still through the segment-score cache; xCOMET's error spans are kept.

torch and comet are imported only when a COMET run actually starts.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..errors import ConfigError, MtEvalError
from ..results import MetricResult
from ..testset import TestSet
from . import comet_model
from .base import Metric, Progress
from .comet_cache import CometCache, default_cache_dir, segment_key, text_key

PRECISIONS = ("fp32", "fp16", "bf16")
ESTIMATE_BATCH = 2048  # rows per estimator call: a small feed-forward, memory-bound


class CometRequired(MtEvalError):
    """comet.required=true and the model could not be had."""


class Comet(Metric):
    name = "comet"
    needs_references = False  # the model decides; a reference-based one is skipped without references

    def __init__(self, options: Mapping[str, Any], jobs: int = 1) -> None:
        super().__init__(options, jobs)
        o = self.options
        if o["precision"] not in PRECISIONS:
            raise ConfigError(f"comet.precision={o['precision']!r}: use one of {', '.join(PRECISIONS)}.")
        for key in ("batch_size", "max_tokens"):
            if int(o[key]) < 1:
                raise ConfigError(f"comet.{key}={o[key]}: must be 1 or more.")
        if o.get("gpus") is not None and int(o["gpus"]) < 0:
            raise ConfigError(f"comet.gpus={o['gpus']}: use 0 for the CPU, 1 or more for GPUs, or null to use a GPU when there is one.")
        model = str(o["model"])
        if comet_model.looks_like_path(model):
            # An explicit checkpoint path is the user's word: a typo is exit 2, not "skipped".
            comet_model.check_local_path(Path(model).expanduser())
        timeout = float(o["hub_timeout"])
        if not math.isfinite(timeout) or timeout <= 0:
            raise ConfigError(f"comet.hub_timeout={o['hub_timeout']}: must be a positive number of seconds.")
        if o.get("cache") and o.get("cache_dir"):
            cache_dir = Path(str(o["cache_dir"])).expanduser()
            if cache_dir.exists() and not cache_dir.is_dir():
                raise ConfigError(f"comet.cache_dir: {cache_dir} exists and is not a folder. Point comet.cache_dir at a folder (or set comet.cache=false).")
        self.notices: List[str] = []

    # ------------------------------------------------------------------ entry
    def score_systems(self, testset: TestSet, progress: Optional[Progress] = None) -> Dict[str, MetricResult]:
        o = self.options
        missing = comet_model.missing_packages()
        if missing:
            reason = (f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed; "
                      f'install COMET support with: pip install "mt-eval[comet]"')
            if o["required"]:
                raise CometRequired(f"COMET: {reason} (comet.required=true, so the run stops; set comet.required=false to report COMET as skipped instead)")
            return {name: MetricResult.skipped(self.name, reason) for name in testset.systems}
        offline = comet_model.hub_offline(o["offline"])
        try:
            resolved = comet_model.resolve(str(o["model"]), o.get("models_dir"), offline, float(o["hub_timeout"]))
            model = _loaded_model(resolved, offline)
        except comet_model.ModelUnavailable as error:
            if o["required"]:
                raise CometRequired(f"{error} (comet.required=true, so the run stops; set comet.required=false to report COMET as skipped instead)") from None
            return {name: MetricResult.skipped(self.name, str(error)) for name in testset.systems}
        needs_references = bool(model.requires_references())
        if needs_references and not testset.references:
            reason = f"{resolved.model_id} needs references and the test set has none; use a reference-free model (e.g. Unbabel/wmt22-cometkiwi-da)"
            return {name: MetricResult.skipped(self.name, reason) for name in testset.systems}
        import torch

        gpus = int(o["gpus"]) if o.get("gpus") is not None else (1 if torch.cuda.is_available() else 0)
        if gpus > 0 and not torch.cuda.is_available():
            raise ConfigError(f"comet.gpus={gpus} but torch sees no GPU. Use comet.gpus=0 (CPU) or null (a GPU when there is one).")
        device = torch.device("cuda" if gpus > 0 else "cpu")
        model = _cast(model, str(o["precision"])).to(device)
        references = testset.references if needs_references else []
        shared = type(model).__name__ == "RegressionMetric" and gpus <= 1
        version = metadata.version("unbabel-comet")
        model_key = f"{resolved.model_id}@{resolved.revision}|comet-{version}|{o['precision']}|{device.type}"
        cache = CometCache(Path(o["cache_dir"]).expanduser() if o.get("cache_dir") else default_cache_dir()) if o["cache"] else CometCache(None)
        try:
            common = dict(model=model, cache=cache, model_key=model_key, batch_size=int(o["batch_size"]), progress=progress)
            if shared:
                scored = _SharedEncodingScorer(**common, max_tokens=int(o["max_tokens"]), device=device)
            else:
                scored = _PredictScorer(**common, gpus=gpus, length_batching=bool(o["length_batching"]))
            outcome = scored.run(testset.source, references, testset.systems)
        finally:
            cache.close()
        batching = f"tokens{o['max_tokens']}" if shared else f"{o['batch_size']}"
        metric_signature = (
            f"model:{resolved.model_id}@{resolved.revision}|comet:{version}|precision:{o['precision']}|"
            f"batch:{batching}|nrefs:{len(references)}" + ("|refs:mean" if len(references) > 1 else "")
        )
        truncated = _truncated_lines(model, testset, references)
        results = {}
        for name in testset.systems:
            segments, per_reference, spans, fresh = outcome.per_system[name]
            details: Dict[str, Any] = {
                "segments_fresh": fresh,
                "segments_cached": len(segments) - fresh,
                "sentences_encoded": outcome.sentences_encoded,
                "samples_predicted": outcome.samples_predicted,
                "model_class": type(model).__name__,
                "truncated_lines": truncated[name],
                "notices": cache.notices + outcome.notices,
            }
            if len(references) > 1:
                details["segments_by_reference"] = per_reference
            if any(spans):
                details["error_spans"] = spans
            results[name] = MetricResult(
                metric=self.name,
                score=float(np.mean(segments)),
                signature=f"{metric_signature}|{testset.normalization}",
                segments=[float(s) for s in segments],
                segment_signature=f"{metric_signature}|{testset.normalization}",
                details=details,
                signature_parts={"metric": metric_signature, "normalization": testset.normalization},
            )
        return results


_LOADED: Dict[Tuple[str, str], Any] = {}  # the last model loaded in this process


def _loaded_model(resolved: "comet_model.ResolvedModel", offline: bool) -> Any:
    """Load once per process: a library user scoring several test sets in a
    row should not pay for loading a 2 GB checkpoint each time."""
    key = (str(resolved.checkpoint), resolved.revision)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = comet_model.load(resolved, offline)
    return _LOADED[key]


def _cast(model: Any, precision: str) -> Any:
    """As comet-score does for fp16 (``model.half()``): cast the weights."""
    import torch

    if precision == "fp16":
        return model.half()
    if precision == "bf16":
        return model.to(torch.bfloat16)
    return model.float()


class _Outcome:
    def __init__(self) -> None:
        # system → (segment scores, per-reference scores, error spans, segments scored afresh)
        self.per_system: Dict[str, Tuple[List[float], List[List[float]], List[Any], int]] = {}
        self.sentences_encoded: Optional[int] = 0  # encoder passes, where we drive the encoder
        self.samples_predicted: Optional[int] = None  # (src, mt[, ref]) samples given to model.predict
        self.notices: List[str] = []


class _SegmentPlan:
    """Which segments of which systems need scoring, after the score cache."""

    def __init__(self, cache: CometCache, model_key: str, source: Sequence[str], references: Sequence[Sequence[str]], systems: Mapping[str, Sequence[str]]):
        self.keys = {
            name: [segment_key(model_key, [source[i], hyps[i], *[refs[i] for refs in references]]) for i in range(len(source))]
            for name, hyps in systems.items()
        }
        self.cached = cache.get_scores({k for keys in self.keys.values() for k in keys})
        self.todo = {name: [i for i, k in enumerate(keys) if k not in self.cached] for name, keys in self.keys.items()}

    def collect(self, fresh: Dict[str, Tuple[float, dict]], outcome: "_Outcome") -> None:
        """Every system's scores, from this run where scored now, else from the cache."""
        for name, keys in self.keys.items():
            entries = [fresh.get(k) or self.cached[k] for k in keys]
            per_reference = [list(column) for column in zip(*[extra["refs"] for _, extra in entries])]
            spans = [extra.get("spans", [None])[0] for _, extra in entries]
            outcome.per_system[name] = ([score for score, _ in entries], per_reference, spans, len(self.todo[name]))


@dataclass
class _Scorer:
    model: Any
    cache: CometCache
    model_key: str  # identifies the model, its revision, precision and device in cache keys
    batch_size: int
    progress: Optional[Progress]


@dataclass
class _SharedEncodingScorer(_Scorer):
    max_tokens: int = 8192
    device: Any = None

    def run(self, source, references, systems) -> _Outcome:
        outcome = _Outcome()
        plan = _SegmentPlan(self.cache, self.model_key, source, references, systems)
        needed = set()
        for name, todo in plan.todo.items():
            for i in todo:
                needed.update((source[i], systems[name][i], *[refs[i] for refs in references]))
        embeddings = self._embeddings(sorted(needed), outcome)
        fresh_scores: Dict[str, Tuple[float, dict]] = {}
        for name, hyps in systems.items():
            todo = plan.todo[name]
            if todo:
                src = np.stack([embeddings[source[i]] for i in todo])
                mt = np.stack([embeddings[hyps[i]] for i in todo])
                per_ref = [self._estimate(src, mt, np.stack([embeddings[refs[i]] for i in todo])) for refs in references]
                for row, i in enumerate(todo):
                    by_ref = [float(scores[row]) for scores in per_ref]
                    fresh_scores[plan.keys[name][i]] = (float(np.mean(by_ref)), {"refs": by_ref})
            if self.progress:
                self.progress(len(hyps))
        self.cache.put_scores(fresh_scores)
        plan.collect(fresh_scores, outcome)
        return outcome

    def _embeddings(self, texts: List[str], outcome: _Outcome) -> Dict[str, np.ndarray]:
        """Sentence embeddings for ``texts``: from the cache, or encoded now."""
        import torch

        keys = {text: text_key(self.model_key, text) for text in texts}
        stored = self.cache.get_embeddings(keys.values())
        found = {text: stored[key] for text, key in keys.items() if key in stored}
        missing = [text for text in texts if text not in found]
        if missing:
            lengths = [len(ids) for ids in self.model.encoder.tokenizer(missing, add_special_tokens=True, truncation=False)["input_ids"]]
            limit = self.model.encoder.max_positions - 2
            order = sorted(range(len(missing)), key=lambda i: lengths[i])
            fresh: Dict[str, np.ndarray] = {}
            with torch.inference_mode():
                for batch in _token_batches(order, [min(n, limit) for n in lengths], self.max_tokens, self.batch_size):
                    batch_texts = [missing[i] for i in batch]
                    inputs = self.model.encoder.prepare_sample(batch_texts)
                    vectors = self.model.get_sentence_embedding(
                        inputs["input_ids"].to(self.device), inputs["attention_mask"].to(self.device)
                    )
                    for text, vector in zip(batch_texts, vectors.float().cpu().numpy()):
                        fresh[text] = vector
            self.cache.put_embeddings({keys[text]: vector for text, vector in fresh.items()})
            found.update(fresh)
            outcome.sentences_encoded = len(missing)
        return found

    def _estimate(self, src: np.ndarray, mt: np.ndarray, ref: np.ndarray) -> np.ndarray:
        import torch

        dtype = next(self.model.parameters()).dtype
        out = []
        with torch.inference_mode():
            for start in range(0, len(src), ESTIMATE_BATCH):
                part = [torch.from_numpy(np.ascontiguousarray(a[start : start + ESTIMATE_BATCH])).to(self.device, dtype) for a in (src, mt, ref)]
                out.append(self.model.estimate(*part).score.float().cpu().numpy())
        return np.concatenate(out)


def _token_batches(order: List[int], lengths: List[int], max_tokens: int, max_sentences: int):
    """Consecutive runs of the length-sorted ``order`` whose padded size
    (longest × count) stays within the token budget."""
    batch: List[int] = []
    longest = 0
    for i in order:
        longest_if_added = max(longest, lengths[i])
        if batch and (longest_if_added * (len(batch) + 1) > max_tokens or len(batch) >= max_sentences):
            yield batch
            batch, longest_if_added = [], lengths[i]
        batch.append(i)
        longest = longest_if_added
    if batch:
        yield batch


@dataclass
class _PredictScorer(_Scorer):
    """unbabel-comet's own ``model.predict`` for the segments the cache lacks."""

    gpus: int = 0
    length_batching: bool = True

    def run(self, source, references, systems) -> _Outcome:
        outcome = _Outcome()
        plan = _SegmentPlan(self.cache, self.model_key, source, references, systems)
        samples, owners = [], []
        for name, todo in plan.todo.items():
            for i in todo:
                for r, refs in enumerate(references or [None]):
                    sample = {"src": source[i], "mt": systems[name][i]}
                    if refs is not None:
                        sample["ref"] = refs[i]
                    samples.append(sample)
                    owners.append((name, i, r))
        fresh: Dict[str, Tuple[float, dict]] = {}
        if samples:
            prediction = self._predict(samples)
            spans = _error_spans(prediction, len(samples))
            collected: Dict[Tuple[str, int], Dict[str, Any]] = {}
            for (name, i, r), score, span in zip(owners, prediction.scores, spans):
                entry = collected.setdefault((name, i), {"refs": [], "spans": []})
                entry["refs"].append(float(score))
                entry["spans"].append(span)
            for (name, i), entry in collected.items():
                fresh[plan.keys[name][i]] = (float(np.mean(entry["refs"])), {"refs": entry["refs"], "spans": entry["spans"]})
        outcome.sentences_encoded = None  # model.predict decides how it encodes
        outcome.samples_predicted = len(samples)
        self.cache.put_scores(fresh)
        plan.collect(fresh, outcome)
        if self.progress:
            self.progress(sum(len(keys) for keys in plan.keys.values()))
        return outcome

    def _predict(self, samples: List[Dict[str, str]]) -> Any:
        comet_model.quiet_libraries()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.model.predict(samples, batch_size=self.batch_size, gpus=self.gpus, progress_bar=False,
                                      length_batching=self.length_batching, num_workers=0)


def _error_spans(prediction: Any, count: int) -> List[Any]:
    metadata_ = getattr(prediction, "metadata", None)
    spans = getattr(metadata_, "error_spans", None) if metadata_ is not None else None
    return list(spans) if spans is not None else [None] * count


def _truncated_lines(model: Any, testset: TestSet, references: Sequence[Sequence[str]]) -> Dict[str, List[int]]:
    """Lines where a text is longer than the encoder's window, which COMET
    truncates silently: source, references or the system's output."""
    tokenizer = model.encoder.tokenizer
    limit = model.encoder.max_positions - 2

    def too_long(texts: Sequence[str]) -> List[bool]:
        return [len(ids) > limit for ids in tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"]]

    shared = too_long(testset.source)
    for refs in references:
        shared = [a or b for a, b in zip(shared, too_long(refs))]
    return {
        name: [testset.line_numbers[i] for i, (a, b) in enumerate(zip(shared, too_long(hyps))) if a or b]
        for name, hyps in testset.systems.items()
    }
