"""The metric registry: what a metric class must declare to be loaded, for
every name and label a plug-in could give, and the built-ins' facts."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

import pytest

from mt_eval.errors import ConfigError
from mt_eval.metrics import Metric, registered_metrics
from mt_eval.metrics.registry import RESERVED_NAMES, _load


@dataclass
class _Options:
    flag: bool = False


def plugin(name: str, label: object = "Plugin", options: object = _Options) -> str:
    """A module holding one metric class; returns its entry-point target."""
    cls = type("Plugin", (Metric,), {"name": name, "label": label, "options_class": options,
                                     "segment_scores": lambda self, s, r, h: [0.0] * len(h)})
    module = types.ModuleType(f"plugin_{abs(hash((name, str(label))))}")
    module.Plugin = cls  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return f"{module.__name__}:Plugin"


@pytest.mark.parametrize("name", ["my-metric", "My", "2bleu", "a b", "métrique", "", "x.y", *sorted(RESERVED_NAMES)])
def test_a_name_that_cannot_be_a_config_key_is_refused(name):
    with pytest.raises(ConfigError, match="lower-case Python identifier"):
        _load(name, plugin(name))


@pytest.mark.parametrize("label", ["", "  ", "a\nb", "esc\x1b[31m", None, 3])
def test_a_label_that_is_not_one_line_of_plain_text_is_refused(label):
    with pytest.raises(ConfigError, match="label"):
        _load("good_name", plugin("good_name", label=label))


def test_options_must_be_a_dataclass():
    with pytest.raises(ConfigError, match="dataclass"):
        _load("good_name", plugin("good_name", options=dict))


def test_the_entry_point_name_must_be_the_class_name():
    with pytest.raises(ConfigError, match="registered as 'other'"):
        _load("other", plugin("good_name"))


def test_a_well_formed_plugin_loads():
    assert _load("good_name", plugin("good_name")).name == "good_name"


def test_every_builtin_metric_declares_its_identity():
    builtins = registered_metrics()
    assert list(builtins)[:4] == ["bleu", "chrf", "ter", "comet"]
    for name, cls in builtins.items():
        info = cls().info()
        assert info.name == name and info.label.strip()
        assert info.tie_tolerance == pytest.approx(0.001 * info.scale)
    assert builtins["ter"]().info().higher_is_better is False
    assert builtins["comet"]().info().digits == 4 and builtins["comet"]().info().scale == 1.0
    assert builtins["chrf"]({"word_order": 2}).info().label == "chrF++"
