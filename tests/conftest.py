"""Shared fixtures and helpers: the bundled test set's paths, a CLI runner,
the configuration the CLI composes, sacrebleu's CLI, baselines and report
sets to read back, hostile file systems, and the installed metric plug-in.

Test files import the helpers with ``from conftest import ...`` (tests/ is
on sys.path under pytest's rootdir handling, for tests/unit/ too)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "references" / "al-mayadeen-2021-07-25"
SOURCE = BUNDLED / "source.ar"
REFERENCE = BUNDLED / "reference.en"
DRAFT = BUNDLED / "systems" / "draft.en"
PRESSTV = BUNDLED / "systems" / "presstv.en"


@pytest.fixture(autouse=True)
def no_model_hub(monkeypatch):
    """No hub is reachable where the tests run: say so, so that the default
    COMET model is reported as skipped at once instead of after a timeout.
    (tests/test_comet.py checks the unreachable-but-not-offline path.)"""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def report(self, directory: Path) -> dict:
        return json.loads((directory / "report.json").read_text(encoding="utf-8"))


@pytest.fixture
def run_cli(capsys, tmp_path):
    """Run ``mt-eval`` in this process (as the console script does) and
    return its exit code and output. Reports go to tmp_path/report unless
    the arguments name a report.dir."""
    from mt_eval import cli

    def run(*args: str) -> CliResult:
        argv = list(args)
        if not any(a.startswith("report.dir=") for a in argv) and "-m" not in argv:
            argv.append(f"report.dir={tmp_path / 'report'}")
        old_argv = sys.argv
        sys.argv = ["mt-eval", *argv]
        code = 0
        try:
            cli.main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            sys.argv = old_argv
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def systems_override(**systems: Path) -> str:
    return "testset.systems={" + ",".join(f"{name}:'{path}'" for name, path in systems.items()) + "}"


def inputs_overrides(source: Path, references: List[Path], **systems: Path) -> List[str]:
    return [
        f"testset.source='{source}'",
        "testset.references=[" + ",".join(f"'{r}'" for r in references) + "]",
        systems_override(**systems),
    ]


def sacrebleu_cli(*args: str) -> str:
    """Run sacrebleu's own command-line tool and return what it prints."""
    completed = subprocess.run(
        [sys.executable, "-m", "sacrebleu", *args], capture_output=True, text=True, check=True
    )
    return completed.stdout


def sacrebleu_paired(reference: Path, systems: List[Path], test_type: str, n_samples: int, metrics=("bleu", "chrf", "ter")) -> dict:
    """p-values of sacrebleu's own paired test (``PairedTest``), built exactly
    as its CLI builds it for ``-m ... --paired-bs/--paired-ar``: the first
    system is the baseline. (The CLI's JSON output itself fails on NumPy 2,
    where sacrebleu returns float32 values json cannot write.)
    Returns {file stem: {metric: p_value}}."""
    from sacrebleu.metrics import METRICS
    from sacrebleu.significance import PairedTest

    refs = [reference.read_text(encoding="utf-8").splitlines()]
    named = [(path.stem, path.read_text(encoding="utf-8").splitlines()) for path in systems]
    built = {name: METRICS[name.upper()](references=refs) for name in metrics}
    _, scores = PairedTest(named, built, references=None, test_type=test_type, n_samples=n_samples)()
    columns = [key for key in scores if key != "System"]  # sacrebleu names them BLEU, chrF2, TER, in our order
    return {stem: {name: scores[column][i].p_value for name, column in zip(metrics, columns)}
            for i, stem in enumerate(scores["System"]) if i > 0}


