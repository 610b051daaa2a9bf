"""Every bad input gets one readable message naming the file, line or key,
exit code 2, and no traceback."""

from __future__ import annotations

import json
from functools import partial

import pytest

from conftest import REFERENCE, SOURCE, DRAFT, inputs_overrides, refused, write_lines

# Exit 2, every fragment in the message, no traceback. (Not checked here:
# that it is a single "mt-eval:" line; Hydra reports a value of the wrong
# type, chrf.word_order=abc, in its own words.)
assert_refused = partial(refused, one_message=False)


def test_missing_file(run_cli, tmp_path):
    missing = tmp_path / "nope.en"
    assert_refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=missing)), "testset.systems.mine", str(missing), "no such file")


def test_a_message_is_printed_as_plain_text(run_cli, tmp_path):
    missing = tmp_path / "[bold]draft[/bold].en"
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=missing))
    assert_refused(result, "[bold]draft[/bold].en")


def test_directory_instead_of_file(run_cli, tmp_path):
    assert_refused(run_cli(*inputs_overrides(SOURCE, [tmp_path], mine=DRAFT)), "testset.references[0]", "is a directory")


def test_line_count_mismatch_names_every_count(run_cli, tmp_path):
    short = write_lines(tmp_path / "short.en", DRAFT.read_text(encoding="utf-8").splitlines()[:13])
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=short))
    assert_refused(result, "line counts differ", "testset.source", "has 14", f"testset.systems.mine ({short}) has 13")


def test_bytes_that_are_not_utf8_name_the_line(run_cli, tmp_path):
    lines = DRAFT.read_bytes().split(b"\n")
    lines[4] = "café".encode("latin-1")
    bad = tmp_path / "latin1.en"
    bad.write_bytes(b"\n".join(lines))
    assert_refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=bad)), str(bad), "line 5", "not valid UTF-8")


def test_nul_bytes_are_assert_refused(run_cli, tmp_path):
    bad = tmp_path / "utf16.en"
    bad.write_bytes("hello\nworld\n".encode("utf-16-le"))
    assert_refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=bad)), str(bad), "line 1", "NUL byte")


def test_empty_file(run_cli, tmp_path):
    empty = tmp_path / "empty.en"
    empty.write_bytes(b"")
    assert_refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=empty)), str(empty), "empty")


def test_unknown_metric_lists_known_and_suggests(run_cli):
    assert_refused(run_cli("metrics=[bleu,chrff]"), "unknown metric 'chrff'", "Known: bleu, chrf, comet, ter", "Did you mean 'chrf'?")


def test_unknown_tokenizer_suggests(run_cli):
    assert_refused(run_cli("bleu.tokenize=intll"), "bleu.tokenize='intll'", "Did you mean 'intl'?")


def test_option_of_the_wrong_type_names_the_key(run_cli):
    result = run_cli("chrf.word_order=abc")
    assert_refused(result, "chrf.word_order")


def test_unknown_option_key_is_assert_refused(run_cli):
    assert_refused(run_cli("bleu.tokenise=intl"), "tokenise")


def test_bad_option_values(run_cli):
    assert_refused(run_cli("chrf.char_order=0"), "chrf.char_order")
    assert_refused(run_cli("testset.normalize.unicode=NFX"), "testset.normalize.unicode", "NFC")
    assert_refused(run_cli("testset.empty_reference=skip"), "testset.empty_reference")
    assert_refused(run_cli("report.formats=[json,pdf]"), "report.formats", "'pdf'")


def test_two_systems_with_the_same_name(run_cli):
    assert_refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], Mine=DRAFT, mine=DRAFT)), "two systems are named")


def test_no_systems_or_references(run_cli):
    assert_refused(run_cli("testset.systems={}"), "testset.systems is empty")
    assert_refused(run_cli("testset.references=[]"), "testset.references is empty")


def test_empty_reference_is_refused_by_default(run_cli, tmp_path):
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    lines[2] = ""
    ref = write_lines(tmp_path / "ref.en", lines)
    assert_refused(run_cli(*inputs_overrides(SOURCE, [ref], mine=DRAFT)), str(ref), "line(s) 3", "testset.empty_reference=exclude")


def test_empty_reference_can_be_excluded_everywhere(run_cli, tmp_path):
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    lines[2] = ""
    ref = write_lines(tmp_path / "ref.en", lines)
    result = run_cli(*inputs_overrides(SOURCE, [ref], mine=DRAFT), "testset.empty_reference=exclude")
    assert result.code == 0, result.err
    report = result.report(tmp_path / "report")
    assert report["testset"]["segments"] == 13
    assert report["testset"]["excluded_lines"] == [3]
    assert len(report["systems"][0]["scores"]["chrf"]["segments"]) == 13
    assert "excluded 1 segments" in result.out


def test_null_cells_in_jsonl_are_errors_not_text(run_cli, tmp_path):
    rows = [{"text": line} for line in DRAFT.read_text(encoding="utf-8").splitlines()]
    rows[6]["text"] = None
    data = tmp_path / "hyp.jsonl"
    data.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    assert_refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=data)), str(data), "row 7", "empty or null")


def test_missing_cells_in_csv_are_errors(run_cli, tmp_path):
    lines = DRAFT.read_text(encoding="utf-8").splitlines()
    data = tmp_path / "hyp.csv"
    body = ["id,text"] + [f'{i},"{line.replace(chr(34), chr(34) * 2)}"' for i, line in enumerate(lines)]
    body[4] = "3,"
    data.write_text("\n".join(body) + "\n", encoding="utf-8")
    assert_refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=data)), str(data), "line 5", "empty or null")


def test_unknown_column_lists_the_columns(run_cli, tmp_path):
    data = tmp_path / "hyp.jsonl"
    data.write_text("\n".join(json.dumps({"hyp": line}) for line in DRAFT.read_text(encoding="utf-8").splitlines()), encoding="utf-8")
    assert_refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=data)), "no column 'text'", "hyp")


def test_a_failed_run_keeps_the_earlier_report(run_cli, tmp_path):
    good = run_cli("report.terminal=false")
    assert good.code == 0
    report = tmp_path / "report" / "report.json"
    before = report.read_bytes()
    bad = run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=tmp_path / "missing.en"))
    assert bad.code == 2
    assert report.read_bytes() == before
