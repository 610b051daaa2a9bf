"""How COMET's segments are scored: the encoder driven directly with shared
sentence embeddings (``SharedEncodingScorer``), or unbabel-comet's own
``model.predict`` (``PredictScorer``); both only for the segments the
persistent score cache lacks.

torch is imported inside the methods, so importing this module stays cheap.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

import numpy as np

from . import comet_model
from .base import Progress
from .comet_cache import CometCache, segment_key, text_key

ESTIMATE_BATCH = 2048  # rows per estimator call: a small feed-forward, memory-bound


class Outcome:
    def __init__(self) -> None:
        # system → (segment scores, per-reference scores, error spans, segments scored afresh)
        self.per_system: Dict[str, Tuple[List[float], List[List[float]], List[Any], int]] = {}
        self.sentences_encoded: Optional[int] = 0  # encoder passes, where we drive the encoder
        self.samples_predicted: Optional[int] = None  # (src, mt[, ref]) samples given to model.predict
        self.notices: List[str] = []


class SegmentPlan:
    """Which segments of which systems need scoring, after the score cache."""

    def __init__(self, cache: CometCache, model_key: str, source: Sequence[str], references: Sequence[Sequence[str]], systems: Mapping[str, Sequence[str]]):
        self.keys = {
            name: [segment_key(model_key, [source[i], hyps[i], *[refs[i] for refs in references]]) for i in range(len(source))]
            for name, hyps in systems.items()
        }
        self.cached = cache.get_scores({k for keys in self.keys.values() for k in keys})
        self.todo = {name: [i for i, k in enumerate(keys) if k not in self.cached] for name, keys in self.keys.items()}

    def collect(self, fresh: Dict[str, Tuple[float, dict]], outcome: "Outcome") -> None:
        """Every system's scores, from this run where scored now, else from the cache."""
        for name, keys in self.keys.items():
            entries = [fresh.get(k) or self.cached[k] for k in keys]
            per_reference = [list(column) for column in zip(*[extra["refs"] for _, extra in entries])]
            spans = [extra.get("spans", [None])[0] for _, extra in entries]
            outcome.per_system[name] = ([score for score, _ in entries], per_reference, spans, len(self.todo[name]))


@dataclass
class Scorer:
    model: Any
    cache: CometCache
    model_key: str  # identifies the model, its revision, precision and device in cache keys
    batch_size: int
    progress: Optional[Progress]


@dataclass
class SharedEncodingScorer(Scorer):
    max_tokens: int = 8192
    device: Any = None

    def run(self, source: Sequence[str], references: Sequence[Sequence[str]], systems: Mapping[str, Sequence[str]]) -> Outcome:
        outcome = Outcome()
        plan = SegmentPlan(self.cache, self.model_key, source, references, systems)
        needed: Set[str] = set()
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

    def _embeddings(self, texts: List[str], outcome: Outcome) -> Dict[str, np.ndarray]:
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
                for batch in token_batches(order, [min(n, limit) for n in lengths], self.max_tokens, self.batch_size):
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


def token_batches(order: List[int], lengths: List[int], max_tokens: int, max_sentences: int) -> Iterator[List[int]]:
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
class PredictScorer(Scorer):
    """unbabel-comet's own ``model.predict`` for the segments the cache lacks."""

    gpus: int = 0
    length_batching: bool = True

    def run(self, source: Sequence[str], references: Sequence[Sequence[str]], systems: Mapping[str, Sequence[str]]) -> Outcome:
        outcome = Outcome()
        plan = SegmentPlan(self.cache, self.model_key, source, references, systems)
        samples: List[Dict[str, str]] = []
        owners: List[Tuple[str, int, int]] = []
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
            spans = error_spans(prediction, len(samples))
            collected: Dict[Tuple[str, int], Dict[str, Any]] = {}
            for (name, i, _), score, span in zip(owners, prediction.scores, spans):
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


def error_spans(prediction: Any, count: int) -> List[Any]:
    metadata_ = getattr(prediction, "metadata", None)
    spans = getattr(metadata_, "error_spans", None) if metadata_ is not None else None
    return list(spans) if spans is not None else [None] * count
