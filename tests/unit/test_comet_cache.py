"""metrics/comet_cache.py: the SQLite cache of COMET embeddings and segment
scores, used directly (no model needed): unambiguous keys, damaged entries
never trusted, shared, locked and read-only databases."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import numpy as np

from conftest import read_only_folder
from mt_eval.metrics.comet_cache import CometCache, segment_key, text_key


def test_cache_keys_are_unambiguous():
    assert segment_key("m", ["A\0B", "C"]) != segment_key("m", ["A", "B\0C"])
    assert segment_key("m", ["A", "B"]) != segment_key("m", ["A", "B", ""])
    assert text_key("m\0x", "y") != text_key("m", "x\0y")


def test_damaged_embeddings_are_not_trusted(tmp_path):
    cache = CometCache(tmp_path)
    cache.put_embeddings({"a": np.ones(4, dtype=np.float32), "b": np.zeros(4, dtype=np.float32)})
    cache._db.execute("UPDATE embeddings SET data = ? WHERE key = 'a'", (np.full(4, 2, dtype=np.float32).tobytes(),))
    found = cache.get_embeddings(["a", "b"])
    assert list(found) == ["b"]
    assert "damaged" in cache.notices[0]


def test_two_runs_can_share_the_cache_at_once(tmp_path):
    one, two = CometCache(tmp_path), CometCache(tmp_path)
    one.put_embeddings({f"k{i}": np.full(3, i, dtype=np.float32) for i in range(50)})
    two.put_embeddings({f"k{i}": np.full(3, i, dtype=np.float32) for i in range(25, 75)})
    assert len(one.get_embeddings([f"k{i}" for i in range(75)])) == 75


def test_a_locked_cache_is_waited_for_then_bypassed_never_renamed(tmp_path):
    CometCache(tmp_path).close()
    holder = sqlite3.connect(str(tmp_path / "comet-cache.sqlite3"), isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.time()
        cache = CometCache(tmp_path, lock_wait=0.5)
        assert time.time() - started < 10
        assert any("locked" in notice for notice in cache.notices), cache.notices
        cache.put_scores({"k": (0.5, {"refs": [0.5]})})
        assert cache.get_scores(["k"])["k"][0] == 0.5  # in memory for this run
        cache.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert sorted(p.name for p in tmp_path.iterdir() if "corrupt" in p.name) == []


def test_a_read_only_cache_is_used_read_only(tmp_path):
    with read_only_folder(tmp_path / "cache", prepare=lambda folder: _seed_cache(folder)) as folder:
        cache = CometCache(folder)
        assert cache.read_only and any("read-only" in notice for notice in cache.notices)
        assert cache.get_scores(["seeded"])["seeded"][0] == 0.25
        cache.put_scores({"new": (0.75, {"refs": [0.75]})})  # kept in memory, no error
        assert cache.get_scores(["new"])["new"][0] == 0.75
        cache.close()


def _seed_cache(folder: Path) -> None:
    cache = CometCache(folder)
    cache.put_scores({"seeded": (0.25, {"refs": [0.25]})})
    cache._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache._db.execute("PRAGMA journal_mode=DELETE")
    cache.close()
