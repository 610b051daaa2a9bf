"""A key exists or is refused, and the config is checked before anything is
written: every key of the schema, every way of writing one (KEY=, +KEY=,
++KEY=, ~KEY, an interpolation that fails or refers to itself), every
malformed override, every folder Hydra would write into, and every
argument and option of the Python API. Each refusal is exit 2 (or
mt-eval's own exception) with one message naming the key, never a
traceback, and leaves no file behind."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Sequence

import pytest

from conftest import DRAFT, PRESSTV, REFERENCE, SOURCE, refused

from mt_eval.config import known_keys

KEYS = known_keys()
FORMS = ("+{}x=1", "++{}x=1", "{}x=1")  # a key the schema does not have, added or set


def files_under(folder: Path) -> set:
    return {path.relative_to(folder) for path in folder.rglob("*")}


@pytest.fixture
def guarded(run_cli, tmp_path, monkeypatch):
    """Run mt-eval from tmp_path/work and assert it wrote nothing anywhere
    under tmp_path (the report folder included)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    def run(*args: str, flags: Sequence[str] = ()):
        before = files_under(tmp_path)
        result = run_cli(*flags, f"report.dir={tmp_path / 'report'}", *args)  # options before the overrides, as argparse wants
        assert files_under(tmp_path) == before, f"{args} wrote {files_under(tmp_path) - before}"
        return result

    return run


# ---------------------------------------------------------------- keys added, set or removed

@pytest.mark.parametrize("key", KEYS)
def test_a_key_the_schema_does_not_have_is_refused_in_every_form(guarded, key):
    form = FORMS[KEYS.index(key) % len(FORMS)]  # every key, and every form over the keys
    result = guarded(form.format(key))
    refused(result, f"unknown key '{key}x'", "Did you mean")
    assert "To append to your config use" not in result.err


@pytest.mark.parametrize("override, key", [
    ("+gate.max_drop.blue=0.5", "gate.max_drop.blue"),
    ("++gate.min.blue=99", "gate.min.blue"),
    ("+unknown=1", "unknown"),
    ("++unknown.deeper=1", "unknown"),  # the first key that does not exist
    ("gate.max_drop={blue:0.5}", "gate.max_drop.blue"),  # Hydra's own answer here is "add '+'"
    ("+gate.max_drop={blue:0.5}", "gate.max_drop.blue"),
    ("bleu={tokenise:intl}", "bleu.tokenise"),
    ("+stats={resample:10}", "stats.resample"),
])
def test_hydras_advice_to_add_plus_is_answered(guarded, override, key):
    result = guarded(override)
    refused(result, f"unknown key '{key}'", "does not help")
    assert "To append" not in result.err and "HYDRA_FULL_ERROR" not in result.err


def test_a_misspelt_metric_threshold_lists_the_real_ones(guarded):
    result = guarded("+gate.max_drop.blue=0.5")
    refused(result, "Did you mean 'gate.max_drop.bleu'?", "gate.max_drop.chrf", "gate.min.ter")


@pytest.mark.parametrize("key", KEYS)
def test_removing_any_key_is_refused(guarded, key):
    refused(guarded(f"~{key}"), key.split(".")[0])


@pytest.mark.parametrize("key", KEYS)
def test_an_interpolation_that_fails_names_its_key(guarded, key, monkeypatch):
    # Every key through the command line, the two ways over the keys; every key
    # both ways against the composed config: tests/unit/test_config.py.
    monkeypatch.delenv("MT_EVAL_UNSET", raising=False)
    value = ("${oc.env:MT_EVAL_UNSET}", f"${{{key}}}")[KEYS.index(key) % 2]  # unresolvable, or refers to itself
    refused(guarded(f"{key}={value}"), key.split(".")[0])


@pytest.mark.parametrize("override, fragment", [
    ("report.dir=${oc.env:MT_EVAL_UNSET}", "Environment variable 'MT_EVAL_UNSET' not found"),
    ("report.dir=${report.dir}", "refers to itself"),
    ("report.dir=${testset.nope}", "report.dir"),
    ("jobs=${report.dir}", "jobs"),  # resolves, to the wrong type
    ("~metrics", "metrics was removed"),
    ("~testset", "testset.source is not set"),
    ("testset=custom", "testset.source is not set"),
])
def test_the_reported_tracebacks_are_one_message(guarded, override, fragment):
    refused(guarded(override), fragment)


