"""How small a p-value the resampling tests can give, and the settings
that make a significance level reachable.

Every test here counts with the +1 correction: ``stats._p_value`` (paired
bootstrap and approximate randomisation) and ``stats.non_inferiority_p``
(the gate) return (count + 1) / (draws + 1), so the smallest p-value on
``draws`` resamples or trials is 1 / (draws + 1). A difference is
significant when p < alpha; with alpha at or below that floor nothing ever
is, and a regression would pass as noise. Such settings are refused at
config time.
"""

from __future__ import annotations

from typing import Any, Optional

from .errors import ConfigError

# The fewest resamples (bootstrap) and trials (approximate randomisation) a
# run may ask for: fewer make an interval of a handful of order statistics.
MIN_RESAMPLES = 10
MIN_TRIALS = 10


def smallest_p_value(draws: int) -> float:
    """The smallest p-value a test on ``draws`` resamples or trials gives."""
    return 1 / (draws + 1)


def draws_needed(alpha: float) -> int:
    """The fewest resamples or trials with which a p-value below ``alpha``
    (0 < alpha < 1) is possible."""
    draws = max(1, int(1 / alpha) - 2)
    while not smallest_p_value(draws) < alpha:  # the very float comparison the tests make (p < alpha)
        draws += 1
    return draws


def comparisons(systems: int, against_baseline: bool) -> int:
    """The pairwise tests per metric: every pair, or each system against one."""
    return max(0, systems - 1) if against_baseline else systems * (systems - 1) // 2


def unreachable_note(settings: Any, systems: int) -> Optional[str]:
    """Why no pairwise test of a run can be significant, or None. Holm and
    Bonferroni multiply the smallest p-value by the number of tests in a
    metric, so 55 pairs (11 systems) on 1000 resamples give at best
    55/1001 = 0.055: with alpha 0.05 nothing is significant and every
    system shares rank group 1. That is a fact about the settings, not the
    systems, so reports say it where they show the tests (a run of many
    systems stays possible: its scores and intervals still hold)."""
    method, correction = str(settings.method), str(settings.correction)
    tests = comparisons(systems, settings.baseline is not None)
    if method == "none" or tests == 0:
        return None
    if correction == "none":
        tests = 1  # each p-value stands as it is
    draws_key = "stats.trials" if method == "ar" else "stats.resamples"
    draws = int(settings.trials if method == "ar" else settings.resamples)
    alpha = float(settings.alpha)
    floor = min(1.0, tests * smallest_p_value(draws))
    if floor < alpha:
        return None
    needed = draws_needed(alpha / tests)
    while not min(1.0, tests * smallest_p_value(needed)) < alpha:
        needed += 1
    return (f"no difference can be significant at stats.alpha={alpha:g}: {tests} test{'s' if tests > 1 else ''} per metric "
            f"({systems} systems{', each against stats.baseline' if settings.baseline is not None else ', every pair' if tests > 1 else ''}"
            f"{f', {correction} correction' if tests > 1 else ''}) on {draws_key}={draws} give at best a p-value of "
            f"{tests}/({draws}+1) = {floor:.4g}, so every system shares one rank group. Set {draws_key}={needed} or more"
            + (", compare each system with one (stats.baseline=NAME)" if settings.baseline is None and tests > 1 else "")
            + (", or stats.correction=none" if tests > 1 else "") + ".")


def check_draws(key: str, value: Any, lowest: int) -> int:
    """``stats.resamples`` or ``stats.trials``: a whole number, at least ``lowest``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key}={value!r}: must be a whole number ({lowest} or more; 1000 is usual).")
    if value < lowest:
        raise ConfigError(f"{key}={value}: must be {lowest} or more (1000 is usual).")
    return value


def check_reachable(alpha_key: str, alpha: float, draws_key: str, draws: int, test: str) -> None:
    """Refuse a level ``alpha`` that no p-value of ``test`` on ``draws``
    resamples or trials can get below."""
    if smallest_p_value(draws) < alpha:
        return
    if not 1 / alpha < 2**62:
        raise ConfigError(f"{alpha_key}={alpha:g}: too small for any number of {draws_key.split('.')[-1]}; use a level such as 0.05 or 0.01.")
    raise ConfigError(
        f"{alpha_key}={alpha:g} cannot be reached with {draws_key}={draws}: the smallest p-value {test} can give is "
        f"1/({draws}+1) = {smallest_p_value(draws):.6g}, so no difference could ever be significant. "
        f"Set {draws_key}={draws_needed(alpha)} or more, or raise {alpha_key} above {smallest_p_value(draws):.6g}."
    )


def check_stats_settings(settings: Any) -> int:
    """The resampling options of ``stats``: resamples (and trials for
    ``method=ar``) at their minimum, and ``stats.alpha`` reachable by the
    run's own paired tests (an unreachable one would make every pair "not
    significant" and every rank group one). Returns stats.resamples."""
    resamples = check_draws("stats.resamples", settings.resamples, MIN_RESAMPLES)
    alpha = float(settings.alpha)
    if not 0 < alpha < 1:
        raise ConfigError(f"stats.alpha={settings.alpha}: must be between 0 and 1, e.g. 0.05.")
    method = str(settings.method)
    if method == "bootstrap":
        check_reachable("stats.alpha", alpha, "stats.resamples", resamples, "the paired bootstrap")
    elif method == "ar":
        trials = check_draws("stats.trials", settings.trials, MIN_TRIALS)
        check_reachable("stats.alpha", alpha, "stats.trials", trials, "approximate randomisation")
    return resamples  # 'none' tests nothing; an unknown method is refused with the other stats options


__all__ = ["MIN_RESAMPLES", "MIN_TRIALS", "smallest_p_value", "draws_needed", "check_draws", "check_reachable", "check_stats_settings"]
