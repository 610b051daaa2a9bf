"""The documentation holds together: the README stays short and keeps the
commands CI runs, every link and image points at something that exists,
every docs page is reachable from the README and starts with an intro, and
every mt-eval command line in the docs is quoted for the shell and reads as
Hydra overrides."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

from conftest import ROOT

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, ROOT / "CHANGELOG.md", ROOT / "reports" / "README.md", *DOCS]

SET_UP_COMMANDS = (
    'pip install torch==2.13.0 -e ".[comet,test]" && mt-eval',
    "python3 -m pytest -q",
)

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def prose_lines(text: str) -> Iterator[str]:
    """The lines outside fenced code blocks."""
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield line


def code_blocks(text: str) -> Iterator[Tuple[str, List[str]]]:
    """(language, lines) of every fenced code block."""
    language, lines = None, []
    for line in text.splitlines():
        match = FENCE.match(line)
        if match and language is None:
            language, lines = line.strip()[3:].strip(), []
        elif match:
            yield language, lines
            language = None
        elif language is not None:
            lines.append(line)


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: the text as rendered (no code ticks,
    link targets or emphasis marks), lowercased, punctuation other than
    hyphens and spaces dropped, spaces turned into hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> Set[str]:
    """Every heading's anchor on a page; a repeated slug gets -1, -2, … as on GitHub."""
    seen: Dict[str, int] = {}
    found = set()
    for line in prose_lines(page.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        slug = github_slug(match.group(2))
        if slug in seen:
            seen[slug] += 1
            slug = f"{slug}-{seen[slug]}"
        else:
            seen[slug] = 0
        found.add(slug)
    return found


def links(page: Path) -> Iterator[str]:
    for line in prose_lines(page.read_text(encoding="utf-8")):
        yield from LINK.findall(INLINE_CODE.sub("", line))


def test_github_slugs_follow_githubs_rules():
    assert github_slug("Continuous integration of mt-eval itself") == "continuous-integration-of-mt-eval-itself"
    assert github_slug("segments.parquet (and segments.jsonl)") == "segmentsparquet-and-segmentsjsonl"
    assert github_slug("The contract: the gate never passes what it did not check") == "the-contract-the-gate-never-passes-what-it-did-not-check"
    assert github_slug("`report.json` fields") == "reportjson-fields"


def test_the_readme_is_at_most_15_kb():
    assert README.stat().st_size <= 15_000, f"README.md is {README.stat().st_size} bytes; move reference material to docs/"


def test_the_readme_keeps_the_two_set_up_commands():
    text = README.read_text(encoding="utf-8")
    assert "\n## Set up\n" in text
    section = text.split("\n## Set up\n", 1)[1].split("\n## ", 1)[0]
    blocks = [lines for language, lines in code_blocks(section) if language == "bash"]
    assert blocks, "the Set up section has no bash block"
    commands = [line.split("#", 1)[0].strip() for line in blocks[0]]
    assert list(SET_UP_COMMANDS) == [command for command in commands if command]


def test_the_readme_library_section_opens_with_a_python_example():
    text = README.read_text(encoding="utf-8")
    assert text.count("## Library") == 1
    section = text.split("## Library", 1)[1].split("\n## ", 1)[0]
    languages = [language for language, _ in code_blocks(section)]
    assert languages and languages[0] == "python"


def test_every_relative_link_in_the_readme_and_docs_points_to_an_existing_file():
    broken = []
    for page in PAGES:
        for target in links(page):
            if re.match(r"^(https?:|mailto:)", target):
                continue
            path_part, _, anchor = target.partition("#")
            destination = (page.parent / path_part).resolve() if path_part else page
            where = f"{page.relative_to(ROOT)}: {target}"
            if not destination.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
                broken.append(f"{where} (no heading with that anchor in {destination.relative_to(ROOT)})")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_every_image_in_docs_is_shown_or_linked_somewhere():
    referenced = {(page.parent / target.partition("#")[0]).resolve() for page in PAGES for target in links(page)}
    unused = [image.name for image in sorted((ROOT / "docs").glob("*.png")) if image.resolve() not in referenced]
    assert not unused, f"images no page shows: {unused}"


def test_the_readme_links_every_docs_page_and_the_changelog():
    targets = {(ROOT / target.partition("#")[0]).resolve() for target in links(README)}
    missing = [page.relative_to(ROOT).as_posix() for page in [*DOCS, ROOT / "CHANGELOG.md"] if page.resolve() not in targets]
    assert not missing, f"pages the README does not link: {missing}"


@pytest.mark.parametrize("page", DOCS, ids=lambda page: page.name)
def test_every_docs_page_starts_with_a_title_and_a_short_intro(page):
    lines = list(prose_lines(page.read_text(encoding="utf-8")))
    assert lines[0].startswith("# "), f"{page.name} does not start with a title"
    intro = []
    for line in lines[1:]:
        if line.startswith("#"):
            break
        intro.append(line)
    words = " ".join(intro).split()
    assert len(words) >= 10, f"{page.name} has no intro before its first section"


def test_the_ci_page_describes_the_ci_of_mt_eval_itself():
    page = ROOT / "docs" / "ci.md"
    assert "continuous-integration-of-mt-eval-itself" in anchors(page)
    section = page.read_text(encoding="utf-8").split("## Continuous integration of mt-eval itself", 1)[1]
    for name in ("bash .ci/run", "bash .ci/refresh-constraints", ".ci/constraints-core.txt", ".ci/constraints-full.txt"):
        assert name in section


def command_lines(page: Path) -> Iterator[str]:
    """mt-eval command lines: in bash and console blocks (continuation
    lines joined, a trailing comment dropped), and in inline code, where
    a quoted override on its own counts as one."""
    text = page.read_text(encoding="utf-8")
    for language, lines in code_blocks(text):
        if language not in ("bash", "console", "sh", "shell"):
            continue
        joined, pending = [], ""
        for line in lines:
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            joined.append(pending + line)
            pending = ""
        for line in joined:
            line = re.sub(r"^\s*\$\s+", "", line).strip()
            if line.startswith("mt-eval"):
                yield re.sub(r"\s+#\s.*$", "", line)
    for line in prose_lines(text):
        for _, code in INLINE_CODE.findall(line):
            if code.startswith("mt-eval "):
                yield code
            elif code.startswith("'") and "=" in code:  # overrides quoted as they are typed
                yield f"mt-eval {code}"


def overrides_of(command: str) -> List[str]:
    return [word for word in shlex.split(command)[1:] if "=" in word and not word.startswith("-")]


def test_every_mt_eval_command_in_the_readme_and_docs_is_quoted_for_the_shell():
    """Brackets and braces only inside single quotes: unquoted, bash expands
    {a,b} into two words and may glob [..]."""
    unquoted = []
    for page in PAGES:
        for command in command_lines(page):
            outside = re.sub(r"'[^']*'", "", command)
            if re.search(r"[\[\]{}]", outside):
                unquoted.append(f"{page.relative_to(ROOT)}: {command}")
    assert not unquoted, "quote these overrides in single quotes:\n" + "\n".join(unquoted)


def test_every_override_in_the_readme_and_docs_reads_as_a_hydra_override():
    """What the shell hands over is what Hydra parses: a value with '#' or
    '=' needs Hydra's own quotes inside the shell's."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    refused = []
    for page in PAGES:
        for command in command_lines(page):
            for override in overrides_of(command):
                try:
                    parser.parse_overrides([override])
                except Exception as error:  # noqa: BLE001  (Hydra's parser raises its own types)
                    refused.append(f"{page.relative_to(ROOT)}: {override} ({type(error).__name__})")
    assert not refused, "Hydra refuses these overrides:\n" + "\n".join(refused)
