"""The HTML report and the segment tables."""

from __future__ import annotations

import json
import re

import pytest

from conftest import DRAFT, PRESSTV, REFERENCE, ROOT, SOURCE, inputs_overrides, load_script, write_lines

render_report = load_script(ROOT / "tools" / "render_report.py")

LEXICAL = "metrics=[bleu,chrf,ter]"


@pytest.fixture
def bundled_html(run_cli, tmp_path):
    result = run_cli("report.terminal=false", "report.formats=[json,md,html,segments]")
    assert result.code == 0, result.err
    return tmp_path / "report" / "report.html"


def page_data(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_the_page_has_summary_plots_and_segments(bundled_html):
    html = bundled_html.read_text(encoding="utf-8")
    data = page_data(html)
    assert [s["src"] for s in data["segments"]] == SOURCE.read_text(encoding="utf-8").splitlines()
    assert [s["out"] for s in data["segments"]] == [list(pair) for pair in zip(DRAFT.read_text(encoding="utf-8").splitlines(),
                                                                               PRESSTV.read_text(encoding="utf-8").splitlines())]
    assert html.count("<svg") >= 3  # scores with intervals, distributions, by length (the pair scatter is drawn in the page)
    assert "sha256:3000571f5883" in html and "nrefs:1|case:mixed|eff:no|tok:13a" in html
    # Skipped metrics say why: no model here, or (core install) no unbabel-comet.
    assert "COMET model &#39;Unbabel/wmt22-comet-da&#39;" in html or "pip install &#34;mt-eval[comet]&#34;" in html
    assert "WEAK: only 14 segments" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing to fetch
    assert "<link" not in html


def test_input_text_is_escaped(run_cli, tmp_path):
    lines = DRAFT.read_text(encoding="utf-8").splitlines()
    lines[0] = "<script>document.title='owned'</script> </td></tr></table> <b>bold</b>"
    hostile = write_lines(tmp_path / "hostile.en", lines)
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], evil=hostile, draft=DRAFT), LEXICAL, "report.terminal=false")
    assert result.code == 0, result.err
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "<script>document.title" not in html and "<b>bold</b>" not in html and "</td></tr></table>" not in html
    # The texts travel as JSON with "<" escaped, and the page puts them in the DOM as text (test_html_reader.py).
    assert page_data(html)["segments"][0]["out"][0] == lines[0]
    assert html.count("<script>") == 1  # our own, nothing else


def test_segment_tables_load_without_our_code(bundled_html):
    import datasets
    import pandas as pd

    folder = bundled_html.parent
    frame = pd.read_parquet(folder / "segments.parquet")
    assert len(frame) == 2 * 14
    assert {"system", "segment", "line", "source", "references", "output", "bleu", "chrf", "ter", "comet"} <= set(frame.columns)
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    draft = next(s for s in report["systems"] if s["name"] == "draft")
    rows = frame[frame.system == "draft"].sort_values("segment")
    assert list(rows.chrf) == draft["scores"]["chrf"]["segments"]
    assert rows.comet.isna().all()  # skipped: no score, not a made-up one
    loaded = datasets.load_dataset("json", data_files=str(folder / "segments.jsonl"), split="train")
    assert loaded.num_rows == 28 and loaded[0]["output"] == DRAFT.read_text(encoding="utf-8").splitlines()[0]


def test_formats_choose_the_files(run_cli, tmp_path):
    result = run_cli(LEXICAL, "report.formats=[json]", "report.terminal=false")
    assert result.code == 0
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == ["report.json", "segments.parquet"]


@pytest.mark.skipif(render_report.chromium() is None, reason="no chromium here (CI installs Debian's chromium)")
def test_the_page_loads_in_a_real_browser(bundled_html, tmp_path):
    dom, _ = render_report.render(bundled_html, tmp_path / "shot.png")
    assert render_report.loaded_cleanly(dom), dom[:500]
    assert "14 of 14 segments" in dom  # the explorer's script ran
    assert (tmp_path / "shot.png").stat().st_size > 10_000
