"""The metric interface: a metric owns its identity.

A metric class declares everything the rest of mt-eval needs to know about
it: its name (the config key and the report key), the label people read,
its direction, how many decimals to show, its scale, when two segment
scores are a tie, whether it needs references, its typed options, which of
those options cannot change a score, and which of its details the reports
show. These facts travel in report.json as a ``MetricInfo`` per metric, so
every renderer, the gate and the pair statistics read them from the report
and never spell out a metric's name.

A metric scores every system of a test set in one call, so that metrics
which can share work across systems (COMET encodes each source and
reference once) are free to. The default ``score_systems`` asks the small
hook ``segment_scores`` for each system and takes the corpus score as the
mean, which is all a plug-in metric of that kind writes. Metrics never
print; they report progress through the callback they are given.
"""

from __future__ import annotations

from abc import ABC
from dataclasses import asdict, fields, is_dataclass
from typing import Any, Callable, ClassVar, Dict, FrozenSet, Generic, List, Optional, Sequence, Tuple, Type, TypeVar

import numpy as np

from ..errors import ConfigError
from ..metric_info import MetricInfo
from ..results import MetricResult
from ..testset import TestSet

Progress = Callable[[int], None]  # called with the number of segments just scored
OptionsT = TypeVar("OptionsT")

# comet-compare's tie threshold is 0.001 on COMET's 0-1 scale; a metric's
# default tie tolerance is the same share of its own scale.
TIE_SHARE = 0.001


