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
import tempfile
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


# Bump when the key derivation changes: old entries then simply never match.
KEY_VERSION = "v2"
# How long to wait for a database another process holds locked before
# carrying on without the persistent cache.
LOCK_WAIT_SECONDS = 30.0


def _key(kind: str, parts: Sequence[str]) -> str:
    """sha256 of a canonical, length-prefixed encoding of ``parts``: no two
    different sequences of texts share a key, whatever characters the texts
    hold (a NUL inside a text cannot fake a field boundary)."""
    digest = hashlib.sha256()
    for part in (KEY_VERSION, kind, *parts):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def text_key(model: str, text: str) -> str:
    return _key("emb", [model, text])


def segment_key(model: str, parts: Sequence[str]) -> str:
    return _key("seg", [model, str(len(parts)), *parts])


class CometCache:
    """Embeddings and scores; ``directory=None`` keeps them in memory only.

    A database another process holds locked is waited for (``lock_wait``
    seconds), then the run carries on with an in-memory cache and says so. A
    read-only database or folder is used read-only, with a notice. Only a
    file SQLite cannot read as a database is moved aside and rebuilt; a
    database that opened fine is never renamed."""

    def __init__(self, directory: Optional[Path], lock_wait: float = LOCK_WAIT_SECONDS) -> None:
        self.notices: List[str] = []
        self._memory_embeddings: Dict[str, np.ndarray] = {}
        self._memory_scores: Dict[str, Tuple[float, dict]] = {}
        self.path = None if directory is None else Path(directory) / "comet-cache.sqlite3"
        self.read_only = False
        self._lock_wait = lock_wait
        self._db: Optional[sqlite3.Connection] = None
        if self.path is not None:
            self._db = self._open()

    def _open(self) -> Optional[sqlite3.Connection]:
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self.notices.append(f"the COMET cache folder {self.path.parent} cannot be created ({error.strerror}); this run used no persistent cache")
            return None
        writable = os.access(self.path.parent, os.W_OK) and (not self.path.exists() or os.access(self.path, os.W_OK))
        if not writable or not _probe_writable(self.path.parent):
            return self._open_read_only()
        try:
            db = self._connect()
            row = db.execute("PRAGMA quick_check").fetchone()
            if row is None or row[0] != "ok":
                db.close()
                return self._rebuild(f"integrity check: {row[0] if row else 'no answer'}")
            return db
        except sqlite3.OperationalError as error:
            if _is_lock(error):
                self.notices.append(
                    f"the COMET cache {self.path} stayed locked by another process for {self._lock_wait:.0f} s; "
                    "this run used an in-memory cache instead (the database is untouched)"
                )
                return None
            if _is_read_only(error):
                return self._open_read_only()
            return self._rebuild(str(error)) if _is_corrupt(error) else self._without_cache(error)
        except sqlite3.DatabaseError as error:
            return self._rebuild(str(error)) if _is_corrupt(error) else self._without_cache(error)

    def _open_read_only(self) -> Optional[sqlite3.Connection]:
        assert self.path is not None
        if not self.path.exists():
            self.notices.append(f"the COMET cache folder {self.path.parent} is read-only and holds no cache; this run used an in-memory cache")
            return None
        try:
            db = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, timeout=self._lock_wait, isolation_level=None)
            db.execute("SELECT count(*) FROM scores").fetchone()
        except sqlite3.DatabaseError as error:
            self.notices.append(f"the COMET cache {self.path} is read-only and could not be read ({error}); this run used an in-memory cache")
            return None
        self.read_only = True
        self.notices.append(f"the COMET cache {self.path} is read-only: it was read, and new entries were kept in memory only")
        return db

    def _rebuild(self, reason: str) -> sqlite3.Connection:
        assert self.path is not None
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        for suffix in ("", "-wal", "-shm"):
            candidate = Path(str(self.path) + suffix)
            if candidate.exists():
                candidate.replace(Path(str(aside) + suffix))
        self.notices.append(f"the COMET cache {self.path} was unreadable ({reason}); it was moved to {aside} and rebuilt")
        return self._connect()

    def _without_cache(self, error: Exception) -> Optional[sqlite3.Connection]:
        """No connection (None): record why; the run uses an in-memory cache."""
        self.notices.append(f"the COMET cache {self.path} could not be opened ({error}); this run used an in-memory cache")
        return None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), timeout=self._lock_wait, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={int(self._lock_wait * 1000)}")
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)
        return db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # embeddings -------------------------------------------------------------
    def get_embeddings(self, keys: Iterable[str]) -> Dict[str, np.ndarray]:
        keys = list(keys)
        found: Dict[str, np.ndarray] = {k: self._memory_embeddings[k] for k in keys if k in self._memory_embeddings}
        if self._db is None:
            return found
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
            if not self.read_only:
                self._db.executemany("DELETE FROM embeddings WHERE key = ?", [(k,) for k in damaged])
        return found

    def put_embeddings(self, items: Dict[str, np.ndarray]) -> None:
        if self._db is None or self.read_only:
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
        found: Dict[str, Tuple[float, dict]] = {k: self._memory_scores[k] for k in keys if k in self._memory_scores}
        if self._db is None:
            return found
        for chunk in _chunks(keys, 500):
            rows = self._db.execute(f"SELECT key, score, extra FROM scores WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            for key, score, extra in rows:
                try:
                    found[key] = (float(score), json.loads(extra))
                except (TypeError, ValueError):
                    self.notices.append("a damaged COMET score entry was discarded and recomputed")
        return found

    def put_scores(self, items: Dict[str, Tuple[float, dict]]) -> None:
        if self._db is None or self.read_only:
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
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if not _is_lock(error):
                raise
            self.notices.append(f"the COMET cache {self.path} stayed locked by another process; {len(rows)} new entries were kept in memory only")
            return
        try:
            self._db.executemany(statement, rows)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise


def _is_lock(error: Exception) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _is_read_only(error: Exception) -> bool:
    text = str(error).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text


def _is_corrupt(error: Exception) -> bool:
    text = str(error).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text or "integrity" in text


def _probe_writable(folder: Path) -> bool:
    """Permission bits say nothing to root; a read-only mount does."""
    try:
        handle, name = tempfile.mkstemp(prefix=".probe-", dir=folder)
        os.close(handle)
        os.unlink(name)
        return True
    except OSError:
        return False


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def _chunks(items: List[str], size: int) -> Iterable[List[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
