"""Large synthetic test sets with no repeated sentence, for benchmarks only
(never for quality claims).

How the data is made:

- English references: a word-trigram Markov chain trained on real English
  prose shipped with Python itself (the ~470 KB of reference documentation
  in ``pydoc_data.topics``) and the bundled test set's English. Sentences of
  8-40 words are drawn until the wanted number of *distinct* ones is
  reached, so no sentence repeats anywhere (repetition would flatter any
  cache or dedup). Their n-gram statistics are those of real prose.
- Arabic sources: a word-bigram chain on the bundled Arabic source and the
  Arabic seed reports beside the checkout (shared/seeds), where present.
- Systems: each reference perturbed as an MT system errs (words dropped,
  repeated, swapped with a neighbour, replaced by another word of the
  vocabulary) at a per-system rate, re-drawn until distinct.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "references" / "al-mayadeen-2021-07-25"


def _english_text() -> str:
    import pydoc_data.topics as topics

    return " ".join(topics.topics.values()) + " " + (BUNDLED / "reference.en").read_text(encoding="utf-8")


def _chain(text: str, order: int) -> Dict[tuple, List[str]]:
    words = re.sub(r"\s+", " ", text).strip().split(" ")
    chain: Dict[tuple, List[str]] = defaultdict(list)
    for i in range(len(words) - order):
        chain[tuple(words[i : i + order])].append(words[i + order])
    return chain


def _arabic_text() -> str:
    """The bundled source and, where the checkout has them, the Arabic seed
    reports beside it (shared/seeds): a bigram chain needs some variety."""
    texts = [(BUNDLED / "source.ar").read_text(encoding="utf-8")]
    seeds = ROOT.parent / "shared" / "seeds"
    if seeds.is_dir():
        texts += [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))]
    return " ".join(" ".join(re.findall(r"[\u0600-\u06ff]+[.،,؟!]?", t)) for t in texts)


def _sentences(text: str, count: int, seed: int, order: int = 2, any_start: bool = False) -> List[str]:
    chain = _chain(text, order)
    starts = [key for key in chain if any_start or key[0][:1].isupper()]
    rng = random.Random(seed)
    seen = set()
    out: List[str] = []
    while len(out) < count:
        key = rng.choice(starts)
        words = list(key)
        length = rng.randint(8, 40)
        while len(words) < length:
            followers = chain.get(tuple(words[-order:]))
            if not followers:
                break
            words.append(rng.choice(followers))
        sentence = " ".join(words)
        if len(words) >= 8 and sentence not in seen:
            seen.add(sentence)
            out.append(sentence)
    return out


def perturb(sentence: str, rng: random.Random, rate: float, vocabulary: List[str]) -> str:
    """Drop, repeat, replace or swap words at ``rate``."""
    out = []
    for word in sentence.split():
        roll = rng.random()
        if roll < rate / 4:
            continue
        if roll < rate / 2:
            out.append(rng.choice(vocabulary))
            continue
        out.append(word)
        if roll > 1 - rate / 4:
            out.append(word)
    for _ in range(int(len(out) * rate / 4)):
        i = rng.randrange(max(1, len(out) - 1))
        out[i : i + 2] = out[i : i + 2][::-1]
    return " ".join(out) or sentence.split()[0]


def make_testset(folder: Path, segments: int, systems: int, seed: int = 1) -> Dict[str, object]:
    """Write source.ar, reference.en and sys{k}.en with ``segments`` distinct lines each."""
    folder.mkdir(parents=True, exist_ok=True)
    source_path, reference_path = folder / "source.ar", folder / "reference.en"
    paths = {f"sys{k + 1}": folder / f"sys{k + 1}.en" for k in range(systems)}
    if all(p.exists() for p in (source_path, reference_path, *paths.values())) and \
            sum(1 for _ in reference_path.open(encoding="utf-8")) == segments:
        return {"source": source_path, "reference": reference_path, "systems": paths}
    references = _sentences(_english_text(), segments, seed)
    sources = _sentences(_arabic_text(), segments, seed + 1, order=1, any_start=True)
    vocabulary = sorted({w for line in references[:5000] for w in line.split()})
    source_path.write_text("\n".join(sources) + "\n", encoding="utf-8")
    reference_path.write_text("\n".join(references) + "\n", encoding="utf-8")
    rng = random.Random(seed + 2)
    for k, path in enumerate(paths.values()):
        rate = 0.15 + 0.1 * k
        seen = set()
        lines = []
        for reference in references:
            line = perturb(reference, rng, rate, vocabulary)
            while line in seen:
                line = perturb(reference, rng, rate, vocabulary)
            seen.add(line)
            lines.append(line)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"source": source_path, "reference": reference_path, "systems": paths}