class Metric(ABC, Generic[OptionsT]):
    """One metric. Subclasses set the class attributes below and implement
    ``segment_scores`` (corpus score = mean), or override ``score_systems``."""

    name: ClassVar[str]
    label: ClassVar[str]
    options_class: ClassVar[Type[Any]]  # a dataclass: its fields are the config keys under ``<name>.``
    higher_is_better: ClassVar[bool] = True
    digits: ClassVar[int] = 1
    scale: ClassVar[float] = 100.0
    needs_references: ClassVar[bool] = True
    # The metric's own version, for its signature (sacrebleu's and COMET's
    # signatures carry theirs); a version change is a notice, not a refusal.
    version: ClassVar[Optional[str]] = None
    # Options that cannot change a score (batching, processes, caches):
    # every other option is part of the metric's identity.
    score_neutral: ClassVar[FrozenSet[str]] = frozenset()
    shown_details: ClassVar[Tuple[Tuple[str, str], ...]] = ()
    spans_detail: ClassVar[Optional[str]] = None

    def __init__(self, options: Optional[OptionsT] = None, jobs: int = 1) -> None:
        """Validate options eagerly: a bad option fails before any work is
        done. ``jobs`` is how many processes a CPU-bound metric may use."""
        self.options: OptionsT = coerce_options(self.options_class, options, self.name)
        self.jobs = max(1, int(jobs))
        self.validate()

    # ------------------------------------------------------------ identity
    @classmethod
    def tie_tolerance(cls) -> float:
        return TIE_SHARE * cls.scale

    def display_label(self) -> str:
        """The label for these options (chrF with word n-grams is chrF++)."""
        return self.label

    def info(self) -> MetricInfo:
        return MetricInfo(
            name=self.name, label=self.display_label(), higher_is_better=self.higher_is_better, digits=self.digits,
            scale=self.scale, tie_tolerance=self.tie_tolerance(), needs_references=self.needs_references,
            shown_details=self.shown_details, spans_detail=self.spans_detail, identity=self.identity(),
        )

    def option_values(self) -> Dict[str, Any]:
        return {f.name: getattr(self.options, f.name) for f in fields(self.options_class)}

    def identity(self) -> Dict[str, Any]:
        """What the gate, merge and the pair statistics compare: every option
        that is not declared ``score_neutral``, with its value. A new option
        is compared unless it is declared neutral. Metrics whose defaults
        are resolved later (sacrebleu picks BLEU's tokenizer) override this
        to record the value in effect, so that equal settings written two
        ways compare equal."""
        return {key: recordable(value) for key, value in self.option_values().items() if key not in self.score_neutral}

    @classmethod
    def recorded_identity(cls, options: Any, signature: str) -> Dict[str, Any]:
        """The identity of a score recorded before report.json held
        identities (schema < 2.2), from the report's options for this
        metric and the score's own signature (``metric`` part). The options
        are not validated again: they were valid where the report was
        written (a checkpoint path need not exist here)."""
        metric = cls.__new__(cls)
        metric.options = coerce_options(cls.options_class, options, cls.name)
        metric.jobs = 1
        return metric.identity()

    def signature(self, testset: TestSet) -> str:
        """sacrebleu's signature style, for metrics that have no signature
        of their own: every option that can change a score."""
        parts = [f"{key}:{value}" for key, value in self.identity().items()]
        version = [f"version:{self.version}"] if self.version else []
        return "|".join([f"metric:{self.name}", f"nrefs:{len(testset.references)}", *parts, *version])

    # ------------------------------------------------------------- hooks
    def validate(self) -> None:
        """Refuse option values the metric cannot use (raise ConfigError)."""

    def precheck(self, testset: TestSet) -> None:
        """Refuse, before any metric scores anything, a test set this metric
        cannot score within bounded resources (raise ConfigError/InputError)."""

    def segment_scores(self, source: Sequence[str], references: Sequence[Sequence[str]], hypotheses: Sequence[str]) -> List[float]:
        """One score per segment of one system (the default ``score_systems`` uses it)."""
        raise NotImplementedError(f"{type(self).__name__} implements neither segment_scores nor score_systems")

    def score_systems(self, testset: TestSet, progress: Optional[Progress] = None) -> Dict[str, MetricResult]:
        """Score every system in ``testset``; keys are the system names."""
        own = self.signature(testset)
        signature = f"{own}|{testset.normalization}"
        results: Dict[str, MetricResult] = {}
        for name, hypotheses in testset.systems.items():
            try:
                segments = [float(score) for score in self.segment_scores(testset.source, testset.references, hypotheses)]
            except (TypeError, ValueError) as error:
                raise ConfigError(f"{self.name}: segment_scores gave a value that is not a number ({error})") from None
            results[name] = self.result(
                score=float(np.mean(segments)) if segments else 0.0, segments=segments,
                signature=signature, signature_parts={"metric": own, "normalization": testset.normalization},
            )
            if progress:
                progress(len(hypotheses))
        return results

    def score_function(self) -> Optional[Callable[[np.ndarray], float]]:
        """Corpus score from summed per-segment statistics, for metrics whose
        corpus score is not the mean of segment scores; None means the mean."""
        return None

    # ------------------------------------------------------------ helpers
    def result(self, **values: Any) -> MetricResult:
        """A scored MetricResult of this metric."""
        values.setdefault("segment_signature", values.get("signature"))
        return MetricResult(metric=self.name, higher_is_better=self.higher_is_better, **values)

    def skipped(self, reason: str) -> MetricResult:
        return MetricResult.skipped(self.name, reason, self.higher_is_better)


def recordable(value: Any) -> Any:
    """An option's value as JSON holds it (an enum by its value, a path as text)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [recordable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): recordable(item) for key, item in value.items()}
    return str(getattr(value, "value", value))


def coerce_options(options_class: Type[Any], options: Any, metric: str) -> Any:
    """The metric's options dataclass from an instance of it, a mapping of
    its fields (a DictConfig section), or None (every default)."""
    if isinstance(options, options_class):
        return options
    if options is None:
        return options_class()
    if is_dataclass(options) and not isinstance(options, type):
        options = asdict(options)
    if hasattr(options, "items"):
        from omegaconf import DictConfig, OmegaConf

        values: Dict[Any, Any] = dict(OmegaConf.to_container(options, resolve=True)) if isinstance(options, DictConfig) else dict(options)  # type: ignore[arg-type]
        known = {f.name for f in fields(options_class)}
        unknown = sorted(str(key) for key in values if key not in known)
        if unknown:
            raise ConfigError(f"{metric}: unknown option(s) {', '.join(unknown)}. Options: {', '.join(sorted(known))}.")
        return options_class(**{str(key): value for key, value in values.items()})
    raise ConfigError(f"{metric}: options must be a mapping of its keys, found {type(options).__name__}.")
