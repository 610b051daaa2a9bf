"""Safe, recorded normalisation of segments.

Only changes that cannot alter what a reader sees are made: a Unicode normal
form (NFC by default) and the removal of invisible format characters
(zero-width and bidirectional marks). Every change is counted so reports can
say what was done; the settings join the test set's signature.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, List, Literal, Tuple, cast

from .errors import ConfigError

# Zero-width and bidirectional format characters. Two of them in an otherwise
# perfect hypothesis drop sacrebleu's BLEU from 100 to 69, and nobody can see them.
FORMAT_CHARACTERS = {
    "\u200b": "ZWSP",
    "\u200c": "ZWNJ",
    "\u200d": "ZWJ",
    "\u200e": "LRM",
    "\u200f": "RLM",
    "\u061c": "ALM",
    "\u2060": "WJ",
    "\ufeff": "ZWNBSP/BOM",
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
}
_FORMAT_PATTERN = re.compile("[" + "".join(FORMAT_CHARACTERS) + "]")
UNICODE_FORMS = ("NFC", "NFKC", "NFD", "NFKD", "none")
_NormalForm = Literal["NFC", "NFD", "NFKC", "NFKD"]  # what unicodedata.normalize takes


@dataclass
class NormalizationCounts:
    """What normalisation changed in one input."""

    format_characters_removed: int = 0
    segments_renormalized: int = 0  # segments the Unicode normal form changed
    by_character: Dict[str, int] = field(default_factory=dict)


def check_unicode_form(form: str) -> str:
    for known in UNICODE_FORMS:
        if form.lower() == known.lower():
            return known
    raise ConfigError(f"testset.normalize.unicode={form!r} is not a Unicode normal form. Use one of: {', '.join(UNICODE_FORMS)}.")


def normalize_segments(lines: List[str], unicode_form: str, strip_format_chars: bool) -> Tuple[List[str], NormalizationCounts]:
    """Normalise every segment; return the new segments and what changed."""
    counts = NormalizationCounts()
    output = []
    form = cast(_NormalForm, unicode_form)  # a form check_unicode_form accepted; "none" is never passed on
    for line in lines:
        if strip_format_chars:
            found = _FORMAT_PATTERN.findall(line)
            if found:
                for char in found:
                    label = FORMAT_CHARACTERS[char]
                    counts.by_character[label] = counts.by_character.get(label, 0) + 1
                counts.format_characters_removed += len(found)
                line = _FORMAT_PATTERN.sub("", line)
        if unicode_form != "none":
            normalized = unicodedata.normalize(form, line)
            if normalized != line:
                counts.segments_renormalized += 1
                line = normalized
        output.append(line.rstrip())
    return output, counts


def describe(unicode_form: str, strip_format_chars: bool) -> str:
    """The normalisation part of every signature, e.g. ``unicode:nfc|fmt:strip``
    (not ``norm:``, which sacrebleu's TER signature already uses)."""
    return f"unicode:{unicode_form.lower()}|fmt:{'strip' if strip_format_chars else 'keep'}"
