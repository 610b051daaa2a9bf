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
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import ConfigError, MtEvalError
from ..results import MetricResult
from ..testset import TestSet
from . import comet_model
from .base import Metric, Progress
from .comet_cache import CometCache, default_cache_dir
from .comet_scorers import Outcome, PredictScorer, SharedEncodingScorer

PRECISIONS = ("fp32", "fp16", "bf16")


class CometRequired(MtEvalError):
    """comet.required=true and the model could not be had."""


@dataclass
class CometConfig:
    # A hub id, a checkpoint file (…/checkpoints/model.ckpt) or a model folder.
    model: str = "Unbabel/wmt22-comet-da"
    # Sentences per batch (model.predict) and the upper bound per encoder batch.
    batch_size: int = 64
    # Token budget per encoder batch (padded tokens: longest × sentences),
    # for batches of length-sorted sentences.
    max_tokens: int = 8192
    # GPUs: 0 = CPU, 1 = one GPU, >1 = unbabel-comet's multi-GPU predict;
    # null = one GPU when torch sees one, else the CPU.
    gpus: Optional[int] = None
    precision: str = "fp32"  # fp32 | fp16 | bf16
    length_batching: bool = True  # for model.predict
    # Where hub models are stored (null: the Hugging Face cache).
    models_dir: Optional[str] = None
    offline: bool = False  # never contact the hub (also: HF_HUB_OFFLINE=1)
    hub_timeout: float = 10.0  # seconds per hub request
    cache: bool = True  # persistent embedding and score cache
    cache_dir: Optional[str] = None  # null: $XDG_CACHE_HOME/mt-eval or ~/.cache/mt-eval
    # If the model cannot be had: false reports COMET as skipped (exit 0), true stops the run (exit 2).
    required: bool = False


