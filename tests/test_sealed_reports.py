"""A report set is one sealed unit, as the gate, merge and library users
meet it: report.json names a run id and the hash, size and row count of
segments.parquet (which names the same run id); loading a set verifies all
of it and recomputes every score from the stored statistics, so a file of
another run, an edited score or checksum, or missing statistics is exit 2
naming the file; a set being replaced is never read half-old, half-new;
older schemas are upgraded, never mislabelled; special files are refused
without hanging, and sizes are bounded before reading.
(The seal's pieces, called directly: tests/unit/test_results.py.)"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pyarrow.parquet as pq
import pytest
from sacrebleu.metrics import BLEU, CHRF

from conftest import DRAFT, FAST, PRESSTV, REFERENCE, ROOT, SOURCE, inputs_overrides, lines, refused, write_lines
from mt_eval import load_report
from mt_eval.errors import InputError
from mt_eval.results import SCHEMA_VERSION

METRICS = ["bleu", "chrf"]
FILES = ["report.json", "segments.parquet"]


# ---------------------------------------------------------------- report sets of real runs

def degraded(lines_: List[str]) -> List[str]:
    """Every third word dropped: a real regression."""
    return [" ".join(w for i, w in enumerate(line.split()) if i % 3 != 1) for line in lines_]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Dict[str, Path]:
    """Report sets (json format) of FAST runs on the bundled test set:
    base (both systems), other (the draft degraded), shards a (draft) and
    b (presstv), each a folder."""
    import mt_eval

    root = tmp_path_factory.mktemp("sealed-runs")
    worse = write_lines(root / "degraded.en", degraded(lines(DRAFT)))
    made = {}
    for name, systems in (("base", {"draft": DRAFT, "presstv": PRESSTV}), ("other", {"draft": worse, "presstv": PRESSTV}),
                          ("a", {"draft": DRAFT}), ("b", {"presstv": PRESSTV})):
        mt_eval.score(source=SOURCE, references=[REFERENCE], systems=systems, metrics=METRICS, stats={"resamples": 100},
                      report={"dir": str(root / name), "formats": ["json"]})
        made[name] = root / name
    made["degraded"] = worse
    return made


def copy_set(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def edit_report(folder: Path, edit: Callable[[dict], None]) -> Path:
    path = folder / "report.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def old_schema_copy(folder: Path, target: Path, version: str) -> Path:
    """``folder``'s set as an older mt-eval wrote it: no seal (run id,
    files, the parquet's run id); 2.0 without metric_info; 1.x with texts,
    outputs and statistics inside report.json and no parquet."""
    loaded = load_report(folder)
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    data["schema_version"] = version
    del data["run_id"], data["files"]
    if version != "2.1":
        del data["metric_info"]
    target.mkdir()
    if version.startswith("1."):
        del data["data"]
        data["testset"]["texts"] = {"source": loaded.testset.texts.source, "references": loaded.testset.texts.references}
        for system, read in zip(data["systems"], loaded.systems):
            system["outputs"] = read.outputs
            for metric, score in system["scores"].items():
                if read.scores[metric].stats is not None:
                    score["stats"] = read.scores[metric].stats.tolist()
    else:
        table = pq.read_table(folder / "segments.parquet")
        pq.write_table(table.replace_schema_metadata(None), target / "segments.parquet", compression="zstd")
    (target / "report.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return target


def gate_run(run_cli, tmp_path, baseline, *args, draft=DRAFT, name="current"):
    """A FAST run of the bundled systems (the draft replaceable) gated on baseline."""
    return run_cli(*inputs_overrides(SOURCE, [REFERENCE], draft=draft, presstv=PRESSTV), *FAST, f"gate.baseline={baseline}",
                   f"report.dir={tmp_path / name}", *args)


class Hung(BaseException):
    """Not an OSError: nothing under test may catch it and call it a refusal."""


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def expire(signum, frame):
        raise Hung(f"still reading after {seconds} s: it hangs")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- files of another run, or damaged

def test_a_stale_parquet_beside_a_fresh_report_is_refused_where_it_hid_a_regression(run_cli, tmp_path, runs):
    worse = runs["degraded"]
    caught = gate_run(run_cli, tmp_path, runs["base"], "gate.require_significance=true", draft=worse, name="intact")
    assert caught.code == 1 and "significant (p = " in caught.out, caught.out
    stale = copy_set(runs["base"], tmp_path / "stale")
    shutil.copy(runs["other"] / "segments.parquet", stale / "segments.parquet")  # the current run's own data
    result = gate_run(run_cli, tmp_path, stale, "gate.require_significance=true", draft=worse)
    refused(result, str(stale / "segments.parquet"), "does not belong to", str(stale / "report.json"))


def _truncate(path: Path, other: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_a_byte(path: Path, other: Path) -> None:
    """Any byte of the data file. (In report.json a byte of a signature or
    of the config is text nothing recomputes; every number the gate and
    merge use is checked below, field by field.)"""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x55
    path.write_bytes(bytes(data))


def _empty(path: Path, other: Path) -> None:
    path.write_bytes(b"")


def _garbage(path: Path, other: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))


def _another_runs_copy(path: Path, other: Path) -> None:
    shutil.copy(other / path.name, path)


def _removed(path: Path, other: Path) -> None:
    path.unlink()


def _rewritten_alike(path: Path, other: Path) -> None:
    """The same table written again by another writer: not the file the run wrote."""
    pq.write_table(pq.read_table(path), path, compression="snappy")


DAMAGES = [_truncate, _empty, _garbage, _another_runs_copy, _removed]
CASES = [(name, damage) for name in FILES for damage in DAMAGES] + [("segments.parquet", _flip_a_byte), ("segments.parquet", _rewritten_alike)]


@pytest.mark.parametrize("name, damage", CASES, ids=[f"{name}-{damage.__name__.strip('_')}" for name, damage in CASES])
def test_every_file_of_a_set_damaged_replaced_or_removed_is_refused_naming_it(tmp_path, runs, name, damage):
    folder = copy_set(runs["base"], tmp_path / "set")
    damage(folder / name, runs["other"])
    with pytest.raises(InputError) as error:
        load_report(folder)
    assert str(folder / name) in str(error.value)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("sealed", [True, False], ids=["2.2", "2.1"])
def test_a_parquet_without_the_statistics_a_metric_needs_is_refused(tmp_path, runs, metric, sealed):
    """Sealed, the hash catches the changed file; unsealed (an older
    schema), the metric itself says it needs them."""
    folder = copy_set(runs["base"], tmp_path / "set") if sealed else old_schema_copy(runs["base"], tmp_path / "set", "2.1")
    table = pq.read_table(folder / "segments.parquet")
    pq.write_table(table.drop_columns([f"{metric}.stats"]), folder / "segments.parquet")
    with pytest.raises(InputError) as error:
        load_report(folder)
    assert str(folder / "segments.parquet") in str(error.value)
    if not sealed:
        assert f"{metric}.stats" in str(error.value)


def test_statistics_of_a_shape_the_metric_does_not_take_are_refused(tmp_path, runs):
    import pyarrow as pa

    folder = old_schema_copy(runs["base"], tmp_path / "set", "2.1")
    table = pq.read_table(folder / "segments.parquet")
    narrow = pa.FixedSizeListArray.from_arrays(pa.array([1.0] * (3 * table.num_rows)), 3)
    pq.write_table(table.set_column(table.column_names.index("bleu.stats"), "bleu.stats", narrow), folder / "segments.parquet")
    with pytest.raises(InputError, match="bleu") as error:
        load_report(folder)
    assert str(folder / "segments.parquet") in str(error.value)


def test_a_parquet_without_statistics_is_refused_by_the_gate(run_cli, tmp_path, runs):
    folder = old_schema_copy(runs["base"], tmp_path / "old", "2.1")
    table = pq.read_table(folder / "segments.parquet")
    pq.write_table(table.drop_columns([c for c in table.column_names if c.endswith(".stats")]), folder / "segments.parquet")
    refused(gate_run(run_cli, tmp_path, folder), str(folder / "segments.parquet"), ".stats")


@pytest.mark.parametrize("version", ["2.1", "2.0", "1.0"])
def test_an_unsealed_older_set_with_another_runs_data_is_refused(tmp_path, runs, version):
    """Older schemas have no seal: their scores still must be their data's."""
    folder = old_schema_copy(runs["base"], tmp_path / "old", version)
    if version.startswith("1."):
        other = json.loads((old_schema_copy(runs["other"], tmp_path / "other", version) / "report.json").read_text(encoding="utf-8"))
        edit_report(folder, lambda data: data["systems"][0]["scores"]["bleu"].update(stats=other["systems"][0]["scores"]["bleu"]["stats"]))
    else:
        shutil.copy(old_schema_copy(runs["other"], tmp_path / "other", version) / "segments.parquet", folder / "segments.parquet")
    with pytest.raises(InputError, match="draft"):
        load_report(folder)


