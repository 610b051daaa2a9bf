"""Configuration schemas, registered in Hydra's ConfigStore, and the one
place that says which keys exist.

The dataclasses hold the types and defaults; the YAML files under ``conf/``
only choose and override. Top-level keys are a public contract: ``testset``,
``metrics``, one key per metric (``bleu``, ``chrf``, ``ter``, ``comet``,
and one per plug-in metric, typed by the metric's own options dataclass),
``stats``, ``report``, ``gate``, ``merge``. The per-metric sections and gate
thresholds are built from the metric registry, so a plug-in metric gets
its keys without a change here.
"""

from __future__ import annotations

import difflib
import re
import secrets
from dataclasses import dataclass, field, fields, is_dataclass, make_dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .errors import ConfigError
from .metrics.comet import CometConfig
from .metrics.lexical import BleuConfig, ChrfConfig, TerConfig
from .metrics.registry import registered_metrics


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
    # file such as /dev/zero) is refused with its line number. Far above any
    # real sentence or paragraph, far below what would exhaust memory in the
    # metrics (TER, diffs).
    max_line_chars: int = 100000
    # The largest input file read, in bytes (every input, and every file of a
    # saved dataset): checked before reading, so that an endless or huge file
    # is refused with its size instead of exhausting memory.
    max_input_bytes: int = 1 << 30


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
class GateSettings:
    """The gate's settings besides its per-metric thresholds (``max_drop``
    and ``min``, one field per registered metric: see ``GateConfig``)."""

    # A baseline report.json; when set, the run is compared with it.
    baseline: Optional[str] = None
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


def _metric_thresholds() -> type:
    """One optional number per registered metric, in the metric's own
    units. Explicit fields (not a dict) so ``gate.max_drop.bleu=0.5`` works
    as an override and a misspelt metric is refused."""
    return make_dataclass(
        "MetricThresholds", [(name, Optional[float], field(default=None)) for name in registered_metrics()],
    )


MetricThresholds = _metric_thresholds()
GateConfig = make_dataclass("GateConfig", [
    # Allowed drop per metric (for TER, where lower is better: allowed rise).
    ("max_drop", MetricThresholds, field(default_factory=MetricThresholds)),
    # Worst acceptable score per metric (for TER: the highest acceptable).
    ("min", MetricThresholds, field(default_factory=MetricThresholds)),
], bases=(GateSettings,))


def _run_config() -> type:
    """The whole schema: the fixed sections, and one section per registered
    metric (``bleu``, ``chrf``, ``ter``, ``comet``, and any plug-in's),
    typed by the metric's own options dataclass."""
    metrics = registered_metrics()
    return make_dataclass("RunConfig", [
        ("testset", TestSetConfig, field(default_factory=TestSetConfig)),
        ("metrics", List[str], field(default_factory=lambda: list(DEFAULT_METRICS))),
        *[(name, cls.options_class, field(default_factory=cls.options_class)) for name, cls in metrics.items()],
        ("stats", StatsConfig, field(default_factory=StatsConfig)),
        # Processes for CPU-bound metrics (sacrebleu's TER above all); 0 = one per core.
        ("jobs", int, field(default=0)),
        ("report", ReportConfig, field(default_factory=ReportConfig)),
        ("gate", GateConfig, field(default_factory=GateConfig)),
        # Report sets (report.json files or their folders) of the same test set,
        # scored in separate jobs: merged into one run instead of scoring.
        ("merge", List[str], field(default_factory=list)),
    ])


DEFAULT_METRICS = ("bleu", "chrf", "ter", "comet")
RunConfig = _run_config()


def bundled_path(relative: str) -> str:
    """Absolute path of a file in the bundled test sets (``references/``).

    Works from a source checkout and from an installed wheel, where
    ``references/`` ships as the package data ``mt_eval.testsets``.
    """
    return str(resources.files("mt_eval.testsets").joinpath(relative))


def bundled_systems(testset: str) -> Dict[str, str]:
    """Every candidate file of a bundled test set, named by its stem."""
    folder = resources.files("mt_eval.testsets").joinpath(testset).joinpath("systems")
    return {Path(entry.name).stem: str(entry) for entry in sorted(folder.iterdir(), key=lambda e: e.name) if entry.name.endswith(".en")}


# Drawn once per process: default run folders are unique even for runs
# started in the same second (on one machine or several sharing a disk).
RUN_ID = secrets.token_hex(3)


def run_id() -> str:
    """A short random token naming this process's run folder."""
    return RUN_ID