@pytest.mark.parametrize("override", [
    "bleu.tokenize=[", "metrics=[bleu", "a=b=c", "=1", "bleu", "+", "~", "++=3", "bleu..tokenize=1", "x y=1",
    "bleu.tokenize='x", "bleu.tokenize=${", "gate=", "gate.max_drop=5", "metrics={a:1}", "jobs=[1]", "jobs=null",
    "stats.resamples=1e3", "bleu.tokenize=a,b", "testset=nope", "+testset=custom", "testset.systems.mine=x",
    "hydra/launcher=nope", "hydra.run.dir=${oc.env:MT_EVAL_UNSET}",
])
def test_a_malformed_override_is_one_message(guarded, override):
    result = guarded(override)
    refused(result)
    assert "HYDRA_FULL_ERROR" not in result.err and "See https://hydra.cc/docs/1.2" not in result.err


def test_a_system_can_still_be_added_to_the_mapping(run_cli, tmp_path):
    result = run_cli("testset=custom", f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]",
                     f"+testset.systems.mine={DRAFT}", "metrics=[bleu]", "report.terminal=false")
    assert result.code == 0, result.err
    assert [s["name"] for s in result.report(tmp_path / "report")["systems"]] == ["mine"]


def test_a_sweep_is_checked_job_by_job_before_it_starts(guarded, tmp_path):
    result = guarded(f"hydra.sweep.dir={tmp_path / 'sweep'}", "bleu.tokenize=13a,intl", "+gate.max_drop.blue=0.5,1", flags=["-m"])
    refused(result, "multirun job 0", "unknown key 'gate.max_drop.blue'")
    result = guarded(f"hydra.sweep.dir={tmp_path / 'sweep'}", "stats.resamples=1000,10", "gate.require_significance=true", flags=["-m"])
    refused(result, "multirun job 1", "stats.resamples=10")


@pytest.mark.parametrize("flags", [["--cfg", "job", "-m"], ["--resolve"], ["--run", "-m"], ["--config-name", "nope"],
                                   ["--config-dir", "/nonexistent-config-folder"]])
def test_hydras_own_options_misused_are_one_message(guarded, flags):
    refused(guarded(flags=flags))


def test_cfg_shows_only_a_config_that_would_run(run_cli):
    refused(run_cli("--cfg", "job", "+unknown=1"), "unknown key 'unknown'")


# ---------------------------------------------------------------- Hydra's folders

def ancestors(tmp_path: Path):
    """(key, folder) pairs no run may write Hydra's files into, with cwd
    tmp_path/work/sub and HOME tmp_path/home."""
    return {
        "home": tmp_path / "home",
        "cwd": tmp_path / "work" / "sub",
        "parent": tmp_path / "work",
        "grandparent": tmp_path,
        "repository": tmp_path / "repo",
    }


@pytest.fixture
def hostile_tree(tmp_path, monkeypatch):
    for folder in ("home", "work/sub", "repo/.git"):
        (tmp_path / folder).mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work" / "sub")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.mark.parametrize("where", ["home", "cwd", "parent", "grandparent", "repository"])
@pytest.mark.parametrize("how", ["hydra.run.dir={}", "-m hydra.sweep.dir={}", "hydra.run.dir={}/new hydra.output_subdir=..",
                                 "-m hydra.sweep.dir={}/new hydra.sweep.subdir=.."])
def test_hydra_never_writes_into_a_folder_that_is_not_the_runs_own(run_cli, hostile_tree, where, how):
    folder = ancestors(hostile_tree)[where]
    before = files_under(hostile_tree)
    arguments = how.format(folder).split()
    result = run_cli(*arguments[:1], f"report.dir={hostile_tree / 'elsewhere'}", *arguments[1:])
    refused(result, "not a folder of its own")
    assert files_under(hostile_tree) == before