# ---------------------------------------------------------------- the seal's own fields

def _other_run_id(data):
    data["run_id"] = "0" * 32


def _other_hash(data):
    data["files"]["segments.parquet"]["sha256"] = "sha256:" + "0" * 64


def _other_size(data):
    data["files"]["segments.parquet"]["bytes"] += 1


def _other_rows(data):
    data["files"]["segments.parquet"]["rows"] += 1


def _no_seal(data):
    del data["files"]


def _no_run_id(data):
    del data["run_id"]


@pytest.mark.parametrize("edit", [_other_run_id, _other_hash, _other_size, _other_rows, _no_seal, _no_run_id], ids=lambda f: f.__name__.strip("_"))
def test_a_seal_that_does_not_match_its_files_is_refused(tmp_path, runs, edit):
    folder = copy_set(runs["base"], tmp_path / "set")
    path = edit_report(folder, edit)
    with pytest.raises(InputError) as error:
        load_report(folder)
    assert str(path) in str(error.value)


def test_another_runs_parquet_with_its_hash_pasted_in_is_refused_by_the_run_id(tmp_path, runs):
    folder = copy_set(runs["base"], tmp_path / "set")
    shutil.copy(runs["other"] / "segments.parquet", folder / "segments.parquet")
    theirs = json.loads((runs["other"] / "report.json").read_text(encoding="utf-8"))
    edit_report(folder, lambda data: data.update(files=theirs["files"]))
    with pytest.raises(InputError, match=f"belongs to run {theirs['run_id']}"):
        load_report(folder)


