"""Synthetic test sets with the bundled text's vocabulary and length profile,
for benchmarks only (never for quality claims)."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Dict, List

BUNDLED = Path(__file__).resolve().parents[1] / "references" / "al-mayadeen-2021-07-25"


def _sentences(path: Path) -> List[str]:
    text = path.read_text(encoding="utf-8")
    return [s.strip() for s in re.split(r"(?<=[.!?”])\s+|\n", text) if len(s.split()) > 3]


def perturb(sentence: str, rng: random.Random, rate: float) -> str:
    """Drop, repeat or swap words at ``rate``: a system of some quality."""
    words = sentence.split()
    out = []
    for word in words:
        roll = rng.random()
        if roll < rate / 3:
            continue
        out.append(word)
        if roll > 1 - rate / 3:
            out.append(word)
    for _ in range(int(len(out) * rate / 3)):  # local reorderings, as MT makes them
        i = rng.randrange(max(1, len(out) - 1))
        out[i : i + 2] = out[i : i + 2][::-1]
    return " ".join(out) or words[0]


def make_testset(folder: Path, segments: int, systems: int, seed: int = 1) -> Dict[str, object]:
    """Write source.ar, reference.en and sys{k}.en with ``segments`` lines."""
    rng = random.Random(seed)
    english = _sentences(BUNDLED / "reference.en") + _sentences(BUNDLED / "systems" / "draft.en")
    arabic = _sentences(BUNDLED / "source.ar")
    folder.mkdir(parents=True, exist_ok=True)
    refs = [" ".join(rng.sample(english, rng.choice((1, 1, 2)))) for _ in range(segments)]
    src = [rng.choice(arabic) for _ in range(segments)]
    (folder / "source.ar").write_text("\n".join(src) + "\n", encoding="utf-8")
    (folder / "reference.en").write_text("\n".join(refs) + "\n", encoding="utf-8")
    paths = {}
    for k in range(systems):
        rate = 0.1 + 0.1 * k
        lines = [perturb(ref, rng, rate) for ref in refs]
        path = folder / f"sys{k + 1}.en"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths[f"sys{k + 1}"] = path
    return {"source": folder / "source.ar", "reference": folder / "reference.en", "systems": paths}