def test_hydra_never_writes_into_the_root(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    probe = f".mt-eval-probe-{uuid.uuid4().hex}"  # were the check missing, this folder would appear in /
    try:
        for arguments in (["hydra.run.dir=/", f"hydra.output_subdir={probe}"], ["-m", "hydra.sweep.dir=/", f"hydra.output_subdir={probe}"]):
            refused(run_cli(*arguments[:-1], f"report.dir={tmp_path / 'r'}", arguments[-1]), "not a folder of its own")
            assert not os.path.lexists(f"/{probe}")
    finally:
        if os.path.isdir(f"/{probe}"):
            import shutil

            shutil.rmtree(f"/{probe}")


@pytest.mark.parametrize("how", ["hydra.run.dir={}", "hydra.run.dir={}/sub hydra.output_subdir=null", "-m hydra.sweep.dir={}"])
def test_a_file_where_hydra_would_make_its_folder_is_one_message(run_cli, hostile_tree, how):
    blocker = hostile_tree / "work" / "sub" / "a-file"
    blocker.write_text("mine\n")
    arguments = how.format(blocker).split()
    refused(run_cli(*arguments[:1], f"report.dir={hostile_tree / 'elsewhere'}", *arguments[1:]), "is a file")
    assert blocker.read_text() == "mine\n"


def test_a_run_folder_of_its_own_is_written_as_before(run_cli, hostile_tree):
    result = run_cli(f"hydra.run.dir={hostile_tree / 'work' / 'sub' / 'runs' / 'a'}", "report.dir=${hydra:runtime.output_dir}",
                     "metrics=[bleu]", "report.terminal=false")
    assert result.code == 0, result.err
    assert (hostile_tree / "work" / "sub" / "runs" / "a" / ".hydra" / "config.yaml").exists()
    assert (hostile_tree / "work" / "sub" / "runs" / "a" / "report.json").exists()


def test_hydra_writing_nothing_may_name_the_working_directory(run_cli, hostile_tree):
    # The usual way to keep Hydra's files out: no .hydra/ is written, so the folder may be any.
    result = run_cli("hydra.run.dir=.", "hydra.output_subdir=null", f"report.dir={hostile_tree / 'r'}", "metrics=[bleu]", "report.terminal=false")
    assert result.code == 0, result.err
    assert not (hostile_tree / "work" / "sub" / ".hydra").exists()


# ---------------------------------------------------------------- significance the resampling can reach

@pytest.mark.parametrize("overrides, fragments", [
    (["gate.require_significance=true", "gate.alpha=0.0005"], ["gate.alpha=0.0005", "1/(1000+1)", "stats.resamples=2000"]),
    (["gate.require_significance=true", "stats.resamples=10", "stats.method=none"], ["gate.alpha=0.05", "stats.resamples=20"]),
    (["gate.require_significance=true", "gate.alpha=0.08", "stats.resamples=10", "stats.method=none"], ["stats.resamples=12"]),
    (["stats.alpha=0.0001"], ["stats.alpha=0.0001", "stats.resamples=10000"]),
    (["stats.method=ar", "stats.trials=15"], ["stats.trials=15", "stats.trials=20"]),
    (["stats.resamples=9"], ["stats.resamples=9", "10 or more"]),
    (["stats.method=ar", "stats.trials=5"], ["stats.trials=5", "10 or more"]),
])
def test_an_unreachable_significance_level_is_refused_before_scoring(guarded, no_scoring, overrides, fragments):
    refused(guarded(*overrides), *fragments)


def test_the_smallest_reachable_level_still_runs(run_cli, tmp_path):
    # alpha just above 1/(resamples+1): reachable, so accepted
    result = run_cli("metrics=[bleu]", "report.terminal=false", "stats.resamples=20", "stats.alpha=0.0477")
    assert result.code == 0, result.err


# ---------------------------------------------------------------- the Python API

def api_call(**changes):
    import mt_eval

    arguments = {"source": SOURCE, "references": [REFERENCE], "systems": {"draft": DRAFT}, "metrics": ["bleu"], **changes}
    return mt_eval.score(**arguments)


WRONG = {  # argument → values of a wrong type
    "source": [3, 1.5, b"bytes", {"a": 1}, {"x"}, object(), [1, 2], [["x"]], [None]],
    "references": [None, 3, "ref.en", Path("ref.en"), b"x", {"a": ["x"]}, [3], [b"x"], [[1]], [None]],
    "systems": [None, 3, "hyp.en", Path("hyp.en"), b"x", {(1, 2): DRAFT}, {None: DRAFT}, {True: DRAFT}, {"a": 3},
                {"a": None}, {"a": b"x"}, [["x"]], [3], [None], [b"x"], {1: DRAFT, "1": PRESSTV}],
    "metrics": [3, b"bleu", [3], [None], {"bleu": 1}, object()],
    "overrides": [3, b"x=1", [3], [None], {"a": 1}, object(), ["bleu.tokenise=intl"], ["~jobs"], ["+unknown=1"], ["jobs"]],
    "name": [3, b"x", ["x"], object()],
}


@pytest.mark.parametrize("argument, value", [(a, v) for a, values in WRONG.items() for v in values],
                         ids=lambda x: x if isinstance(x, str) else type(x).__name__)
def test_every_argument_of_score_has_its_type_checked(argument, value):
    import mt_eval

    with pytest.raises(mt_eval.MtEvalError) as caught:
        api_call(**{argument: value})
    assert argument in str(caught.value) or argument == "overrides", str(caught.value)


@pytest.mark.parametrize("key", [k for k in KEYS if "." not in k and k != "metrics"])  # metrics is an argument
def test_every_option_of_score_has_its_type_checked(key):
    import mt_eval

    for value in (object(), {1, 2}, b"x", lambda: 1, "not-a-" + key if key != "merge" else 3, [object()]):
        with pytest.raises(mt_eval.MtEvalError) as caught:
            api_call(**{key: value})
        assert key in str(caught.value), (value, str(caught.value))


def test_system_names_are_compared_as_text():
    import mt_eval

    draft, presstv = DRAFT.read_text().splitlines(), PRESSTV.read_text().splitlines()
    with pytest.raises(mt_eval.ConfigError, match=r"1 and '1' are one name"):
        api_call(systems={1: draft, "1": presstv})
    result = api_call(systems={1: draft, 2: presstv})  # names that differ as text are kept, as text
    assert [s.name for s in result.run.systems] == ["1", "2"]


def test_a_list_of_segment_lists_needs_names():
    import mt_eval

    with pytest.raises(mt_eval.ConfigError, match=r"systems\[0\]: a list of segments has no name"):
        api_call(systems=[DRAFT.read_text().splitlines()])


def test_an_argument_cannot_also_be_an_option():
    import mt_eval

    with pytest.raises(mt_eval.ConfigError, match="testset.source is given twice"):
        api_call(testset={"source": str(PRESSTV)})
    with pytest.raises(mt_eval.ConfigError, match="metrics is given twice"):
        api_call(overrides=["metrics=[chrf]"])
    with pytest.raises(mt_eval.ConfigError, match="testset.systems is given twice"):
        api_call(overrides=[f"testset.systems.other={PRESSTV}"])


def test_options_are_checked_against_the_schema_after_the_merge():
    import mt_eval

    with pytest.raises(mt_eval.ConfigError, match=r"bleu.tokenize='\$\{oc.env:MT_EVAL_UNSET\}' cannot be resolved"):
        api_call(bleu={"tokenize": "${oc.env:MT_EVAL_UNSET}"})
    with pytest.raises(mt_eval.ConfigError, match="unknown key 'gate.max_drop.blue'"):
        api_call(gate={"max_drop": {"blue": 0.5}})
    with pytest.raises(mt_eval.ConfigError, match="unknown key 'hydra'"):
        api_call(hydra={"run": {"dir": "x"}})
    with pytest.raises(mt_eval.ConfigError, match="gate.alpha=0.0005 cannot be reached"):
        api_call(gate={"baseline": str(REFERENCE), "require_significance": True, "alpha": 0.0005})


def _sacrebleu(metric, **options) -> float:
    from sacrebleu.metrics import BLEU, CHRF, TER

    kind = {"bleu": BLEU, "chrf": CHRF, "ter": TER}[metric]
    return kind(**options).corpus_score(DRAFT.read_text().splitlines(), [REFERENCE.read_text().splitlines()]).score


def test_every_top_level_key_given_to_the_api_is_honoured(tmp_path):
    """Each key of the config, given to score() as a keyword option (metrics
    as its argument), changes what the run does as the CLI's key would."""
    import mt_eval

    baseline = api_call(report={"dir": str(tmp_path / "base")})
    shard = api_call(systems={"presstv": PRESSTV}, report={"dir": str(tmp_path / "shard")})
    cases = {
        "testset": ({"testset": {"name": "news-x"}}, lambda r: r.run.testset.name == "news-x"),
        "metrics": ({"metrics": ["chrf"]}, lambda r: r.run.metrics == ["chrf"]),
        "bleu": ({"bleu": {"tokenize": "intl"}}, lambda r: r.score("draft", "bleu") == pytest.approx(_sacrebleu("bleu", tokenize="intl"), abs=1e-9)),
        "chrf": ({"metrics": ["chrf"], "chrf": {"word_order": 2}}, lambda r: r.score("draft", "chrf") == pytest.approx(_sacrebleu("chrf", word_order=2), abs=1e-9)),
        "ter": ({"metrics": ["ter"], "ter": {"normalized": True}}, lambda r: r.score("draft", "ter") == pytest.approx(_sacrebleu("ter", normalized=True), abs=1e-9)),
        # Skipped either way (no hub here; no unbabel-comet in the core install): the model asked for is the one tried.
        "comet": ({"metrics": ["comet"], "comet": {"model": "nonexistent/model-xyz"}},
                  lambda r: r.run.config["comet"]["model"] == "nonexistent/model-xyz" and not r.run.system("draft").scores["comet"].ok
                  and ("nonexistent/model-xyz" in (r.run.system("draft").scores["comet"].reason or "")
                       or "not installed" in (r.run.system("draft").scores["comet"].reason or ""))),
        "stats": ({"stats": {"resamples": 100, "method": "none"}}, lambda r: "bs-100" in r.run.system("draft").scores["bleu"].signature),
        "jobs": ({"metrics": ["ter"], "jobs": 2}, lambda r: r.run.config["jobs"] == 2 and r.score("draft", "ter") == pytest.approx(_sacrebleu("ter"))),
        "report": ({"report": {"dir": str(tmp_path / "out"), "formats": ["json"]}},
                   lambda r: sorted(p.name for p in r.written) == ["report.json", "segments.parquet"]),
        "gate": ({"gate": {"baseline": str(tmp_path / "base"), "min": {"bleu": 99}}},
                 lambda r: not r.gate.passed and [f.metric for f in r.gate.failures] == ["bleu"]),
        "merge": ({"source": None, "references": (), "systems": (), "merge": [str(tmp_path / "base"), str(tmp_path / "shard")]},
                  lambda r: [s.name for s in r.run.systems] == ["draft", "presstv"]
                  and r.score("presstv", "bleu") == shard.score("presstv", "bleu") and r.score("draft", "bleu") == baseline.score("draft", "bleu")),
    }
    top = [key for key in KEYS if "." not in key]
    from mt_eval.metrics.registry import registered_metrics

    plugins = set(registered_metrics()) - {"bleu", "chrf", "ter", "comet"}  # their options reach the metric as bleu's do
    assert set(top) - plugins == set(cases), "a top-level key without a case: give it one, or refuse it in the API"
    for key, (changes, honoured) in cases.items():
        result = api_call(**changes)
        assert honoured(result), key
    with pytest.raises(mt_eval.ConfigError, match="report.terminal: the Python API never prints"):
        api_call(report={"terminal": True})


# ---------------------------------------------------------------- typed configs and gate settings

def _sections(instance, prefix=""):
    """Every dataclass section of a RunConfig instance, with its dotted name."""
    from dataclasses import fields, is_dataclass

    yield prefix, instance
    for f in fields(instance):
        value = getattr(instance, f.name)
        if is_dataclass(value) and not isinstance(value, type):
            yield from _sections(value, f"{prefix}{f.name}.")


def test_a_misspelt_attribute_on_any_section_of_a_typed_config_is_refused():
    """A dataclass instance takes any attribute; OmegaConf would drop it."""
    import mt_eval
    from mt_eval.errors import ConfigError

    names = [prefix for prefix, _ in _sections(mt_eval.RunConfig())]
    assert len(names) > 8
    for prefix in names:
        config = mt_eval.RunConfig(metrics=["bleu"])
        section = dict(_sections(config))[prefix]
        setattr(section, "no_such_option", 2)
        with pytest.raises(ConfigError, match=f"unknown key '{prefix}no_such_option'"):
            mt_eval.evaluate(config)


def _gate_settings_asking_for_a_check():
    from mt_eval.metrics.registry import registered_metrics

    for metric in registered_metrics():
        yield {"max_drop": {metric: 0.5}}
        yield {"min": {metric: 10.0}}
    yield {"default_max_drop": 1.0}
    yield {"require_significance": True}


@pytest.mark.parametrize("gate", list(_gate_settings_asking_for_a_check()), ids=str)
def test_a_gate_setting_without_a_baseline_is_refused_before_scoring(gate, no_scoring):
    """A threshold with nothing to compare would pass unchecked."""
    import mt_eval
    from mt_eval.errors import ConfigError

    with pytest.raises(ConfigError, match="gate.baseline is not"):
        mt_eval.score(source=SOURCE, references=[REFERENCE], systems={"draft": DRAFT}, metrics=["bleu"], gate=gate)


def test_the_cli_refuses_a_threshold_without_a_baseline(run_cli):
    refused(run_cli("gate.max_drop.bleu=0.5", "metrics=[bleu]", "report.terminal=false"), "gate.max_drop.bleu", "gate.baseline")