# ---------------------------------------------------------------- scores are their statistics'

def _score_edits(report: dict):
    for i, system in enumerate(report["systems"]):
        for metric, score in system["scores"].items():
            for changed in (score["score"] + 0.01, score["score"] * (1 + 1e-9), round(score["score"], 2)):
                if changed != score["score"]:
                    yield i, system["name"], metric, changed


def test_every_score_edited_in_report_json_is_refused_naming_file_system_and_metric(tmp_path, runs):
    original = json.loads((runs["base"] / "report.json").read_text(encoding="utf-8"))
    edits = list(_score_edits(original))
    assert len(edits) >= 2 * len(METRICS) * 2
    for n, (i, name, metric, changed) in enumerate(edits):
        folder = copy_set(runs["base"], tmp_path / f"set{n}")
        path = edit_report(folder, lambda data, i=i, metric=metric, changed=changed: data["systems"][i]["scores"][metric].update(score=changed))
        with pytest.raises(InputError) as error:
            load_report(folder)
        assert all(part in str(error.value) for part in (str(path), repr(name), metric, repr(changed))), str(error.value)


def test_every_segment_score_edited_in_report_json_is_refused(tmp_path, runs):
    original = json.loads((runs["base"] / "report.json").read_text(encoding="utf-8"))
    segments = original["testset"]["segments"]
    for i, system in enumerate(original["systems"]):
        for metric in system["scores"]:
            for j in (0, segments // 2, segments - 1):
                folder = copy_set(runs["base"], tmp_path / f"set-{i}-{metric}-{j}")
                edit_report(folder, lambda data, i=i, metric=metric, j=j: data["systems"][i]["scores"][metric]["segments"].__setitem__(j, 12.5))
                with pytest.raises(InputError, match=f"first at segment {j}"):
                    load_report(folder)


def test_an_edited_checksum_is_refused(tmp_path, runs):
    folder = copy_set(runs["base"], tmp_path / "set")
    path = edit_report(folder, lambda data: data["testset"].update(checksum="sha256:" + "1" * 64))
    with pytest.raises(InputError, match="checksum") as error:
        load_report(folder)
    assert str(path) in str(error.value)


def test_a_score_edited_in_a_shard_is_refused_by_merge(run_cli, tmp_path, runs):
    for shard in ("a", "b"):
        for metric in METRICS:
            folders = {name: copy_set(runs[name], tmp_path / f"{shard}-{metric}-{name}") for name in ("a", "b")}
            path = edit_report(folders[shard], lambda data, metric=metric: data["systems"][0]["scores"][metric].update(score=99.0))
            result = run_cli(f"merge=[{folders['a']},{folders['b']}]", "report.terminal=false", f"report.dir={tmp_path / 'merged'}")
            refused(result, str(path), metric, "99.0")
    assert not (tmp_path / "merged").exists()


def test_a_score_edited_in_a_baseline_is_refused_by_the_gate(run_cli, tmp_path, runs, no_scoring):
    folder = copy_set(runs["base"], tmp_path / "edited")
    path = edit_report(folder, lambda data: data["systems"][1]["scores"]["chrf"].update(score=10.0))
    refused(gate_run(run_cli, tmp_path, folder), str(path), "'presstv'", "chrf")


def test_a_verified_set_agrees_with_sacrebleu(runs):
    """What verification accepts is sacrebleu's own corpus score."""
    loaded = load_report(runs["base"])
    refs = [lines(REFERENCE)]
    for system, path in (("draft", DRAFT), ("presstv", PRESSTV)):
        assert loaded.system(system).scores["bleu"].score == pytest.approx(BLEU().corpus_score(lines(path), refs).score, abs=1e-9)
        assert loaded.system(system).scores["chrf"].score == pytest.approx(CHRF().corpus_score(lines(path), refs).score, abs=1e-9)


# ---------------------------------------------------------------- older schemas

@pytest.mark.parametrize("version", ["1.0", "2.0", "2.1"])
def test_a_merge_whose_first_shard_is_an_older_schema_is_the_current_schema_whole(run_cli, tmp_path, runs, version):
    old = old_schema_copy(runs["a"], tmp_path / "old", version)
    reference = run_cli(f"merge=[{runs['a']},{runs['b']}]", "report.terminal=false", f"report.dir={tmp_path / 'new-merged'}")
    merged = run_cli(f"merge=[{old},{runs['b']}]", "report.terminal=false", f"report.dir={tmp_path / 'merged'}")
    assert reference.code == 0 and merged.code == 0, merged.err
    written = json.loads((tmp_path / "merged" / "report.json").read_text(encoding="utf-8"))
    assert written["schema_version"] == SCHEMA_VERSION and written["data"] == {"segments": "segments.parquet"}
    again, joint = load_report(tmp_path / "merged"), load_report(tmp_path / "new-merged")
    assert again.testset.texts == joint.testset.texts and again.testset.texts.loaded
    for ours, theirs in zip(again.systems, joint.systems):
        assert ours.outputs == theirs.outputs
        for metric in METRICS:
            assert (ours.scores[metric].stats == theirs.scores[metric].stats).all()
            assert (ours.scores[metric].score, ours.scores[metric].ci) == (theirs.scores[metric].score, theirs.scores[metric].ci)
    assert again.comparisons == joint.comparisons


@pytest.mark.parametrize("version", ["1.0", "2.0", "2.1"])
def test_an_older_baseline_still_gates_a_run(run_cli, tmp_path, runs, version):
    old = old_schema_copy(runs["base"], tmp_path / "old", version)
    assert gate_run(run_cli, tmp_path, old).code == 0
    result = gate_run(run_cli, tmp_path, old, "gate.require_significance=true", draft=runs["degraded"], name="worse")
    assert result.code == 1 and "significant (p = " in result.out


@pytest.mark.parametrize("version, says", [("2.3", "newer than this mt-eval reads"), ("3.0", "newer"), ("0.9", "cannot be read"),
                                           ("2", "not a schema version"), (2.1, "not a schema version"), ("2.1-beta", "not a schema version")])
def test_a_schema_this_version_cannot_read_is_refused(tmp_path, runs, version, says):
    folder = copy_set(runs["base"], tmp_path / "set")
    edit_report(folder, lambda data: data.update(schema_version=version))
    with pytest.raises(InputError, match=says):
        load_report(folder)


# ---------------------------------------------------------------- special files, sizes

def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    short = Path(tempfile.mkdtemp(dir="/tmp")) / "s"  # a socket's path is at most 108 bytes
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(short))
    server.close()
    os.rename(short, path)
    short.parent.rmdir()


