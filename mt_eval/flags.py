"""Sanity checks on a system's output that metrics alone do not reveal.

Each check returns 1-based line numbers of the original files, so a user can
open the file at the offending line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np


@dataclass
class SystemFlags:
    empty: List[int] = field(default_factory=list)
    identical_to_source: List[int] = field(default_factory=list)
    untranslated: List[int] = field(default_factory=list)  # still in the source's script
    length_ratio_outliers: List[int] = field(default_factory=list)
    duplicated: List[List[int]] = field(default_factory=list)  # same output for different sources

    def count(self) -> int:
        return (len(self.empty) + len(self.identical_to_source) + len(self.untranslated)
                + len(self.length_ratio_outliers) + sum(len(group) for group in self.duplicated))


def flagged_lines(kind: str, found: Sequence) -> List[int]:
    """The line numbers one kind of flag names (``duplicated`` holds groups
    of lines; every other kind, the lines themselves)."""
    return [line for group in found for line in group] if kind == "duplicated" else list(found)


# Letters of the scripts MT test sets are written in, as compiled character
# classes: counting a script is one regex pass in C, not a Python loop per
# character. Letters of scripts not listed count as OTHER.
SCRIPTS: Dict[str, "re.Pattern[str]"] = {
    name: re.compile(f"[{ranges}]")
    for name, ranges in {
        "LATIN": "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",
        "ARABIC": "\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc",
        "HEBREW": "\u05d0-\u05ea\u05ef-\u05f2\ufb1d-\ufb4f",
        "CYRILLIC": "\u0400-\u0481\u048a-\u052f",
        "GREEK": "\u0370-\u03ff\u1f00-\u1fff",
        "DEVANAGARI": "\u0904-\u0939\u0958-\u0961",
        "CJK": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
        "HIRAGANA": "\u3041-\u3096",
        "KATAKANA": "\u30a1-\u30fa",
        "HANGUL": "\uac00-\ud7a3\u1100-\u11ff",
        "THAI": "\u0e01-\u0e30\u0e32-\u0e33\u0e40-\u0e46",
    }.items()
}
_LETTER = re.compile(r"[^\W\d_]")


def _count(pattern: "re.Pattern[str]", text: str) -> int:
    return len(text) - len(pattern.sub("", text))


# Enough text to tell a corpus's script: longer texts are sampled evenly.
SCRIPT_SAMPLE_CHARS = 200_000


def _sample(texts: Sequence[str]) -> str:
    """An even sample of segments, about SCRIPT_SAMPLE_CHARS long."""
    total = sum(len(t) for t in texts)
    if total <= SCRIPT_SAMPLE_CHARS:
        return " ".join(texts)
    step = max(1, int(total / SCRIPT_SAMPLE_CHARS))
    return " ".join(texts[::step])


def dominant_script(text: str) -> Optional[str]:
    """The script of most letters in ``text`` (OTHER for letters of scripts
    not in SCRIPTS), or None when it has no letters."""
    letters = _count(_LETTER, text)
    if not letters:
        return None
    counts = {name: _count(pattern, text) for name, pattern in SCRIPTS.items()}
    counts["OTHER"] = letters - sum(counts.values())
    return max(counts, key=lambda name: counts[name])


def _mostly_in(text: str, script: str) -> bool:
    """Is ``script`` the dominant script of ``text``? A majority settles it
    in two regex passes; only a plurality needs every script counted."""
    found = _count(SCRIPTS[script], text) if script in SCRIPTS else 0
    if not found:
        return dominant_script(text) == script if script not in SCRIPTS else False
    letters = _count(_LETTER, text)
    return 2 * found > letters or dominant_script(text) == script


def check_system(
    hypotheses: Sequence[str],
    sources: Sequence[str],
    references: Sequence[Sequence[str]],
    line_numbers: Sequence[int],
    length_ratio: float,
) -> SystemFlags:
    """Every flag, in time linear in the text: regex passes for scripts,
    a hash table for duplicates, NumPy for length ratios."""
    flags = SystemFlags()
    source_script = dominant_script(_sample(sources))
    reference_script = dominant_script(_sample(references[0])) if references else None
    # Output in the source's script is only suspicious when the references use another.
    watch_script = source_script if source_script != reference_script else None
    stripped = [h.strip() for h in hypotheses]
    outputs: Dict[str, List[int]] = defaultdict(list)
    for index, text in enumerate(stripped):
        line = line_numbers[index]
        if not text:
            flags.empty.append(line)
            continue
        if text == sources[index].strip():
            flags.identical_to_source.append(line)
        elif watch_script and _mostly_in(text, watch_script):
            flags.untranslated.append(line)
        outputs[text].append(index)
    if references:
        hyp_lengths = np.fromiter((len(t) for t in stripped), dtype=np.float64, count=len(stripped))
        ref_lengths = np.array([[len(r) if r.strip() else np.nan for r in refs] for refs in references], dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            counted = (~np.isnan(ref_lengths)).sum(axis=0)
            mean_ref = np.where(counted > 0, np.nansum(ref_lengths, axis=0) / np.maximum(counted, 1), np.nan)
            ratio = hyp_lengths / mean_ref
        outlier = (hyp_lengths > 0) & ~np.isnan(ratio) & ((ratio > length_ratio) | (ratio < 1 / length_ratio))
        flags.length_ratio_outliers = [line_numbers[i] for i in np.flatnonzero(outlier)]
    for indexes in outputs.values():
        if len(indexes) > 1 and len({sources[i].strip() for i in indexes}) > 1:
            flags.duplicated.append([line_numbers[i] for i in indexes])
    return flags
