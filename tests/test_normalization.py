"""Safe normalisation: invisible differences between files never change a score."""

from __future__ import annotations

import unicodedata

import pytest
import sacrebleu

from conftest import DRAFT, REFERENCE, SOURCE, inputs_overrides, run_report, write_lines


@pytest.mark.parametrize("twin", ["nfd", "bom", "crlf"])
def test_a_file_and_its_twin_score_identically(run_cli, tmp_path, twin):
    lines = DRAFT.read_text(encoding="utf-8").splitlines()
    ref_lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    if twin == "nfd":
        twin_hyp = write_lines(tmp_path / "hyp.en", [unicodedata.normalize("NFD", l) for l in lines])
        twin_ref = write_lines(tmp_path / "ref.en", [unicodedata.normalize("NFD", l) for l in ref_lines])
        assert twin_ref.read_bytes() != REFERENCE.read_bytes()  # the reference has ā, ẓ, ī: NFD changes it
    else:
        options = {"bom": {"bom": True}, "crlf": {"newline": "\r\n"}}[twin]
        twin_hyp = write_lines(tmp_path / "hyp.en", lines, **options)
        twin_ref = write_lines(tmp_path / "ref.en", ref_lines, **options)
    original = run_report(run_cli, tmp_path / "a", *inputs_overrides(SOURCE, [REFERENCE], mine=DRAFT))["systems"][0]["scores"]
    twinned = run_report(run_cli, tmp_path / "b", *inputs_overrides(SOURCE, [twin_ref], mine=twin_hyp))["systems"][0]["scores"]
    for metric in ("bleu", "chrf", "ter"):
        assert twinned[metric]["score"] == original[metric]["score"]
        assert twinned[metric]["segments"] == original[metric]["segments"]


def test_format_characters_are_stripped_and_counted(run_cli, tmp_path):
    ref_lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    marked = list(ref_lines)
    marked[0] = "\u200f" + marked[0]
    marked[5] = marked[5].replace(" ", " \u200d", 1)
    hyp = write_lines(tmp_path / "hyp.en", marked)
    # Without our normalisation the invisible marks cost real BLEU points:
    assert sacrebleu.corpus_bleu(marked, [ref_lines]).score < 100
    scores = run_report(run_cli, tmp_path, *inputs_overrides(SOURCE, [REFERENCE], mine=hyp))["systems"][0]["scores"]
    assert scores["bleu"]["score"] == pytest.approx(100.0)
    assert "fmt:strip" in scores["bleu"]["signature"]
    assert "removed 2 invisible format characters (RLM×1, ZWJ×1)" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    kept = run_report(run_cli, tmp_path / "keep", *inputs_overrides(SOURCE, [REFERENCE], mine=hyp), "testset.normalize.strip_format_chars=false")["systems"][0]["scores"]
    assert kept["bleu"]["score"] < 100 and "fmt:keep" in kept["bleu"]["signature"]


def test_only_newline_splits_segments(run_cli, tmp_path):
    """A lone CR or U+2028 inside a segment stays inside it (str.splitlines would split)."""
    lines = DRAFT.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(", on the eve", "\r, on the eve").replace("Washington", "Wash\u2028ington", 1)
    assert len("\n".join(lines).splitlines()) > 14
    hyp = write_lines(tmp_path / "hyp.en", lines)
    scores = run_report(run_cli, tmp_path, *inputs_overrides(SOURCE, [REFERENCE], mine=hyp))["systems"][0]["scores"]
    assert len(scores["chrf"]["segments"]) == 14
