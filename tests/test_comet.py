"""COMET through unbabel-comet, with small random checkpoints built here
(their numbers say nothing about translation quality): agreement with
unbabel-comet's own predict, the persistent cache, offline behaviour, QE.
(The cache used directly: tests/unit/test_comet_cache.py.)"""

from __future__ import annotations

import json
import warnings

import pytest

from conftest import DRAFT, PRESSTV, REFERENCE, SOURCE, inputs_overrides, lines, write_lines

# The core install has no COMET; these tests need the comet extra
# (tests/test_comet_extra.py covers a run without it).
pytest.importorskip("comet", reason='unbabel-comet is not installed (the core install); pip install -e ".[comet,test]" runs these')
pytest.importorskip("torch", reason='torch is not installed (the core install); pip install torch==2.13.0 -e ".[comet,test]" runs these')


@pytest.fixture(scope="session")
def predict(checkpoints):
    """unbabel-comet's own path: load_from_checkpoint + model.predict, fp32."""
    from comet import load_from_checkpoint

    models = {}

    def run(kind, samples):
        if kind not in models:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                models[kind] = load_from_checkpoint(str(checkpoints[kind]))
        return models[kind].predict(samples, batch_size=8, gpus=0, progress_bar=False, num_workers=0)

    return run


def comet_run(run_cli, tmp_path, checkpoint, *args, name="out", systems=None, references=None):
    systems = systems or {"draft": DRAFT, "presstv": PRESSTV}
    result = run_cli(*inputs_overrides(SOURCE, references if references is not None else [REFERENCE], **systems),
                     "metrics=[comet]", f"comet.model={checkpoint}", f"comet.cache_dir={tmp_path / 'cache'}",
                     "report.terminal=true", f"report.dir={tmp_path / name}", *args)
    assert result.code == 0, result.err
    report = json.loads((tmp_path / name / "report.json").read_text(encoding="utf-8"))
    return {s["name"]: s["scores"]["comet"] for s in report["systems"]}, result


def test_scores_equal_unbabel_comets_own_predict(run_cli, tmp_path, checkpoints, predict):
    scores, result = comet_run(run_cli, tmp_path, checkpoints["regression"])
    for name, path in (("draft", DRAFT), ("presstv", PRESSTV)):
        expected = predict("regression", [{"src": s, "mt": h, "ref": r} for s, h, r in zip(lines(SOURCE), lines(path), lines(REFERENCE))])
        assert scores[name]["segments"] == pytest.approx(expected.scores, abs=1e-5)
        assert scores[name]["score"] == pytest.approx(expected.system_score, abs=1e-5)
        assert scores[name]["details"]["segments_fresh"] == 14
    # Lightning's banners and comet's prints stay out of our output.
    for noise in ("GPU available", "TPU available", "Tip:", "Encoder model frozen", "LOCAL_RANK"):
        assert noise not in result.out + result.err
    signature = scores["draft"]["signature"]
    assert "|comet:2.2.7|precision:fp32|" in signature and "@sha256:" in signature and "nrefs:1" in signature


def test_each_distinct_sentence_is_encoded_once(run_cli, tmp_path, checkpoints):
    scores, _ = comet_run(run_cli, tmp_path, checkpoints["regression"], systems={"draft": DRAFT, "again": DRAFT, "presstv": PRESSTV})
    distinct = set(lines(SOURCE)) | set(lines(REFERENCE)) | set(lines(DRAFT)) | set(lines(PRESSTV))
    assert scores["draft"]["details"]["sentences_encoded"] == len(distinct)  # comet-score: 3 × 14 × 3 passes
    assert scores["again"]["segments"] == scores["draft"]["segments"]


def test_a_second_run_comes_from_the_cache(run_cli, tmp_path, checkpoints):
    first, _ = comet_run(run_cli, tmp_path, checkpoints["regression"], name="first")
    second, _ = comet_run(run_cli, tmp_path, checkpoints["regression"], name="second")
    for name in first:
        assert second[name]["segments"] == first[name]["segments"]
        assert second[name]["details"]["segments_cached"] == 14 and second[name]["details"]["segments_fresh"] == 0
        assert second[name]["details"]["sentences_encoded"] == 0


def test_changing_one_line_rescores_exactly_that_segment(run_cli, tmp_path, checkpoints, predict):
    comet_run(run_cli, tmp_path, checkpoints["regression"], name="first")
    changed = lines(DRAFT)
    changed[6] = "Al-Kadhimi said Iraq is not Afghanistan."
    edited = write_lines(tmp_path / "draft2.en", changed)
    scores, _ = comet_run(run_cli, tmp_path, checkpoints["regression"], name="second", systems={"draft": edited, "presstv": PRESSTV})
    assert scores["draft"]["details"]["segments_fresh"] == 1
    assert scores["presstv"]["details"]["segments_fresh"] == 0
    assert scores["draft"]["details"]["sentences_encoded"] == 1  # only the new line; its source and reference are cached
    expected = predict("regression", [{"src": s, "mt": h, "ref": r} for s, h, r in zip(lines(SOURCE), changed, lines(REFERENCE))])
    assert scores["draft"]["segments"] == pytest.approx(expected.scores, abs=1e-5)


def test_a_new_system_encodes_only_its_outputs(run_cli, tmp_path, checkpoints):
    comet_run(run_cli, tmp_path, checkpoints["regression"], name="first", systems={"draft": DRAFT})
    scores, _ = comet_run(run_cli, tmp_path, checkpoints["regression"], name="second", systems={"draft": DRAFT, "presstv": PRESSTV})
    assert scores["presstv"]["details"]["sentences_encoded"] == len(set(lines(PRESSTV)))
    assert scores["draft"]["details"]["segments_fresh"] == 0


