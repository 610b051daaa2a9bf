"""Find and load a COMET model with unbabel-comet's own API.

``comet.model`` may be a hub id (``Unbabel/wmt22-comet-da``), a checkpoint
file (``…/checkpoints/model.ckpt``) or a model folder (holding
``checkpoints/model.ckpt`` and ``hparams.yaml``). A hub id is looked up in
the local Hugging Face cache first, then fetched from the hub with a bounded
wait, unless the run is offline (``comet.offline=true`` or
``HF_HUB_OFFLINE=1``). When the model cannot be had, ``ModelUnavailable``
carries a reason a person can act on; the metric is then reported as skipped.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional

from ..errors import ConfigError, MtEvalError


class ModelUnavailable(MtEvalError):
    """The COMET model could not be found or loaded; the message says what to do."""


@dataclass
class ResolvedModel:
    checkpoint: Path
    model_id: str  # the hub id, or the checkpoint file name (its sha256 is the revision)
    revision: str  # hub commit, or "sha256:<checkpoint digest>"


def missing_packages() -> List[str]:
    """The packages COMET needs that this environment lacks (the core
    install has neither; ``pip install "mt-eval[comet]"`` brings both)."""
    return [package for module, package in (("comet", "unbabel-comet"), ("torch", "torch")) if importlib.util.find_spec(module) is None]


def hub_offline(config_offline: bool) -> bool:
    return bool(config_offline) or os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes", "on")


def looks_like_path(name: str) -> bool:
    """A hub id is OWNER/NAME; anything else, or anything that exists here, is a path."""
    return Path(name).expanduser().exists() or name.startswith(("/", ".", "~")) or name.endswith(".ckpt") or name.count("/") != 1


def resolve(name: str, models_dir: Optional[str], offline: bool, timeout: float) -> ResolvedModel:
    """Turn ``comet.model`` into a checkpoint file on this machine."""
    if looks_like_path(name):
        return _resolve_local(Path(name).expanduser())
    _bound_hub_waits(timeout)
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(repo_id=name, cache_dir=models_dir, local_files_only=True))
        return _from_snapshot(name, folder)
    except Exception:  # not in the local cache: any lookup failure means the same here
        pass
    if offline:
        raise ModelUnavailable(
            f"COMET model {name!r} is not in the local Hugging Face cache and the hub is offline "
            f"(comet.offline=true or HF_HUB_OFFLINE=1). Download it where the hub is reachable "
            f"(`huggingface-cli download {name}`, accepting its licence on the hub if it is gated) and copy the cache here, "
            "or set comet.model to a local checkpoint (…/checkpoints/model.ckpt)."
        )
    return _download(name, models_dir, timeout)


def check_local_path(path: Path) -> Path:
    """The checkpoint file an explicit ``comet.model`` path names; a path
    that is not there is a mistake to report (exit 2), not a model to skip."""
    checkpoint = path / "checkpoints" / "model.ckpt" if path.is_dir() else path
    if not checkpoint.is_file():
        raise ConfigError(f"comet.model: {path} is not a COMET checkpoint (no {checkpoint}). Point at …/checkpoints/model.ckpt or the folder that holds checkpoints/ and hparams.yaml.")
    checkpoint = checkpoint.resolve()
    if not (checkpoint.parents[1] / "hparams.yaml").is_file():
        raise ConfigError(f"comet.model: {checkpoint} has no hparams.yaml two folders up ({checkpoint.parents[1]}); unbabel-comet needs it to know the model class.")
    return checkpoint


def _resolve_local(path: Path) -> ResolvedModel:
    checkpoint = check_local_path(path)
    # Identified by file name and content only, never its absolute path: a
    # baseline scored on one machine gates a run on another.
    return ResolvedModel(checkpoint, checkpoint.name, "sha256:" + _sha256(checkpoint))


def _from_snapshot(name: str, folder: Path) -> ResolvedModel:
    checkpoint = folder / "checkpoints" / "model.ckpt"
    if not checkpoint.is_file():
        raise ModelUnavailable(f"the cached copy of {name!r} ({folder}) has no checkpoints/model.ckpt; delete it and download again.")
    return ResolvedModel(checkpoint, name, folder.name)  # the snapshot folder is named by the commit


def _download(name: str, models_dir: Optional[str], timeout: float) -> ResolvedModel:
    """Fetch the model as ``comet.download_model`` does (``snapshot_download``
    into the Hugging Face cache, or ``models_dir``), but call it directly: its
    wrapper turns every failure into "not supported by COMET", hiding whether
    the model is gated or the hub unreachable, and it would import torch just
    to fail. It runs in a daemon thread with a deadline, so an unreachable
    hub costs a bounded wait, never a hang."""
    outcome: dict = {}

    def fetch() -> None:
        try:
            from huggingface_hub import snapshot_download

            outcome["path"] = str(Path(snapshot_download(repo_id=name, cache_dir=models_dir)) / "checkpoints" / "model.ckpt")
        except BaseException as error:  # reported to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=fetch, name="comet-download", daemon=True)
    worker.start()
    worker.join(timeout * 3)  # one metadata call and retries, each bounded by `timeout`
    if worker.is_alive():
        raise ModelUnavailable(f"COMET model {name!r}: the hub did not answer within {timeout * 3:.0f} s. Check the network, or download the model elsewhere and set comet.model to its checkpoint.")
    if "error" in outcome:
        error = outcome["error"]
        text = f"{type(error).__name__}: {error}".splitlines()[0]
        gated = "gated" in text.lower() or "401" in text or "403" in text
        hint = (f"the model is gated: accept its licence at https://huggingface.co/{name} and log in (`huggingface-cli login`)"
                if gated else "check the name and the network, or download it where the hub is reachable and set comet.model to the checkpoint")
        raise ModelUnavailable(f"COMET model {name!r} could not be downloaded ({text}); {hint}.")
    return _from_snapshot(name, Path(outcome["path"]).parents[1])


def load(resolved: ResolvedModel, offline: bool) -> Any:
    """``comet.load_from_checkpoint``, quietly (no Lightning banners)."""
    quiet_libraries()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchmetrics' pkg_resources deprecation, Lightning's hints
        from comet import load_from_checkpoint

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = load_from_checkpoint(str(resolved.checkpoint), local_files_only=offline)
    except Exception as error:
        text = f"{type(error).__name__}: {error}".splitlines()[0]
        raise ModelUnavailable(
            f"COMET checkpoint {resolved.checkpoint} could not be loaded ({text}). If it names an encoder "
            "that is not in the local Hugging Face cache (e.g. xlm-roberta-large), download that too."
        ) from None
    model.eval()
    return model


def quiet_libraries() -> None:
    """Keep Lightning's and transformers' banners out of our output."""
    for name in ("lightning", "lightning.pytorch", "pytorch_lightning", "lightning_fabric", "transformers", "comet"):
        logging.getLogger(name).setLevel(logging.ERROR)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _bound_hub_waits(timeout: float) -> None:
    # huggingface_hub reads these when first imported.
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", str(int(timeout)))
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", str(int(timeout)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
