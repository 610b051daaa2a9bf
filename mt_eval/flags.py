"""Sanity checks on a system's output that metrics alone do not reveal.

Each check returns 1-based line numbers of the original files, so a user can
open the file at the offending line.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence


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


@functools.lru_cache(maxsize=65536)
def _script(char: str) -> Optional[str]:
    """The Unicode script of a letter: the first word of its character name."""
    name = unicodedata.name(char, "")
    return name.split()[0] if name else None


def dominant_script(text: str) -> Optional[str]:
    """The script of most letters in ``text``."""
    scripts = Counter(_script(char) for char in text if char.isalpha())
    scripts.pop(None, None)
    return scripts.most_common(1)[0][0] if scripts else None


def check_system(
    hypotheses: Sequence[str],
    sources: Sequence[str],
    references: Sequence[Sequence[str]],
    line_numbers: Sequence[int],
    length_ratio: float,
) -> SystemFlags:
    flags = SystemFlags()
    source_script = dominant_script(" ".join(sources))
    reference_script = dominant_script(" ".join(references[0])) if references else None
    # Output in the source's script is only suspicious when the references use another.
    watch_script = source_script if source_script != reference_script else None
    outputs: Dict[str, List[int]] = defaultdict(list)
    for index, hypothesis in enumerate(hypotheses):
        line = line_numbers[index]
        text = hypothesis.strip()
        if not text:
            flags.empty.append(line)
            continue
        if text == sources[index].strip():
            flags.identical_to_source.append(line)
        elif watch_script and dominant_script(text) == watch_script:
            flags.untranslated.append(line)
        reference_lengths = [len(refs[index]) for refs in references if refs[index].strip()]
        if reference_lengths:
            ratio = len(text) / (sum(reference_lengths) / len(reference_lengths))
            if ratio > length_ratio or ratio < 1 / length_ratio:
                flags.length_ratio_outliers.append(line)
        outputs[text].append(index)
    for indexes in outputs.values():
        if len(indexes) > 1 and len({sources[i].strip() for i in indexes}) > 1:
            flags.duplicated.append([line_numbers[i] for i in indexes])
    return flags
