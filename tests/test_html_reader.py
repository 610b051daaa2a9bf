"""The HTML report's segment reader and pair view, driven in headless
Chromium through the page's own controls, with assertions on the DOM
against the run's report.json (and comet-compare's own counting)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

from conftest import DRAFT, PRESSTV, REFERENCE, ROOT, SOURCE, lines, load_script

render_report = load_script(ROOT / "tools" / "render_report.py")

playwright_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")
pytestmark = pytest.mark.skipif(render_report.chromium() is None, reason="no chromium here (CI installs Debian's chromium)")

# benchmarks/ is not put on sys.path: its comet.py would shadow unbabel-comet's package.
_corpus = load_script(ROOT / "benchmarks" / "_corpus.py")

TIE = {"bleu": 0.1, "chrf": 0.1, "ter": 0.1, "comet": 0.001}


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=render_report.chromium(), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser):
    pages = []

    def open_(html: Path, width: int = 1280, fragment: str = ""):
        page = browser.new_page(viewport={"width": width, "height": 900})
        errors: List[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(html.resolve().as_uri() + fragment)
        page.wait_for_selector("body[data-ready], body[data-error]")
        assert page.get_attribute("body", "data-error") is None and not errors, (page.get_attribute("body", "data-error"), errors)
        settle(page)
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()


def settle(page):
    """Wait until the page has redrawn every segment on show (it draws those
    off screen in slices after a control changes)."""
    page.wait_for_function("document.body.dataset.rendered === 'yes'")


def save(folder: Path, **kwargs) -> Path:
    import mt_eval

    mt_eval.score(**kwargs).save(folder, formats=("json", "html"))
    return folder


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    return save(tmp_path_factory.mktemp("bundled") / "run", source=SOURCE, references=[REFERENCE],
                systems={"draft": DRAFT, "presstv": PRESSTV}, metrics=["bleu", "chrf", "ter"])


@pytest.fixture(scope="module")
def four_data(tmp_path_factory) -> dict:
    """Four drafts of 300 distinct synthetic segments (benchmarks/_corpus.py)."""
    return _corpus.make_testset(tmp_path_factory.mktemp("data"), 300, 4, seed=7)


@pytest.fixture(scope="module")
def four(tmp_path_factory, four_data) -> Path:
    data = four_data
    return save(tmp_path_factory.mktemp("four") / "run", source=data["source"], references=[data["reference"]],
                systems={name: path for name, path in data["systems"].items()}, metrics=["bleu", "chrf", "ter"])


def report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def segment_scores(folder: Path) -> Dict[str, Dict[str, np.ndarray]]:
    return {s["name"]: {m: np.array(v["segments"]) for m, v in s["scores"].items() if v.get("segments")}
            for s in report(folder)["systems"]}


def visible_lines(page) -> List[int]:
    return page.eval_on_selector_all("#segments section.seg:not([hidden])", "nodes => nodes.map(n => +n.dataset.line)")


def pair_page(open_page, folder: Path, a: int, b: int):
    """The page with drafts a and b chosen as A and B, the run's segment scores, and its system names."""
    page = open_page(folder / "report.html")
    page.select_option("#pair-a", str(a))
    page.select_option("#pair-b", str(b))
    scores = segment_scores(folder)
    return page, scores, list(scores)


def advantage(scores, metric: str, a: str, b: str) -> np.ndarray:
    d = scores[a][metric] - scores[b][metric]
    return d if metric != "ter" else -d


# ---- read first, diff on demand


def test_drafts_read_as_prose_until_differences_are_asked_for(open_page, bundled):
    page = open_page(bundled / "report.html")
    assert page.locator("#segments ins, #segments del").count() == 0
    texts = page.eval_on_selector_all('#segments .row.out[data-system="0"] .text', "nodes => nodes.map(n => n.textContent)")
    assert texts == lines(DRAFT)  # exactly the draft, word for word
    page.select_option("#view", "ref:0")
    settle(page)
    assert page.locator("#segments ins").count() > 0 and page.locator("#segments del").count() > 0
    # Without the struck reference words, each draft still reads exactly as written.
    kept = page.eval_on_selector_all('#segments .row.out[data-system="1"] .text', """nodes => nodes.map(n => {
        const copy = n.cloneNode(true); copy.querySelectorAll('del').forEach(d => d.remove()); return copy.textContent; })""")
    assert kept == lines(PRESSTV)
    assert "reference" in page.text_content("#legend")
    page.select_option("#view", "prose")
    settle(page)
    assert page.locator("#segments ins, #segments del").count() == 0


