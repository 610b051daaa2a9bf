"""JSONL, CSV, TSV, Parquet and `datasets` folders give the same segments,
and so the same scores, as the plain-text files they were made from."""

from __future__ import annotations

import json

import pytest

from conftest import DRAFT, REFERENCE, SOURCE, inputs_overrides, lines


@pytest.fixture(scope="module")
def plain_scores(tmp_path_factory):
    import sacrebleu

    return sacrebleu.corpus_chrf(lines(DRAFT), [lines(REFERENCE)]).score


def test_one_jsonl_file_holds_every_column(run_cli, tmp_path, plain_scores):
    table = tmp_path / "testset.jsonl"
    rows = [{"ar": s, "en": r, "hyp": h} for s, r, h in zip(lines(SOURCE), lines(REFERENCE), lines(DRAFT))]
    table.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    result = run_cli(f"testset.source='{table}#ar'", f"testset.references=['{table}#en']", f"testset.systems={{mine:'{table}#hyp'}}", "report.terminal=false")
    assert result.code == 0, result.err
    report = result.report(tmp_path / "report")
    assert report["systems"][0]["scores"]["chrf"]["score"] == pytest.approx(plain_scores, abs=1e-9)
    assert report["testset"]["segments"] == 14


@pytest.mark.parametrize("suffix", ["csv", "tsv", "parquet"])
def test_tables(run_cli, tmp_path, suffix, plain_scores):
    import pandas as pd

    frame = pd.DataFrame({"text": lines(DRAFT)})
    path = tmp_path / f"hyp.{suffix}"
    if suffix == "parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, sep="\t" if suffix == "tsv" else ",", index=False)
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=path), "report.terminal=false")
    assert result.code == 0, result.err
    assert result.report(tmp_path / "report")["systems"][0]["scores"]["chrf"]["score"] == pytest.approx(plain_scores, abs=1e-9)


def test_text_that_looks_like_a_missing_value_stays_text(run_cli, tmp_path):
    """pandas would read 'NA' or 'None' as missing; in a segment they are words."""
    import pandas as pd

    path = tmp_path / "hyp.csv"
    pd.DataFrame({"text": ["None", "NA"] + lines(DRAFT)[2:]}).to_csv(path, index=False)
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=path), "report.terminal=false", "metrics=[chrf]")
    assert result.code == 0, result.err
    assert result.report(tmp_path / "report")["systems"][0]["flags"]["length_ratio_outliers"][:2] == [1, 2]


def test_a_dataset_saved_to_disk_with_flores_style_columns(run_cli, tmp_path, plain_scores):
    """The FLORES+ case (arb_Arab → eng_Latn), from a dataset saved locally,
    since no hub is reachable here."""
    import datasets

    saved = tmp_path / "flores_like"
    datasets.Dataset.from_dict({"arb_Arab": lines(SOURCE), "eng_Latn": lines(REFERENCE)}).save_to_disk(str(saved))
    result = run_cli(f"testset.source='{saved}#arb_Arab'", f"testset.references=['{saved}#eng_Latn']", f"testset.systems={{mine:'{DRAFT}'}}", "report.terminal=false")
    assert result.code == 0, result.err
    assert result.report(tmp_path / "report")["systems"][0]["scores"]["chrf"]["score"] == pytest.approx(plain_scores, abs=1e-9)


def test_an_unreachable_hub_dataset_is_a_clear_error(tmp_path):
    """In a fresh process (as a user runs it), with the hub marked offline:
    one message that says what to do, exit 2, no traceback."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    completed = subprocess.run(
        [sys.executable, "-m", "mt_eval", "testset.source='hf:openlanguagedata/flores_plus:arb_Arab@devtest#text'", f"report.dir={tmp_path}"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert completed.returncode == 2
    assert "could not read hf:openlanguagedata/flores_plus" in completed.stderr
    assert "save_to_disk" in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout


def test_a_malformed_csv_names_the_parser_error(run_cli, tmp_path):
    path = tmp_path / "hyp.csv"
    path.write_text("text\nfine\ntoo,many,fields\n", encoding="utf-8")
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=path))
    assert result.code == 2
    assert "Expected 1 fields" in result.err and str(path) in result.err
