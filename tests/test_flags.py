"""Sanity flags name the lines a user must look at."""

from __future__ import annotations

from conftest import DRAFT, REFERENCE, SOURCE, inputs_overrides, write_lines


def test_each_kind_of_flag_names_its_lines(run_cli, tmp_path):
    hyp = DRAFT.read_text(encoding="utf-8").splitlines()
    source = SOURCE.read_text(encoding="utf-8").splitlines()
    hyp[1] = ""  # line 2: empty
    hyp[2] = source[2]  # line 3: the source copied through
    hyp[3] = source[3][:60] + " and some English"  # line 4: still mostly Arabic
    hyp[4] = "Yes."  # line 5: far shorter than the reference
    hyp[6] = hyp[7]  # lines 7 and 8: the same output for two different sources
    path = write_lines(tmp_path / "hyp.en", hyp)
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=path), "report.terminal=true")
    assert result.code == 0, result.err
    flags = result.report(tmp_path / "report")["systems"][0]["flags"]
    assert flags["empty"] == [2]
    assert flags["identical_to_source"] == [3]
    assert flags["untranslated"] == [4]
    assert 5 in flags["length_ratio_outliers"]
    assert flags["duplicated"] == [[7, 8]]
    assert "mine: empty output: line 2" in result.out
    assert "mine: same output for different sources: lines 7, 8" in result.out


def test_a_clean_translation_has_no_flags(run_cli, tmp_path):
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=DRAFT), "report.terminal=false")
    flags = result.report(tmp_path / "report")["systems"][0]["flags"]
    assert all(not found for found in flags.values()), flags
