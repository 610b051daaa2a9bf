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


def plugin_class(name: str = "good_name", **attributes: object) -> str:
    """A metric class with the given class attributes, in a module of its own."""
    cls = type("Plugin", (Metric,), {"name": name, "label": "Plugin", "options_class": _Options,
                                     "segment_scores": lambda self, s, r, h: [0.0] * len(h), **attributes})
    module = types.ModuleType(f"plugin_{name}_{abs(hash(repr(sorted(attributes.items(), key=str))))}")
    module.Plugin = cls  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return f"{module.__name__}:Plugin"


@pytest.mark.parametrize("facts", [
    {"digits": -1}, {"digits": 13}, {"digits": "2"}, {"digits": 2.0}, {"digits": True},
    {"scale": -5}, {"scale": float("nan")}, {"scale": float("inf")}, {"scale": "100"},
    {"higher_is_better": "no"}, {"higher_is_better": None}, {"needs_references": 1},
    {"score_neutral": frozenset({"flga"})}, {"score_neutral": frozenset({"flag", "batch"})}, {"score_neutral": ["flag"]},
    {"score_neutral": "flag"}, {"score_neutral": frozenset({1})},
])
def test_declared_facts_a_report_could_not_hold_are_refused_when_the_plugin_loads(facts):
    with pytest.raises(ConfigError, match=next(iter(facts))):
        _load("good_name", plugin_class(**facts))


@dataclass
class _NoDefault:
    x: int


@dataclass
class _BytesDefault:
    x: bytes = b"raw"


@dataclass
class _SetField:
    x: set = None  # type: ignore[assignment]


@pytest.mark.parametrize("options", [_NoDefault, _BytesDefault, _SetField])
def test_options_that_cannot_be_a_recorded_config_section_are_refused(options):
    with pytest.raises(ConfigError, match="options_class"):
        _load("good_name", plugin_class(options_class=options))


@pytest.mark.parametrize("name", ["output", "source", "line", "segment", "system", "references", "bleu_low", "x_high", "y_group"])
def test_names_of_report_columns_are_refused(name):
    with pytest.raises(ConfigError, match="columns"):
        _load(name, plugin_class(name))


@pytest.mark.parametrize("label", ["\u202eUELB", "zero\u200bwidth", "x" * 41, "a\u2028b"])
def test_invisible_direction_changing_or_overlong_labels_are_refused(label):
    with pytest.raises(ConfigError, match="label"):
        _load("good_name", plugin_class(label=label))


def test_a_plugin_that_exits_or_prints_while_importing_neither_ends_the_run_nor_writes_to_stdout(tmp_path, capsys, monkeypatch):
    (tmp_path / "exits_on_import.py").write_text("import sys\nsys.exit(0)\n")
    (tmp_path / "prints_on_import.py").write_text(
        "print('hello from the plug-in')\n"
        "from dataclasses import dataclass\nfrom mt_eval.metrics import Metric\n"
        "@dataclass\nclass O:\n    a: int = 1\n"
        "class Chatty(Metric):\n    name = 'chatty'\n    label = 'Chatty'\n    options_class = O\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match="SystemExit"):
        _load("exits", "exits_on_import:Anything")
    assert _load("chatty", "prints_on_import:Chatty").name == "chatty"
    captured = capsys.readouterr()
    assert "hello from the plug-in" not in captured.out and "hello from the plug-in" in captured.err
