"""A persistent, content-addressed cache of COMET sentence embeddings and
segment scores.

Keys are sha256 digests of the model's identity and the exact text(s), so a
sentence is encoded once whatever system, test set or run it comes from, and
a segment is re-scored only when its source, output or references change.
Storage is one SQLite database (stdlib): concurrent runs are safe (WAL
journal, busy timeout), writes are transactions. Each embedding carries a
digest of its bytes; an entry that fails it is discarded and recomputed, and
a database file that SQLite cannot read is moved aside and rebuilt. Every
such event is reported, never silently trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, dim INTEGER NOT NULL, data BLOB NOT NULL, digest TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scores (key TEXT PRIMARY KEY, score REAL NOT NULL, extra TEXT NOT NULL);
"""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mt-eval"


def text_key(model: str, text: str) -> str:
    return hashlib.sha256(f"emb\0{model}\0{text}".encode("utf-8")).hexdigest()


def segment_key(model: str, parts: Sequence[str]) -> str:
    return hashlib.sha256(("seg\0" + model + "\0" + "\0".join(parts)).encode("utf-8")).hexdigest()


class CometCache:
    """Embeddings and scores; ``directory=None`` keeps them in memory only."""

    def __init__(self, directory: Optional[Path]) -> None:
        self.notices: List[str] = []
        self._memory_embeddings: Dict[str, np.ndarray] = {}
        self._memory_scores: Dict[str, Tuple[float, dict]] = {}
        self.path = None if directory is None else Path(directory) / "comet-cache.sqlite3"
        self._db: Optional[sqlite3.Connection] = None
        if self.path is not None:
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = self._connect()
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            return db
        except sqlite3.DatabaseError as error:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            for suffix in ("", "-wal", "-shm"):
                candidate = Path(str(self.path) + suffix)
                if candidate.exists():
                    candidate.replace(Path(str(aside) + suffix))
            self.notices.append(f"the COMET cache {self.path} was unreadable ({error}); it was moved to {aside} and rebuilt")
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), timeout=60, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA busy_timeout=60000")
        db.executescript(SCHEMA)
        return db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # embeddings -------------------------------------------------------------
    def get_embeddings(self, keys: Iterable[str]) -> Dict[str, np.ndarray]:
        keys = list(keys)
        if self._db is None:
            return {k: self._memory_embeddings[k] for k in keys if k in self._memory_embeddings}
        found: Dict[str, np.ndarray] = {}
        damaged = []
        for chunk in _chunks(keys, 500):
            rows = self._db.execute(
                f"SELECT key, dim, data, digest FROM embeddings WHERE key IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            for key, dim, data, digest in rows:
                if _digest(data) != digest or len(data) != dim * 4:
                    damaged.append(key)
                    continue
                found[key] = np.frombuffer(data, dtype=np.float32)
        if damaged:
            self.notices.append(f"{len(damaged)} damaged COMET cache entries were discarded and recomputed")
            self._db.executemany("DELETE FROM embeddings WHERE key = ?", [(k,) for k in damaged])
        return found

    def put_embeddings(self, items: Dict[str, np.ndarray]) -> None:
        if self._db is None:
            self._memory_embeddings.update(items)
            return
        rows = []
        for key, vector in items.items():
            data = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
            rows.append((key, len(data) // 4, data, _digest(data)))
        self._transaction("INSERT OR REPLACE INTO embeddings (key, dim, data, digest) VALUES (?, ?, ?, ?)", rows)

    # segment scores ---------------------------------------------------------
    def get_scores(self, keys: Iterable[str]) -> Dict[str, Tuple[float, dict]]:
        keys = list(keys)
        if self._db is None:
            return {k: self._memory_scores[k] for k in keys if k in self._memory_scores}
        found = {}
        for chunk in _chunks(keys, 500):
            rows = self._db.execute(f"SELECT key, score, extra FROM scores WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            for key, score, extra in rows:
                try:
                    found[key] = (float(score), json.loads(extra))
                except (TypeError, ValueError):
                    self.notices.append("a damaged COMET score entry was discarded and recomputed")
        return found

    def put_scores(self, items: Dict[str, Tuple[float, dict]]) -> None:
        if self._db is None:
            self._memory_scores.update(items)
            return
        self._transaction(
            "INSERT OR REPLACE INTO scores (key, score, extra) VALUES (?, ?, ?)",
            [(key, float(score), json.dumps(extra)) for key, (score, extra) in items.items()],
        )

    def _transaction(self, statement: str, rows: List[tuple]) -> None:
        assert self._db is not None
        if not rows:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(statement, rows)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def _chunks(items: List[str], size: int) -> Iterable[List[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
