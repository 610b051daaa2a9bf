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


# ---------------------------------------------------------------- the composed config, checked once

def _every_way_a_key_fails(config, key):
    """The composed config with ``key`` broken each way a user can break it."""
    import copy

    from omegaconf import open_dict

    for how, value in (("unresolvable", "${oc.env:MT_EVAL_UNSET}"), ("self-reference", f"${{{key}}}"), ("removed", None)):
        broken = copy.deepcopy(config)
        parent_key, _, leaf = key.rpartition(".")
        with open_dict(broken):
            parent = OmegaConf.select(broken, parent_key) if parent_key else broken
            if value is None:
                with open_dict(parent):
                    del parent[leaf]
            else:
                OmegaConf.update(broken, key, value, merge=False, force_add=True)
        yield how, broken


def test_every_key_that_fails_to_resolve_or_is_removed_is_named(compose_config, monkeypatch):
    from mt_eval.config import check_config, known_keys
    from mt_eval.errors import ConfigError

    monkeypatch.delenv("MT_EVAL_UNSET", raising=False)
    config = compose_config()
    check_config(config)  # the default config passes
    for key in known_keys():
        for how, broken in _every_way_a_key_fails(config, key):
            with pytest.raises(ConfigError) as caught:
                check_config(broken)
            assert key in str(caught.value), (key, how, str(caught.value))


def test_a_key_added_anywhere_is_refused_with_the_real_ones(compose_config):
    from omegaconf import open_dict

    from mt_eval.config import check_config, known_keys
    from mt_eval.errors import ConfigError

    config = compose_config()
    sections = [""] + [key + "." for key in known_keys() if OmegaConf.is_dict(OmegaConf.select(config, key))
                       and key != "testset.systems"]  # a free mapping of names: any key goes there
    for section in sections:
        added = config.copy()
        with open_dict(added):
            OmegaConf.update(added, f"{section}zzz_extra", 1, force_add=True)
        with pytest.raises(ConfigError, match=rf"unknown key '{section}zzz_extra'.*(Keys under|Top-level keys)"):
            check_config(added)


def test_a_required_value_left_unset_is_named_unless_a_merge_does_not_read_it(compose_config):
    from mt_eval.config import check_config
    from mt_eval.errors import ConfigError

    with pytest.raises(ConfigError, match="testset.source is not set"):
        check_config(compose_config("testset=custom"))
    check_config(compose_config("testset=custom", "merge=[a,b]"))  # a merge reads report sets, not the test set


def test_every_form_of_config_is_checked_the_same_way():
    from mt_eval.config import RunConfig, as_run_config
    from mt_eval.errors import ConfigError

    typed = RunConfig()
    typed.testset.source, typed.report.dir = "src.ar", "${oc.env:MT_EVAL_UNSET}"
    plain = {"testset": {"source": "src.ar"}, "report": {"dir": "${oc.env:MT_EVAL_UNSET}"}}
    for config in (typed, plain, OmegaConf.create(plain)):
        with pytest.raises(ConfigError, match="report.dir="):
            as_run_config(config)
    with pytest.raises(ConfigError, match="unknown key 'metricz'"):
        as_run_config({"metricz": ["bleu"]})
    with pytest.raises(ConfigError, match="testset.source is not set"):
        as_run_config(RunConfig())
    # Hydra's run folder exists only under the command: said by the runner, which may be told to write nothing.
    typed.report.dir = "${hydra:runtime.output_dir}"
    assert as_run_config(typed).testset.source == "src.ar"
