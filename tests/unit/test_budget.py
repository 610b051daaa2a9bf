"""budget.py: the memory estimate grows with every count and shrinks with
every option that shrinks a run; a run is refused exactly when its
estimate is above the memory available (the one figure injected here),
with the estimate and options that really make it fit."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest

from mt_eval.budget import Workload, available_memory, check, estimate
from mt_eval.errors import ConfigError

COUNTS = ("systems", "metrics", "segments", "resamples", "trials")
METHODS = ("bootstrap", "ar", "none")
FORMATS = (("json", "md", "html"), ("json",), ("html",), ("json", "md"))


def random_workload(rng: random.Random) -> Workload:
    return Workload(
        systems=rng.choice([1, 2, 3, rng.randint(4, 50), rng.randint(50, 5000)]),
        metrics=rng.randint(1, 5),
        segments=rng.choice([1, rng.randint(2, 100), rng.randint(100, 2_000_000)]),
        resamples=rng.randint(10, 20000),
        method=rng.choice(METHODS),
        trials=rng.randint(10, 100000),
        against_baseline=rng.random() < 0.3,
        formats=rng.choice(FORMATS),
    )


def test_the_estimate_never_falls_when_a_count_grows():
    rng = random.Random(19)
    for _ in range(3000):
        work = random_workload(rng)
        count = rng.choice(COUNTS)
        bigger = replace(work, **{count: getattr(work, count) + rng.randint(1, 10 * getattr(work, count))})
        assert estimate(bigger).total >= estimate(work).total, (work, count)
        for part, size in estimate(work).parts.items():
            assert estimate(bigger).parts.get(part, 0) >= size, (work, count, part)


def test_the_estimate_never_grows_with_an_option_that_shrinks_a_run():
    rng = random.Random(20)
    for _ in range(3000):
        work = random_workload(rng)
        for smaller in (replace(work, against_baseline=True), replace(work, method="none"),
                        replace(work, formats=tuple(f for f in work.formats if f != "html"))):
            assert estimate(smaller).total <= estimate(work).total, (work, smaller)


def test_all_pairs_are_systems_squared_and_a_baseline_is_linear():
    work = Workload(systems=2000, metrics=3, segments=10, resamples=1000)
    assert work.pairs == 1_999_000
    assert replace(work, against_baseline=True).pairs == 1999
    assert replace(work, method="none").pairs == 0
    assert estimate(work).parts["pair tests"] > 10 * 1e9  # the reported case: far beyond a laptop


def test_a_run_is_refused_exactly_above_the_memory_available():
    rng = random.Random(21)
    for _ in range(2000):
        work = random_workload(rng)
        need = estimate(work).total
        assert check(work, need).total == need  # at the limit: accepted
        assert check(work, need + rng.randint(0, 10**12)).total == need
        assert check(work, None).total == need  # unknown memory: nothing refused
        with pytest.raises(ConfigError) as refused:
            check(work, need - rng.randint(1, need))
        message = str(refused.value)
        assert "Nothing was scored" in message and f"{work.systems:,} system" in message


def test_the_message_gives_the_estimate_and_only_options_that_fit():
    rng = random.Random(22)
    sizes = {"kB": 1e3, "MB": 1e6, "GB": 1e9}
    seen_fitting = 0
    for _ in range(2000):
        work = random_workload(rng)
        need = estimate(work).total
        if need < 2:
            continue
        available = rng.randint(1, need - 1)
        with pytest.raises(ConfigError) as refused:
            check(work, available)
        message = str(refused.value)
        stated = re.search(r"need about ([\d,.]+) (kB|MB|GB)", message)
        assert stated and float(stated.group(1).replace(",", "")) * sizes[stated.group(2)] == pytest.approx(need, rel=0.06, abs=60)
        if "It would fit with" in message:
            seen_fitting += 1
            for remedy in re.findall(r"about ([\d,.]+) (kB|MB|GB)", message.split("It would fit with", 1)[1]):
                assert float(remedy[0].replace(",", "")) * sizes[remedy[1]] <= available * 1.06 + 60, message
    assert seen_fitting > 100


def test_the_reported_case_is_refused_with_the_options_that_fix_it():
    work = Workload(systems=2000, metrics=3, segments=10, resamples=1000)
    with pytest.raises(ConfigError) as refused:
        check(work, 8 * 10**9, "available on this machine")
    message = str(refused.value)
    assert "1,999,000 pairs" in message and "8.0 GB available on this machine" in message
    assert "stats.baseline=NAME" in message and "stats.method=none" in message and "report.formats=[json,md]" in message


def test_this_machine_reports_what_it_can_give():
    found = available_memory()
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        total = next(int(line.split()[1]) * 1024 for line in meminfo if line.startswith("MemTotal:"))
    assert found is not None and 0 < found[0] <= total, found
    assert found[1]