def test_a_corrupt_cache_is_reported_and_rebuilt(run_cli, tmp_path, checkpoints):
    first, _ = comet_run(run_cli, tmp_path, checkpoints["regression"], name="first")
    database = tmp_path / "cache" / "comet-cache.sqlite3"
    for suffix in ("-wal", "-shm"):
        (tmp_path / "cache" / f"comet-cache.sqlite3{suffix}").unlink(missing_ok=True)
    database.write_bytes(b"this is not a database" * 100)
    second, result = comet_run(run_cli, tmp_path, checkpoints["regression"], name="second")
    assert second["draft"]["segments"] == pytest.approx(first["draft"]["segments"], abs=1e-6)
    assert second["draft"]["details"]["segments_fresh"] == 14
    assert any("unreadable" in notice and "rebuilt" in notice for notice in second["draft"]["details"]["notices"])
    assert list((tmp_path / "cache").glob("comet-cache.sqlite3.corrupt-*"))


def test_multiple_references_average_with_per_reference_scores(run_cli, tmp_path, checkpoints, predict):
    scores, _ = comet_run(run_cli, tmp_path, checkpoints["regression"], systems={"draft": DRAFT}, references=[REFERENCE, PRESSTV])
    by_ref = scores["draft"]["details"]["segments_by_reference"]
    assert len(by_ref) == 2
    for r, ref in enumerate((REFERENCE, PRESSTV)):
        expected = predict("regression", [{"src": s, "mt": h, "ref": x} for s, h, x in zip(lines(SOURCE), lines(DRAFT), lines(ref))])
        assert by_ref[r] == pytest.approx(expected.scores, abs=1e-5)
    assert scores["draft"]["segments"] == pytest.approx([(a + b) / 2 for a, b in zip(*by_ref)], abs=1e-9)
    assert "nrefs:2|refs:mean" in scores["draft"]["signature"]


def test_a_qe_model_runs_without_references(run_cli, tmp_path, checkpoints, predict):
    scores, _ = comet_run(run_cli, tmp_path, checkpoints["referenceless"], references=[])
    expected = predict("referenceless", [{"src": s, "mt": h} for s, h in zip(lines(SOURCE), lines(DRAFT))])
    assert scores["draft"]["segments"] == pytest.approx(expected.scores, abs=1e-5)
    assert "nrefs:0" in scores["draft"]["signature"]


def test_a_reference_based_model_without_references_is_skipped(run_cli, tmp_path, checkpoints):
    result = run_cli(*inputs_overrides(SOURCE, [], draft=DRAFT), "metrics=[comet]", f"comet.model={checkpoints['regression']}",
                     f"comet.cache_dir={tmp_path / 'cache'}", "report.terminal=false")
    assert result.code == 0
    score = result.report(tmp_path / "report")["systems"][0]["scores"]["comet"]
    assert score["status"] == "skipped" and "needs references" in score["reason"]


def test_lexical_metrics_still_need_references(run_cli):
    result = run_cli(*inputs_overrides(SOURCE, [], draft=DRAFT), "metrics=[bleu]")
    assert result.code == 2 and "testset.references is empty" in result.err


def test_an_unreachable_model_is_skipped_and_the_rest_reported(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = run_cli("metrics=[bleu,comet]", "report.terminal=true")
    assert result.code == 0, result.err
    report = result.report(tmp_path / "report")
    for system in report["systems"]:
        assert system["scores"]["bleu"]["status"] == "ok"
        assert system["scores"]["comet"]["status"] == "skipped"
        assert "huggingface-cli download Unbabel/wmt22-comet-da" in system["scores"]["comet"]["reason"]
    assert "COMET (all systems)" in result.out


def test_comet_required_makes_an_unreachable_model_fatal(run_cli, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = run_cli("metrics=[bleu,comet]", "comet.required=true")
    assert result.code == 2
    assert "comet.required=true" in result.err and "Traceback" not in result.err


def test_a_missing_local_checkpoint_names_the_path(run_cli, tmp_path):
    result = run_cli("metrics=[comet]", f"comet.model={tmp_path}/nothing/model.ckpt", "comet.required=true")
    assert result.code == 2 and "nothing/model.ckpt" in result.err


def test_overlong_segments_are_flagged_as_truncated(run_cli, tmp_path, checkpoints):
    long = lines(DRAFT)
    long[4] = " ".join([long[4]] * 40)  # far beyond 512 tokens
    scores, _ = comet_run(run_cli, tmp_path, checkpoints["regression"], systems={"long": write_lines(tmp_path / "long.en", long)})
    assert scores["long"]["details"]["truncated_lines"] == [5]


def test_bad_comet_options_are_refused(run_cli):
    for override, key in (("comet.precision=fp8", "comet.precision"), ("comet.batch_size=0", "comet.batch_size"), ("comet.gpus=-1", "comet.gpus")):
        result = run_cli("metrics=[comet]", override)
        assert result.code == 2 and key in result.err, (override, result.err)


def test_an_unreachable_hub_costs_a_bounded_wait(tmp_path):
    """Not offline, but no hub answers (as here and in CI): skipped, exit 0, no hang."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")}
    env["HF_HOME"] = str(tmp_path / "hf")
    completed = subprocess.run(
        [sys.executable, "-m", "mt_eval", "metrics=[comet]", "comet.hub_timeout=3", f"report.dir={tmp_path}", "report.terminal=false"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    score = json.loads((tmp_path / "report.json").read_text())["systems"][0]["scores"]["comet"]
    assert score["status"] == "skipped" and "Unbabel/wmt22-comet-da" in score["reason"]