def test_punctuation_is_its_own_token_in_differences(open_page, tmp_path):
    folder = save(tmp_path / "run", source=["قال الرئيس في واشنطن إن المحادثات مستمرة"],
                  references=[["In Washington, the president said the talks go on."]],
                  systems={"a": ["In Washington the president said the talks go on."], "b": ["In Washington, the president said talks go on"]},
                  metrics=["bleu"])
    page = open_page(folder / "report.html", fragment="#view=ref:0")
    a = page.locator('.row.out[data-system="0"] .text')
    assert a.locator("del").all_text_contents() == [","] and a.locator("ins").count() == 0  # Washington is not marked
    b = page.locator('.row.out[data-system="1"] .text')
    assert b.locator("del").all_text_contents() == ["the", "."] and b.locator("ins").count() == 0


def test_with_two_references_the_reader_says_which_and_lets_you_choose(open_page, tmp_path):
    folder = save(tmp_path / "run", source=["مرحبا بالعالم", "شكرا جزيلا"],
                  references=[["hello world", "thanks a lot"], ["greetings, world", "many thanks"]],
                  systems={"a": ["hello world", "many thanks"], "b": ["greetings world", "thanks"]}, metrics=["chrf"])
    page = open_page(folder / "report.html")
    options = page.eval_on_selector_all("#view option", "nodes => nodes.map(n => n.textContent)")
    assert options[:3] == ["prose", "differences from reference 1", "differences from reference 2"]
    page.select_option("#view", "ref:1")
    settle(page)
    first = page.locator("#line-1")
    assert first.locator(".row.ref.target .who").text_content() == "reference 2"
    assert first.locator('.row.out[data-system="0"] ins').all_text_contents() == ["hello"]
    assert "reference 2" in page.text_content("#legend")
    page.select_option("#view", "ref:0")
    settle(page)
    assert page.locator("#line-1").locator('.row.out[data-system="0"] ins, .row.out[data-system="0"] del').count() == 0


def test_differences_against_another_draft(open_page, tmp_path):
    from mt_eval.reports.html import render_html
    from mt_eval.metrics.comet import Comet
    from mt_eval.results import MetricResult, RunResult, SystemResult, TestSetInfo, TestSetTexts

    # Reference-free (a QE model's scores): the drafts can still be compared with each other.
    info = TestSetInfo(name="drafts", segments=2, checksum="sha256:x", source="s", references=[], normalization="",
                       line_numbers=[1, 2], texts=TestSetTexts(source=["مرحبا بكم", "شكرا"], references=[]))
    systems = [SystemResult("first", "a", outputs=["welcome all", "thanks"],
                            scores={"comet": MetricResult("comet", score=0.5, segments=[0.4, 0.6])}),
               SystemResult("second", "b", outputs=["welcome everyone", "thanks"],
                            scores={"comet": MetricResult("comet", score=0.6, segments=[0.5, 0.7])})]
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(RunResult(testset=info, metrics=["comet"], systems=systems, metric_info={"comet": Comet().info()})), encoding="utf-8")
    page = open_page(page_file)
    assert page.eval_on_selector_all("#view option", "nodes => nodes.map(n => n.value)") == ["prose", "sys:0", "sys:1"]
    page.select_option("#view", "sys:0")
    settle(page)
    second = page.locator('#line-1 .row.out[data-system="1"] .text')
    assert second.locator("del").all_text_contents() == ["all"] and second.locator("ins").all_text_contents() == ["everyone"]
    assert page.locator('#line-1 .row.out[data-system="0"] .badge.target').text_content() == "compared against"


# ---- direction


