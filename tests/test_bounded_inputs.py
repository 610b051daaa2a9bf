"""Bounded work, known up front: a test-set input that is not a regular file
(a FIFO, a device, a socket) or that is larger than testset.max_input_bytes
is refused before a byte of it is read, in every form an input takes and for
every input role; a run whose statistics would not fit in memory is refused
before scoring, with the estimate and the options that shrink it."""

from __future__ import annotations

import contextlib
import csv
import faulthandler
import json
import os
import shutil
import signal
import socket
import stat
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest

from conftest import DRAFT, REFERENCE, SOURCE, lines, refused

ROLES = {  # config key → the override that names an input for it
    "testset.source": lambda spec: [f"testset.source='{spec}'", f"testset.references=['{REFERENCE}']", f"testset.systems={{mine:'{DRAFT}'}}"],
    "testset.references[0]": lambda spec: [f"testset.source='{SOURCE}'", f"testset.references=['{spec}']", f"testset.systems={{mine:'{DRAFT}'}}"],
    "testset.references[1]": lambda spec: [f"testset.source='{SOURCE}'", f"testset.references=['{REFERENCE}','{spec}']", f"testset.systems={{mine:'{DRAFT}'}}"],
    "testset.systems.mine": lambda spec: [f"testset.source='{SOURCE}'", f"testset.references=['{REFERENCE}']", f"testset.systems={{mine:'{spec}'}}"],
}


# ---------------------------------------------------------------- every form an input takes

def _write_plain(path: Path, texts: List[str]) -> None:
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")


def _write_jsonl(path: Path, texts: List[str]) -> None:
    path.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")


def _write_json(path: Path, texts: List[str]) -> None:
    path.write_text(json.dumps([{"text": t} for t in texts], ensure_ascii=False), encoding="utf-8")


def _write_delimited(delimiter: str) -> Callable[[Path, List[str]], None]:
    def write(path: Path, texts: List[str]) -> None:
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, delimiter=delimiter)
            writer.writerow(["text"])
            writer.writerows([t] for t in texts)
    return write