def _link_to(device: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        if not os.path.exists(device):
            pytest.skip(f"no {device} here")
        os.symlink(device, path)
    make.__name__ = f"link to {device}"
    return make


def _block_device() -> str:
    found = [f"/dev/{name}" for name in sorted(os.listdir("/dev")) if stat.S_ISBLK(os.stat(f"/dev/{name}").st_mode)]
    return found[0] if found else "/dev/no-block-device"


SPECIAL = [_fifo, _socket, _link_to("/dev/zero"), _link_to("/dev/null"), _link_to(_block_device())]
POSITIONS = ["given", "report.json", "segments.parquet"]


def _special_at(runs, tmp_path: Path, position: str, make) -> Path:
    """A report set with a special file at ``position``; returns what to load."""
    folder = copy_set(runs["base"], tmp_path / "set")
    if position == "given":
        make(tmp_path / "special")
        return tmp_path / "special"
    (folder / position).unlink()
    make(folder / position)
    return folder


@pytest.mark.parametrize("make", SPECIAL, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("position", POSITIONS)
def test_a_special_file_anywhere_in_a_set_is_refused_without_hanging(tmp_path, runs, position, make):
    target = _special_at(runs, tmp_path, position, make)
    with deadline(30), pytest.raises(InputError, match="not a (regular|report) file") as error:
        load_report(target)
    assert str(target if position == "given" else target / position) in str(error.value)


@pytest.mark.parametrize("position", POSITIONS)
def test_a_fifo_is_refused_by_the_gate_and_merge(run_cli, tmp_path, runs, position):
    target = _special_at(runs, tmp_path, position, _fifo)
    named = str(target if position == "given" else target / position)
    with deadline(60):
        refused(gate_run(run_cli, tmp_path, target), named, "FIFO")
        refused(run_cli(f"merge=[{runs['a']},{target}]", "report.terminal=false", f"report.dir={tmp_path / 'merged'}"), named, "FIFO")


def test_report_json_linked_to_dev_zero_is_refused_by_the_gate(run_cli, tmp_path, runs, no_scoring):
    folder = copy_set(runs["base"], tmp_path / "zero")
    (folder / "report.json").unlink()
    (folder / "report.json").symlink_to("/dev/zero")
    with deadline(60):
        refused(gate_run(run_cli, tmp_path, folder), str(folder / "report.json"), "character device")


def test_a_report_json_over_the_documented_size_is_refused_before_reading(tmp_path, runs):
    from mt_eval.report_seal import MAX_REPORT_BYTES

    folder = copy_set(runs["base"], tmp_path / "set")
    with open(folder / "report.json", "r+b") as stream:
        stream.truncate(MAX_REPORT_BYTES + 1)  # sparse: nothing is written, a reader would read it all
    started = time.monotonic()
    with pytest.raises(InputError, match=f"more than a report file may be \\({MAX_REPORT_BYTES} bytes\\)"):
        load_report(folder)
    assert time.monotonic() - started < 5


# ---------------------------------------------------------------- a set replaced while it is read

WRITER = """
import pathlib, sys, time
from mt_eval.reports.files import report_file_names
from mt_eval.reports.report_set import ReportSet

target, first, second, seconds = sys.argv[1:]
sets = [{p.name: p.read_bytes() for p in pathlib.Path(folder).iterdir()} for folder in (first, second)]
report_set = ReportSet(target, report_file_names())
commits, end = 0, time.monotonic() + float(seconds)
while time.monotonic() < end:
    report_set.commit(sets[commits % 2])
    commits += 1
print(commits)
"""


def test_a_set_swapped_while_it_is_read_is_always_read_whole(tmp_path, runs):
    """A writer process commits two runs' sets into one folder as fast as
    it can (ReportSet.commit, as every run does); every load, of the folder
    or of its report.json, is one run's set whole: never refused, never
    one run's scores with the other's outputs or statistics."""
    expected = {}
    for name in ("base", "other"):
        loaded = load_report(runs[name])
        expected[loaded.run_id] = (loaded.system("draft").outputs, loaded.system("draft").scores["bleu"].score,
                                   loaded.system("draft").scores["chrf"].stats.tolist())
    live = tmp_path / "live"
    shutil.copytree(runs["base"], live)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live), str(runs["base"]), str(runs["other"]), "8"],
                              cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    loads, seen = 0, set()
    try:
        with deadline(120):
            while writer.poll() is None:
                result = load_report(live if loads % 2 else live / "report.json")
                draft = result.system("draft")
                assert result.run_id in expected, result.run_id
                assert (draft.outputs, draft.scores["bleu"].score, draft.scores["chrf"].stats.tolist()) == expected[result.run_id]
                seen.add(result.run_id)
                loads += 1
    finally:
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert int(out) >= 20 and loads >= 20, (out, loads)  # the sets were swapped under many reads
    assert seen == set(expected)