def test_untranslated_output_reads_right_to_left_and_is_flagged(open_page, tmp_path):
    source = lines(SOURCE)
    draft = lines(DRAFT)
    draft[2] = source[2]  # copied through untranslated
    draft[4] = draft[4] + " " + "قال الكاظمي"  # partly Arabic
    folder = save(tmp_path / "run", source=SOURCE, references=[REFERENCE], systems={"draft": draft, "presstv": PRESSTV}, metrics=["chrf"])
    page = open_page(folder / "report.html")
    copied = page.locator('#line-3 .row.out[data-system="0"]')
    assert copied.locator(".text").get_attribute("dir") == "rtl"
    assert "copied source" in copied.locator(".who").text_content()
    mixed = page.locator('#line-5 .row.out[data-system="0"]')
    assert mixed.locator(".text").get_attribute("dir") == "auto" and "mixed scripts" in mixed.locator(".who").text_content()
    assert page.locator('#line-1 .row.out[data-system="0"] .text').get_attribute("dir") == "ltr"
    assert page.locator("#line-1 .src").get_attribute("dir") == "rtl"


# ---- which draft wins


def test_each_segment_names_its_best_draft_with_the_margin(open_page, four):
    page = open_page(four / "report.html")
    scores = segment_scores(four)
    names = list(scores)
    info = report(four)
    first_line = info["testset"]["line_numbers"][0] if info["testset"].get("line_numbers") else 1
    for index in (0, 17, 123):
        line = first_line + index
        for metric, label in (("bleu", "BLEU"), ("ter", "TER")):
            values = np.array([scores[n][metric][index] for n in names]) * (1 if metric != "ter" else -1)
            order = np.argsort(-values, kind="stable")
            margin = values[order[0]] - values[order[1]]
            badges = page.locator(f"#line-{line} .badge.win").all_text_contents()
            mine = [b for b in badges if b.startswith(f"best {label} ")]
            if margin < TIE[metric]:
                assert not mine
            else:
                winner = page.locator(f"#line-{line} .row.out:has(.badge.win:text-is('{mine[0]}')) .name").text_content()
                assert winner == names[order[0]] and mine == [f"best {label} +{margin:.1f}"]


def test_the_pair_chooser_drives_wins_ties_and_losses(open_page, four):
    compare = pytest.importorskip("comet.cli.compare", reason="comet-compare's counting comes with the comet extra")
    page, scores, names = pair_page(open_page, four, 3, 1)
    a, b = names[3], names[1]
    rows = {row[0]: row[1:4] for row in page.eval_on_selector_all("#wtl tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")}
    for metric, label in (("bleu", "BLEU"), ("chrf", "chrF")):
        # comet-compare's counting (its EPS, 0-1 scale) applied to the segment scores.
        counted = compare.calculate_bootstrap(scores[a][metric] / 100, scores[b][metric] / 100, a, b)["bootstrap_resampling"]
        total = len(scores[a][metric])
        expected = [round(counted["x_wins (%)"] * total), round(counted["ties (%)"] * total), round(counted["y_wins (%)"] * total)]
        assert [int(cell.split()[0]) for cell in rows[label]] == expected
    headers = page.eval_on_selector_all("#wtl th", "nodes => nodes.map(n => n.textContent)")
    assert headers[1:4] == [a, "ties", b]


def test_where_a_beats_b_by_more_than_x(open_page, four):
    page, scores, names = pair_page(open_page, four, 0, 2)
    page.fill("#margin", "5")
    page.select_option("#beats-metric", "0")  # BLEU
    page.check("#beats")
    expected = [i + 1 for i in np.flatnonzero(advantage(scores, "bleu", names[0], names[2]) > 5)]
    assert visible_lines(page) == expected and 0 < len(expected) < 300
    assert page.text_content("#shown") == f"{len(expected)} of 300 segments"
    page.select_option("#beats-metric", "2")  # TER: lower is better
    page.fill("#margin", "10")
    expected = [i + 1 for i in np.flatnonzero(advantage(scores, "ter", names[0], names[2]) > 10)]
    assert visible_lines(page) == expected