def _write_parquet(path: Path, texts: List[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": texts}), path)


def _write_saved(path: Path, texts: List[str]) -> None:
    import datasets

    datasets.disable_progress_bars()
    datasets.Dataset.from_dict({"text": texts}).save_to_disk(str(path))


# form → (file name, writer, the spec naming it, which file the special one replaces)
FORMS: Dict[str, tuple] = {
    "plain": ("input.en", _write_plain, "{path}", None),
    "jsonl": ("input.jsonl", _write_jsonl, "{path}#text", None),
    "json": ("input.json", _write_json, "{path}", None),
    "csv": ("input.csv", _write_delimited(","), "{path}#text", None),
    "tsv": ("input.tsv", _write_delimited("\t"), "{path}#text", None),
    "parquet": ("input.parquet", _write_parquet, "{path}#text", None),
    "dataset folder (data)": ("saved", _write_saved, "{path}#text", "*.arrow"),
    "dataset folder (state.json)": ("saved", _write_saved, "{path}#text", "state.json"),
}


def build(form: str, folder: Path, texts: List[str]) -> tuple:
    """The input in ``form`` under ``folder``: (spec, the file a special
    file replaces)."""
    FORMS[form][1](folder / FORMS[form][0], texts)
    return located(form, folder)


def located(form: str, folder: Path) -> tuple:
    name, _, spec, inner = FORMS[form]
    path = folder / name
    return spec.format(path=path), (next(path.glob(inner)) if inner else path)


# ---------------------------------------------------------------- every kind of special file

def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    # AF_UNIX paths are short (108 bytes); bind in a short folder, then move.
    with tempfile.TemporaryDirectory(dir="/tmp") as short:
        server = socket.socket(socket.AF_UNIX)
        server.bind(os.path.join(short, "s"))
        server.close()
        os.rename(os.path.join(short, "s"), path)


def _device(kind: int, existing: str) -> Callable[[Path], None]:
    """A device node where this process may make one (root); otherwise a
    symbolic link to an existing one, which is what a reader meets too."""
    def make(path: Path) -> None:
        try:
            os.mknod(path, kind | 0o600, os.stat(existing).st_rdev)
        except (PermissionError, OSError):
            os.symlink(existing, path)
    return make


def _first_block_device() -> str:
    for entry in sorted(Path("/dev").iterdir()):
        with contextlib.suppress(OSError):
            if stat.S_ISBLK(entry.stat().st_mode):
                return str(entry)
    return ""


BLOCK = _first_block_device()
KINDS: Dict[str, Callable[[Path], None]] = {
    "fifo": _fifo,
    "socket": _socket,
    "character device": _device(stat.S_IFCHR, "/dev/zero"),
    "block device": _device(stat.S_IFBLK, BLOCK),
}
WORDS = {"fifo": "a FIFO", "socket": "a socket", "character device": "a character device", "block device": "a block device"}


class Hung(BaseException):
    """Not an OSError (as TimeoutError is): no handler of mt-eval's can take it for a read error."""


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail, rather than hang, when the body takes longer: SIGALRM raises in
    the main thread; should a blocking call not return to Python, the
    faulthandler ends the test process with every thread's stack."""
    def expire(signum, frame):
        raise Hung(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    faulthandler.dump_traceback_later(seconds + 30, exit=True, file=sys.__stderr__)
    try:
        yield
    finally:
        signal.alarm(0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def saved_forms(tmp_path_factory) -> Path:
    """Every form written once (a saved dataset takes a moment to build)."""
    folder = tmp_path_factory.mktemp("forms")
    texts = lines(REFERENCE)
    for form in FORMS:
        (folder / form).mkdir()
        build(form, folder / form, texts)
    return folder


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("form", list(FORMS))
def test_a_special_file_is_refused_up_front_in_every_form_and_role(run_cli, tmp_path, saved_forms, form, kind):
    if kind == "block device" and not BLOCK:
        pytest.skip("no block device in /dev here")
    for role, overrides in ROLES.items():
        folder = tmp_path / role / form
        shutil.copytree(saved_forms / form, folder, symlinks=True)
        spec, target = located(form, folder)
        target.unlink()
        KINDS[kind](target)
        with deadline(20):
            result = run_cli(*overrides(spec), "metrics=[bleu]", "report.terminal=false")
        refused(result, role, str(target), WORDS[kind], "not a regular file")
        assert not (tmp_path / "report").exists()



# ---------------------------------------------------------------- sizes, bounded before reading

def config_for(spec_for: Dict[str, str], max_bytes: int):
    """The test-set config of a run whose inputs are the bundled ones but
    for ``spec_for`` (role → spec), with testset.max_input_bytes set."""
    from omegaconf import OmegaConf

    from mt_eval.config import TestSetConfig

    config = OmegaConf.structured(TestSetConfig)
    references = [str(REFERENCE), str(REFERENCE)]
    config.source = spec_for.get("testset.source", str(SOURCE))
    config.references = [spec_for.get(f"testset.references[{i}]", ref) for i, ref in enumerate(references)]
    config.systems = {"mine": spec_for.get("testset.systems.mine", str(DRAFT))}
    config.max_input_bytes = max_bytes
    return config


def size_of(target: Path) -> int:
    if target.is_dir():
        return sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    return target.stat().st_size


@pytest.mark.parametrize("form", list(FORMS))
def test_an_input_over_max_input_bytes_is_refused_before_it_is_read(tmp_path, form):
    """One byte over the limit is refused naming the key, the role and the
    file, though its first segment holds a NUL that reading would refuse:
    the size is checked first. At the limit, the same file is read (and its
    NUL found)."""
    from mt_eval.errors import InputError
    from mt_eval.testset import load_testset

    texts = [line + " padding" * 200 for line in lines(REFERENCE)]  # larger than any bundled input
    texts[0] = "a NUL \x00 here"
    spec, _ = build(form, tmp_path, texts)
    whole = tmp_path / FORMS[form][0]
    size = size_of(whole)
    assert size > max(size_of(path) for path in (SOURCE, REFERENCE, DRAFT))
    for role in ROLES:
        with pytest.raises(InputError) as over:
            load_testset(config_for({role: spec}, size - 1))
        message = str(over.value)
        assert message.startswith(role + ":") and str(whole) in message and "testset.max_input_bytes" in message, message
        assert f"{size:,} bytes" in message or form.startswith("dataset"), message  # a folder is counted file by file, up to the limit
    with pytest.raises(InputError, match="NUL"):
        load_testset(config_for({"testset.systems.mine": spec}, size))


def test_max_input_bytes_must_be_a_whole_number_from_one(tmp_path):
    from mt_eval.errors import ConfigError
    from mt_eval.testset import load_testset

    import mt_eval

    for bad in (0, -5):
        with pytest.raises(ConfigError, match="testset.max_input_bytes"):
            load_testset(config_for({}, bad))
    with pytest.raises(ConfigError, match="testset.max_input_bytes"):  # not a number: the schema's type refuses it
        mt_eval.score(source=SOURCE, references=[REFERENCE], systems={"d": DRAFT}, metrics=["bleu"], testset={"max_input_bytes": "lots"})


# ---------------------------------------------------------------- memory, known before scoring

@pytest.fixture
def scoring_must_not_start(monkeypatch):
    from mt_eval import pipeline

    def scoring(*args, **kwargs):
        raise AssertionError("scoring started before the run's memory was checked")

    monkeypatch.setattr(pipeline, "_score", scoring)


def test_a_run_too_large_for_this_machine_is_refused_before_scoring(run_cli, tmp_path, scoring_must_not_start):
    """5,000 systems: 12.5 million pairs a metric, hundreds of GB. Refused
    within seconds, with the estimate, what the machine has, and the
    options that make it fit."""
    import time

    systems = tmp_path / "systems"
    systems.mkdir()
    source, reference = tmp_path / "src.ar", tmp_path / "ref.en"
    source.write_text("نص قصير\n", encoding="utf-8")
    reference.write_text("a short text\n", encoding="utf-8")
    names = {}
    for i in range(5000):
        names[f"s{i}"] = systems / f"s{i}.en"
        names[f"s{i}"].write_text(f"a short text {i}\n", encoding="utf-8")
    started = time.monotonic()
    result = run_cli(f"testset.source={source}", f"testset.references=[{reference}]",
                     "testset.systems={" + ",".join(f"{name}:{path}" for name, path in names.items()) + "}",
                     "metrics=[bleu,chrf,ter]", "report.terminal=false")
    refused(result, "12,497,500 pairs", "of memory", "available", "Nothing was scored", "stats.baseline=NAME", "stats.method=none")
    assert time.monotonic() - started < 60
    assert not (tmp_path / "report").exists()


def test_the_same_run_with_a_baseline_and_no_page_is_accepted(run_cli, tmp_path):
    """What the refusal advises is enough: every system against one,
    without report.html's all-pairs view, fits (and runs)."""
    systems = {f"s{i}": tmp_path / f"s{i}.en" for i in range(300)}
    for i, path in enumerate(systems.values()):
        path.write_text("\n".join(f"{line} {i % 5}" for line in lines(DRAFT)[:3]) + "\n", encoding="utf-8")
    src, ref = tmp_path / "src.ar", tmp_path / "ref.en"
    src.write_text("\n".join(lines(SOURCE)[:3]) + "\n", encoding="utf-8")
    ref.write_text("\n".join(lines(REFERENCE)[:3]) + "\n", encoding="utf-8")
    result = run_cli(f"testset.source={src}", f"testset.references=[{ref}]",
                     "testset.systems={" + ",".join(f"{name}:{path}" for name, path in systems.items()) + "}",
                     "metrics=[bleu]", "stats.baseline=s0", "stats.resamples=100", "report.formats=[json]", "report.terminal=false")
    assert result.code == 0, result.err
    assert len(result.report(tmp_path / "report")["comparisons"]) == 299


def _peak_rss(tmp_path: Path, count: int) -> int:
    """Peak resident memory (bytes) of `python -m mt_eval` scoring ``count``
    systems of 3 segments with BLEU, every report format written."""
    import subprocess

    folder = tmp_path / str(count)
    folder.mkdir()
    rng = __import__("random").Random(count)
    words = " ".join(lines(REFERENCE)).split()
    texts = [" ".join(rng.choice(words) for _ in range(15)) for _ in range(3)]
    (folder / "src.ar").write_text("\n".join(lines(SOURCE)[:3]) + "\n", encoding="utf-8")
    (folder / "ref.en").write_text("\n".join(texts) + "\n", encoding="utf-8")
    for i in range(count):
        (folder / f"s{i}.en").write_text("\n".join(" ".join(w if rng.random() < 0.7 else rng.choice(words) for w in t.split()) for t in texts) + "\n", encoding="utf-8")
    systems = "testset.systems={" + ",".join(f"s{i}:s{i}.en" for i in range(count)) + "}"
    # A child's peak RSS counts the memory of the process it was forked from
    # (here, pytest's): a small Python in between runs the command and
    # reports its child's peak alone (kilobytes on Linux).
    measure = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    completed = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "mt_eval", "testset.source=src.ar", "testset.references=[ref.en]",
                                systems, "metrics=[bleu]", "stats.resamples=100", "report.terminal=false", "report.dir=out"],
                               cwd=folder, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    return int(completed.stdout.split()[-1]) * 1024


def test_the_estimate_grows_at_least_as_fast_as_a_real_run(tmp_path):
    """From 100 to 200 systems (4,950 to 19,900 pairs), the peak resident
    memory of real runs grows by less than the estimate does, and by more
    than a third of it: the estimate is an upper bound, not a guess."""
    from mt_eval.budget import Workload, estimate

    low, high = _peak_rss(tmp_path, 100), _peak_rss(tmp_path, 200)
    estimated = estimate(Workload(200, 1, 3, 100)).total - estimate(Workload(100, 1, 3, 100)).total
    assert 0 < high - low <= estimated, (high - low, estimated)
    assert high - low > estimated / 3, (high - low, estimated)
