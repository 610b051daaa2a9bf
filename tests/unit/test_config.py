"""config.py and conf/: every file in conf/ composes against the schema
(through hydra.compose, as the CLI composes it: the compose_config fixture),
and the override contract (testset.*, metrics, bleu.*, chrf.*, ter.*,
report.dir) holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from conftest import ROOT


def test_default_config_picks_the_bundled_testset(compose_config):
    config = compose_config()
    assert config.metrics == ["bleu", "chrf", "ter", "comet"]
    assert config.comet.model == "Unbabel/wmt22-comet-da"
    assert Path(config.testset.source).name == "source.ar" and Path(config.testset.source).exists()
    assert sorted(config.testset.systems) == ["draft", "presstv"]
    assert all(Path(path).exists() for path in config.testset.systems.values())


def test_every_testset_file_composes(compose_config):
    names = sorted(p.stem for p in (ROOT / "conf" / "testset").glob("*.yaml"))
    assert names == ["al-mayadeen", "custom"]
    for name in names:
        config = compose_config(f"testset={name}")
        OmegaConf.to_container(config.testset, resolve=True)


def test_custom_testset_needs_a_source(compose_config):
    config = compose_config("testset=custom")
    assert OmegaConf.is_missing(config.testset, "source")


@pytest.mark.parametrize("launcher, target, plugin", [
    ("local_parallel", "mt_eval_launcher", None),  # mt-eval's own; submitit comes with the test extra: never skipped
    ("slurm", "submitit", None),
    ("ray", "ray", "hydra_plugins.hydra_ray_launcher"),
])
def test_launcher_files_compose(compose_config, launcher, target, plugin):
    # Ray is a large install of its own (extra "ray"): checked where it is installed.
    if plugin:
        pytest.importorskip(plugin, reason="hydra-ray-launcher is not installed (pip install -e '.[ray]' for the Ray launcher)")
    config = compose_config(f"hydra/launcher={launcher}", hydra_config=True)
    assert target in config.hydra.launcher._target_.lower()


def test_override_contract(compose_config):
    config = compose_config(
        "testset.source=src.ar",
        "testset.references=[ref.en,ref2.en]",
        "testset.systems={mine:hyp.en,base:base.en}",
        "metrics=[bleu,chrf]",
        "bleu.tokenize=intl",
        "chrf.word_order=2",
        "ter.normalized=true",
        "report.dir=reports/my-run",
    )
    assert config.testset.source == "src.ar"
    assert list(config.testset.references) == ["ref.en", "ref2.en"]
    # A systems override replaces the bundled systems; it does not add to them.
    assert dict(config.testset.systems) == {"mine": "hyp.en", "base": "base.en"}
    assert config.bleu.tokenize == "intl" and config.chrf.word_order == 2 and config.ter.normalized is True
    assert config.report.dir == "reports/my-run"


def test_conf_files_are_the_packaged_ones():
    """conf/ at the top of the checkout is what the package ships as mt_eval.conf."""
    from importlib import resources

    packaged = Path(str(resources.files("mt_eval.conf").joinpath("config.yaml")))
    assert packaged.read_text() == (ROOT / "conf" / "config.yaml").read_text()