def test_where_the_metrics_disagree(open_page, four):
    page, scores, names = pair_page(open_page, four, 1, 2)
    page.check("#disagree")
    prefers = [(advantage(scores, m, names[1], names[2]) >= TIE[m], advantage(scores, m, names[1], names[2]) <= -TIE[m]) for m in ("bleu", "chrf", "ter")]
    disagree = np.logical_or.reduce([a for a, _ in prefers]) & np.logical_or.reduce([b for _, b in prefers])
    assert visible_lines(page) == [i + 1 for i in np.flatnonzero(disagree)] and disagree.any()


def test_scatter_and_length_buckets_follow_the_pair(open_page, four, four_data):
    page, scores, names = pair_page(open_page, four, 2, 0)
    page.select_option("#pair-metric", "1")  # chrF
    assert page.locator("#scatter circle").count() == 300
    titles = page.eval_on_selector_all("#scatter circle title", "nodes => nodes.slice(0, 3).map(n => n.textContent)")
    assert titles[0] == f"line 1: {names[2]} {scores[names[2]]['chrf'][0]:.1f}, {names[0]} {scores[names[0]]['chrf'][0]:.1f}"
    # compare-mt's buckets over the source's words: sizes and means from report.json's scores
    words = np.array([len(line.split()) for line in lines(four_data["source"])])
    table = page.eval_on_selector_all("#buckets tr", "rows => rows.slice(1).map(r => Array.from(r.cells).map(c => c.textContent))")
    assert sum(int(row[1]) for row in table) == 300
    cut = np.searchsorted([10, 20, 30, 40, 50, 60], words, side="right")
    labels = ["< 10", "10–19", "20–29", "30–39", "40–49", "50–59", "≥ 60"]
    assert len(table) == len(set(cut)) > 1
    for row in table:
        members = cut == labels.index(row[0])
        assert int(row[1]) == members.sum()
        assert row[2] == f"{scores[names[2]]['chrf'][members].mean():.1f}" and row[3] == f"{scores[names[0]]['chrf'][members].mean():.1f}"


# ---- a person's habits


def test_the_url_hash_reproduces_the_view(open_page, four):
    page = open_page(four / "report.html")
    page.select_option("#pair-a", "3")
    page.select_option("#pair-b", "0")
    page.select_option("#view", "sys:0")
    settle(page)
    page.select_option("#sort", "d:1")
    page.check("#descending")
    page.fill("#margin", "2")
    page.check("#beats")
    shown = visible_lines(page)
    link = page.evaluate("location.hash")
    again = open_page(four / "report.html", fragment=link)
    assert visible_lines(again) == shown and len(shown) > 1
    assert again.input_value("#pair-a") == "3" and again.input_value("#view") == "sys:0" and again.input_value("#sort") == "d:1"
    assert again.is_checked("#descending") and again.is_checked("#beats")
    first = again.locator("#segments section.seg:not([hidden])").first
    assert first.locator(".badge.target").count() == 1  # the differences are shown, against the first draft


def test_keyboard_moves_between_the_segments_on_show(open_page, four):
    page = open_page(four / "report.html")
    page.check("#beats")
    shown = visible_lines(page)
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.dataset.line") == str(shown[1])
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.dataset.line") == str(shown[0])
    assert f"seg={shown[0]}" in page.evaluate("location.hash")
    # The segment sits just below the sticky controls, not under them.
    top = page.evaluate("document.activeElement.getBoundingClientRect().top")
    assert page.evaluate("document.getElementById('controls').getBoundingClientRect().bottom") <= top < 200