def write_lines(path: Path, lines: List[str], newline: str = "\n", bom: bool = False) -> Path:
    data = newline.join(lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


def lines(path: Path) -> List[str]:
    """A plain-text file's segments."""
    return path.read_text(encoding="utf-8").splitlines()


def load_script(path: Path) -> ModuleType:
    """A script outside the package (tools/, benchmarks/) loaded as a module,
    without putting its folder on sys.path (benchmarks/comet.py would shadow
    unbabel-comet's package)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- running mt-eval

# The quick lexical run: two metrics, 100 resamples, no terminal table.
FAST = ["metrics=[bleu,chrf]", "report.terminal=false", "stats.resamples=100"]


@pytest.fixture
def compose_config(tmp_path):
    """The configuration the mt-eval command composes for these overrides:
    conf/ (shipped as mt_eval.conf) through ``hydra.compose``, as Hydra
    composes it for the CLI. Outside a Hydra app report.dir's
    ``${hydra:runtime.output_dir}`` cannot resolve, so report.dir is
    tmp_path/report unless the overrides name one. ``hydra_config=True``
    keeps the hydra section (launchers, run folders)."""
    from hydra import compose, initialize_config_module

    from mt_eval.config import register_configs

    register_configs()

    def compose_with(*overrides: str, hydra_config: bool = False):
        given = list(overrides)
        if not any(o.startswith("report.dir=") for o in given):
            given.append(f"report.dir={tmp_path / 'report'}")
        with initialize_config_module(config_module="mt_eval.conf", version_base="1.3"):
            return compose(config_name="config", overrides=given, return_hydra_config=hydra_config)

    return compose_with


def run_module(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m mt_eval ARGS`` in a fresh process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "mt_eval", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def run_report(run_cli, folder: Path, *args: str) -> dict:
    """Run mt-eval without the terminal table into folder/out; it must
    succeed. Returns report.json."""
    result = run_cli(*args, "report.terminal=false", f"report.dir={folder / 'out'}")
    assert result.code == 0, result.err
    return result.report(folder / "out")


def refused(result: CliResult, *fragments: str, one_message: bool = True) -> None:
    """Exit 2, a message naming each fragment, no traceback; with
    one_message, exactly one "mt-eval:" message."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err + result.out
    if one_message:
        assert result.err.count("mt-eval:") == 1, result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


@pytest.fixture
def no_scoring(monkeypatch):
    """Scoring must not start: the check has to come first."""
    from mt_eval import runner

    def scoring(*args, **kwargs):
        raise AssertionError("scoring started before the input was checked")

    monkeypatch.setattr(runner, "evaluate", scoring)


# ---------------------------------------------------------------- report sets to read back

@pytest.fixture
def default_report(run_cli, tmp_path) -> Path:
    """The default run's report folder (the bundled test set, every metric)."""
    result = run_cli("report.terminal=false")
    assert result.code == 0, result.err
    return tmp_path / "report"


@pytest.fixture
def baseline(run_cli, tmp_path) -> Path:
    """report.json of a lexical run (BLEU, chrF, TER) of both bundled systems."""
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], draft=DRAFT, presstv=PRESSTV), "metrics=[bleu,chrf,ter]", "report.terminal=false",
                     f"report.dir={tmp_path / 'baseline'}")
    assert result.code == 0, result.err
    return tmp_path / "baseline" / "report.json"


@pytest.fixture
def quick_baseline(run_cli, tmp_path) -> Path:
    """report.json of a FAST run (BLEU, chrF, 100 resamples) of both bundled systems."""
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], draft=DRAFT, presstv=PRESSTV), *FAST, f"report.dir={tmp_path / 'baseline'}")
    assert result.code == 0, result.err
    return tmp_path / "baseline" / "report.json"


def schema_1_copy(report_dir: Path, target: Path) -> Path:
    """report_dir's report written as schema 1.0 wrote it (texts and
    statistics inside report.json, no segments.parquet, no metric_info),
    as target/report.json."""
    from mt_eval.results import RunResult

    current = RunResult.load(report_dir / "report.json")
    old = current.to_dict()
    old["schema_version"] = "1.0"
    old.pop("data")
    old.pop("metric_info")  # schema 2.1 added it
    old["testset"]["texts"] = {"source": current.testset.texts.source, "references": current.testset.texts.references}
    for system, loaded in zip(old["systems"], current.systems):
        system["outputs"] = loaded.outputs
        for metric, score in system["scores"].items():
            if loaded.scores[metric].stats is not None:
                score["stats"] = loaded.scores[metric].stats.tolist()
    legacy = target / "report.json"
    legacy.parent.mkdir()
    legacy.write_text(json.dumps(old), encoding="utf-8")
    return legacy


# ---------------------------------------------------------------- hostile file systems

