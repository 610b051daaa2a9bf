"""BLEU, chrF and TER, computed by sacrebleu itself.

Each metric object is built once with the references, so sacrebleu caches
their n-grams (or character statistics, or words) once for every system, as
its CLI does. For each system we ask sacrebleu for the per-segment
sufficient statistics, aggregate them into the corpus score exactly as
``corpus_score`` does, and derive each segment's score from its own row
exactly as ``sentence_score`` does. The statistics are kept in the result so
statistics and the gate can resample corpus scores without re-tokenising.

The private methods used here (``_extract_corpus_statistics``,
``_aggregate_and_compute``) are the ones sacrebleu's own significance tests
use; tests pin every number against sacrebleu's CLI.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, List, Mapping, Optional, Sequence, Set, Tuple, cast

import numpy as np
import sacrebleu
from sacrebleu.metrics.base import Metric as SacrebleuMetric

from ..errors import ConfigError, InputError, did_you_mean
from ..results import MetricResult
from ..testset import TestSet
from .base import Metric, OptionsT, Progress


@dataclass
class BleuConfig:
    # sacrebleu's BLEU options, passed through unchanged (None: sacrebleu's default).
    tokenize: Optional[str] = None
    lowercase: bool = False
    smooth_method: str = "exp"
    smooth_value: Optional[float] = None
    max_ngram_order: int = 4
    effective_order: bool = False
    # Target language, used by sacrebleu to pick a tokenizer for zh/ja/ko.
    trg_lang: str = ""
    # Silence sacrebleu's warning about already-tokenised input.
    force: bool = False


@dataclass
class ChrfConfig:
    char_order: int = 6
    word_order: int = 0
    beta: int = 2
    lowercase: bool = False
    whitespace: bool = False
    eps_smoothing: bool = False


@dataclass
class TerConfig:
    normalized: bool = False
    no_punct: bool = False
    asian_support: bool = False
    case_sensitive: bool = False
    # Segments (hypothesis or reference) longer than this many words are
    # refused before scoring: sacrebleu's TER needs memory growing with the
    # square of a segment's length. Not a sacrebleu option.
    max_segment_words: int = 5000


class SacrebleuLexicalMetric(Metric[OptionsT]):
    """Shared mechanics; subclasses say which sacrebleu class and options."""

    sacrebleu_class: ClassVar[type]
    # Options of ours under the metric's key, not passed to sacrebleu.
    own_options: ClassVar[Tuple[str, ...]] = ()

    def sacrebleu_options(self) -> Dict[str, Any]:
        return {key: value for key, value in self.option_values().items() if key not in self.own_options}

    def build(self, references: Optional[List[List[str]]], sentence_level: bool = False) -> SacrebleuMetric:
        try:
            return self.sacrebleu_class(**self._constructor_options(sentence_level), references=references)
        except (ValueError, TypeError, RuntimeError, KeyError) as error:
            raise ConfigError(f"{self.name}: sacrebleu rejected the options {self.sacrebleu_options()}: {error}") from None
        except OSError as error:  # the flores/spm tokenizers download their model on first use
            raise ConfigError(f"{self.name}: sacrebleu could not set up the options {self.sacrebleu_options()}: {error}. "
                              "The flores101, flores200 and spm tokenizers download a model the first time: run once where "
                              "the network is reachable, or choose another bleu.tokenize.") from None

    def _constructor_options(self, sentence_level: bool) -> Dict[str, Any]:
        return self.sacrebleu_options()

    def score_systems(self, testset: TestSet, progress: Optional[Progress] = None) -> Dict[str, MetricResult]:
        # Built without references: their n-grams are cached chunk by chunk
        # inside the workers (extract_statistics), never all at once.
        corpus_metric = self.build(None)
        sentence_metric = self.build(None, sentence_level=True)
        # sacrebleu counts references when it caches them; say it here for the signatures.
        corpus_metric.num_refs = sentence_metric.num_refs = len(testset.references)
        metric_signature = corpus_metric.get_signature().format()
        signature = f"{metric_signature}|{testset.normalization}"
        segment_signature = f"{sentence_metric.get_signature().format()}|{testset.normalization}"
        results: Dict[str, MetricResult] = {}
        all_stats = extract_statistics(corpus_metric, testset.references, testset.systems, self.jobs, progress)
        for name in testset.systems:
            stats = all_stats[name]
            corpus = corpus_metric._compute_score_from_stats(stats.sum(axis=0).tolist())
            results[name] = self.result(
                score=float(corpus.score),
                signature=signature,
                segments=segment_scores(sentence_metric, stats),
                segment_signature=segment_signature,
                stats=stats,
                details=self._details(corpus),
                signature_parts={"metric": metric_signature, "normalization": testset.normalization},
            )
        return results

    def _details(self, score: Any) -> Dict[str, Any]:
        """Metric-specific numbers behind the corpus score (none by default)."""
        return {}

    def score_function(self) -> Callable[[np.ndarray], float]:
        """sacrebleu's own corpus-score computation from summed statistics."""
        metric = self.build(None)
        # Not float(): whatever type sacrebleu computes in from the statistics
        # it is given (float64 here, so that every score lies in its own interval).
        # sacrebleu annotates the statistics as a list; it only indexes them, and an array indexes alike.
        return lambda summed: metric._compute_score_from_stats(cast(List[Any], summed)).score