@pytest.mark.parametrize("width", [1280, 800])
def test_the_layout_fits_laptop_and_narrow_windows(open_page, four, width):
    page = open_page(four / "report.html", width=width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator("#line-1 .row.out .text").first.bounding_box()
    assert box["width"] > width * 0.5  # the text keeps most of the width, scores wrap below at 800 px


def test_printing_gives_the_comparison_without_the_controls(open_page, bundled, tmp_path):
    page = open_page(bundled / "report.html", fragment="#view=ref:0")
    page.emulate_media(media="print")
    assert not page.is_visible("#controls") and page.is_visible("#view-line")
    assert "differences from the reference" in page.text_content("#view-line")
    pdf = tmp_path / "comparison.pdf"
    page.pdf(path=str(pdf))
    assert pdf.read_bytes()[:4] == b"%PDF" and pdf.stat().st_size > 20_000


# ---- flags and error spans


def test_flags_show_at_the_segment_and_collapse_in_the_summary(open_page, tmp_path):
    draft = lines(DRAFT)
    draft[1] = ""
    draft[5] = draft[6]  # the same output for two different sources
    folder = save(tmp_path / "run", source=SOURCE, references=[REFERENCE], systems={"draft": draft, "presstv": PRESSTV}, metrics=["chrf"])
    page = open_page(folder / "report.html")
    assert "empty" in page.locator('#line-2 .row.out[data-system="0"] .who').text_content()
    assert "duplicate" in page.locator('#line-6 .row.out[data-system="0"] .who').text_content()
    summaries = page.eval_on_selector_all("#flags details summary", "nodes => nodes.map(n => n.textContent.replace(/\\s+/g, ' ').trim())")
    assert "draft: empty output 1" in summaries and "draft: same output for different sources 2" in summaries
    assert not page.is_visible("#flags details p")  # collapsed until opened
    page.select_option("#flag", "duplicated")
    assert visible_lines(page) == [6, 7]


def test_error_spans_keep_their_severity_in_both_views(open_page, tmp_path):
    from mt_eval.reports.html import render_html
    from mt_eval.metrics.comet import Comet
    from mt_eval.results import MetricResult, RunResult, SystemResult, TestSetInfo, TestSetTexts

    info = TestSetInfo(name="spans", segments=1, checksum="sha256:x", source="s", references=["r"], normalization="",
                       line_numbers=[1], texts=TestSetTexts(source=["قالت الحكومة"], references=[["The government said."]]))
    spans = [[{"start": 4, "end": 14, "severity": "major", "text": "government"}]]
    systems = [SystemResult("x", "a", outputs=["The government told."],
                            scores={"comet": MetricResult("comet", score=0.5, segments=[0.5], details={"error_spans": spans})})]
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(RunResult(testset=info, metrics=["comet"], systems=systems, metric_info={"comet": Comet().info()})), encoding="utf-8")
    page = open_page(page_file)
    assert page.locator("mark.sev-major").all_text_contents() == ["government"]
    page.select_option("#view", "ref:0")
    settle(page)
    assert page.locator("mark.sev-major").all_text_contents() == ["government"]
    assert page.locator(".row.out ins").all_text_contents() == ["told"]


def test_hostile_text_stays_text_in_the_page(open_page, tmp_path):
    draft = lines(DRAFT)
    draft[0] = "<img src=x onerror=\"document.body.dataset.owned=1\"> </script><b>bold</b>"
    folder = save(tmp_path / "run", source=SOURCE, references=[REFERENCE], systems={"<i>x</i>": draft, "presstv": PRESSTV}, metrics=["chrf"])
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "</script><b>" not in html and "<img src=x" not in html
    page = open_page(folder / "report.html", fragment="#view=ref:0")
    assert page.evaluate("document.body.dataset.owned") is None and page.locator("#segments b:text-is('bold'), #segments img").count() == 0
    page.select_option("#view", "prose")
    settle(page)
    assert page.locator('#line-1 .row.out[data-system="0"] .text').text_content() == draft[0]
    assert page.locator('#line-1 .row.out[data-system="0"] .name').text_content() == "<i>x</i>"


def test_a_huge_segment_is_shown_without_differences_and_says_so(open_page, tmp_path):
    from mt_eval.reports.html import render_html
    from mt_eval.metrics.comet import Comet
    from mt_eval.results import MetricResult, RunResult, SystemResult, TestSetInfo, TestSetTexts

    long_text = " ".join(f"w{i}" for i in range(20000))
    info = TestSetInfo(name="long", segments=2, checksum="sha256:x", source="s", references=["r"], normalization="",
                       line_numbers=[1, 2], texts=TestSetTexts(source=["نص طويل", "قصير"], references=[[long_text, "a b c"]]))
    systems = [SystemResult("x", "a", outputs=[long_text[::-1], "a c"], scores={"chrf": MetricResult("chrf", score=1.0, segments=[1.0, 50.0])})]
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(RunResult(testset=info, metrics=["chrf"], systems=systems)), encoding="utf-8")
    page = open_page(page_file)
    started = page.evaluate("performance.now()")
    page.select_option("#view", "ref:0")
    settle(page)
    assert page.evaluate("performance.now()") - started < 5000
    assert "[no differences shown: segment too long]" in page.locator("#line-1 .row.out .text").text_content()
    assert page.locator("#line-2 .row.out del").all_text_contents() == ["b"]


