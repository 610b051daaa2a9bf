"""Configuration schemas, registered in Hydra's ConfigStore.

The dataclasses hold the types and defaults; the YAML files under ``conf/``
only choose and override. Top-level keys are a public contract: ``testset``,
``metrics``, one key per metric (``bleu``, ``chrf``, ``ter``), ``report``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Dict, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf


@dataclass
class NormalizeConfig:
    # Unicode normal form applied to every segment: NFC, NFKC, NFD, NFKD or none.
    unicode: str = "NFC"
    # Remove zero-width and bidirectional format characters (LRM, RLM, ALM,
    # ZWSP, ZWJ, ZWNJ, BOM, ...): invisible, but they break tokenisation.
    strip_format_chars: bool = True


@dataclass
class TestSetConfig:
    # A name for reports; defaults to the source file's folder name.
    name: Optional[str] = None
    # Each input is a path: plain text (one segment per line), or a .jsonl,
    # .json, .csv, .tsv or .parquet file read through `datasets` (column
    # `column`, or `path#column`), or `hf:NAME[:CONFIG][@SPLIT]#column` for a
    # `datasets` hub dataset, or a folder written by `save_to_disk`.
    source: Optional[str] = MISSING
    references: List[str] = field(default_factory=list)
    # System name → input. Typed Any on purpose: Hydra merges a dict override
    # into a typed dict (so `testset.systems={mine:hyp.en}` would add to the
    # bundled systems, or fail in struct mode); an untyped node is replaced.
    # The loader checks that it maps names to paths.
    systems: Any = None
    # Column read from structured inputs when the path names none.
    column: str = "text"
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    # An empty reference line: "error" refuses the test set, "exclude" drops
    # that segment from every system and metric and says how many were dropped.
    empty_reference: str = "error"
    # Hypothesis/reference length ratio (characters) outside [1/x, x] is flagged.
    length_ratio_flag: float = 2.0
    # The longest segment read, in characters: a longer line (or an endless
    # file such as /dev/zero) is refused with its line number.
    max_line_chars: int = 100000


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


@dataclass
class StatsConfig:
    # bootstrap (paired bootstrap resampling), ar (paired approximate
    # randomisation) or none (confidence intervals only).
    method: str = "bootstrap"
    resamples: int = 1000  # bootstrap resamples, for tests and intervals
    trials: int = 10000  # approximate-randomisation trials
    seed: int = 12345  # sacrebleu's default seed
    confidence: float = 0.95
    alpha: float = 0.05  # significance level, applied to corrected p-values
    # Compare every system with this one; null compares all pairs (and gives rank groups).
    baseline: Optional[str] = None
    correction: str = "holm"  # none | bonferroni | holm, within each metric
    # Below this many segments the report says the tests are weak.
    min_segments: int = 100


@dataclass
class MetricThresholds:
    """One optional number per metric, in the metric's own units. Explicit
    fields (not a dict) so `gate.max_drop.bleu=0.5` works as an override and
    a misspelt metric is refused."""

    bleu: Optional[float] = None
    chrf: Optional[float] = None
    ter: Optional[float] = None
    comet: Optional[float] = None


@dataclass
class GateConfig:
    # A baseline report.json; when set, the run is compared with it.
    baseline: Optional[str] = None
    # Allowed drop per metric (for TER, where lower is better: allowed rise).
    max_drop: MetricThresholds = field(default_factory=MetricThresholds)
    # Worst acceptable score per metric (for TER: the highest acceptable).
    min: MetricThresholds = field(default_factory=MetricThresholds)
    # Allowed drop for metrics without their own max_drop.
    default_max_drop: float = 0.0
    # Count a drop beyond the margin only when it is significant (one-sided
    # paired bootstrap on both reports' segment data; non-inferiority).
    require_significance: bool = False
    alpha: float = 0.05
    # Written into the report folder; the summary also goes to $GITHUB_STEP_SUMMARY.
    junit: str = "gate-junit.xml"
    summary: str = "gate.md"


@dataclass
class ReportConfig:
    # Where the run writes its reports; by default Hydra's run folder. (Optional:
    # `--cfg job --resolve` composes without a run folder.)
    dir: Optional[str] = "${hydra:runtime.output_dir}"
    # json: report.json and segments.parquet beside it (texts, segment scores
    # and sufficient statistics); md: report.md; html: report.html;
    # segments: segments.jsonl too (one JSON row per system × segment; large).
    formats: List[str] = field(default_factory=lambda: ["json", "md", "html"])
    # Segments report.html embeds at most: the most informative ones (flagged,
    # each system's worst, where systems disagree most); segments.parquet has all.
    html_segments: int = 2000
    # Print the rich table to the terminal.
    terminal: bool = True


@dataclass
class RunConfig:
    testset: TestSetConfig = field(default_factory=TestSetConfig)
    metrics: List[str] = field(default_factory=lambda: ["bleu", "chrf", "ter", "comet"])
    bleu: BleuConfig = field(default_factory=BleuConfig)
    chrf: ChrfConfig = field(default_factory=ChrfConfig)
    ter: TerConfig = field(default_factory=TerConfig)
    comet: CometConfig = field(default_factory=CometConfig)
    stats: StatsConfig = field(default_factory=StatsConfig)
    # Processes for CPU-bound metrics (sacrebleu's TER above all); 0 = one per core.
    jobs: int = 0
    report: ReportConfig = field(default_factory=ReportConfig)
    gate: GateConfig = field(default_factory=GateConfig)
    # Report sets (report.json files or their folders) of the same test set,
    # scored in separate jobs: merged into one run instead of scoring.
    merge: List[str] = field(default_factory=list)


def bundled_path(relative: str) -> str:
    """Absolute path of a file in the bundled test sets (``references/``).

    Works from a source checkout and from an installed wheel, where
    ``references/`` ships as the package data ``mt_eval.testsets``.
    """
    return str(resources.files("mt_eval.testsets").joinpath(relative))


def bundled_systems(testset: str) -> Dict[str, str]:
    """Every candidate file of a bundled test set, named by its stem."""
    folder = resources.files("mt_eval.testsets").joinpath(testset, "systems")
    return {Path(entry.name).stem: str(entry) for entry in sorted(folder.iterdir(), key=lambda e: e.name) if entry.name.endswith(".en")}


# Drawn once per process: default run folders are unique even for runs
# started in the same second (on one machine or several sharing a disk).
RUN_ID = secrets.token_hex(3)


def run_id() -> str:
    """A short random token naming this process's run folder."""
    return RUN_ID


def register_configs() -> None:
    """Register the schema (validated against every YAML) and our resolvers."""
    ConfigStore.instance().store(name="run_schema", node=RunConfig)
    if not OmegaConf.has_resolver("bundled"):
        OmegaConf.register_new_resolver("bundled", bundled_path)
        # A DictConfig, not a dict: `--cfg job --resolve` resolves in place,
        # and OmegaConf cannot put a plain dict into an untyped node.
        OmegaConf.register_new_resolver("bundled_systems", lambda testset: OmegaConf.create(bundled_systems(testset)))
    if not OmegaConf.has_resolver("run_id"):
        OmegaConf.register_new_resolver("run_id", run_id)
