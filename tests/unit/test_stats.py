"""stats.py's pure functions, called directly: corrections, rank groups,
and resampling in chunks that draws exactly what resampling whole does.
(Intervals and p-values against sacrebleu's: tests/test_statistics.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from mt_eval import stats as st


def test_corrections_follow_their_definitions():
    p = [0.01, 0.04, 0.03, 0.20]
    assert st.adjust_p_values(p, "none") == p
    assert st.adjust_p_values(p, "bonferroni") == pytest.approx([0.04, 0.16, 0.12, 0.80])
    # Holm: sorted 0.01, 0.03, 0.04, 0.20 × 4, 3, 2, 1 = 0.04, 0.09, 0.08→0.09 (monotone), 0.20
    assert st.adjust_p_values(p, "holm") == pytest.approx([0.04, 0.09, 0.09, 0.20])
    assert st.adjust_p_values([0.5, 0.6], "bonferroni") == [1.0, 1.0]


def test_rank_groups_join_the_head_of_a_group_unless_significantly_worse():
    scores = {"a": 30.0, "b": 29.5, "c": 25.0, "d": 24.9}
    different = {frozenset(p) for p in (("a", "c"), ("a", "d"), ("b", "d"))}
    groups = st.rank_groups(scores, lambda x, y: frozenset((x, y)) in different, higher_is_better=True)
    assert groups == {"a": 1, "b": 1, "c": 2, "d": 2}
    lower = st.rank_groups({"x": 40.0, "y": 60.0}, lambda x, y: True, higher_is_better=False)
    assert lower == {"x": 1, "y": 2}


# ---------------------------------------------------------------- bounded resampling

def test_chunked_draws_are_exactly_the_whole_draws():
    for segments in (7, 14, 1001):
        whole = st.resample_weights(st.bootstrap_indices(segments, 250, 12345), segments)
        chunks = np.concatenate(list(st.bootstrap_weight_chunks(segments, 250, 12345, chunk_rows=17)))
        assert np.array_equal(whole, chunks)
        mask = st.randomization_mask(segments, 250, 12345)
        mask_chunks = np.concatenate(list(st.randomization_mask_chunks(segments, 250, 12345, chunk_rows=64)))
        assert np.array_equal(mask, mask_chunks)


def test_chunked_randomization_gives_the_same_p_value():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 20, size=(300, 3)).astype(np.float64), rng.integers(0, 20, size=(300, 3)).astype(np.float64)

    def score(row):
        return float(row[0] / max(row[1], 1))

    delta = score(a.sum(0)) - score(b.sum(0))
    whole = st.paired_randomization_p(a, b, st.randomization_mask(300, 500, 3), score, delta)
    chunked = st.paired_randomization_p(a, b, st.randomization_mask_chunks(300, 500, 3, chunk_rows=32), score, delta)
    assert whole == chunked


# ---------------------------------------------------------------- every score within its own interval

WORDS = "the a cat sat on mat dog ran fast slow big small red blue , . ! ? 's don't".split()
LEXICAL = ["bleu", "chrf", "ter"]
VARIANTS = [  # each lexical metric with its defaults, and with options that change how it computes
    [], ["bleu.smooth_method=floor", "bleu.max_ngram_order=2", "chrf.word_order=2", "chrf.beta=1", "ter.normalized=true", "ter.case_sensitive=true"],
]


def _text(rng) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))


@pytest.mark.parametrize("method", ["bootstrap", "ar", "none"])
def test_every_corpus_score_lies_within_its_own_interval(method):
    """Random test sets of 1 to 5 segments, every lexical metric: the corpus
    score is never outside its bootstrap interval. (In float32, every chrF
    score of a 1-segment set lay ~1e-7 outside: its only resample, the set
    itself, scored in float32 and the corpus in float64.)"""
    import random

    import mt_eval

    rng = random.Random({"bootstrap": 1, "ar": 2, "none": 3}[method])
    checked = 0
    for case in range(12):
        segments = case % 5 + 1
        reference = [_text(rng) for _ in range(segments)]
        systems = {f"s{k}": [_text(rng) if rng.random() < 0.6 else ref for ref in reference] for k in range(rng.randint(1, 3))}
        for options in VARIANTS:
            run = mt_eval.score(source=[f"مصدر {i}" for i in range(segments)], references=[reference], systems=systems,
                                metrics=LEXICAL, overrides=[f"stats.method={method}", "stats.trials=200", "report.formats=[json]", *options]).run
            for system in run.systems:
                for name in LEXICAL:
                    result = system.scores[name]
                    assert result.ci[0] <= result.score <= result.ci[1], (name, options, segments, system.name, result.score, result.ci)
                    checked += 1
    assert checked >= 12 * len(VARIANTS) * len(LEXICAL)


def test_a_resample_of_every_segment_once_scores_the_corpus_exactly():
    """The weighted sum is exact in float64, so the metric's function sees
    the very statistics the corpus score was computed from."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    rng = np.random.default_rng(4)
    for metric in (BLEU(), CHRF(), CHRF(word_order=2), TER()):
        hyps = [" ".join(rng.choice(WORDS, size=rng.integers(1, 15))) for _ in range(5)]
        refs = [" ".join(rng.choice(WORDS, size=rng.integers(1, 15))) for _ in range(5)]
        stats = np.asarray(metric._extract_corpus_statistics(hyps, [refs]), dtype=np.float64)
        corpus = metric._compute_score_from_stats(stats.sum(axis=0).tolist()).score
        ones = st.resampled_scores(stats, np.ones((3, len(hyps))), lambda row, metric=metric: metric._compute_score_from_stats(row).score)
        assert ones.dtype == np.float64 and list(ones) == [corpus] * 3