def register_configs() -> None:
    """Register the schema (validated against every YAML) and our resolvers."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="run_schema", node=RunConfig)
    if not OmegaConf.has_resolver("bundled"):
        OmegaConf.register_new_resolver("bundled", bundled_path)
        # A DictConfig, not a dict: `--cfg job --resolve` resolves in place,
        # and OmegaConf cannot put a plain dict into an untyped node.
        OmegaConf.register_new_resolver("bundled_systems", lambda testset: OmegaConf.create(bundled_systems(testset)))
    if not OmegaConf.has_resolver("run_id"):
        OmegaConf.register_new_resolver("run_id", run_id)


# ------------------------------------------------------------------ keys
def _check_attributes(instance: Any, prefix: str) -> None:
    """A dataclass instance takes any attribute (``config.bleu.max_ngram_ordr
    = 2``), which OmegaConf would then drop: refuse names that are not fields."""
    known = {f.name for f in fields(instance)}
    for name in vars(instance):
        if name not in known:
            raise ConfigError(unknown_key_message(f"{prefix}{name}"))
    for name in known:
        value = getattr(instance, name)
        if is_dataclass(value) and not isinstance(value, type):
            _check_attributes(value, f"{prefix}{name}.")


def as_run_config(config: Any) -> DictConfig:
    """A checked DictConfig of the RunConfig schema from a ``RunConfig``, a
    plain mapping of the same keys, or a composed DictConfig (see
    ``check_config``): an unknown or removed key, or a value that does not
    resolve to its type, is a ConfigError naming it."""
    try:
        if is_dataclass(config) and not isinstance(config, type):
            _check_attributes(config, "")
            checked = OmegaConf.structured(config)
        elif isinstance(config, DictConfig) and config._metadata.object_type not in (None, dict):
            # Composed against the schema (Hydra, the API): a key missing here was removed. (In a
            # launcher's worker process the schema class is the worker's own copy: compared by keys.)
            checked = config
        elif isinstance(config, Mapping):
            plain = config if isinstance(config, DictConfig) else OmegaConf.create(dict(config))
            checked = OmegaConf.merge(OmegaConf.structured(RunConfig), plain)
        else:
            raise ConfigError(f"config: expected a RunConfig, a mapping of its keys or a composed config, found {type(config).__name__}.")
    except OmegaConfBaseException as error:
        raise config_error(error) from None
    check_config(checked)
    return checked


def check_config(config: DictConfig) -> None:
    """The one check of a composed config against the schema, made once the
    config is whole (after Hydra's composition, keys added with '+' or '++'
    included; after the API's merge): every key exists in RunConfig, none
    was removed with '~', and every value resolves, interpolations
    included, to its declared type. ``hydra`` belongs to Hydra, and
    ``testset.systems`` is a free mapping of system names. The first
    failure is a ConfigError naming its key. It reads without writing, so
    each entry point (the command's preflight and job, ``run``) calls it."""
    _check_keys(config, OmegaConf.structured(RunConfig), "")
    try:
        merging = bool(config.merge)
    except OmegaConfBaseException:
        merging = False  # _check_values names the key
    # A merge reads report sets, not the test set: its inputs may stay unset.
    _check_values(config, "", unread="testset" if merging else None)


PLUS_NOTE = "mt-eval reads only the keys it knows, so adding one with '+' or '++' does not help."


def _check_keys(node: DictConfig, schema: DictConfig, prefix: str) -> None:
    present, expected_keys = [str(key) for key in node.keys()], [str(key) for key in schema.keys()]
    for key in present:
        if key not in expected_keys and not (prefix == "" and key == "hydra"):
            raise ConfigError(f"{unknown_key_message(prefix + key)} {PLUS_NOTE}")
    for key in expected_keys:
        if key not in present:
            raise ConfigError(removed_key_message(f"{prefix}{key}"))
    for key in present:
        child, expected = node._get_node(key), schema._get_node(key)
        if _is_section(expected) and isinstance(child, DictConfig) and not (child._is_interpolation() or child._is_none() or child._is_missing()):
            _check_keys(child, expected, f"{prefix}{key}.")  # type: ignore[arg-type]


def _is_section(node: Any) -> bool:
    """A typed group of keys (a dataclass), as opposed to a value or a free mapping."""
    return isinstance(node, DictConfig) and node._metadata.object_type not in (None, dict)


def removed_key_message(key: str) -> str:
    return (f"{key} was removed ('~{key}'), but every run reads it: mt-eval's keys cannot be removed. "
            f"Give it a value instead ({key}=VALUE, or null where it may be empty).")


def _check_values(node: Any, prefix: str, unread: Optional[str]) -> None:
    """Read every value, which resolves its interpolation and checks the
    result against the schema's type; a required value ('???') must be set."""
    keys = list(node.keys()) if isinstance(node, DictConfig) else list(range(len(node)))
    for key in keys:
        name = str(key)
        dotted = f"{prefix}[{name}]" if isinstance(node, ListConfig) else f"{prefix}{'.' if prefix else ''}{name}"
        if prefix == "" and key in ("hydra", unread):
            continue  # Hydra's own section; a section this run does not read
        if OmegaConf.is_missing(node, key):
            raise ConfigError(f"{dotted} is not set (it is required). Give it a value: {dotted}=VALUE.")
        try:
            value = node[key]
        except OmegaConfBaseException as error:
            if dotted == "report.dir" and _outside_hydra(node._get_node(key)):
                continue  # the default run folder: the runner asks for a folder (or none) in its own words
            raise ConfigError(unresolved_message(dotted, node._get_node(key), error)) from None
        if isinstance(value, (DictConfig, ListConfig)) and not (value._is_none() or value._is_missing()):
            _check_values(value, dotted, unread)


def _outside_hydra(node: Any) -> bool:
    from hydra.core.hydra_config import HydraConfig

    return "${hydra:" in str(node._value()) and not HydraConfig.initialized()


def unresolved_message(key: str, node: Any, error: Exception) -> str:
    """E.g. "report.dir='${oc.env:UNSET}' cannot be resolved: Environment
    variable 'UNSET' not found. Give report.dir a value, ..." """
    raw = node._value() if node is not None else None
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    wrapped = re.match(r"^\w+ raised while resolving interpolation: (.*)$", reason)
    if wrapped:
        reason = wrapped.group(1).strip().strip('"')
    if "Recursive interpolation" in reason:
        reason = "it refers to itself (a loop of interpolations)"
    shown = f"{key}={raw!r}" if isinstance(raw, str) else key
    return f"{shown} cannot be resolved: {reason.rstrip('.')}. Give {key} a value, or an interpolation that resolves."


def config_error(error: Exception) -> ConfigError:
    """OmegaConf's validation errors, said as mt-eval says them."""
    key = getattr(error, "full_key", None) or ""
    message = str(error).splitlines()[0]
    if "not in struct" in message.lower() or "Key '" in message and "not in" in message:
        return ConfigError(unknown_key_message(key))
    return ConfigError(f"{key or 'config'}: {message}")


def unknown_key_message(key: str) -> str:
    """"unknown key 'bleu.tokenise'. Did you mean 'bleu.tokenize'?", with
    the keys of the same section listed."""
    keys = known_keys()
    section = key.split(".")[0]
    siblings = [k for k in keys if k.startswith(section + ".") and k.count(".") == key.count(".")]
    # A key of the same depth first: 'testset.foo' is no misspelling of 'testset'.
    close = difflib.get_close_matches(key, [k for k in keys if k.count(".") == key.count(".")], n=1, cutoff=0.6) \
        or difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
    listed = f" Keys under {section}: {', '.join(siblings)}." if siblings else f" Top-level keys: {', '.join(k for k in keys if '.' not in k)}."
    return f"unknown key {key!r}." + (f" Did you mean {close[0]!r}?" if close else "") + listed


def known_keys() -> List[str]:
    """Every dotted key of the RunConfig schema."""
    keys: List[str] = []

    def walk(node: Any, prefix: str) -> None:
        for name in node:
            value = node._get_node(name)
            dotted = f"{prefix}{name}"
            keys.append(dotted)
            if isinstance(value, DictConfig) and value._metadata.object_type is not None and value._metadata.object_type is not dict:
                walk(value, dotted + ".")

    walk(OmegaConf.structured(RunConfig), "")
    return keys


def plain_config(config: DictConfig) -> Dict[str, Any]:
    """The resolved config as plain data, for the report."""
    try:
        return OmegaConf.to_container(config, resolve=True)  # type: ignore[return-value]
    except OmegaConfBaseException:  # an interpolation that needs Hydra's runtime (e.g. outside a Hydra app)
        return OmegaConf.to_container(config, resolve=False)  # type: ignore[return-value]


__all__ = ["RunConfig", "TestSetConfig", "NormalizeConfig", "StatsConfig", "ReportConfig", "GateConfig", "GateSettings",
           "MetricThresholds", "BleuConfig", "ChrfConfig", "TerConfig", "CometConfig", "as_run_config", "config_error",
           "known_keys", "unknown_key_message", "check_config", "removed_key_message", "unresolved_message", "plain_config", "register_configs", "bundled_path", "bundled_systems"]