class Comet(Metric[CometConfig]):
    name = "comet"
    label = "COMET"
    options_class = CometConfig
    digits = 4
    scale = 1.0
    needs_references = False  # the model decides; a reference-based one is skipped without references
    # Where the model comes from and how scoring is scheduled, not what it computes.
    score_neutral = frozenset({"batch_size", "max_tokens", "length_batching", "models_dir", "offline",
                               "hub_timeout", "cache", "cache_dir", "required", "gpus"})
    shown_details = (("segments_cached", "segments from the cache"), ("segments_fresh", "scored now"),
                     ("sentences_encoded", "sentences encoded"))
    spans_detail = "error_spans"
    _checkpoint: Optional[str] = None  # "<model id>@<revision>" once a checkpoint is resolved

    def identity(self) -> Dict[str, Any]:
        """The checkpoint scored, not the name it was asked by: a hub model
        by its commit, a local checkpoint by its content (sha256), so that
        a retrained file under the same path is another metric."""
        values = super().identity()
        if self._checkpoint is not None:
            values["model"] = self._checkpoint
        return values

    @classmethod
    def recorded_identity(cls, options: Any, signature: str) -> Dict[str, Any]:
        values = super().recorded_identity(options, signature)
        fields = dict(part.split(":", 1) for part in signature.split("|") if ":" in part)
        if "model" in fields:  # the signature has always named the checkpoint (MODEL@REVISION)
            values["model"] = _content_identity(fields["model"])
        return values

    def validate(self) -> None:
        o = self.options
        if o.precision not in PRECISIONS:
            raise ConfigError(f"comet.precision={o.precision!r}: use one of {', '.join(PRECISIONS)}.")
        for key in ("batch_size", "max_tokens"):
            if int(getattr(o, key)) < 1:
                raise ConfigError(f"comet.{key}={getattr(o, key)}: must be 1 or more.")
        if o.gpus is not None and int(o.gpus) < 0:
            raise ConfigError(f"comet.gpus={o.gpus}: use 0 for the CPU, 1 or more for GPUs, or null to use a GPU when there is one.")
        if comet_model.looks_like_path(str(o.model)):
            # An explicit checkpoint path is the user's word: a typo is exit 2, not "skipped".
            comet_model.check_local_path(Path(str(o.model)).expanduser())
        timeout = float(o.hub_timeout)
        if not math.isfinite(timeout) or timeout <= 0:
            raise ConfigError(f"comet.hub_timeout={o.hub_timeout}: must be a positive number of seconds.")
        if o.cache and o.cache_dir:
            cache_dir = Path(str(o.cache_dir)).expanduser()
            if cache_dir.exists() and not cache_dir.is_dir():
                raise ConfigError(f"comet.cache_dir: {cache_dir} exists and is not a folder. Point comet.cache_dir at a folder (or set comet.cache=false).")

    # ------------------------------------------------------------------ entry
    def score_systems(self, testset: TestSet, progress: Optional[Progress] = None) -> Dict[str, MetricResult]:
        loaded = self._load_model(testset)
        if isinstance(loaded, str):  # the reason COMET cannot run here
            return {name: self.skipped(loaded) for name in testset.systems}
        resolved, model = loaded
        self._checkpoint = _content_identity(f"{resolved.model_id}@{resolved.revision}")
        references = testset.references if model.requires_references() else []
        device, gpus = self._device()
        model = _cast(model, self.options.precision).to(device)
        shared = type(model).__name__ == "RegressionMetric" and gpus <= 1
        version = metadata.version("unbabel-comet")
        model_key = f"{resolved.model_id}@{resolved.revision}|comet-{version}|{self.options.precision}|{device.type}"
        cache = CometCache(Path(self.options.cache_dir).expanduser() if self.options.cache_dir else default_cache_dir()) if self.options.cache else CometCache(None)
        try:
            scorer = self._scorer(model, cache, model_key, progress, shared, device, gpus)
            outcome = scorer.run(testset.source, references, testset.systems)
        finally:
            cache.close()
        batching = f"tokens{self.options.max_tokens}" if shared else f"{self.options.batch_size}"
        metric_signature = (
            f"model:{resolved.model_id}@{resolved.revision}|comet:{version}|precision:{self.options.precision}|"
            f"batch:{batching}|nrefs:{len(references)}" + ("|refs:mean" if len(references) > 1 else "")
        )
        truncated = _truncated_lines(model, testset, references)
        return {
            name: self._system_result(testset, outcome, name, metric_signature, truncated[name], cache.notices, type(model).__name__, len(references))
            for name in testset.systems
        }

    def _load_model(self, testset: TestSet) -> Any:
        """(resolved, model), or the reason COMET is skipped; raises
        CometRequired where comet.required=true makes that a stop."""
        missing = comet_model.missing_packages()
        if missing:
            reason = (f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed; "
                      f'install COMET support with: pip install "mt-eval[comet]"')
            return self._unavailable(reason)
        offline = comet_model.hub_offline(self.options.offline)
        try:
            resolved = comet_model.resolve(str(self.options.model), self.options.models_dir, offline, float(self.options.hub_timeout))
            model = _loaded_model(resolved, offline)
        except comet_model.ModelUnavailable as error:
            return self._unavailable(str(error))
        if model.requires_references() and not testset.references:
            return f"{resolved.model_id} needs references and the test set has none; use a reference-free model (e.g. Unbabel/wmt22-cometkiwi-da)"
        return resolved, model

    def _unavailable(self, reason: str) -> str:
        if self.options.required:
            raise CometRequired(f"COMET: {reason} (comet.required=true, so the run stops; set comet.required=false to report COMET as skipped instead)")
        return reason

    def _device(self) -> Tuple[Any, int]:
        import torch

        gpus = int(self.options.gpus) if self.options.gpus is not None else (1 if torch.cuda.is_available() else 0)
        if gpus > 0 and not torch.cuda.is_available():
            raise ConfigError(f"comet.gpus={gpus} but torch sees no GPU. Use comet.gpus=0 (CPU) or null (a GPU when there is one).")
        return torch.device("cuda" if gpus > 0 else "cpu"), gpus

    def _scorer(self, model: Any, cache: CometCache, model_key: str, progress: Optional[Progress], shared: bool, device: Any, gpus: int) -> Any:
        common: Dict[str, Any] = dict(model=model, cache=cache, model_key=model_key, batch_size=int(self.options.batch_size), progress=progress)
        if shared:
            return SharedEncodingScorer(**common, max_tokens=int(self.options.max_tokens), device=device)
        return PredictScorer(**common, gpus=gpus, length_batching=bool(self.options.length_batching))

    def _system_result(self, testset: TestSet, outcome: "Outcome", name: str, metric_signature: str, truncated: List[int],
                       cache_notices: List[str], model_class: str, references: int) -> MetricResult:
        segments, per_reference, spans, fresh = outcome.per_system[name]
        details: Dict[str, Any] = {
            "segments_fresh": fresh,
            "segments_cached": len(segments) - fresh,
            "sentences_encoded": outcome.sentences_encoded,
            "samples_predicted": outcome.samples_predicted,
            "model_class": model_class,
            "truncated_lines": truncated,
            "notices": cache_notices + outcome.notices,
        }
        if references > 1:
            details["segments_by_reference"] = per_reference
        if any(spans):
            details["error_spans"] = spans
        signature = f"{metric_signature}|{testset.normalization}"
        return self.result(
            score=float(np.mean(segments)), signature=signature, segments=[float(s) for s in segments], details=details,
            signature_parts={"metric": metric_signature, "normalization": testset.normalization},
        )


def _content_identity(model: str) -> str:
    """A local checkpoint by its content alone ("sha256:…", whatever its
    file is called); a hub model by its id and commit."""
    _, _, revision = model.rpartition("@")
    return revision if revision.startswith("sha256:") else model


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
