"""plain.py: a value in a Markdown code span comes back exactly, as one code
span, whatever it holds, under a real CommonMark parser (markdown-it-py,
rich's own Markdown parser) and in report.md itself."""

from __future__ import annotations

import random

import pytest
from markdown_it import MarkdownIt

from mt_eval.plain import markdown_code, visible

# What could end a span, open markup or break a line: backticks (runs of
# every length), HTML, table pipes, emphasis, links, escapes, entities,
# spaces at either end, line breaks, controls, Unicode separators.
ALPHABET = ["`", "``", "```", "<", ">", "</code>", "<img src=x onerror=alert(1)>", "<!--", "|", "\\", "*", "_", "[", "]", "(", ")",
            "!", "#", "&amp;", "&", " ", "  ", "\t", "\n", "\n\n", "\r", "\r\n", "\x00", "\x1b[31m", "\u2028", "\u00a0", "a", "Z", "9",
            "ب", "漢", "-", "+", "=", "~", ":", "/", "'", '"']


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12)))


def code_spans(markdown: str):
    """The inline tokens markdown-it finds, and whether any HTML came out."""
    parser = MarkdownIt("commonmark")
    tokens = parser.parse(markdown)
    inline = [child for token in tokens if token.type == "inline" for child in (token.children or [])]
    html = [t for t in tokens if t.type == "html_block"] + [t for t in inline if t.type == "html_inline"]
    return inline, html, parser.render(markdown)


@pytest.mark.parametrize("context", ["- bleu: {}", "14 segments · checksum {}", "{}"])
def test_every_text_comes_back_exactly_as_one_code_span(context):
    rng = random.Random(hash(context) % 1000)
    for _ in range(3000):
        text = random_text(rng)
        inline, html, rendered = code_spans(context.format(markdown_code(text)))
        spans = [t for t in inline if t.type == "code_inline"]
        assert len(spans) == 1 and spans[0].content == visible(text), (text, markdown_code(text), inline)
        assert not html, (text, rendered)
        # The only elements are the span and the context's own list.
        assert rendered.count("<") == rendered.count("<code>") * 2 + rendered.count("<li>") * 2 + rendered.count("<ul>") * 2 + rendered.count("<p>") * 2, rendered


def test_a_span_of_spaces_keeps_every_space():
    for text in (" ", "   "):
        inline, _, _ = code_spans(markdown_code(text))
        assert [t.content for t in inline if t.type == "code_inline"] == [text]


def test_report_md_signatures_stay_one_code_span_each(tmp_path):
    """A checkpoint name with a backtick and HTML in it, in a real report.md."""
    import mt_eval
    from mt_eval.reports.files import render_markdown

    run = mt_eval.score(source=["مرحبا"], references=[["hello there"]], systems={"mine": ["hello"]}, metrics=["bleu", "chrf"]).run
    hostile = "model:ck`<img src=x onerror=alert(1)>`pt|``x\n\n<script>alert(2)</script>"
    for system in run.systems:
        system.scores["chrf"].signature = hostile
    markdown = render_markdown(run)
    signatures = markdown.split("**Signatures**", 1)[1]
    inline, html, _ = code_spans(signatures)
    spans = [t.content for t in inline if t.type == "code_inline"]
    assert spans == [run.systems[0].scores["bleu"].signature, visible(hostile)] and not html