def _words_over(text: str, limit: int) -> bool:
    # A cheap bound first: a text of at most `limit` characters has at most `limit` words.
    return len(text) > limit and len(text.split()) > limit


# Below this many hypotheses in all, starting processes costs more than it saves.
PARALLEL_MIN_SEGMENTS = 2000
# Segments per unit of work: the references' n-gram caches of one chunk are
# all that is alive at a time (sacrebleu's CLI caches every reference at once).
CHUNK_SEGMENTS = 2000
_PR_SET_PDEATHSIG = 1
_worker_state: Optional[tuple] = None  # (metric, references, systems), set in the parent before forking


def extract_statistics(
    metric: SacrebleuMetric, references: Sequence[Sequence[str]], systems: Mapping[str, Sequence[str]], jobs: int,
    progress: Optional[Progress] = None, chunk: Optional[int] = None,
) -> Dict[str, np.ndarray]:
    """sacrebleu's per-segment sufficient statistics for every system, as
    one float64 array per system (segments × statistics).

    The test set is cut into chunks of segments. For each chunk, sacrebleu
    caches that chunk's references (its own ``_cache_references``) and then
    extracts every system's statistics against them, so each reference is
    processed once for all systems and memory holds one chunk's caches.
    With ``jobs`` > 1 and enough work, chunks run in forked processes, which
    inherit the texts and share nothing else."""
    size = len(next(iter(systems.values()))) if systems else 0
    chunk = chunk or CHUNK_SEGMENTS
    spans = [(start, min(size, start + chunk)) for start in range(0, size, chunk)]
    total = size * len(systems)
    global _worker_state
    _worker_state = (metric, references, systems)
    try:
        if jobs <= 1 or total < PARALLEL_MIN_SEGMENTS or len(spans) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            parts = []
            for span in spans:
                parts.append(_extract_chunk(span))
                if progress:
                    progress((span[1] - span[0]) * len(systems))
        else:
            with ProcessPoolExecutor(min(jobs, len(spans)), mp_context=multiprocessing.get_context("fork"),
                                     initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
                parts = []
                for span, part in zip(spans, pool.map(_extract_chunk, spans)):
                    parts.append(part)
                    if progress:
                        progress((span[1] - span[0]) * len(systems))
    finally:
        _worker_state = None
    return {name: np.concatenate([part[name] for part in parts]) if parts else np.zeros((0, 0)) for name in systems}


def _die_with_parent(parent: int) -> None:
    """In each pool process: die with the process that forked it. Killed
    outright (SIGKILL, the out-of-memory killer), that process cannot shut
    its pool down; the orphans would run on and keep its pipes open, so a
    launcher waiting for the job to end would wait for ever."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # Linux; elsewhere a no-op
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


def _extract_chunk(span: Tuple[int, int]) -> Dict[str, np.ndarray]:
    metric, references, systems = _worker_state  # type: ignore[misc]
    start, end = span
    metric._ref_cache = metric._cache_references([refs[start:end] for refs in references])
    try:
        return {name: np.asarray(metric._extract_corpus_statistics(hyps[start:end], None), dtype=np.float64)
                for name, hyps in systems.items()}
    finally:
        metric._ref_cache = None


def segment_scores(sentence_metric: SacrebleuMetric, stats: np.ndarray) -> List[float]:
    """Each segment's score from its own statistics row, with sacrebleu's
    sentence-level computation (as ``sentence_score`` does, without
    re-tokenising)."""
    compute = sentence_metric._compute_score_from_stats
    return [float(compute(row).score) for row in stats.tolist()]


class Bleu(SacrebleuLexicalMetric[BleuConfig]):
    name = "bleu"
    label = "BLEU"
    options_class = BleuConfig
    sacrebleu_class = sacrebleu.BLEU
    # sacrebleu's warning switch: the same numbers with or without it.
    score_neutral = frozenset({"force"})

    def validate(self) -> None:
        from sacrebleu.metrics.bleu import _TOKENIZERS

        tokenize = self.options.tokenize
        if tokenize is not None and tokenize not in _TOKENIZERS:
            raise ConfigError(f"bleu.tokenize={tokenize!r} is not a sacrebleu tokenizer. {did_you_mean(str(tokenize), _TOKENIZERS)}")
        smooth = self.options.smooth_method
        if smooth not in sacrebleu.BLEU.SMOOTH_DEFAULTS:
            raise ConfigError(f"bleu.smooth_method={smooth!r} is not a smoothing method. {did_you_mean(str(smooth), sacrebleu.BLEU.SMOOTH_DEFAULTS)}")
        if int(self.options.max_ngram_order) < 1:
            raise ConfigError("bleu.max_ngram_order must be 1 or more.")
        value = self.options.smooth_value
        if value is not None and (not math.isfinite(float(value)) or float(value) < 0):
            # sacrebleu would accept these and print NaN or negative scores.
            raise ConfigError(f"bleu.smooth_value={value}: must be a finite number of 0 or more (or null for the method's default).")

    def identity(self) -> Dict[str, Any]:
        """The tokenizer and smoothing value sacrebleu uses, not the ones
        left to it: ``tokenize=null`` is 13a (or zh/ja-mecab/ko-mecab by
        ``trg_lang``), and only floor and add-k smoothing read a value.
        ``trg_lang`` does nothing else in sacrebleu's BLEU, so the tokenizer
        it picks stands for it."""
        values = super().identity()
        values["tokenize"] = cast(sacrebleu.BLEU, self.build(None)).tokenizer.signature()
        values.pop("trg_lang")
        method = self.options.smooth_method
        if method in ("floor", "add-k"):
            given = self.options.smooth_value
            values["smooth_value"] = float(cast(float, sacrebleu.BLEU.SMOOTH_DEFAULTS[method] if given is None else given))
        else:
            values["smooth_value"] = None
        return values

    def _constructor_options(self, sentence_level: bool) -> Dict[str, Any]:
        options = self.sacrebleu_options()
        if sentence_level:
            # As `sacrebleu -sl` does: sentence BLEU always uses effective order.
            options["effective_order"] = True
        return options

    def _details(self, score: Any) -> Dict[str, Any]:
        return {
            "counts": [int(c) for c in score.counts],
            "totals": [int(t) for t in score.totals],
            "precisions": [float(p) for p in score.precisions],
            "bp": float(score.bp),
            "sys_len": int(score.sys_len),
            "ref_len": int(score.ref_len),
        }


class Chrf(SacrebleuLexicalMetric[ChrfConfig]):
    name = "chrf"
    label = "chrF"
    options_class = ChrfConfig
    sacrebleu_class = sacrebleu.CHRF

    def validate(self) -> None:
        for key, lowest in (("char_order", 1), ("word_order", 0), ("beta", 0)):
            value = getattr(self.options, key)
            if value is None or int(value) < lowest:
                raise ConfigError(f"chrf.{key}={value!r}: must be an integer of at least {lowest}.")

    def display_label(self) -> str:
        """chrF with word n-grams is chrF++, as people write it."""
        return "chrF++" if int(self.options.word_order) > 0 else "chrF"


class Ter(SacrebleuLexicalMetric[TerConfig]):
    name = "ter"
    label = "TER"
    options_class = TerConfig
    sacrebleu_class = sacrebleu.TER
    higher_is_better = False
    own_options = ("max_segment_words",)
    # A refusal limit, checked before scoring: a score, once computed, is the same.
    score_neutral = frozenset({"max_segment_words"})

    def identity(self) -> Dict[str, Any]:
        """``asian_support`` as sacrebleu applies it: only with ``normalized``
        or ``no_punct`` (its tokenizer reads it nowhere else)."""
        values = super().identity()
        values["asian_support"] = bool(self.options.asian_support and (self.options.normalized or self.options.no_punct))
        return values

    def validate(self) -> None:
        limit = self.options.max_segment_words
        if limit is None or int(limit) < 1:
            raise ConfigError(f"ter.max_segment_words={limit!r}: must be a whole number of 1 or more.")
        self.max_words = int(limit)

    def precheck(self, testset: TestSet) -> None:
        """sacrebleu's TER keeps an edit-distance table of hypothesis ×
        reference words per segment (about 4000 × 4000 words take 0.3 GB and
        1.5 s; a 1 MB line would take more memory than any machine has), so
        segments beyond the limit are refused before anything is scored."""
        long_lines: Set[int] = set()
        for refs in testset.references:
            long_lines.update(i for i, text in enumerate(refs) if _words_over(text, self.max_words))
        for hypotheses in testset.systems.values():
            long_lines.update(i for i, text in enumerate(hypotheses) if _words_over(text, self.max_words))
        if long_lines:
            lines = sorted(testset.line_numbers[i] for i in long_lines)
            shown = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
            raise InputError(
                f"ter: {len(lines)} segment(s) have more than {self.max_words:,} words (line {shown}); sacrebleu's TER "
                "needs memory growing with the square of a segment's length. Raise ter.max_segment_words if the "
                "machine has the memory, or leave TER out (metrics=[bleu,chrf])."
            )

    def _details(self, score: Any) -> Dict[str, Any]:
        return {"num_edits": float(score.num_edits), "ref_length": float(score.ref_length)}