def snapshot(folder: Path) -> dict:
    """Every file under folder, byte for byte."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def unreadable(path: Path, monkeypatch):
    """A file this process cannot read: chmod 000, or, for root (whom
    permission bits do not stop), an open that fails as it would."""
    if os.geteuid() != 0:
        path.chmod(0)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    import builtins
    import pathlib

    real_open = builtins.open
    target = str(path)

    def guarded_open(file, *args, **kwargs):
        if str(file) == target:
            raise PermissionError(13, "Permission denied", target)
        return real_open(file, *args, **kwargs)

    real_read_bytes = pathlib.Path.read_bytes

    def guarded_read_bytes(self):
        if str(self) == target:
            raise PermissionError(13, "Permission denied", target)
        return real_read_bytes(self)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(pathlib.Path, "read_bytes", guarded_read_bytes)
    try:
        yield
    finally:
        monkeypatch.undo()


def mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only_folder(folder: Path, prepare=None):
    """A folder nobody can write: a tmpfs remounted read-only where
    mounting is allowed (root ignores permission bits), else chmod."""
    folder.mkdir()
    if os.geteuid() == 0:
        if not mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)):
            pytest.skip("cannot mount a tmpfs here, and root ignores permission bits")
        try:
            if prepare:
                prepare(folder)
            assert mount("-o", "remount,ro", str(folder))
            yield folder
        finally:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        return
    if prepare:
        prepare(folder)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


# ---------------------------------------------------------------- a metric from another package

PLUGIN = Path(__file__).parent / "fixtures" / "exact_match_plugin"


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory):
    """Small random COMET checkpoints (tests/tiny_comet.py): a reference-based
    one, the same model trained differently ("regression_other": another
    checkpoint under the same file name), and a reference-free one."""
    pytest.importorskip("comet", reason='unbabel-comet is not installed (the core install); pip install -e ".[comet,test]" runs these')
    pytest.importorskip("torch", reason='torch is not installed (the core install); pip install torch==2.13.0 -e ".[comet,test]" runs these')
    import warnings

    import tiny_comet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = tmp_path_factory.mktemp("comet")
        lines = [line for path in (SOURCE, REFERENCE, DRAFT, PRESSTV) for line in path.read_text(encoding="utf-8").splitlines()]
        encoder = tiny_comet.build_encoder(root / "encoder", lines)
        return {
            "regression": tiny_comet.build_checkpoint(root / "regression", encoder),
            "regression_other": tiny_comet.build_checkpoint(root / "regression_other", encoder, seed=1),
            "referenceless": tiny_comet.build_checkpoint(root / "referenceless", encoder, referenceless=True),
        }


@pytest.fixture(scope="session")
def plugin_path(tmp_path_factory) -> Path:
    """tests/fixtures/exact_match_plugin installed for real (pip) into a folder of its own."""
    target = tmp_path_factory.mktemp("plugin-site")
    isolation = ["--no-build-isolation"] if _can_build_wheels_here() else []
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *isolation, "--target", str(target), str(PLUGIN)],
                   check=True, capture_output=True, text=True)
    assert list(target.glob("mt_eval_exact_match-*.dist-info/entry_points.txt"))
    return target


def _can_build_wheels_here() -> bool:
    """Whether this environment can build the plug-in's wheel without
    fetching a build backend: setuptools 70.1 or later builds wheels itself,
    an older one needs the wheel package. Otherwise pip fetches them."""
    try:
        import setuptools
    except ImportError:
        return False
    version = tuple(int(part) for part in setuptools.__version__.split(".")[:2] if part.isdigit())
    return version >= (70, 1) or importlib.util.find_spec("wheel") is not None


def run_with_plugin(plugin: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m mt_eval ARGS`` with the plug-in's folder on the path."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin), os.environ.get("PYTHONPATH", "")]),
                   "HF_HUB_OFFLINE": "1", "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "mt_eval", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)


def plugin_inputs(copy_of_reference: Path) -> list:
    """The bundled test set with two systems: the draft, and a copy of the reference."""
    return [f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]",
            f"testset.systems={{draft:{DRAFT},copy:{copy_of_reference}}}"]


@pytest.fixture
def copy_of_reference(tmp_path) -> Path:
    """The reference with one segment upper-cased: it differs only in case."""
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].upper()  # one segment differs only in case
    path = tmp_path / "copy.en"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
