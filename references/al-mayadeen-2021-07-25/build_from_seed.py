"""Rebuild source.ar and reference.en from the seed document.

The seed holds the al-Mayadeen article twice: its English version, then the
Arabic original, each as paragraphs separated by blank lines. This script is
the record of how the segments were cut; it is not run by the tool.

    python references/al-mayadeen-2021-07-25/build_from_seed.py ../shared/seeds/000_560e4bfc249f71d2.txt
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

ARABIC = re.compile(r"[\u0600-\u06FF]")
HERE = Path(__file__).resolve().parent


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs, with runs of white space (the byline's no-break
    spaces are layout, not content) folded to one space."""
    blocks = [re.sub(r"\s+", " ", block).strip() for block in text.split("\n\n")]
    return [unicodedata.normalize("NFC", block) for block in blocks if block]


def main(seed: Path) -> None:
    english, arabic = [], []
    for block in paragraphs(seed.read_text(encoding="utf-8")):
        # A paragraph belongs to the Arabic half when its first letter is Arabic.
        first_letter = next(ch for ch in block if ch.isalpha())
        (arabic if ARABIC.match(first_letter) else english).append(block)
    # The English title has the Arabic URL slug glued to its end: cut it off.
    english[0] = ARABIC.split(english[0], maxsplit=1)[0].strip()
    assert len(english) == len(arabic) == 14, (len(english), len(arabic))
    (HERE / "reference.en").write_text("\n".join(english) + "\n", encoding="utf-8")
    (HERE / "source.ar").write_text("\n".join(arabic) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