# ---------------------------------------------------------------- a metric scored as the mean of its segments

def test_a_comet_set_is_verified_by_the_mean_of_its_segment_scores(run_cli, tmp_path):
    """COMET has no sufficient statistics: its score is the mean of its
    segment scores (as unbabel-comet's system_score), with several
    references and with none (a QE model), and an edit is refused."""
    pytest.importorskip("comet", reason="unbabel-comet is not installed (the core install)")
    pytest.importorskip("torch", reason="torch is not installed (the core install)")
    import warnings

    import tiny_comet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        texts = [line for path in (SOURCE, REFERENCE, DRAFT, PRESSTV) for line in lines(path)]
        encoder = tiny_comet.build_encoder(tmp_path / "encoder", texts)
        models = {"regression": tiny_comet.build_checkpoint(tmp_path / "regression", encoder),
                  "referenceless": tiny_comet.build_checkpoint(tmp_path / "referenceless", encoder, referenceless=True)}
    for kind, references in (("regression", [REFERENCE, PRESSTV]), ("referenceless", [])):
        result = run_cli(*inputs_overrides(SOURCE, references, draft=DRAFT), "metrics=[comet]", f"comet.model={models[kind]}",
                         f"comet.cache_dir={tmp_path / 'cache'}", "report.terminal=false", f"report.dir={tmp_path / kind}")
        assert result.code == 0, result.err
        loaded = load_report(tmp_path / kind)
        assert loaded.system("draft").scores["comet"].ok
        path = edit_report(tmp_path / kind, lambda data: data["systems"][0]["scores"]["comet"].update(
            score=data["systems"][0]["scores"]["comet"]["score"] + 1e-6))
        with pytest.raises(InputError, match="segment scores in") as error:
            load_report(tmp_path / kind)
        assert str(path) in str(error.value) and "comet" in str(error.value)


