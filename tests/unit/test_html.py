"""reports/html.py and its page script: the script lives in
mt_eval/reports/templates/report.js (so it can be read and linted as
JavaScript: bash .ci/lint-js) and is inlined into report.html when the
report is rendered, so the page stays one file. (The page in a browser:
tests/test_html.py and tests/test_html_reader.py.)"""

from __future__ import annotations

import re
import shutil
import subprocess
from importlib import resources

import pytest

import mt_eval

SOURCE = ["ذهب الولد إلى المدرسة.", "الطقس جميل اليوم.", "قرأت الكتاب أمس."]
REFERENCE = ["The boy went to school.", "The weather is nice today.", "I read the book yesterday."]
SYSTEM_A = ["The boy went to the school.", "Weather is nice today.", "I read the book yesterday."]
SYSTEM_B = ["The child went to school.", "The weather is good today.", "Yesterday I read a book."]


def page_script_source() -> str:
    # Read through the package, as the renderer's PackageLoader does.
    return (resources.files("mt_eval.reports") / "templates" / "report.js").read_text(encoding="utf-8")


def test_the_page_script_is_inlined_whole_and_cannot_end_its_script_element_early(tmp_path):
    script = page_script_source()
    # In an inline <script>, "</script" ends the element wherever it is (in a
    # string, a comment, a regex), and "<!--" can change how the rest is parsed.
    assert "</script" not in script.lower() and "<!--" not in script
    result = mt_eval.score(source=SOURCE, references=[REFERENCE], systems={"a": SYSTEM_A, "b": SYSTEM_B},
                           metrics=["bleu", "chrf"])
    result.save(tmp_path, formats=["html"])
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    # One inline script besides the JSON data block, and it is report.js,
    # character for character (no escaping, no Jinja substitutions).
    inline = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(inline) == 1
    assert inline[0].strip("\n") == script.strip("\n")
    assert html.count('<script type="application/json" id="page-data">') == 1
    assert not re.search(r"<script[^>]*\ssrc\s*=", html)  # nothing fetched


def test_the_page_script_is_valid_javascript(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH: cannot run `node --check` on report.js")
    # A copy in a folder of its own: the packaged file need not be a plain file
    # (a zipped install), and no package.json nearby can make node read it as a module.
    copy = tmp_path / "report.js"
    copy.write_text(page_script_source(), encoding="utf-8")
    checked = subprocess.run([node, "--check", str(copy)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
