"""significance_floor.py: a significance level is accepted exactly when the
resampling test can produce a p-value below it, for the gate's
non-inferiority test and the run's paired tests alike (checked against
stats.py's own p-value functions, over a grid of levels and counts)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from mt_eval import stats as st
from mt_eval.errors import ConfigError
from mt_eval.gate import check_settings
from mt_eval.significance_floor import MIN_RESAMPLES, MIN_TRIALS, check_stats_settings, draws_needed, smallest_p_value

ALPHAS = [0.5, 0.2, 0.1, 1 / 11, 0.0909, 0.09, 0.05, 0.02, 0.01, 0.005, 0.001, 1 / 1001, 0.000999, 0.0005, 0.0001, 1e-5]
DRAWS = [10, 11, 12, 19, 20, 21, 99, 100, 999, 1000, 1001, 1999, 2000, 9999, 10000]


def gate(alpha: float, resamples: int, method: str = "none"):
    settings = SimpleNamespace(max_drop={}, min={}, default_max_drop=0.0, require_significance=True, alpha=alpha)
    return settings, SimpleNamespace(method=method, resamples=resamples, trials=10000, alpha=0.5, seed=1)


def accepted(alpha: float, resamples: int) -> bool:
    try:
        check_settings(*gate(alpha, resamples))
    except ConfigError:
        return False
    return True


def smallest_p_on_any_data(draws: int) -> float:
    """The smallest p-value stats.py returns on ``draws`` resamples, found on
    data built to give it (every resample a clear drop), and checked as a
    floor on random data."""
    drops = np.full(draws, 5.0)
    best = st.non_inferiority_p(np.full(draws, 50.0), np.full(draws, 50.0) - drops, margin=0.0, higher_is_better=True)
    rng = np.random.default_rng(draws)
    for _ in range(20):
        base, cur = rng.normal(50, 3, draws), rng.normal(49, 3, draws)
        assert st.non_inferiority_p(base, cur, rng.uniform(0, 2), True) >= best
    return best


@pytest.mark.parametrize("resamples", DRAWS)
def test_the_gate_accepts_exactly_the_levels_its_test_can_reach(resamples):
    floor = smallest_p_on_any_data(resamples)
    assert floor == smallest_p_value(resamples)
    for alpha in ALPHAS:
        reachable = floor < alpha  # a regression counts when p < alpha
        assert accepted(alpha, resamples) == reachable, (alpha, resamples)


@pytest.mark.parametrize("alpha", ALPHAS)
def test_a_refusal_names_the_smallest_p_and_enough_resamples(alpha):
    needed = draws_needed(alpha)
    assert smallest_p_value(needed) < alpha <= smallest_p_value(needed - 1) or needed == 1
    refused = [r for r in DRAWS if not accepted(alpha, r)]
    for resamples in refused:
        with pytest.raises(ConfigError) as caught:
            check_settings(*gate(alpha, resamples))
        message = str(caught.value)
        assert f"1/({resamples}+1)" in message and f"stats.resamples={max(needed, MIN_RESAMPLES)}" in message
        assert accepted(alpha, max(needed, MIN_RESAMPLES))


@pytest.mark.parametrize("method", ["bootstrap", "ar"])
def test_the_runs_own_tests_get_the_same_rule(method):
    rng = np.random.default_rng(3)
    for draws in DRAWS:
        # each test's floor, on data built to reach it: a difference no resample or swap exceeds
        if method == "bootstrap":
            floor = st.paired_bootstrap_p(rng.normal(0, 0.01, draws), rng.normal(0, 0.01, draws) + 1.0, 1.0)
        else:
            masks = st.randomization_mask(2, draws, seed=draws)
            floor = st.paired_randomization_p(np.ones((2, 1)), np.zeros((2, 1)), masks, lambda row: float(row[0]), 2.0)
        assert floor == smallest_p_value(draws)
        for alpha in ALPHAS:
            settings = SimpleNamespace(method=method, resamples=draws, trials=draws, alpha=alpha)
            try:
                check_stats_settings(settings)
                ok = True
            except ConfigError as error:
                ok = False
                assert ("stats.resamples" if method == "bootstrap" else "stats.trials") in str(error)
            assert ok == (floor < alpha), (method, draws, alpha)


def test_resamples_and_trials_have_a_minimum():
    for key, settings in (("stats.resamples", SimpleNamespace(method="bootstrap", resamples=MIN_RESAMPLES - 1, trials=100, alpha=0.5)),
                          ("stats.trials", SimpleNamespace(method="ar", resamples=100, trials=MIN_TRIALS - 1, alpha=0.5)),
                          ("stats.resamples", SimpleNamespace(method="none", resamples=0, trials=100, alpha=0.5))):
        with pytest.raises(ConfigError, match=rf"{key}=\d+: must be 10 or more"):
            check_stats_settings(settings)
    check_stats_settings(SimpleNamespace(method="bootstrap", resamples=MIN_RESAMPLES, trials=1, alpha=0.5))  # trials unused


@pytest.mark.parametrize("correction", ["holm", "bonferroni", "none"])
@pytest.mark.parametrize("against_baseline", [False, True])
def test_a_run_says_no_test_can_be_significant_exactly_when_none_can(correction, against_baseline):
    """Over systems × resamples × alpha: the run's statistics carry a note
    iff the run's own correction (stats.adjust_p_values), given every test
    at the smallest p-value the resampling returns, leaves none below
    alpha; the resamples the note names make one reachable, and no fewer."""
    from types import SimpleNamespace

    from mt_eval.significance_floor import comparisons, smallest_p_value, unreachable_note
    from mt_eval.stats import adjust_p_values

    for systems in (2, 3, 4, 7, 11, 40):
        for draws in (10, 19, 100, 999, 1000, 5000):
            for alpha in (0.1, 0.05, 0.01, 0.001):
                settings = SimpleNamespace(method="bootstrap", correction=correction, resamples=draws, trials=draws, alpha=alpha,
                                           baseline="s0" if against_baseline else None)
                tests = comparisons(systems, against_baseline)
                reachable = tests == 0 or min(adjust_p_values([smallest_p_value(draws)] * tests, correction)) < alpha
                note = unreachable_note(settings, systems)
                if reachable:
                    assert note is None
                    continue
                assert note is not None and "stats.alpha" in note
                needed = int(note.split("stats.resamples=")[-1].split(" ")[0])
                assert min(adjust_p_values([smallest_p_value(needed)] * tests, correction)) < alpha
                assert not min(adjust_p_values([smallest_p_value(needed - 1)] * tests, correction)) < alpha