# ---------------------------------------------------------------- what the gate compares, edited

def _identity_removed(data):
    data["metric_info"]["bleu"].pop("identity")


def _identity_and_options_removed(data):
    data["metric_info"]["bleu"].pop("identity")
    data["config"].pop("bleu")


def _identity_of_other_options(data):
    data["metric_info"]["bleu"]["identity"]["max_ngram_order"] = 2


def _identity_emptied(data):
    data["metric_info"]["bleu"]["identity"] = {}


def _identity_a_list(data):
    data["metric_info"]["bleu"]["identity"] = ["max_ngram_order", 4]


def _options_changed(data):
    data["config"]["chrf"]["beta"] = 1


def _scores_marked_skipped(data):
    data["systems"][0]["scores"]["bleu"] = {"status": "skipped", "reason": "not run", "higher_is_better": True}


def _metric_dropped(data):
    data["metrics"].remove("chrf")
    data["metric_info"].pop("chrf")
    for system in data["systems"]:
        system["scores"].pop("chrf")


def _a_table_column_named_as_a_metric(data):
    data["metrics"].append("system")


IDENTITY_EDITS = [_identity_removed, _identity_and_options_removed, _identity_of_other_options, _identity_emptied, _identity_a_list,
                  _options_changed, _scores_marked_skipped, _metric_dropped, _a_table_column_named_as_a_metric]


@pytest.mark.parametrize("edit", IDENTITY_EDITS, ids=lambda f: f.__name__.strip("_"))
def test_an_edit_to_what_the_gate_compares_is_refused(tmp_path, runs, edit):
    """What the gate and merge compare (identities, options, which metrics
    scored which system) must agree with the data the set stores."""
    folder = copy_set(runs["base"], tmp_path / "edited")
    path = edit_report(folder, edit)
    with pytest.raises(InputError) as error:
        load_report(folder)
    assert str(folder) in str(error.value) and "Traceback" not in str(error.value), str(error.value)
    assert str(path.parent) in str(error.value)


@pytest.mark.parametrize("version", ["2.2", "2.1", "2.0", "1.0"])
def test_a_baseline_edited_to_look_like_the_run_is_refused_by_the_gate(run_cli, tmp_path, runs, version):
    """The issue's own case through the edit that would hide it: the
    baseline's identity and options removed, then BLEU-2 gated against
    BLEU-4; in every schema, as the current one or an older one would be."""
    folder = copy_set(runs["base"], tmp_path / "edited") if version == "2.2" else old_schema_copy(runs["base"], tmp_path / "edited", version)
    edit_report(folder, lambda data: (data.get("metric_info", {}).get("bleu", {}).pop("identity", None), data["config"].pop("bleu")))
    result = gate_run(run_cli, tmp_path, folder, "bleu.max_ngram_order=2")
    assert result.code == 2 and "bleu" in result.err and "passed" not in result.out, result.err