def test_one_draft_or_no_scored_metric_still_gives_a_reader(open_page, tmp_path):
    one = save(tmp_path / "one", source=SOURCE, references=[REFERENCE], systems={"draft": DRAFT}, metrics=["bleu"])
    page = open_page(one / "report.html")
    assert page.locator("#pair").count() == 0 and page.text_content("#shown") == "14 of 14 segments"
    assert page.locator("#segments .badge.win").count() == 0  # nothing to win against
    page.select_option("#view", "ref:0")
    settle(page)
    assert page.locator("#segments ins").count() > 0
    # COMET asked for but skipped (no model here): no scores to show, the texts are still there.
    skipped = save(tmp_path / "skipped", source=SOURCE, references=[REFERENCE], systems={"draft": DRAFT, "presstv": PRESSTV},
                   metrics=["comet"])
    page = open_page(skipped / "report.html")
    assert page.locator("#segments section.seg").count() == 14 and page.locator("#pair").count() == 0
    assert page.locator('#line-1 .row.out[data-system="1"] .text').text_content() == lines(PRESSTV)[0]


def test_every_segment_on_show_gets_its_differences(open_page, four):
    page = open_page(four / "report.html")
    page.select_option("#view", "ref:0")
    settle(page)
    marked = page.eval_on_selector_all("#segments section.seg", "nodes => nodes.map(n => n.querySelectorAll('.row.out ins, .row.out del').length > 0)")
    assert len(marked) == 300 and all(marked)  # far below the fold too: drawn in slices, not skipped


@pytest.mark.parametrize("fragment", ["#a=9&b=-1&m=x&view=sys:7&sort=d:5&beats=1&bm=8&margin=abc&flag=nope&seg=99999",
                                      "#view=ref:3&sort=s:4:0&desc=1&disagree=1&q=%3Cb%3E"])
def test_an_edited_link_never_breaks_the_page(open_page, bundled, tmp_path, fragment):
    page = open_page(bundled / "report.html", fragment=fragment)  # open_page asserts the script ran without error
    assert page.input_value("#view") == "prose" and page.input_value("#pair-a") in ("0", "1")
    one = save(tmp_path / "one", source=SOURCE, references=[REFERENCE], systems={"draft": DRAFT}, metrics=["comet"])
    open_page(one / "report.html", fragment=fragment)  # one draft, no scored metric


# ---- a value the page cannot use is said, and the default used instead


def beats_lines(scores, names, a: int, b: int, metric: str, margin: float) -> List[int]:
    return [i + 1 for i in np.flatnonzero(advantage(scores, metric, names[a], names[b]) > margin)]


def notice(page) -> str:
    return "" if page.locator("#notice").is_hidden() else page.text_content("#notice")


# Not a number, not finite, negative, huge (at or above any BLEU difference), or not all a number.
UNUSABLE_MARGINS = ["Infinity", "-Infinity", "NaN", "abc", "-3", "-0.5", "1e400", "1e308", "100", "", " ", "5abc", "2,5", "%E2%80%8B5"]


@pytest.mark.parametrize("margin", UNUSABLE_MARGINS)
def test_a_margin_in_the_link_the_page_cannot_use_is_explained_and_the_default_used(open_page, bundled, margin):
    scores = segment_scores(bundled)
    names = list(scores)
    page = open_page(bundled / "report.html", fragment=f"#a=0&b=1&bm=0&beats=1&margin={margin}")
    said = notice(page)
    assert ("(from the link)" in said or "margin in the link is empty" in said) and "using 5 instead" in said, said
    expected = beats_lines(scores, names, 0, 1, "bleu", 5)
    assert visible_lines(page) == expected
    assert page.text_content("#shown") == f"{len(expected)} of 14 segments"
    assert page.input_value("#margin") == "5" and "by more than 5 BLEU" in page.text_content("#view-line")
    assert "margin=5" in page.evaluate("location.hash")  # the link now says what is shown


@pytest.mark.parametrize("margin", ["0", "2.5", "1e1", "0.0"])
def test_a_usable_margin_in_the_link_filters_without_a_notice(open_page, bundled, margin):
    scores = segment_scores(bundled)
    page = open_page(bundled / "report.html", fragment=f"#a=1&b=0&bm=1&beats=1&margin={margin}")
    assert notice(page) == ""
    assert visible_lines(page) == beats_lines(scores, list(scores), 1, 0, "chrf", float(margin))


def test_a_typed_margin_the_page_cannot_use_is_explained_while_it_stands(open_page, four):
    page, scores, names = pair_page(open_page, four, 0, 2)
    page.select_option("#beats-metric", "0")
    page.check("#beats")
    for typed in ("-3", "1e999", "150"):
        page.fill("#margin", typed)
        said = notice(page)
        assert ("(from the field)" in said or "margin field holds no number" in said) and "using 5 instead" in said, (typed, said)
        assert visible_lines(page) == beats_lines(scores, names, 0, 2, "bleu", 5)
        assert page.input_value("#margin") in (typed, "")  # what is typed stays (a number field reads "" for what it cannot parse)
    page.fill("#margin", "7")
    assert notice(page) == "" and visible_lines(page) == beats_lines(scores, names, 0, 2, "bleu", 7)


def test_a_margin_too_large_for_the_chosen_metric_falls_back_visibly(open_page, tmp_path):
    """COMET-sized scores: a margin of 5 can never be passed; with the
    default, the filter uses 0 (and says so in the field), with a value the
    reader gave, the page says why it uses 0 instead."""
    from mt_eval.reports.html import render_html
    from mt_eval.results import RunResult

    run = RunResult.load(save(tmp_path / "run", source=SOURCE, references=[REFERENCE], systems={"draft": DRAFT, "presstv": PRESSTV},
                              metrics=["bleu"]) / "report.json")
    for system in run.systems:  # a 0–1 scale, as COMET's: every segment score divided by 100
        score = system.scores["bleu"]
        score.segments = [value / 100 for value in score.segments]
    page_file = tmp_path / "small.html"
    page_file.write_text(render_html(run), encoding="utf-8")
    page = open_page(page_file, fragment="#a=0&b=1&beats=1")
    assert notice(page) == "" and page.input_value("#margin") == "0"
    page = open_page(page_file, fragment="#a=0&b=1&beats=1&margin=5")
    assert "is not below" in notice(page) and "using 0 instead" in notice(page)


@pytest.mark.parametrize("fragment, key", [
    ("#a=9", "a="), ("#b=-1", "b="), ("#m=x", "m="), ("#bm=8", "bm="), ("#a=1.5", "a="), ("#view=sys:7", "view="), ("#sort=d:5", "sort="),
    ("#flag=nope", "flag="), ("#seg=99999", "seg="), ("#desc=yes", "desc="), ("#beats=2", "beats="), ("#colour=red", "colour"),
])
def test_every_link_value_the_page_cannot_use_is_named_on_the_page(open_page, bundled, fragment, key):
    page = open_page(bundled / "report.html", fragment=fragment)
    assert key in notice(page) and "in the link" in notice(page), notice(page)
    page.select_option("#view", "ref:0")  # the reader takes over: the link's notices go
    assert notice(page) == ""


def test_a_link_the_page_wrote_itself_has_nothing_to_explain(open_page, four):
    page = open_page(four / "report.html")
    page.select_option("#pair-a", "2")
    page.select_option("#sort", "d:1")
    page.check("#descending")
    page.fill("#margin", "3")
    page.check("#beats")
    page.select_option("#flag", "any")
    again = open_page(four / "report.html", fragment=page.evaluate("location.hash"))
    assert notice(again) == ""
